"""The task card and the review card, laid out once for every platform.

What a card says and in which order is decided here; how it looks is the adapter's `Markup`:
Telegram passes HTML, Discord markdown, the console plain text. Every text from outside (a
task, a project's label, an answer, the catalogs too) goes through ``markup.escape`` before
any markup is put around it, so a platform's escaping guarantee holds for the whole card.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bots.core.i18n import Catalog
from bots.core.replies import Label, ReviewView, TaskView, msg

Format = Callable[[str], str]
"""Markup around a text that is already escaped."""


@dataclass(frozen=True)
class Markup:
    """A platform's formatting: ``escape`` takes outside text, the others escaped text."""

    escape: Callable[[object], str]
    heading: Format
    """The card's first line (its title)."""
    bold: Format
    italic: Format
    quote: Format
    """The text to work on, as a block (every line of it)."""
    code: Format
    """The text to work on when it is to be copied and edited (a typed answer)."""

    def say(self, texts: Catalog, lang: str, label: Label) -> str:
        """A catalog message or raw text, translated and escaped."""
        return self.escape(texts.say(lang, label))


def task_sections(texts: Catalog, lang: str, view: TaskView, markup: Markup) -> list[str]:
    """The paragraphs every task card has: title, instructions, context and text, details."""
    esc = markup.escape
    parts = [markup.heading(markup.say(texts, lang, view.title))]
    if view.instructions:
        parts.append(markup.italic(esc(view.instructions)))
    if view.source_language and view.target_language:
        languages = msg("task.languages", source=view.source_language, target=view.target_language)
        parts.append(markup.say(texts, lang, languages))
    block = markup.code if view.code else markup.quote
    shown = block(esc(view.text))
    if view.text_pages > 1:  # a long text: its first page, and how to read the rest
        more = msg("task.truncated", page=1, pages=view.text_pages)
        shown = f"{shown}\n{markup.italic(markup.say(texts, lang, more))}"
    parts.append(_with_context(texts, lang, markup, view, shown))
    if view.details:
        parts.append("\n".join(f"{markup.bold(esc(k))}: {esc(v)}" for k, v in view.details))
    if view.media_url:
        parts.append(esc(view.media_url))
    return parts


def task_card(texts: Catalog, lang: str, view: TaskView, markup: Markup) -> str:
    """The task card: `task_sections`, then the choices listed by number (long labels)."""
    parts = task_sections(texts, lang, view, markup)
    if view.options:
        numbered = "\n".join(
            f"{i}. {markup.escape(o)}" for i, o in enumerate(view.options, start=1)
        )
        parts.append(f"{markup.say(texts, lang, msg('task.options'))}\n{numbered}")
    return "\n\n".join(parts)


def review_card(texts: Catalog, lang: str, view: ReviewView, markup: Markup) -> str:
    """A review item: the task, then every distinct answer with its count and skills."""
    header = msg("review.header", project=view.project_slug, item=view.item_id)
    parts = [markup.heading(markup.say(texts, lang, header))]
    if view.instructions:
        parts.append(markup.italic(markup.escape(view.instructions)))
    if view.context_before:
        parts.append(markup.italic(markup.escape(view.context_before)))
    parts.append(markup.quote(markup.escape(view.text)))
    if view.context_after:
        parts.append(markup.italic(markup.escape(view.context_after)))
    agreement = "—" if view.agreement is None else f"{view.agreement:.0%}"
    stats = msg(
        "review.stats", answers=view.n_answers, agreement=agreement, remaining=view.remaining
    )
    parts.append(markup.say(texts, lang, stats))
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
    parts.append("\n".join(markup.say(texts, lang, answer) for answer in answers))
    return "\n\n".join(parts)


def _with_context(texts: Catalog, lang: str, markup: Markup, view: TaskView, block: str) -> str:
    """``block`` between the task's context lines, each after its label."""
    lines = []
    if view.context_before:
        label = markup.say(texts, lang, msg("task.context_before"))
        lines.append(f"{label} {markup.italic(markup.escape(view.context_before))}")
    lines.append(block)
    if view.context_after:
        label = markup.say(texts, lang, msg("task.context_after"))
        lines.append(f"{label} {markup.italic(markup.escape(view.context_after))}")
    return "\n".join(lines)
