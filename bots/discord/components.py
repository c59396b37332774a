"""Neutral keyboards → `discord.ui.View` objects made of the persistent items.

A button's style comes from its kind (`bots.core.payload.Kind`): choices and submits are
primary, deletions red, the rest grey. ``items`` is imported as a module: its presses lead
back here (a press's reply is drawn with these views).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord

from bots.core import payload as p
from bots.core.payload import Kind
from bots.core.replies import Button, Keyboard, button, msg
from bots.discord import items
from bots.discord import layout as lay
from bots.discord.views import TEXTS, cut

MAX_LABEL = 80
MAX_OPTION = 100
MAX_PLACEHOLDER = 150
STYLES = {
    Kind.CHOICE: discord.ButtonStyle.primary,
    Kind.SUBMIT: discord.ButtonStyle.primary,
    Kind.DANGER: discord.ButtonStyle.danger,
}
"""Every other kind (tools, toggles) is grey."""


def view_of(
    lang: str, buttons: Keyboard, *, options: Sequence[str] = (), page: int = 0
) -> discord.ui.View | None:
    """A persistent view (``timeout=None``) of ``buttons``, or ``None`` if there are none."""
    if not buttons:
        return None
    return build(lang, lay.layout(buttons, options=options, page=page))


def build(lang: str, layout: lay.Layout) -> discord.ui.View | None:
    view = discord.ui.View(timeout=None)
    row = 0
    if layout.select is not None:
        view.add_item(_select(lang, layout.select, row))
        row += 1
    if layout.pager is not None:
        _add_pager(view, lang, layout.pager, row)
        row += 1
    for buttons in layout.rows:
        for one in buttons:
            view.add_item(payload_button(lang, one, row))
        row += 1
    return view if view.children else None


def payload_button(lang: str, shown: Button, row: int | None = None) -> items.PayloadButton:
    return items.PayloadButton(
        shown.payload,
        label=cut(TEXTS.say(lang, shown.label), MAX_LABEL),
        style=STYLES.get(shown.kind, discord.ButtonStyle.secondary),
        row=row,
    )


def next_button(lang: str) -> discord.ui.View:
    """The "Next task" button that Telegram keeps under the message field."""
    return build_buttons(lang, (button(msg("button.next"), p.Next()),))


def _select(lang: str, spec: lay.Select, row: int) -> discord.ui.DynamicItem[Any]:
    options = [
        discord.SelectOption(label=cut(TEXTS.say(lang, o.label), MAX_OPTION) or "—", value=o.value)
        for o in spec.options
    ]
    if spec.multi:
        placeholder = TEXTS.translate(lang, "select.multi")
    else:
        placeholder = TEXTS.translate(lang, "select.placeholder")
        if spec.total > len(spec.options):
            last = spec.first + len(spec.options) - 1
            shown = TEXTS.translate(
                lang, "select.page", first=spec.first, last=last, total=spec.total
            )
            placeholder = f"{placeholder} ({shown})"
    select: discord.ui.Select[Any] = discord.ui.Select(
        custom_id=spec.custom_id,
        placeholder=cut(placeholder, MAX_PLACEHOLDER),
        min_values=1,
        max_values=len(options) if spec.multi else 1,
        options=options,
        row=row,
    )
    if spec.multi:
        return items.MultiSelect(spec.owner, select)
    return items.ChoiceSelect(select)


def _add_pager(view: discord.ui.View, lang: str, pager: lay.Pager, row: int) -> None:
    for number, key in ((pager.previous, "button.previous"), (pager.next, "button.more")):
        if number is not None:
            view.add_item(
                items.PageButton(pager.assignment_id, number, TEXTS.translate(lang, key), row=row)
            )


def build_buttons(lang: str, buttons: Sequence[Button]) -> discord.ui.View:
    """One row of payload buttons."""
    view = discord.ui.View(timeout=None)
    for one in buttons:
        view.add_item(payload_button(lang, one, 0))
    return view
