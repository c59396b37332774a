"""The keys an ingestion pays for: only item -> batch and task -> item are checked.

Migration 0006 drops the foreign keys of the denormalised copies (item.project_id,
task.project_id, task.batch_id); a project's deletion must still reach every item and task
through batch -> item -> task, and the migration must go down and up with the rows kept.
"""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text

from engine.db import Database
from engine.migrate import alembic_config, upgrade

pytestmark = pytest.mark.integration

KEPT = {
    "item": {("batch_id", "batch")},
    "task": {("item_id", "item"), ("parent_task_id", "task")},
}
DROPPED = {("item", "project_id", "project"), ("task", "project_id", "project"),
           ("task", "batch_id", "batch")}  # fmt: skip
NOW = "2026-01-01 00:00:00"


def _keys(db: Database, table: str) -> set[tuple[str, str]]:
    with db.engine.connect() as connection:
        found = inspect(connection).get_foreign_keys(table)
    return {(key["constrained_columns"][0], key["referred_table"]) for key in found}


def _rows(connection, batches: int = 2) -> None:
    """A project, ``batches`` batches of one item with one task and one answer each."""
    connection.execute(text(
        "INSERT INTO project (id, slug, name, kind, instructions, settings, overlap_min, "
        "overlap_max, confidence, gold_rate, lease_seconds, min_seconds, points, status, "
        "created_at) VALUES (1, 'p', 'P', 'labeling', '', '{}', 1, 1, 0.9, 0, 600, 0, 1, "
        "'active', :now)"), {"now": NOW})  # fmt: skip
    for n in range(1, batches + 1):
        statements = [
            "INSERT INTO batch (id, project_id, filename, status, n_items, n_tasks, "
            "created_at) VALUES (:n, 1, 'b.csv', 'open', 1, 1, :now)",
            "INSERT INTO item (id, project_id, batch_id, external_id, line, payload) "
            "VALUES (:n, 1, :n, 'i' || :n, 1, '{}')",
            "INSERT INTO task (id, project_id, item_id, batch_id, position, stage, round, "
            "payload, is_gold, status, priority, target, n_answers, n_leased, created_at) "
            "VALUES (:n, 1, :n, :n, 0, 'answer', 1, '{}', FALSE, 'open', 0, 1, 0, 0, :now)",
        ]
        for statement in statements:
            connection.execute(text(statement), {"n": n, "now": NOW})


def _counts(connection) -> dict[str, int]:
    return {table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("project", "batch", "item", "task")}  # fmt: skip


def test_only_the_keys_that_say_something_are_left(db):
    assert _keys(db, "item") == KEPT["item"]
    assert _keys(db, "task") == KEPT["task"]


def test_deleting_a_project_still_deletes_its_items_and_tasks(db):
    with db.engine.begin() as connection:
        _rows(connection)
    with db.engine.begin() as connection:
        connection.execute(text("DELETE FROM batch WHERE id = 1"))
        assert _counts(connection) == {"project": 1, "batch": 1, "item": 1, "task": 1}
        connection.execute(text("DELETE FROM project WHERE id = 1"))
        assert _counts(connection) == {"project": 0, "batch": 0, "item": 0, "task": 0}


def test_0006_goes_down_and_up_with_the_rows_kept(empty_db):
    db = empty_db
    upgrade(db)
    with db.engine.begin() as connection:
        _rows(connection)
    config = alembic_config(db)
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    for table, column, referred in DROPPED:
        assert (column, referred) in _keys(db, table)
    with db.engine.connect() as connection:
        assert _counts(connection) == {"project": 1, "batch": 2, "item": 2, "task": 2}
    upgrade(db)
    assert _keys(db, "item") == KEPT["item"] and _keys(db, "task") == KEPT["task"]
    with db.engine.begin() as connection:
        assert _counts(connection) == {"project": 1, "batch": 2, "item": 2, "task": 2}
        connection.execute(text("DELETE FROM project WHERE id = 1"))
        assert _counts(connection) == {"project": 0, "batch": 0, "item": 0, "task": 0}


def test_a_downgrade_refuses_rows_that_point_nowhere(tmp_path):
    """Adding a key back checks the rows: a task whose batch is gone stops the downgrade."""
    db = Database(f"sqlite:///{tmp_path}/orphan.db")
    try:
        upgrade(db)
        with db.engine.begin() as connection:
            _rows(connection, batches=1)
            connection.execute(text("UPDATE task SET batch_id = 99"))
        config = alembic_config(db)
        refused = pytest.raises(RuntimeError, match=r"task\.batch_id: rows point at no batch")
        with refused, db.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0005")
        assert _keys(db, "task") == KEPT["task"]  # rolled back: still at head
    finally:
        db.dispose()
