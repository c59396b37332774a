"""Contributors' use cases: get a task, answer it, skip it, report it.

Every reply is built from what the services return; nothing is remembered between calls,
so a button pressed after a restart (or on another bot process) works the same.
"""

from __future__ import annotations

import logging
from typing import Any

from bots.core.base import ChatBase, Speaker, User, polite
from bots.core.i18n import has_key
from bots.core.payload import TextRef, text_ref
from bots.core.render import (
    ECHO,
    choice_at,
    page_of,
    read_more_button,
    render_task,
    reply_prompt,
    selected_values,
    shorten,
    value_text,
)
from bots.core.replies import Msg, Reply, ReplyPrompt, msg
from engine import services
from engine.services.dto import NextTask, SubmitResult, TaskOffer
from engine.statuses import NextStatus, SubmitStatus

log = logging.getLogger(__name__)


def next_lines(nxt: NextTask, asked: str | None = None) -> tuple[Msg, ...]:
    """Why there is no task to show (nothing to say when there is one).

    ``asked`` is the project the person named: "no project" then means that one does not
    exist, not that no project is open.
    """
    slug = nxt.project_slug or ""
    if nxt.status == NextStatus.TASK:
        return ()
    if nxt.status == NextStatus.NO_PROJECT and asked:
        return (msg("next.unknown_project", project=asked),)
    if nxt.status == NextStatus.NONE:
        return (msg("next.none", project=slug) if slug else msg("next.none_anywhere"),)
    return (msg(f"next.{nxt.status}", project=slug),)


def _params(params: dict[str, Any]) -> dict[str, Any]:
    """Error parameters as text (a list of choices becomes "a, b, c")."""
    return {
        k: ", ".join(map(str, v)) if isinstance(v, list | tuple) else v for k, v in params.items()
    }


