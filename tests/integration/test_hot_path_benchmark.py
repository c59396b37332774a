"""The hot-path benchmark still runs on the current engine and reports figures that add up.

A short run on each database: contributors answer, every figure the README quotes is there,
and what the benchmark counts as answered is what the database holds.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.integration.helpers import benchmark_module

pytestmark = pytest.mark.integration


def _stored_answers(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT count(*) FROM answer")).scalar_one()
    engine.dispose()
    return int(stored)


@pytest.mark.parametrize("mode", ["separate", "chained", "press"])
def test_a_short_run_on_sqlite(tmp_path: Path, mode: str) -> None:
    url = f"sqlite:///{tmp_path}/bench.db"
    figures = benchmark_module("hot_path").run(url, "sqlite", 2, 0.5, 200, mode)
    assert figures["answers"] > 0
    assert figures["answers"] == _stored_answers(url)
    assert figures["submit_p50"] <= figures["submit_p99"]
    assert figures["client_cpu"] > 0 and math.isnan(figures["wal_records"])


@pytest.mark.parametrize("mode", ["chained", "press"])
def test_a_short_run_on_postgresql(fresh_postgres_url: str, mode: str) -> None:
    figures = benchmark_module("hot_path").run(fresh_postgres_url, "postgresql", 2, 0.5, 200, mode)
    assert figures["answers"] > 0
    assert figures["answers"] == _stored_answers(fresh_postgres_url)
    assert figures["client_cpu"] > 0 and figures["server_cpu"] > 0
    # An answer writes a few dozen WAL records (README). The counter is the whole server's,
    # so other work (autovacuum) may add to it: only a floor is certain.
    assert figures["wal_records"] > 5
