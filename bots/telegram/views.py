"""Pure builders: neutral views → Telegram HTML texts and keyboards.

Every text that comes from outside (a task, a project's label, a contributor's answer, and
the catalogs too) goes through `escape`; markup is added only here, around escaped text.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from telegram import (
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bots.core.i18n import SHARED, languages
from bots.core.replies import Keyboard, Label, Msg, ReplyPrompt, ReviewView, TaskView, msg
from bots.telegram.html import escape

TEXTS = SHARED.overlay(Path(__file__).resolve().parent / "locales")
"""The shared catalog under Telegram's own (its /commands, answers by replying)."""
MAX_PLACEHOLDER = 64
MAX_BUTTON = 64


def text(lang: str, label: Label) -> str:
    """A catalog message or raw text, translated and escaped."""
    return escape(TEXTS.say(lang, label))


def lines(lang: str, messages: Iterable[Msg]) -> str:
    return "\n\n".join(text(lang, m) for m in messages)


def keyboard(lang: str, buttons: Keyboard) -> InlineKeyboardMarkup | None:
    """Inline keyboard of neutral buttons (labels are plain text in Telegram: no escaping)."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _cut(TEXTS.say(lang, b.label), MAX_BUTTON), callback_data=b.payload
                )
                for b in row
            ]
            for row in buttons
        ]
    )


def menu(lang: str) -> ReplyKeyboardMarkup:
    """The persistent "Next task" button under the message field."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(TEXTS.say(lang, msg("button.next")))]],
        resize_keyboard=True,
        is_persistent=True,
    )


def next_labels() -> frozenset[str]:
    """The "Next task" button in every language (a press arrives as that text)."""
    return frozenset(TEXTS.translate(code, "button.next") for code in languages())


def task_text(lang: str, view: TaskView) -> str:
    """The task card: title, instructions, context, the text to work on, choices."""
    parts = [f"<b>{text(lang, view.title)}</b>", f"<i>{escape(view.instructions)}</i>"]
    if view.source_language and view.target_language:
        parts.append(
            text(
                lang,
                msg("task.languages", source=view.source_language, target=view.target_language),
            )
        )
    body = []
    if view.context_before:
        body.append(
            f"{text(lang, msg('task.context_before'))} <i>{escape(view.context_before)}</i>"
        )
    if view.code:  # a <code> block is copied with one tap: edit it and send it back
        body.append(f"<code>{escape(view.text)}</code>")
    else:
        body.append(f"<blockquote>{escape(view.text)}</blockquote>")
    if view.context_after:
        body.append(f"{text(lang, msg('task.context_after'))} <i>{escape(view.context_after)}</i>")
    parts.append("\n".join(body))
    if view.details:
        parts.append("\n".join(f"<b>{escape(k)}</b>: {escape(v)}" for k, v in view.details))
    if view.media_url:
        parts.append(escape(view.media_url))
    if view.options:
        numbered = "\n".join(f"{i}. {escape(o)}" for i, o in enumerate(view.options, start=1))
        parts.append(f"{text(lang, msg('task.options'))}\n{numbered}")
    return "\n\n".join(parts)


def review_text(lang: str, view: ReviewView) -> str:
    """A review item: the task, then every distinct answer with its count and skills."""
    agreement = "—" if view.agreement is None else f"{view.agreement:.0%}"
    parts = [
        f"<b>{text(lang, msg('review.header', project=view.project_slug, item=view.item_id))}</b>",
        f"<i>{escape(view.instructions)}</i>",
    ]
    if view.context_before:
        parts.append(f"<i>{escape(view.context_before)}</i>")
    parts.append(f"<blockquote>{escape(view.text)}</blockquote>")
    if view.context_after:
        parts.append(f"<i>{escape(view.context_after)}</i>")
    parts.append(
        text(
            lang,
            msg(
                "review.stats",
                answers=view.n_answers,
                agreement=agreement,
                remaining=view.remaining,
            ),
        )
    )
    parts.append(
        "\n".join(
            text(
                lang,
                msg(
                    "review.answer",
                    index=line.index + 1,
                    value=line.value,
                    count=line.count,
                    skills=", ".join(f"{s:.2f}" for s in line.skills),
                ),
            )
            for line in view.answers
        )
    )
    return "\n\n".join(parts)


def prompt_text(lang: str, prompt: ReplyPrompt) -> str:
    """The reply prompt ends with its reference, which says what a reply to it answers."""
    return f"{text(lang, prompt.text)}\n\n<i>{text(lang, msg('prompt.ref', ref=prompt.ref))}</i>"


def force_reply(lang: str, prompt: ReplyPrompt) -> ForceReply:
    placeholder = (
        _cut(TEXTS.say(lang, prompt.placeholder), MAX_PLACEHOLDER) if prompt.placeholder else None
    )
    return ForceReply(selective=True, input_field_placeholder=placeholder or None)


def _cut(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"
