"""Periodic work once the bot is really connected: the engine's sweep (expired leases
released, finished batches closed) and the outbox drain (batch reports and completions reach
Discord users by direct message, whichever process or platform wrote them). The periods are
Telegram's too (`bots.core.periods`)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, cast

from discord.ext import commands, tasks

from bots.core.periods import NOTICE_SECONDS, SWEEP_SECONDS
from bots.discord.send import drain_outbox
from engine import jobs

if TYPE_CHECKING:
    from bots.discord.app import EssaimBot

log = logging.getLogger(__name__)


class Periodic(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = cast("EssaimBot", bot)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        for loop in (self.sweep, self.notices):
            if not loop.is_running():
                loop.start()

    async def cog_unload(self) -> None:
        self.sweep.cancel()
        self.notices.cancel()

    @tasks.loop(seconds=SWEEP_SECONDS)
    async def sweep(self) -> None:
        """Enqueue the periodic sweep (inline without Redis, else for a worker)."""
        try:
            await asyncio.to_thread(self.bot.essaim.queue.enqueue, jobs.sweep_job)
        except Exception:
            log.exception("releasing expired leases failed")

    @tasks.loop(seconds=NOTICE_SECONDS)
    async def notices(self) -> None:
        """Send what the outbox owes Discord users; a failed round is logged, not fatal."""
        try:
            await drain_outbox(self.bot, self.bot.chat)
        except Exception:
            log.exception("sending notices failed")


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Periodic(bot))
