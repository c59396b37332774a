"""`build_application`: the python-telegram-bot `Application` of an Essaim, not yet connected.

Tests drive the returned application with their own `BaseRequest`; `bots.telegram.cli` runs
it with polling or a webhook.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import BotCommand, BotCommandScopeAllPrivateChats
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bots.core import Chat
from bots.core.i18n import FALLBACK, languages
from bots.core.periods import NOTICE_SECONDS, SWEEP_SECONDS
from bots.telegram import handlers as h
from bots.telegram import views
from bots.telegram.send import drain_outbox
from engine import jobs
from engine.app import Essaim
from engine.config import TELEGRAM_API_URL, Settings

log = logging.getLogger(__name__)

MAX_RETRIES = 3
"""Flood waits (HTTP 429) retried by the rate limiter before giving up."""
CLOUD_DOWNLOAD = 20 * 1024 * 1024
SELF_HOSTED_DOWNLOAD = 2000 * 1024 * 1024
MENU = (
    "start",
    "next",
    "stats",
    "leaderboard",
    "lang",
    "help",
    "pause",
    "resume",
    "link",
    "forget",
)
LOOPS = "essaim_loops"
"""``bot_data`` key of the asyncio tasks that replace the job queue when PTB has none."""


def file_url(api_url: str) -> str:
    """The file download URL of a Bot API server (``…/bot`` → ``…/file/bot``)."""
    base = api_url.rstrip("/")
    if base.endswith("/bot"):
        return base[: -len("/bot")] + "/file/bot"
    return base + "/file/bot"


def build_application(
    settings: Settings,
    essaim: Essaim,
    *,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
) -> Application:
    """The bot with every handler; connects to nothing until it is initialised."""
    if not settings.telegram_token:
        raise ValueError("ESSAIM_TELEGRAM_TOKEN is not set")
    builder = (
        Application.builder()
        .token(settings.telegram_token)
        .base_url(settings.telegram_api_url)
        .base_file_url(file_url(settings.telegram_api_url))
        .rate_limiter(AIORateLimiter(max_retries=MAX_RETRIES))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(updates_request or request)
    application = builder.build()
    application.bot_data[h.CHAT] = Chat(essaim)
    application.bot_data["essaim"] = essaim
    self_hosted = settings.telegram_api_url.rstrip("/") != TELEGRAM_API_URL.rstrip("/")
    application.bot_data[h.MAX_DOWNLOAD] = SELF_HOSTED_DOWNLOAD if self_hosted else CLOUD_DOWNLOAD
    add_handlers(application)
    return application


def add_handlers(application: Application) -> None:
    """Private chats only: tasks and personal data are nobody else's business."""
    private = filters.ChatType.PRIVATE
    commands = {
        "start": h.start,
        "next": h.next_task,
        "help": h.help_command,
        "stats": h.stats,
        "leaderboard": h.leaderboard,
        "lang": h.lang,
        "forget": h.forget,
        "pause": h.pause,
        "resume": h.resume,
        "link": h.link,
        "status": h.status,
        "review": h.review,
        "upload": h.upload_without_document,  # a document captioned /upload is not a command
    }
    for name, callback in commands.items():
        application.add_handler(CommandHandler(name, callback, filters=private))
    application.add_handler(CallbackQueryHandler(h.button))
    upload = filters.Document.ALL & filters.CaptionRegex(r"^/upload(@\w+)?(\s|$)")
    application.add_handler(MessageHandler(private & upload, h.upload))
    application.add_handler(
        MessageHandler(private & filters.Document.ALL, h.document_without_caption)
    )
    application.add_handler(
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, h.text_message)
    )
    application.add_error_handler(h.on_error)


async def _post_init(application: Application) -> None:
    """When really running: the command menus, the release of leases, the outbox."""
    await set_commands(application)
    periodic = ((sweep, SWEEP_SECONDS), (drain_notices, NOTICE_SECONDS))
    if application.job_queue is not None:
        for step, seconds in periodic:
            application.job_queue.run_repeating(_as_job(step), seconds, first=seconds)
    else:  # PTB without its job-queue extra: plain asyncio loops do the same
        application.bot_data[LOOPS] = [
            asyncio.create_task(_forever(application, step, seconds)) for step, seconds in periodic
        ]


async def _post_shutdown(application: Application) -> None:
    for task in application.bot_data.pop(LOOPS, ()):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def set_commands(application: Application) -> None:
    """The "/" menu of private chats, in every language (English by default)."""
    scope = BotCommandScopeAllPrivateChats()
    for code in (None, *languages()):
        lang = code or FALLBACK
        commands = [
            BotCommand(name, views.TEXTS.translate(lang, f"commands.{name}")) for name in MENU
        ]
        await application.bot.set_my_commands(commands, scope=scope, language_code=code)


async def sweep(application: Application) -> None:
    """Enqueue the periodic sweep (inline without Redis, else for a worker)."""
    essaim: Essaim = application.bot_data["essaim"]
    await asyncio.to_thread(essaim.queue.enqueue, jobs.sweep_job)


async def drain_notices(application: Application) -> None:
    """Send the notices the outbox owes Telegram users (tests call it instead of waiting)."""
    await drain_outbox(application.bot, application.bot_data[h.CHAT])


Step = Callable[[Application], Awaitable[None]]


def _as_job(step: Step) -> Callable[[ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]:
    """A periodic step as a job-queue callback."""

    async def job(context: ContextTypes.DEFAULT_TYPE) -> None:
        await step(context.application)

    return job


async def _forever(application: Application, step: Step, seconds: float) -> None:
    """A periodic step without the job queue; a failed round is logged, the next one runs."""
    while True:
        await asyncio.sleep(seconds)
        try:
            await step(application)
        except Exception:
            log.exception("periodic %s failed", step.__name__)
