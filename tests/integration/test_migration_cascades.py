"""Migrations that copy a table (SQLite's batch mode) keep the rows that depend on it.

SQLite's DROP TABLE deletes the rows first; with foreign keys on, that delete cascades to
every row referring to the table. A database upgraded across 0004 (which copies ``task``)
must keep its assignments, answers, results and reports.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from engine.db import Database
from engine.migrate import upgrade
from tests.integration.test_migrations import _insert

pytestmark = pytest.mark.integration

NOW = "2026-01-01 00:00:00"
DEPENDENTS = ("assignment", "answer", "result", "task_report")


def _old_rows(connection) -> None:
    """A project with one answered task, as a 0003 database holds it."""
    _insert(connection, "project")
    _insert(connection, "batch", id=1)
    _insert(connection, "item", id=1, batch_id=1, external_id="i1")
    _insert(connection, "task", id=1, item_id=1)
    statements = [
        "INSERT INTO contributor (id, display_name, notifications, forgotten, created_at) "
        "VALUES (1, 'ann', FALSE, FALSE, :now)",
        "INSERT INTO assignment (id, task_id, contributor_id, project_id, status, leased_at, "
        "expires_at) VALUES (1, 1, 1, 1, 'answered', :now, :now)",
        "INSERT INTO answer (id, assignment_id, task_id, contributor_id, value, key, seconds, "
        "counted, flags, created_at) VALUES (1, 1, 1, 1, '\"cat\"', 'cat', 2.5, TRUE, '{}', :now)",
        "INSERT INTO result (task_id, value, key, confidence, method, n_answers, decided_at) "
        "VALUES (1, '\"cat\"', 'cat', 0.9, 'mv', 1, :now)",
        "INSERT INTO task_report (id, task_id, contributor_id, reason, created_at) "
        "VALUES (1, 1, 1, 'typo', :now)",
    ]
    for statement in statements:
        connection.execute(text(statement), {"now": NOW})


def _counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as connection:
        return {
            table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in DEPENDENTS
        }


def test_upgrading_across_0004_keeps_assignments_and_answers(empty_db):
    db = empty_db
    upgrade(db, "0003")
    with db.engine.begin() as connection:
        _old_rows(connection)
    assert _counts(db) == dict.fromkeys(DEPENDENTS, 1)
    upgrade(db)
    assert _counts(db) == dict.fromkeys(DEPENDENTS, 1)
    with db.engine.connect() as connection:
        answer = connection.execute(
            text("SELECT assignment_id, task_id, key, seconds FROM answer")
        ).one()
        batch = connection.execute(text("SELECT batch_id FROM task WHERE id = 1")).scalar()
    assert tuple(answer) == (1, 1, "cat", 2.5) and batch == 1


def test_foreign_keys_are_on_again_after_an_upgrade(tmp_path):
    """The upgrade turns SQLite's foreign keys off for itself only: the pooled connection
    it used enforces them again afterwards."""
    db = Database(f"sqlite:///{tmp_path}/fk.db")
    try:
        upgrade(db, "0003")
        upgrade(db)
        with db.engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        db.dispose()
