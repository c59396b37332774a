"""Pure functions from the engine's plain results to neutral views (no escaping here).

Escaping and layout limits that belong to one platform (Telegram's 4096 characters, HTML)
are the adapter's; what every platform shares — which buttons, in which rows, which text is
typed and which is pressed — is decided once, here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bots.core import payload as p
from bots.core.replies import (
    Button,
    Keyboard,
    Label,
    ReplyPrompt,
    ReviewLine,
    ReviewView,
    TaskView,
    button,
    msg,
)
from engine.services.dto import ReviewItem, TaskOffer
from tasks.base import (
    INPUT_CHOICE_OR_TEXT,
    INPUT_MULTI_CHOICE,
    INPUT_TEXT,
    STAGE_VOTE,
    Choice,
    Prompt,
)

ROW_WIDTH = 36
"""Characters of button labels that fit on one row of a phone screen."""
MAX_PER_ROW = 4
LONG_LABEL = 32
"""Choices with a longer label are listed in the message and pressed by number."""
REVIEW_LABEL = 40
PAGE = 900
"""Characters of a task text on one card or page. Discord allows 2000 characters and its
escaping can double a text (``*`` is ``\\*``); Telegram 4096 UTF-16 units, two for an emoji:
a page always fits one message, and a card one message unless every field is at its longest."""
CONTEXT = 200
"""Characters of each neighbouring sentence (context, not the text to work on)."""
INSTRUCTIONS = 500
DETAIL = 100
"""Characters of each extra field of an item, of which at most ``DETAILS`` are shown."""
DETAILS = 6
ECHO = 300
"""Characters of an answer repeated back to its author ("Your answer: …")."""

# Choices the task types name in English: shown in the user's language instead.
SPECIAL_CHOICES = {
    ("answer", "no_error"): "choice.no_error",
    ("vote", "none"): "choice.none_right",
    ("answer", "cant_tell"): "choice.cant_tell",
}
PLACEHOLDERS = {"proofreading": "placeholder.correction", "translation": "placeholder.translation"}
REPLY_TEXTS = {"proofreading": "prompt.correction", "translation": "prompt.translation"}


def rows(buttons: Sequence[Button], *, width: int = ROW_WIDTH) -> Keyboard:
    """Pack buttons into rows so that labels stay readable: short labels share a row."""
    if not buttons:
        return ()
    longest = max(_label_length(button.label) for button in buttons)
    per_row = max(1, min(MAX_PER_ROW, width // (longest + 2)))
    return tuple(
        tuple(buttons[start : start + per_row]) for start in range(0, len(buttons), per_row)
    )


def _label_length(label: Label) -> int:
    return len(label) if isinstance(label, str) else 14  # translated labels are short


def choice_label(prompt: Prompt, choice: Choice) -> Label:
    special = SPECIAL_CHOICES.get((prompt.stage, choice.value))
    return msg(special) if special else choice.label


def answer_payload(assignment_id: int, index: int, choice: Choice) -> p.Answer | p.AnswerIndex:
    """``a:<id>:<value>``, or by index when the value does not fit in a payload."""
    by_value = p.Answer(assignment_id, choice.value)
    return by_value if p.fits(by_value) else p.AnswerIndex(assignment_id, index)


def render_task(offer: TaskOffer, *, selected: int = 0) -> TaskView:
    """The view of a leased task; ``selected`` is the bit mask of a multi-choice selection."""
    prompt = offer.prompt
    aid = offer.assignment_id
    choices = list(prompt.choices)
    long_labels = any(len(c.label) > LONG_LABEL for c in choices if _is_plain(prompt, c))
    options: tuple[str, ...] = ()
    if prompt.input == INPUT_MULTI_CHOICE:
        choice_buttons = _multi_buttons(prompt, aid, selected)
    else:
        if long_labels:
            options = tuple(c.label for c in choices if _is_plain(prompt, c))
        choice_buttons = _choice_buttons(prompt, aid, long_labels)
    typed = prompt.input in (INPUT_TEXT, INPUT_CHOICE_OR_TEXT)
    first, pages = page_of(prompt.text, 0)
    tools = [
        button(msg("button.skip"), p.Skip(aid)),
        button(msg("button.report"), p.Report(aid)),
    ]
    if typed:
        tools.insert(0, button(msg("button.write"), p.WriteAnswer(aid)))
    if pages > 1:
        tools.insert(0, read_more_button(aid, 1))
    return TaskView(
        assignment_id=aid,
        task_id=offer.task_id,
        project_slug=offer.project_slug,
        project_name=offer.project_name,
        kind=prompt.kind,
        stage=prompt.stage,
        input=prompt.input,
        title=msg(
            "task.vote_title" if prompt.stage == STAGE_VOTE else "task.title",
            project=offer.project_name,
        ),
        instructions=shorten(prompt.instructions, INSTRUCTIONS),
        text=first,
        text_pages=pages,
        code=typed,
        context_before=shorten(prompt.context_before, CONTEXT),
        context_after=shorten(prompt.context_after, CONTEXT),
        details=tuple((k, shorten(v, DETAIL)) for k, v in prompt.details[:DETAILS]),
        media_url=prompt.media_url,
        source_language=prompt.source_language,
        target_language=prompt.target_language,
        options=options,
        buttons=(*choice_buttons, tuple(tools)),
        reply=reply_prompt(prompt, aid) if typed else None,
        selected=selected,
    )


def read_more_button(assignment_id: int, page: int) -> Button:
    return button(msg("button.read_more"), p.ReadMore(assignment_id, page))


def page_of(text: str, page: int, size: int = PAGE) -> tuple[str, int]:
    """Page ``page`` (from 0) of ``text`` and how many pages there are ("" past the end).

    Pages end after a space or a newline in their last fifth when there is one, so words stay
    whole; the cut depends only on the text, so a page number alone finds a page again.
    """
    starts = [0]
    while len(text) - starts[-1] > size:
        start = starts[-1]
        window = text[start : start + size]
        space = max(window.rfind(" "), window.rfind("\n"))
        starts.append(start + (space + 1 if space >= size * 4 // 5 else size))
    if not 0 <= page < len(starts):
        return "", len(starts)
    stop = starts[page + 1] if page + 1 < len(starts) else len(text)
    return text[starts[page] : stop], len(starts)


def _is_plain(prompt: Prompt, choice: Choice) -> bool:
    return (prompt.stage, choice.value) not in SPECIAL_CHOICES


def _choice_buttons(prompt: Prompt, aid: int, numbered: bool) -> Keyboard:
    plain: list[Button] = []
    special: list[Button] = []
    number = 0
    for index, choice in enumerate(prompt.choices):
        if not _is_plain(prompt, choice):
            special.append(button(choice_label(prompt, choice), answer_payload(aid, index, choice)))
            continue
        number += 1
        label: Label = str(number) if numbered else choice.label
        plain.append(button(label, answer_payload(aid, index, choice)))
    return (*rows(plain), *rows(special))


def _multi_buttons(prompt: Prompt, aid: int, selected: int) -> Keyboard:
    """Toggle buttons that carry the next selection, and "Done" with the current one."""
    toggles = []
    for index, choice in enumerate(prompt.choices):
        mark = "☑" if selected >> index & 1 else "☐"
        label = choice_label(prompt, choice)
        shown = msg("choice.marked", mark=mark, label=label)
        toggles.append(button(shown, p.MultiToggle(aid, selected ^ (1 << index))))
    done = button(msg("button.done"), p.MultiSubmit(aid, selected))
    return (*rows(toggles), (done,))


def reply_prompt(prompt: Prompt, aid: int) -> ReplyPrompt:
    target = p.TextRef("answer", aid)
    return ReplyPrompt(
        text=msg(REPLY_TEXTS.get(prompt.kind, "prompt.text")),
        ref=p.text_ref(target),
        target=target,
        placeholder=msg(PLACEHOLDERS[prompt.kind])
        if prompt.kind in PLACEHOLDERS
        else prompt.placeholder,
        default_text=prompt.default_text,
    )


def selected_values(prompt: Prompt, mask: int) -> list[str]:
    """The choice values a multi-choice ``mask`` selects, in the prompt's order."""
    return [c.value for i, c in enumerate(prompt.choices) if mask >> i & 1]


