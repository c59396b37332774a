"""Every persistent button and menu: the payload goes to `Chat.press`, which judges it.

Two presses open a form instead of being acknowledged: "Report a problem" (the reason) and
"Type my answer" / "Write the answer" (a form pre-filled from the task), because Discord
only opens a form as the first answer to an interaction. A report button of a task the
person does not hold opens no form: it is answered like any other button.
"""

from __future__ import annotations

import asyncio

import discord
from discord.ext import commands

from bots.core import Chat
from bots.core import payload as p
from bots.discord import flow, modals


class Buttons(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_essaim_press(self, interaction: discord.Interaction, data: str) -> None:
        """A pressed button or a chosen option, as the payload it carries."""
        payload = p.parse(data)
        if isinstance(payload, p.Report):
            chat, user = flow.chat_of(interaction), flow.user_of(interaction)
            lang = await asyncio.to_thread(chat.report_form_language, user, payload.assignment_id)
            if lang is None:  # not their task: no form, `report` says so and reports nothing
                await flow.component(interaction, Chat.report, payload.assignment_id)
                return
            await interaction.response.send_modal(modals.report_form(lang, payload.assignment_id))
        elif isinstance(payload, p.WriteAnswer | p.ReviewWrite):
            await flow.run(flow.responder(interaction), Chat.press, data)  # a form, not deferred
        else:
            await flow.component(interaction, Chat.press, data)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Buttons(bot))
