"""Fixtures of the Telegram end-to-end tests (the harness is in `tg_harness`)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bots.telegram.app import build_application
from engine.app import Essaim
from tests.e2e.builders import engine
from tests.e2e.telegram.tg_harness import TOKEN, Bot, RecordingRequest


@pytest.fixture
def tg_engine(tmp_path: Path) -> Iterator[Essaim]:
    essaim = engine(tmp_path, telegram_token=TOKEN)
    yield essaim
    essaim.close()


@pytest.fixture
def bot(tg_engine: Essaim) -> Iterator[Bot]:
    request = RecordingRequest()
    application = build_application(tg_engine.settings, tg_engine, request=request)
    with asyncio.Runner() as runner:
        errors: list[BaseException] = []

        async def record(_update: object, context: Any) -> None:
            errors.append(context.error)

        application.add_error_handler(record)
        runner.run(application.initialize())
        harness = Bot(tg_engine, request, runner, application)
        yield harness
        runner.run(application.shutdown())
        assert not errors, f"a handler failed: {errors!r}"
