"""What every handler does: who is acting, answer within 3 seconds, call `Chat`, deliver.

Discord wants an answer to an interaction within 3 seconds; the services may take longer
(a lease under contention, an upload), so handlers defer first, call the `Chat` method in a
worker thread (`asyncio.to_thread`: the services are synchronous and own their transactions)
and send the `Reply` as follow-ups.

``send`` is imported as a module: a press comes here from `bots.discord.items`, which
``send`` draws replies with.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import discord

from bots.core import Chat, Reply, User
from bots.core.i18n import pick_language
from bots.discord import send
from bots.discord.views import TEXTS

if TYPE_CHECKING:
    from bots.discord.app import EssaimBot
    from bots.discord.send import Responder

log = logging.getLogger(__name__)


def user_of(interaction: discord.Interaction) -> User:
    """The neutral identity of whoever acted; Discord's locale is the language hint."""
    person = interaction.user
    return User(send.PLATFORM, str(person.id), person.display_name or None, str(interaction.locale))


def ephemeral(interaction: discord.Interaction) -> bool:
    """Private answers everywhere but in the bot's own DM (where they may stay visible)."""
    return not interaction.context.dm_channel  # context 1: the DM between user and bot


def chat_of(interaction: discord.Interaction) -> Chat:
    return cast("EssaimBot", interaction.client).chat


def responder(interaction: discord.Interaction) -> Responder:
    return send.Responder(interaction, ephemeral=ephemeral(interaction))


async def call(
    interaction: discord.Interaction, method: Callable[..., Reply], *args: Any, **kwargs: Any
) -> Reply:
    """Run a `Chat` method for the acting user in a worker thread."""
    chat = chat_of(interaction)
    return await asyncio.to_thread(method, chat, user_of(interaction), *args, **kwargs)


async def command(
    interaction: discord.Interaction, method: Callable[..., Reply], *args: Any, **kwargs: Any
) -> None:
    """A slash command: "thinking…" at once, then the reply."""
    answer = responder(interaction)
    await interaction.response.defer(ephemeral=answer.ephemeral, thinking=True)
    await run(answer, method, *args, **kwargs)


async def component(
    interaction: discord.Interaction,
    method: Callable[..., Reply],
    *args: Any,
    page: int = 0,
    **kwargs: Any,
) -> None:
    """A button, a menu or a submitted form: acknowledged at once, the message edited after."""
    answer = responder(interaction)
    await interaction.response.defer()
    await run(answer, method, *args, page=page, **kwargs)


async def run(
    answer: Responder, method: Callable[..., Reply], *args: Any, page: int = 0, **kwargs: Any
) -> None:
    """Call and deliver; an unexpected error is logged and the user told (nothing half-done:
    a service either committed or not)."""
    try:
        reply = await call(answer.interaction, method, *args, **kwargs)
        await send.deliver(answer, reply, page=page)
    except Exception:
        log.exception("error while handling an interaction")
        await apologise(answer)


async def apologise(answer: Responder) -> None:
    lang = pick_language(None, str(answer.interaction.locale))
    try:
        await answer.send(TEXTS.translate(lang, "error.internal"))
    except discord.HTTPException:  # Discord itself may be what failed
        log.exception("could not tell the user about the error")


async def language(interaction: discord.Interaction) -> str:
    """The acting user's language (their choice, else their Discord locale)."""
    chat = chat_of(interaction)
    return await asyncio.to_thread(chat.language_of, user_of(interaction))
