"""`essaim run telegram`: long polling by default, a webhook with ``--webhook-url``."""

from __future__ import annotations

import logging
from urllib.parse import urlparse

import typer

from engine.cli.context import fail, state


def add_commands(app: typer.Typer, run_app: typer.Typer) -> None:
    """Add ``essaim run telegram`` (``app`` is the root, unused: no top-level command)."""

    @run_app.command("telegram")
    def run_telegram(
        webhook_url: str | None = typer.Option(
            None,
            "--webhook-url",
            help="Public HTTPS URL Telegram posts updates to "
            "(e.g. https://bot.example.org/telegram); without it, long polling.",
        ),
        secret_token: str | None = typer.Option(
            None,
            "--secret-token",
            envvar="ESSAIM_TELEGRAM_SECRET",
            help="Secret Telegram sends with each webhook call (checked on arrival).",
        ),
        listen: str = typer.Option("0.0.0.0", "--listen", help="Webhook: address to listen on."),
        port: int = typer.Option(
            8443, "--port", min=1, max=65535, help="Webhook: port to listen on."
        ),
    ) -> None:
        """Run the Telegram bot (ESSAIM_TELEGRAM_TOKEN; ESSAIM_TELEGRAM_API_URL if self-hosted)."""
        from telegram import Update

        from bots.telegram.app import build_application

        settings = state.settings()
        if not settings.telegram_token:
            raise fail("ESSAIM_TELEGRAM_TOKEN is not set: create a bot with @BotFather first")
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        logging.getLogger("httpx").setLevel(logging.WARNING)  # it would log the token in URLs
        application = build_application(settings, state.essaim())
        if webhook_url:
            application.run_webhook(
                listen=listen,
                port=port,
                url_path=urlparse(webhook_url).path.lstrip("/"),
                webhook_url=webhook_url,
                secret_token=secret_token,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            application.run_polling(allowed_updates=Update.ALL_TYPES)
