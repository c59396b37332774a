"""Migrations: they build exactly the schema the models describe, and go down and up again."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from engine.db import Database
from engine.migrate import alembic_config, is_current, upgrade
from engine.models import Base

pytestmark = pytest.mark.integration

TEXTUAL_INDEXES = {"ix_task_schedule"}  # "priority DESC" cannot be compared by reflection


def _differences(db: Database) -> list:
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    index_ops = ("add_index", "remove_index")
    return [d for d in diff if not (d[0] in index_ops and d[1].name in TEXTUAL_INDEXES)]


def test_migrations_match_the_models(db):
    assert is_current(db)
    assert _differences(db) == []


def test_downgrade_to_base_and_upgrade_again(tmp_path):
    db = Database(f"sqlite:///{tmp_path}/down.db")
    upgrade(db)
    config = alembic_config(db)
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert not is_current(db)
    upgrade(db)
    assert is_current(db) and _differences(db) == []


OLD_ROWS = {
    "project": {"id": 1, "slug": "p", "name": "P", "kind": "labeling", "instructions": "",
                "settings": "{}", "overlap_min": 1, "overlap_max": 1, "confidence": 0.9,
                "gold_rate": 0, "lease_seconds": 600, "min_seconds": 0, "points": 1,
                "status": "active", "created_at": "2026-01-01"},
    "batch": {"project_id": 1, "filename": "b.csv", "status": "open", "n_items": 1,
              "n_tasks": 1, "created_at": "2026-01-01"},
    "item": {"project_id": 1, "line": 1, "payload": "{}"},
    "task": {"project_id": 1, "position": 0, "stage": "answer", "round": 1, "payload": "{}",
             "is_gold": False, "status": "open", "priority": 0, "target": 1, "n_answers": 0,
             "n_leased": 0, "created_at": "2026-01-01"},
}  # fmt: skip


def _insert(connection, table: str, **values) -> None:
    row = {**OLD_ROWS[table], **values}
    names = ", ".join(row)
    marks = ", ".join(f":{name}" for name in row)
    connection.execute(text(f"INSERT INTO {table} ({names}) VALUES ({marks})"), row)


def test_0004_gives_existing_tasks_their_batch(empty_db):
    """Tasks stored before 0004 learn their batch from their item; the data stays."""
    db = empty_db
    upgrade(db, "0003")
    with db.engine.begin() as connection:
        _insert(connection, "project")
        for n in (1, 2):
            _insert(connection, "batch", id=n)
            _insert(connection, "item", id=n, batch_id=n, external_id=f"i{n}")
            _insert(connection, "task", id=n, item_id=n)
    upgrade(db)
    with db.engine.connect() as connection:
        rows = connection.execute(text("SELECT id, batch_id FROM task ORDER BY id")).all()
    assert [tuple(row) for row in rows] == [(1, 1), (2, 2)]
