"""Submitted forms, routed by their ``custom_id`` (so they work after a restart): the
payload of the press that opened the form, judged by `Chat.form`."""

from __future__ import annotations

from typing import Any, cast

import discord
from discord.ext import commands

from bots.core import Chat
from bots.discord import flow, ids, modals


class Forms(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data = cast(dict[str, Any], interaction.data or {})
        custom_id = data.get("custom_id")
        if not str(custom_id).startswith(ids.MODAL):
            return  # not one of ours
        text = modals.submitted_values(data.get("components", [])).get(modals.FIELD, "")
        await flow.component(interaction, Chat.form, ids.parse_modal(custom_id), text)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Forms(bot))
