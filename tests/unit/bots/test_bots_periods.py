"""Both bots run the engine's periodic work on the one schedule of `bots.core.periods`."""

import asyncio
from types import SimpleNamespace

import pytest

from bots.core.periods import NOTICE_SECONDS, SWEEP_SECONDS
from bots.discord.cogs.periodic import Periodic
from bots.telegram import app as telegram_app

pytestmark = pytest.mark.unit


def test_discord_sweeps_and_drains_on_the_shared_periods():
    assert (Periodic.sweep.seconds, Periodic.notices.seconds) == (SWEEP_SECONDS, NOTICE_SECONDS)


def test_telegram_sweeps_and_drains_on_the_shared_periods():
    scheduled = []

    class JobQueue:
        def run_repeating(self, job, seconds, first):
            scheduled.append((seconds, first))

    async def set_my_commands(*args, **kwargs):
        return True

    application = SimpleNamespace(
        bot=SimpleNamespace(set_my_commands=set_my_commands), job_queue=JobQueue(), bot_data={}
    )
    asyncio.run(telegram_app._post_init(application))
    assert scheduled == [(SWEEP_SECONDS, SWEEP_SECONDS), (NOTICE_SECONDS, NOTICE_SECONDS)]
