"""The periodic release of expired leases, once the bot is really connected."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, cast

from discord.ext import commands, tasks

from engine import jobs

if TYPE_CHECKING:
    from bots.discord.app import EssaimBot

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60


class Leases(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = cast("EssaimBot", bot)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        if not self.sweep.is_running():
            self.sweep.start()

    async def cog_unload(self) -> None:
        self.sweep.cancel()

    @tasks.loop(seconds=SWEEP_SECONDS)
    async def sweep(self) -> None:
        """Enqueue the release of expired leases (inline without Redis, else for a worker)."""
        try:
            await asyncio.to_thread(self.bot.essaim.queue.enqueue, jobs.release_leases_job)
        except Exception:
            log.exception("releasing expired leases failed")


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Leases(bot))
