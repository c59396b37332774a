"""Forms: a text answer, a report's reason, a moderator's own answer.

A form's ``custom_id`` is ``essaim-modal:<payload of the button that opened it>``; its
submission is routed by that id (`bots.discord.cogs.forms`), so the form object is never
kept in memory and a form submitted after a restart still works.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import discord

from bots.core import payload as p
from bots.core.replies import ReplyPrompt
from bots.discord import ids
from bots.discord.views import TEXTS, cut

FIELD = "text"
"""The ``custom_id`` of a form's one text field."""
MAX_TITLE = 45
MAX_FIELD_LABEL = 45
MAX_PLACEHOLDER = 100
MAX_TEXT = 4000
MAX_REASON = 1000


def _form(custom_id: str, title: str, field: discord.ui.TextInput[Any]) -> discord.ui.Modal:
    modal = discord.ui.Modal(title=cut(title, MAX_TITLE), custom_id=custom_id)
    modal.add_item(field)
    modal.stop()  # finished before it is sent: discord.py keeps no reference to it
    return modal


def answer_form(lang: str, payload: str, prompt: ReplyPrompt) -> discord.ui.Modal:
    """The form of a text answer; proofreading is pre-filled with the sentence to correct."""
    review = prompt.target.kind == "review"
    title = TEXTS.translate(lang, "modal.review" if review else "modal.answer")
    placeholder = TEXTS.say(lang, prompt.placeholder) if prompt.placeholder else None
    default = prompt.default_text[:MAX_TEXT] if prompt.default_text else None
    field: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label=cut(f"{title} ({prompt.ref})", MAX_FIELD_LABEL),
        custom_id=FIELD,
        style=discord.TextStyle.paragraph,
        placeholder=cut(placeholder, MAX_PLACEHOLDER) if placeholder else None,
        default=default,
        max_length=MAX_TEXT,
    )
    return _form(ids.modal(payload), title, field)


def report_form(lang: str, assignment_id: int) -> discord.ui.Modal:
    """Ask why a task is reported (optional: an empty reason still reports it)."""
    field: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label=cut(TEXTS.translate(lang, "modal.report_reason"), MAX_FIELD_LABEL),
        custom_id=FIELD,
        style=discord.TextStyle.paragraph,
        placeholder=cut(TEXTS.translate(lang, "modal.report_placeholder"), MAX_PLACEHOLDER),
        required=False,
        max_length=MAX_REASON,
    )
    payload = p.encode(p.Report(assignment_id))
    return _form(ids.modal(payload), TEXTS.translate(lang, "modal.report"), field)


def submitted_values(components: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """The text fields of a submitted form by ``custom_id`` (rows and labels unwrapped)."""
    values: dict[str, str] = {}
    for component in components:
        if "components" in component:
            values.update(submitted_values(component["components"]))
        if "component" in component:
            values.update(submitted_values([component["component"]]))
        if component.get("type") == discord.ComponentType.text_input.value:
            values[str(component.get("custom_id"))] = str(component.get("value") or "")
    return values