def choice_at(prompt: Prompt, index: int) -> Choice | None:
    return prompt.choices[index] if 0 <= index < len(prompt.choices) else None


def value_text(value: Any, prompt: Prompt | None = None) -> str:
    """An answer as people read it: a choice's label rather than its value."""
    if isinstance(value, list | tuple):
        return ", ".join(value_text(part, prompt) for part in value)
    if prompt is not None:
        for choice in prompt.choices:
            if choice.value == value:
                return choice.label
    return "" if value is None else str(value)


def render_review(item: ReviewItem, *, remaining: int = 0) -> ReviewView:
    """A task in review with every distinct answer and the buttons to decide it."""
    lines = tuple(
        ReviewLine(index, value_text(answer.value, item.prompt), answer.count, answer.skills)
        for index, answer in enumerate(item.answers)
    )
    picks = [
        button(
            f"{line.index + 1}. {_shorten(line.value, REVIEW_LABEL)}",
            p.ReviewPick(item.task_id, line.index),
        )
        for line in lines[: p.MAX_INDEX + 1]
    ]
    tools = (
        button(msg("button.review_write"), p.ReviewWrite(item.task_id)),
        button(msg("button.review_discard"), p.ReviewDiscard(item.task_id)),
    )
    return ReviewView(
        task_id=item.task_id,
        project_slug=item.project_slug,
        item_id=item.item_id,
        instructions=item.prompt.instructions,
        text=shorten(item.prompt.text, PAGE),
        context_before=shorten(item.prompt.context_before, CONTEXT),
        context_after=shorten(item.prompt.context_after, CONTEXT),
        answers=lines,
        agreement=item.agreement,
        n_answers=item.n_answers,
        remaining=remaining,
        buttons=(*rows(picks, width=1), tools),
    )


def review_prompt(task_id: int, default_text: str | None = None) -> ReplyPrompt:
    target = p.TextRef("review", task_id)
    return ReplyPrompt(
        msg("prompt.review"), p.text_ref(target), target, msg("placeholder.review"), default_text
    )


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending in "…" when cut (layout kept)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
