"""The answer-ceiling benchmark writes what the engine writes, so its figures mean something.

Its SQL is written by hand against Essaim's tables: a short run on the real PostgreSQL
checks that it still runs on the current schema and leaves the counters the engine would.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from tests.integration.helpers import benchmark_module

pytestmark = pytest.mark.integration


def test_bare_answers_leave_consistent_counters(fresh_postgres_url: str) -> None:
    ceiling = benchmark_module("answer_ceiling")
    figures = ceiling.run(fresh_postgres_url, processes=2, per_commit=3, seconds=0.5, tasks=300)
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
