"""Migrations: they build exactly the schema the models describe, and go down and up again."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

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