class Contributing(ChatBase):
    # --- getting a task ------------------------------------------------------------------

    @polite
    def next(self, user: User, project: str | None = None) -> Reply:
        """The contributor's current task (the same one until answered), or why there is none."""
        who = self.speaker(user)
        nxt = services.next_task(self.db, who.id, project)
        return self._with_next(who, nxt, asked=project)

    def _with_next(
        self, who: Speaker, nxt: NextTask | None, *, asked: str | None = None, **fields: Any
    ) -> Reply:
        lines = tuple(fields.pop("lines", ()))
        if nxt is not None:
            lines += next_lines(nxt, asked)
        task = render_task(nxt.offer) if nxt is not None and nxt.offer is not None else None
        return Reply(who.lang, lines=lines, task=task, **fields)

    def _offer_of(self, who: Speaker, assignment_id: int) -> TaskOffer | None:
        """The task of a live assignment of this contributor, to resolve an index or a mask."""
        return services.offer_of(self.db, who.id, assignment_id)

    # --- answering -----------------------------------------------------------------------

    @polite
    def answer(
        self, user: User, assignment_id: int, raw: str | list[str], *, seconds: float | None = None
    ) -> Reply:
        """Submit a pressed choice or a typed text; the services check that it is theirs.

        Who is answering is looked up in the submit's own transaction: one per press.
        """
        who, result = self.answering(user, assignment_id, raw, seconds)
        return self.outcome(who, assignment_id, result)

    @polite
    def answer_index(self, user: User, assignment_id: int, index: int) -> Reply:
        """A choice given by its position (its value was too long for the button)."""
        who = self.speaker(user)
        offer = self._offer_of(who, assignment_id)
        choice = choice_at(offer.prompt, index) if offer is not None else None
        # Without the task, submit nothing: the services still say unknown/not yours/expired.
        return self._submit(who, assignment_id, choice.value if choice else "", None)

    @polite
    def toggle(self, user: User, assignment_id: int, mask: int) -> Reply:
        """Redraw a multi-choice task with ``mask`` selected; nothing is stored yet."""
        who = self.speaker(user)
        offer = self._offer_of(who, assignment_id)
        if offer is None:
            return Reply(who.lang, toast=msg("answer.gone"))
        return Reply(who.lang, task=render_task(offer, selected=mask), task_in_place=True)

    @polite
    def submit_multi(self, user: User, assignment_id: int, mask: int) -> Reply:
        """Submit the selection of a multi-choice task."""
        who = self.speaker(user)
        offer = self._offer_of(who, assignment_id)
        values = selected_values(offer.prompt, mask) if offer is not None else []
        return self._submit(who, assignment_id, values, None)

    def _submit(
        self, who: Speaker, assignment_id: int, raw: str | list[str], seconds: float | None
    ) -> Reply:
        result = self.essaim.submit_answer(who.id, assignment_id, raw, seconds=seconds)
        return self.outcome(who, assignment_id, result)

    def outcome(self, who: Speaker, assignment_id: int, result: SubmitResult) -> Reply:
        """What the contributor sees after submitting: the answer, feedback, the next task.

        Every status has its own short text (``submit.<status>``) for the button's toast.
        """
        status = result.status
        toast = msg(f"submit.{status}", points=result.points)
        answered = msg("answer.accepted", answer=shorten(value_text(result.value), ECHO))
        if status == SubmitStatus.ACCEPTED:
            edit = [answered]
            if result.feedback is not None:
                edit.append(
                    msg("feedback.correct")
                    if result.feedback.correct
                    else msg("feedback.wrong", expected=value_text(result.feedback.expected))
                )
            return self._with_next(who, result.next, toast=toast, edit=tuple(edit))
        if status == SubmitStatus.DUPLICATE:  # a double tap: the next task was shown already
            return Reply(who.lang, toast=toast, edit=(answered,))
        if status == SubmitStatus.EXPIRED:
            return self._with_next(who, result.next, toast=toast, edit=(toast,))
        if status == SubmitStatus.INVALID:
            key = f"invalid.{result.error_code}"
            if not has_key(key):  # a code newer than the catalogs: the English detail
                key = "invalid.unknown"
            line = msg(key, detail=result.error_message or "", **_params(result.error_params))
            return Reply(who.lang, toast=line, lines=(line,), prompt=self._again(assignment_id))
        if status == SubmitStatus.SUSPENDED:
            return Reply(who.lang, toast=toast, lines=(msg("next.suspended", project=""),))
        return Reply(who.lang, toast=toast, lines=(toast,))  # not_yours, unknown: nothing stored

    def _again(self, assignment_id: int) -> ReplyPrompt:
        target = TextRef("answer", assignment_id)
        return ReplyPrompt(msg("prompt.again"), text_ref(target), target)

    # --- giving a task back --------------------------------------------------------------

    @polite
    def skip(self, user: User, assignment_id: int) -> Reply:
        """Give the task back (never offered again to this contributor) and show the next.

        A skip button of someone else's card, or of an old card whose lease is over, skips
        nothing: the person hears that and gets their current task (``skip_task`` alone
        would answer "no task" for the one and lease a second task for the other).
        """
        who = self.speaker(user)
        refused = self._not_held(who, assignment_id, "skip.not_yours")
        if refused is not None:
            return refused
        nxt = services.skip_task(self.db, who.id, assignment_id)
        return self._with_next(who, nxt, edit=(msg("skip.done"),))

    def _not_held(self, who: Speaker, assignment_id: int, key: str) -> Reply | None:
        """The reply to a button of a task this person does not hold (someone else's card,
        or an old one of theirs): ``key`` says nothing was done, then their current task.
        None when they hold it, and the button may act."""
        if self._offer_of(who, assignment_id) is not None:
            return None
        nxt = services.next_task(self.db, who.id)
        return self._with_next(who, nxt, lines=(msg(key),))

    @polite
    def read_more(self, user: User, assignment_id: int, page: int) -> Reply:
        """Page ``page`` of a long task text, with a button for the page after it.

        The page number comes in the button (nothing is remembered); only the person who
        holds the task can read it, as only they could see its card.
        """
        who = self.speaker(user)
        offer = self._offer_of(who, assignment_id)
        if offer is None:
            return Reply(who.lang, toast=msg("answer.gone"), lines=(msg("answer.gone"),))
        text, pages = page_of(offer.prompt.text, page)
        if not text:
            return Reply(who.lang, toast=msg("task.no_more"), lines=(msg("task.no_more"),))
        shown = msg("task.page", page=page + 1, pages=pages, text=text)
        more = ((read_more_button(assignment_id, page + 1),),) if page + 1 < pages else ()
        return Reply(who.lang, lines=(shown,), buttons=more)

    @polite
    def report(self, user: User, assignment_id: int, reason: str = "") -> Reply:
        """Report a problem with the task: moderators see it, the contributor moves on.

        Like skip, the button of a task the person does not hold reports nothing and says
        so: "thank you, reported" would be untrue, and they still hold their own task.
        """
        who = self.speaker(user)
        refused = self._not_held(who, assignment_id, "report.not_yours")
        if refused is not None:
            return refused
        nxt = services.report_task(self.db, who.id, assignment_id, reason)
        return self._with_next(who, nxt, edit=(msg("report.done"),))

    def report_form_language(self, user: User, assignment_id: int) -> str | None:
        """The language of the form asking why a held task is reported; None when the
        button is not the person's (then `report` says so, and no form opens)."""
        try:
            who = self.speaker(user)
            held = self._offer_of(who, assignment_id) is not None
        except Exception:  # let the form open: `report` judges again, and apologises
            log.exception("could not check the report button of %s", user.external_id)
            return self.language_of(user)
        return who.lang if held else None

    @polite
    def write(self, user: User, assignment_id: int) -> Reply:
        """Ask again for the text answer of a task (the reply prompt was lost or closed)."""
        who = self.speaker(user)
        offer = self._offer_of(who, assignment_id)
        if offer is None:
            return Reply(who.lang, toast=msg("answer.gone"), lines=(msg("answer.gone"),))
        return Reply(who.lang, prompt=reply_prompt(offer.prompt, assignment_id))

    # --- free text that answers nothing (`Chat.text` routes typed messages) ---------------

    @polite
    def _unclear(self, user: User) -> Reply:
        who = self.speaker(user)
        nxt = services.next_task(self.db, who.id)
        return self._with_next(who, nxt, lines=(msg("text.unclear"),))
