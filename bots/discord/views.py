"""Pure builders: neutral replies → Discord markdown texts.

Every text — a task, a project's label, a contributor's answer, and the catalogs too — goes
through `bots.discord.markdown.escape`; markup (bold, italics, quotes) is added only around
escaped text, here and in the cards of `bots.core.cards` (laid out with `MARKDOWN`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bots.core import cards
from bots.core.i18n import SHARED
from bots.core.replies import Label, Msg, ReplyPrompt, ReviewView, TaskView, msg
from bots.discord.markdown import MARKDOWN, escape

TEXTS = SHARED.overlay(Path(__file__).resolve().parent / "locales")
"""The shared catalog under Discord's own (slash commands, buttons that open forms)."""


def text(lang: str, label: Label) -> str:
    """A catalog message or raw text, translated and escaped."""
    return escape(TEXTS.say(lang, label))


def lines(lang: str, messages: Iterable[Msg]) -> str:
    return "\n\n".join(text(lang, m) for m in messages)


def task_card(lang: str, view: TaskView) -> str:
    """The task card: title, instructions, context, the text to work on, details, choices."""
    return cards.task_card(TEXTS, lang, view, MARKDOWN)


def review_card(lang: str, view: ReviewView) -> str:
    """A review item: the task, then every distinct answer with its count and skills."""
    return cards.review_card(TEXTS, lang, view, MARKDOWN)


def prompt_line(lang: str, prompt: ReplyPrompt) -> str:
    """Said with the button that opens the form (when a form cannot be opened at once)."""
    return f"{text(lang, prompt.text)} *{text(lang, msg('prompt.ref', ref=prompt.ref))}*"


def cut(value: str, limit: int) -> str:
    """A label or title cut to a Discord limit."""
    return value if len(value) <= limit else value[: limit - 1] + "…"
