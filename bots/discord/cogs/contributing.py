"""Contributors: /start, /task, and the pages of a long menu of choices."""

from __future__ import annotations

import dataclasses

import discord
from discord import app_commands
from discord.ext import commands

from bots.core import Chat, Reply, User
from bots.discord import flow
from bots.discord.translator import describe


def current_task(chat: Chat, user: User) -> Reply:
    """The contributor's current task, to redraw in place (another page of its menu)."""
    return dataclasses.replace(chat.next(user), task_in_place=True)


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

    @commands.Cog.listener()
    async def on_essaim_page(
        self, interaction: discord.Interaction, assignment_id: int, page: int
    ) -> None:
        """Another page of a task's menu: the task is read again, nothing is remembered."""
        await flow.component(interaction, current_task, page=page)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Contributing(bot))
