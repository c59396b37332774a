"""`Chat`: every use case an adapter needs, and the routing of raw input.

An adapter builds one ``Chat(essaim)`` at start-up, turns each platform event into a `User`
and a method call (in a worker thread: the services are synchronous), and turns the returned
`Reply` into platform messages. See the module docstrings of the mixins for each group.

Raw input — a pressed button's payload (`Chat.press`), a typed message (`Chat.text`), a
submitted form (`Chat.form`) — is routed here, the one class that knows every group
(contributing and reviewing alike).
"""

from __future__ import annotations

from bots.core import payload as p
from bots.core.account import Account
from bots.core.base import User, polite
from bots.core.notices import Notifying
from bots.core.replies import Reply, msg
from bots.core.requesting import Requesting
from bots.core.reviewing import Reviewing


class Chat(Account, Requesting, Reviewing, Notifying):
    """Contributors' (`Contributing`, `Account`), requesters', moderators' use cases; notices."""

    def text(
        self,
        user: User,
        text: str,
        *,
        replied_to: str | None = None,
        last_assignment: int | None = None,
        seconds: float | None = None,
    ) -> Reply:
        """A typed message: the answer to the prompt it replies to, else to ``last_assignment``.

        ``replied_to`` is the text of the message it replies to (its reference says which
        task, or which review); ``last_assignment`` is an adapter's cache of the last text
        task it showed.
        """
        ref = p.find_text_ref(replied_to)
        if ref is not None and ref.kind == "review":
            return self.review_write(user, ref.id, text)
        target = ref.id if ref is not None else last_assignment
        if target is not None:
            return self.answer(user, target, text, seconds=seconds)
        return self._unclear(user)

    def form(self, user: User, opener: p.Payload | None, text: str) -> Reply:
        """The text of a form, sent for the press that opened it (a payload whose ``form``
        is set); any other payload is refused like a forged button."""
        match opener:
            case p.WriteAnswer(assignment_id):
                return self.answer(user, assignment_id, text)
            case p.Report(assignment_id):
                return self.report(user, assignment_id, text)
            case p.ReviewWrite(task_id):
                return self.review_write(user, task_id, text)
        return self.bad_button(user)

    def press(self, user: User, data: str | None, *, seconds: float | None = None) -> Reply:
        """A pressed button: parse its payload strictly and run what it asks for."""
        payload = p.parse(data)
        match payload:
            case p.Answer(assignment_id, choice):
                return self.answer(user, assignment_id, choice, seconds=seconds)
            case p.AnswerIndex(assignment_id, index):
                return self.answer_index(user, assignment_id, index)
            case p.MultiToggle(assignment_id, mask):
                return self.toggle(user, assignment_id, mask)
            case p.MultiSubmit(assignment_id, mask):
                return self.submit_multi(user, assignment_id, mask)
            case p.Skip(assignment_id):
                return self.skip(user, assignment_id)
            case p.Report(assignment_id):
                return self.report(user, assignment_id)
            case p.WriteAnswer(assignment_id):
                return self.write(user, assignment_id)
            case p.ReadMore(assignment_id, page):
                return self.read_more(user, assignment_id, page)
            case p.Next():
                return self.next(user)
            case p.ReviewPick(task_id, index):
                return self.review_pick(user, task_id, index)
            case p.ReviewDiscard(task_id):
                return self.review_discard(user, task_id)
            case p.ReviewWrite(task_id):
                return self.review_write_prompt(user, task_id)
            case p.ForgetConfirm():
                return self.forget_confirm(user)
            case p.ForgetCancel():
                return self.forget_cancel(user)
            case p.Language(code):
                return self.set_language(user, code)
        return self.bad_button(user)

    @polite
    def bad_button(self, user: User) -> Reply:
        """A payload that is not ours (forged, or from an old version): refuse, change nothing."""
        lang = self.language_of(user)
        return Reply(lang, toast=msg("error.bad_button"))


__all__ = ["Chat", "Reply", "User"]
