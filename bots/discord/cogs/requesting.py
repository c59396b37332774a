"""Requesters: /upload a file to a project, /status of a project."""

from __future__ import annotations

from collections.abc import Callable

import discord
from discord import app_commands
from discord.ext import commands

from bots.core import Chat, Reply, User
from bots.core.replies import msg
from bots.discord import flow
from bots.discord.send import drain_outbox
from bots.discord.translator import describe

MAX_UPLOAD = 25 * 1024 * 1024
"""Bytes read from one attachment (Discord's own limit for most servers)."""


def too_big(size: int) -> Callable[[Chat, User], Reply]:
    """A `Chat`-shaped call that only says the file is too big (nothing to store)."""

    def reply(chat: Chat, user: User) -> Reply:
        lines = (msg("upload.too_big", size=round(size / 2**20, 1), limit=MAX_UPLOAD // 2**20),)
        return Reply(chat.language_of(user), lines=lines)

    return reply


class Requesting(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="upload", description=describe("upload"))
    @app_commands.describe(file=describe("file"), project=describe("project"))
    async def upload(
        self, interaction: discord.Interaction, file: discord.Attachment, project: str
    ) -> None:
        """The file becomes a batch of the project (ingested as a job); requesters only."""
        answer = flow.responder(interaction)
        await interaction.response.defer(ephemeral=answer.ephemeral, thinking=True)
        if file.size > MAX_UPLOAD:
            await flow.run(answer, too_big(file.size))
            return
        data = await file.read()
        await flow.run(answer, Chat.upload, project, file.filename, data)
        await drain_outbox(interaction.client, flow.chat_of(interaction))  # the report, if inline

    @app_commands.command(name="status", description=describe("status"))
    @app_commands.describe(project=describe("project"))
    async def status(self, interaction: discord.Interaction, project: str) -> None:
        """Progress in numbers and the quality chart."""
        await flow.command(interaction, Chat.status, project)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Requesting(bot))
