"""`essaim run discord`: the Discord bot (ESSAIM_DISCORD_TOKEN)."""

from __future__ import annotations

import logging

import typer

from engine.cli.context import fail, state


def add_commands(app: typer.Typer, run_app: typer.Typer) -> None:
    """Add ``essaim run discord`` (``app`` is the root, unused: no top-level command)."""

    @run_app.command("discord")
    def run_discord(
        sync: bool = typer.Option(
            False,
            "--sync",
            help="Publish the slash commands at start-up (after an install or an upgrade); "
            "global commands can take up to an hour to appear.",
        ),
        guild: int | None = typer.Option(
            None,
            "--guild",
            min=1,
            max=2**64 - 1,  # a Discord snowflake
            help="With --sync: publish to this server (guild id) only, at once (for testing).",
        ),
    ) -> None:
        """Run the Discord bot (ESSAIM_DISCORD_TOKEN; see bots/discord/README.md)."""
        from bots.discord.app import build_bot

        settings = state.settings()
        if not settings.discord_token:
            raise fail(
                "ESSAIM_DISCORD_TOKEN is not set: create an application and its bot in the "
                "Discord Developer Portal first (see bots/discord/README.md)"
            )
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        bot = build_bot(settings, state.essaim(), sync=sync or guild is not None, sync_guild=guild)
        bot.run(settings.discord_token, log_handler=None)
