"""Pure builders: neutral replies → plain terminal text (no markup: a terminal shows it as is)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bots.core import cards
from bots.core import payload as p
from bots.core.i18n import SHARED
from bots.core.replies import Button, Keyboard, Label, Msg, TaskView, msg
from engine.terminal import printable
from tasks.base import INPUT_MULTI_CHOICE

TEXTS = SHARED.overlay(Path(__file__).resolve().parent / "locales")
"""The shared catalog under the console's own (typed commands, no buttons)."""


def _plain(text: str) -> str:
    return text


def _block(text: str) -> str:
    return "\n".join(f"  | {line}" for line in text.split("\n"))


PLAIN = cards.Markup(
    escape=str,
    heading=lambda title: f"== {title} ==",
    bold=_plain,
    italic=_plain,
    quote=_block,
    code=_block,
)
"""Cards as plain text: a terminal shows every character as it is, so nothing is escaped."""


def screen(shown: str) -> str:
    """What reaches the terminal: every text the session writes passes here, so an escape
    sequence in a task, a project's name or a label never acts on the contributor's screen
    (the session's writer prints plain text: no markup is interpreted either)."""
    return printable(shown)


def read_more(buttons: Keyboard) -> str | None:
    """The payload of the "Read more" button among ``buttons`` (the next page), if any."""
    for button in (b for row in buttons for b in row):
        if isinstance(p.parse(button.payload), p.ReadMore):
            return button.payload
    return None


def text(lang: str, label: Label) -> str:
    return TEXTS.say(lang, label)


def lines(lang: str, messages: Iterable[Msg]) -> str:
    return "\n\n".join(text(lang, m) for m in messages)


def typed(view: TaskView) -> bool:
    """A task answered by typing (the choices, such as "No error", come by Enter alone)."""
    return view.reply is not None


def numbered(view: TaskView) -> list[Button]:
    """The choices a number selects, in order (none for a typed task)."""
    if typed(view):
        return []
    wanted = p.MultiToggle if view.input == INPUT_MULTI_CHOICE else p.Answer | p.AnswerIndex
    return [b for row in view.buttons for b in row if isinstance(p.parse(b.payload), wanted)]


def shortcut(view: TaskView) -> Button | None:
    """The choice of a typed task that Enter alone gives ("No error"), if any."""
    if not typed(view):
        return None
    for button in (b for row in view.buttons for b in row):
        if isinstance(p.parse(button.payload), p.Answer | p.AnswerIndex):
            return button
    return None


def choice_label(lang: str, button: Button, options: tuple[str, ...]) -> str:
    label = button.label
    if isinstance(label, Msg) and label.key == "choice.marked":
        label = label.params["label"]  # a multi-choice toggle without its ☐ mark
    shown = text(lang, label)
    if shown.isdigit() and 0 < int(shown) <= len(options):
        return options[int(shown) - 1]  # a long label was numbered: show it whole
    return shown


def task_text(lang: str, view: TaskView) -> str:
    """The task: title, instructions, context, the text, details, numbered choices, keys."""
    parts = cards.task_sections(TEXTS, lang, view, PLAIN)
    choices = numbered(view)
    if choices:
        listed = "\n".join(
            f"  {i}. {choice_label(lang, b, view.options)}" for i, b in enumerate(choices, 1)
        )
        parts.append(f"{TEXTS.translate(lang, 'console.choices')}\n{listed}")
        if view.input == INPUT_MULTI_CHOICE:
            parts.append(TEXTS.translate(lang, "console.multi"))
    if view.reply is not None:
        parts.append(text(lang, view.reply.text))
    keys = [
        f"s = {text(lang, msg('button.skip'))}",
        f"r = {text(lang, msg('button.report'))}",
        "q = quit",
    ]
    if read_more(view.buttons) is not None:
        keys.insert(0, TEXTS.translate(lang, "console.more"))
    parts.append("   ".join(keys))
    return "\n\n".join(parts)
