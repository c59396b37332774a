"""Contributors: /start and /task (the pages of a long menu are `bots.discord.presses`)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bots.core import Chat
from bots.discord import flow
from bots.discord.translator import describe


class Contributing(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="start", description=describe("start"))
    @app_commands.describe(project=describe("project"))
    async def start(self, interaction: discord.Interaction, project: str | None = None) -> None:
        """Welcome and consent; with a project, join it and show its first task."""
        await flow.command(interaction, Chat.start, project)

    @app_commands.command(name="task", description=describe("task"))
    @app_commands.describe(project=describe("project"))
    async def task(self, interaction: discord.Interaction, project: str | None = None) -> None:
        """The current task (the same one until answered), or why there is none."""
        await flow.command(interaction, Chat.next, project)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Contributing(bot))
