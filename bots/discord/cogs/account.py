"""A contributor's own account: stats, leaderboard, language, linking, forgetting, help."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bots.core import Chat
from bots.core.i18n import catalog, languages
from bots.discord import flow
from bots.discord.translator import describe


def language_choices() -> list[app_commands.Choice[str]]:
    """Each catalog, named in its own language."""
    return [
        app_commands.Choice(name=catalog(code)["meta.language_name"], value=code)
        for code in languages()
    ]


class Account(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="stats", description=describe("stats"))
    @app_commands.describe(project=describe("project"))
    async def stats(self, interaction: discord.Interaction, project: str | None = None) -> None:
        """Answers, agreement with the results, points and rank."""
        await flow.command(interaction, Chat.stats, project)

    @app_commands.command(name="leaderboard", description=describe("leaderboard"))
    @app_commands.describe(project=describe("project"))
    async def leaderboard(
        self, interaction: discord.Interaction, project: str | None = None
    ) -> None:
        """The top contributors by points."""
        await flow.command(interaction, Chat.leaderboard, project)

    @app_commands.command(name="lang", description=describe("lang"))
    @app_commands.describe(language=describe("language"))
    @app_commands.choices(language=language_choices())
    async def lang(
        self, interaction: discord.Interaction, language: app_commands.Choice[str] | None = None
    ) -> None:
        """Set the language at once, or show one button per language."""
        if language is None:
            await flow.command(interaction, Chat.language_menu)
        else:
            await flow.command(interaction, Chat.set_language, language.value)

    @app_commands.command(name="link", description=describe("link"))
    @app_commands.describe(code=describe("code"))
    async def link(self, interaction: discord.Interaction, code: str | None = None) -> None:
        """Without a code: make one; with the code from Telegram: join that account."""
        await flow.command(interaction, Chat.link, code)

    @app_commands.command(name="forget", description=describe("forget"))
    async def forget(self, interaction: discord.Interaction) -> None:
        """Ask to confirm the deletion of personal data."""
        await flow.command(interaction, Chat.forget)

    @app_commands.command(name="help", description=describe("help"))
    async def help(self, interaction: discord.Interaction) -> None:
        """The commands this person may use."""
        await flow.command(interaction, Chat.help)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Account(bot))
