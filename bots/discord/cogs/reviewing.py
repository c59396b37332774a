"""Moderators: /review the items the crowd could not settle (decided with buttons)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bots.core import Chat
from bots.discord import flow
from bots.discord.translator import describe


class Reviewing(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="review", description=describe("review"))
    @app_commands.describe(project=describe("project"))
    async def review(self, interaction: discord.Interaction, project: str) -> None:
        """The next undecided item with every answer, counts and skills."""
        await flow.command(interaction, Chat.review, project)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Reviewing(bot))
