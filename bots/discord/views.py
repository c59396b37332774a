"""Pure builders: neutral replies → Discord markdown texts.

Every text — a task, a project's label, a contributor's answer, and the catalogs too — goes
through `bots.discord.markdown.escape`; markup (bold, italics, quotes) is added only here,
around escaped text.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bots.core.i18n import SHARED
from bots.core.replies import Label, Msg, ReplyPrompt, ReviewView, TaskView, msg
from bots.discord.markdown import escape, quote

TEXTS = SHARED.overlay(Path(__file__).resolve().parent / "locales")
"""The shared catalog under Discord's own (slash commands, buttons that open forms)."""


def text(lang: str, label: Label) -> str:
    """A catalog message or raw text, translated and escaped."""
    return escape(TEXTS.say(lang, label))


def lines(lang: str, messages: Iterable[Msg]) -> str:
    return "\n\n".join(text(lang, m) for m in messages)


def task_card(lang: str, view: TaskView) -> str:
    """The task card: title, instructions, context, the text to work on, details, choices."""
    parts = [f"**{text(lang, view.title)}**"]
    if view.instructions:
        parts.append(f"*{escape(view.instructions)}*")
    if view.source_language and view.target_language:
        languages = msg("task.languages", source=view.source_language, target=view.target_language)
        parts.append(text(lang, languages))
    body = []
    if view.context_before:
        body.append(f"{text(lang, msg('task.context_before'))} *{escape(view.context_before)}*")
    body.append(quote(escape(view.text)))
    if view.context_after:
        body.append(f"{text(lang, msg('task.context_after'))} *{escape(view.context_after)}*")
    parts.append("\n".join(body))
    if view.details:
        parts.append("\n".join(f"**{escape(k)}**: {escape(v)}" for k, v in view.details))
    if view.media_url:
        parts.append(escape(view.media_url))
    if view.options:
        numbered = "\n".join(f"{i}. {escape(o)}" for i, o in enumerate(view.options, start=1))
        parts.append(f"{text(lang, msg('task.options'))}\n{numbered}")
    return "\n\n".join(parts)


def review_card(lang: str, view: ReviewView) -> str:
    """A review item: the task, then every distinct answer with its count and skills."""
    agreement = "—" if view.agreement is None else f"{view.agreement:.0%}"
    header = msg("review.header", project=view.project_slug, item=view.item_id)
    parts = [f"**{text(lang, header)}**"]
    if view.instructions:
        parts.append(f"*{escape(view.instructions)}*")
    if view.context_before:
        parts.append(f"*{escape(view.context_before)}*")
    parts.append(quote(escape(view.text)))
    if view.context_after:
        parts.append(f"*{escape(view.context_after)}*")
    stats = msg(
        "review.stats", answers=view.n_answers, agreement=agreement, remaining=view.remaining
    )
    parts.append(text(lang, stats))
    answers = (
        msg(
            "review.answer",
            index=line.index + 1,
            value=line.value,
            count=line.count,
            skills=", ".join(f"{s:.2f}" for s in line.skills),
        )
        for line in view.answers
    )
    parts.append("\n".join(text(lang, answer) for answer in answers))
    return "\n\n".join(parts)


def prompt_line(lang: str, prompt: ReplyPrompt) -> str:
    """Said with the button that opens the form (when a form cannot be opened at once)."""
    return f"{text(lang, prompt.text)} *{text(lang, msg('prompt.ref', ref=prompt.ref))}*"


def cut(value: str, limit: int) -> str:
    """A label or title cut to a Discord limit."""
    return value if len(value) <= limit else value[: limit - 1] + "…"
