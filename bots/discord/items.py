"""Persistent components: `DynamicItem` templates rebuilt from their ``custom_id``.

Nothing is remembered between a message and a press: the id carries the payload, so a
button works after a restart or on another bot process. A press calls `bots.discord.presses`
with the payload it carries (or the page it asks for).
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bots.core import payload as p
from bots.discord import ids, presses

MAX_MULTI_INDEX = 15
"""A multi-choice selection is a 16-bit mask (`bots.core.payload.MAX_MASK`)."""


class PayloadButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=ids.BUTTON_TEMPLATE):
    """A button whose id is ``essaim:<payload>``."""

    def __init__(
        self,
        data: str,
        *,
        label: str | None = None,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        row: int | None = None,
    ) -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            custom_id=ids.button(data), label=label, style=style, row=row
        )
        super().__init__(button)
        self.data = data

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PayloadButton:
        label = getattr(item, "label", None)
        style = getattr(item, "style", discord.ButtonStyle.secondary)
        return cls(match["data"], label=label, style=style)

    async def callback(self, interaction: discord.Interaction) -> None:
        await presses.press(interaction, self.data)


class ChoiceSelect(discord.ui.DynamicItem[discord.ui.Select[Any]], template=ids.SELECT_TEMPLATE):
    """A select menu of choices; each option's value is a payload."""

    def __init__(self, select: discord.ui.Select[Any]) -> None:
        super().__init__(select)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ChoiceSelect:
        return cls(_select_of(item))

    async def callback(self, interaction: discord.Interaction) -> None:
        values = self.item.values
        if len(values) == 1:
            await presses.press(interaction, values[0])


class MultiSelect(discord.ui.DynamicItem[discord.ui.Select[Any]], template=ids.MULTI_TEMPLATE):
    """A multi-select of a multi-label task: submitting it submits the selection."""

    def __init__(self, assignment_id: int, select: discord.ui.Select[Any]) -> None:
        super().__init__(select)
        self.assignment_id = assignment_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> MultiSelect:
        return cls(int(match["assignment"]), _select_of(item))

    async def callback(self, interaction: discord.Interaction) -> None:
        await presses.press(interaction, selection_payload(self.assignment_id, self.item.values))


class PageButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=ids.PAGE_TEMPLATE):
    """Previous/next page of a long select menu."""

    def __init__(
        self, assignment_id: int, page: int, label: str | None = None, row: int | None = None
    ) -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            custom_id=ids.page(assignment_id, page), label=label, row=row
        )
        super().__init__(button)
        self.assignment_id = assignment_id
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PageButton:
        label = getattr(item, "label", None)
        return cls(int(match["assignment"]), int(match["page"]), label)

    async def callback(self, interaction: discord.Interaction) -> None:
        await presses.page(interaction, self.page)


def selection_payload(assignment_id: int, values: list[str]) -> str:
    """``ms:<assignment>:<mask>`` from the chosen indices; garbage becomes an empty payload."""
    mask = 0
    for value in values:
        if not value.isdigit() or int(value) > MAX_MULTI_INDEX:
            return ""  # a forged value: `Chat.press` refuses an empty payload
        mask |= 1 << int(value)
    return p.encode(p.MultiSubmit(assignment_id, mask))


def _select_of(item: discord.ui.Item[Any]) -> discord.ui.Select[Any]:
    """The select menu a press came from, rebuilt as sent (its options carry the payloads)."""
    if not isinstance(item, discord.ui.Select):
        raise TypeError(f"a select menu's id on {type(item).__name__}")
    return discord.ui.Select(
        custom_id=item.custom_id,
        placeholder=item.placeholder,
        min_values=item.min_values,
        max_values=item.max_values,
        options=item.options,
    )


ITEMS = (PayloadButton, ChoiceSelect, MultiSelect, PageButton)
"""Every template, registered with ``bot.add_dynamic_items`` at start-up."""
