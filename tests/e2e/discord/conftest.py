"""Fixtures of the Discord end-to-end tests (the harness is in `dc_harness`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.app import Essaim
from tests.e2e.builders import engine
from tests.e2e.discord.dc_harness import Discord, start_bot


@pytest.fixture
def dc_engine(tmp_path: Path) -> Iterator[Essaim]:
    essaim = engine(tmp_path, discord_token="test-token")
    yield essaim
    essaim.close()


@pytest.fixture
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as loop:
        yield loop


@pytest.fixture
def dc(
    dc_engine: Essaim, runner: asyncio.Runner, caplog: pytest.LogCaptureFixture
) -> Iterator[Discord]:
    """The bot, set up without connecting; no handler may fail (nothing logged as an error)."""
    caplog.set_level(logging.WARNING)
    yield start_bot(dc_engine, runner)
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not failures, [r.getMessage() for r in failures]
