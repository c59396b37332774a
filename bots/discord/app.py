"""`build_bot`: the discord.py bot of an Essaim, not yet connected.

Tests drive the returned bot offline (``bot._connection.parse_interaction_create``);
`bots.discord.cli` runs it with ``bot.run(token)``. Slash commands only: no privileged
intent is needed.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bots.core import Chat
from bots.discord.flow import apologise, responder
from bots.discord.items import ITEMS
from bots.discord.translator import CatalogTranslator
from engine.app import Essaim
from engine.config import Settings

log = logging.getLogger(__name__)

COGS = (
    "bots.discord.cogs.contributing",
    "bots.discord.cogs.forms",
    "bots.discord.cogs.account",
    "bots.discord.cogs.requesting",
    "bots.discord.cogs.reviewing",
    "bots.discord.cogs.periodic",
)
"""Slash commands, forms and periodic work; buttons and menus call `bots.discord.presses`."""


def intents() -> discord.Intents:
    """Guilds only (channels of interactions resolve); nothing privileged."""
    return discord.Intents(guilds=True)


class EssaimBot(commands.Bot):
    """The bot with its `Chat` (the engine's use cases; it holds no per-user state)."""

    def __init__(
        self,
        settings: Settings,
        essaim: Essaim,
        *,
        sync: bool = False,
        sync_guild: int | None = None,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
        )
        self.settings = settings
        self.essaim = essaim
        self.chat = Chat(essaim)
        self.sync_commands = sync
        self.sync_guild = sync_guild
        self.tree.on_error = self.on_app_command_error  # type: ignore[method-assign]

    async def setup_hook(self) -> None:
        """Persistent components, the cogs, translated descriptions; sync if asked."""
        self.add_dynamic_items(*ITEMS)
        for name in COGS:
            await self.load_extension(name)
        await self.tree.set_translator(CatalogTranslator())
        if self.sync_commands:
            await self.sync_tree()

    async def sync_tree(self) -> None:
        """Publish the slash commands: to one guild at once, or globally (up to an hour)."""
        if self.sync_guild is not None:
            guild = discord.Object(id=self.sync_guild)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        else:
            synced = await self.tree.sync()
        log.info("synced %d slash commands", len(synced))

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Log, and tell the user (a service either committed or not: nothing half-stored)."""
        log.error("slash command failed", exc_info=error)
        await apologise(responder(interaction))


def build_bot(
    settings: Settings, essaim: Essaim, *, sync: bool = False, sync_guild: int | None = None
) -> commands.Bot:
    """The bot with every cog; connects to nothing until ``bot.run(settings.discord_token)``."""
    return EssaimBot(settings, essaim, sync=sync, sync_guild=sync_guild)
