"""Submitted forms, routed by their ``custom_id`` (so they work after a restart)."""

from __future__ import annotations

from typing import Any, cast

import discord
from discord.ext import commands

from bots.core import Chat
from bots.core import payload as p
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
        match ids.parse_modal(custom_id):
            case p.WriteAnswer(assignment_id):
                await flow.component(interaction, Chat.answer, assignment_id, text)
            case p.Report(assignment_id):
                await flow.component(interaction, Chat.report, assignment_id, text)
            case p.ReviewWrite(task_id):
                await flow.component(interaction, Chat.review_write, task_id, text)
            case _:
                await flow.component(interaction, Chat.bad_button)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Forms(bot))
