"""Pure builders: neutral views → Telegram HTML texts and keyboards.

Every text that comes from outside (a task, a project's label, a contributor's answer, and
the catalogs too) goes through `escape`; markup is added only around escaped text, here and
in the cards of `bots.core.cards` (laid out with `bots.telegram.html.HTML`).
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

from bots.core import cards
from bots.core.i18n import SHARED, languages
from bots.core.replies import Keyboard, Label, Msg, ReplyPrompt, ReviewView, TaskView, msg
from bots.telegram.html import HTML, escape

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
    """The task card; a typed answer's text is a <code> block, copied with one tap."""
    return cards.task_card(TEXTS, lang, view, HTML)


def review_text(lang: str, view: ReviewView) -> str:
    """A review item: the task, then every distinct answer with its count and skills."""
    return cards.review_card(TEXTS, lang, view, HTML)


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
