"""The answer-ceiling benchmark writes what the engine writes, so its figures mean something.

Its SQL is written by hand against Essaim's tables: a short run on the real PostgreSQL
checks that it still runs on the current schema and leaves the counters the engine would.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.integration

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _module():
    """Imported by name: its processes are spawned, and they import it the same way."""
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    return importlib.import_module("answer_ceiling")


def test_bare_answers_leave_consistent_counters(fresh_postgres_url: str) -> None:
    figures = _module().run(fresh_postgres_url, processes=2, per_commit=3, seconds=0.5,
                            tasks=300)  # fmt: skip
    assert figures["answers"] > 0
    engine = create_engine(fresh_postgres_url)
    with engine.connect() as connection:
        answers = connection.execute(text("SELECT count(*) FROM answer")).scalar_one()
        # Every answer reported was stored, once, and counted on its task and its worker.
        assert answers == figures["answers"]
        assert connection.execute(text("SELECT sum(n_answers) FROM task")).scalar_one() == answers
        assert (
            connection.execute(text("SELECT sum(n_answers) FROM worker_skill")).scalar_one()
            == answers
        )
        # Leases counted on tasks are the assignments still leased; nothing over target.
        leased = connection.execute(
            text("SELECT count(*) FROM assignment WHERE status = 'leased'")
        ).scalar_one()
        assert connection.execute(text("SELECT sum(n_leased) FROM task")).scalar_one() == leased
        assert (
            connection.execute(
                text("SELECT count(*) FROM task WHERE n_answers + n_leased > target")
            ).scalar_one()
            == 0
        )
        completed = connection.execute(
            text("SELECT count(*) FROM task WHERE status = 'complete'")
        ).scalar_one()
        assert connection.execute(text("SELECT count(*) FROM result")).scalar_one() == completed
        assert completed > 0
    engine.dispose()
