"""Schema migrations: `essaim db upgrade`, and the automatic upgrade of an embedded database.

Every process that opens an embedded database asks whether its schema is current. Alembic
answers that by loading its script directory and migration environment (a third of a second
of imports); the answer only needs the head revision, read once from the versions folder,
and one row of ``alembic_version``. Alembic itself is imported only to upgrade.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from engine.db import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
_REVISION = re.compile(r"^revision\s*(?::[^=]*)?=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN = re.compile(r"^down_revision\s*(?::[^=]*)?=\s*(?:['\"]([^'\"]+)['\"]|None)", re.MULTILINE)


def alembic_config(database: Database) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database.url.replace("%", "%%"))
    return config


def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision`` inside one transaction.

    On SQLite the foreign keys are off meanwhile: a migration that changes a table copies
    it (Alembic's batch mode) and drops the old one, and SQLite's DROP TABLE first deletes
    its rows, which would cascade to every row referring to them (0004 copies ``task``: all
    assignments and answers). The keys are checked before the commit instead.
    """
    from alembic import command

    config = alembic_config(database)
    with (
        database.engine.connect() as connection,
        _sqlite_foreign_keys_off(connection),
        connection.begin(),
    ):
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        _check_foreign_keys(connection)


@contextmanager
def _sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    """SQLite ignores this pragma inside a transaction: it goes to the driver's connection
    (in autocommit, see `engine.db`) before any BEGIN, and is undone for the pool after."""
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        driver.execute("PRAGMA foreign_keys=ON")


def _check_foreign_keys(connection: Connection) -> None:
    """Refuse (roll back) an upgrade that left a row pointing at nothing (SQLite only)."""
    if connection.dialect.name != "sqlite":
        return
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchmany(5)
    if broken:
        raise RuntimeError(f"the upgrade would break foreign keys (table, rowid, parent): "
                           f"{[tuple(row[:3]) for row in broken]}")  # fmt: skip


@cache
def head_revision(versions: Path = MIGRATIONS / "versions") -> str:
    """The newest revision: the one no other revision names as its ``down_revision``.

    Our history is linear (one head); a fork would be a mistake to fix in the migrations,
    so it is refused here rather than guessed.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in versions.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = _REVISION.search(source)
        if found is None:
            continue  # __init__.py
        revisions.add(found.group(1))
        down = _DOWN.search(source)
        if down is not None and down.group(1):
            parents.add(down.group(1))
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"{versions}: expected one head revision, found {sorted(heads)}")
    return heads.pop()


def current_revision(database: Database) -> str | None:
    """The revision stored in ``alembic_version``; None for a database never migrated."""
    with database.engine.connect() as connection:
        try:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except ProgrammingError:  # PostgreSQL: no such table, an empty database
            return None
        except OperationalError as exc:  # SQLite says the same as an OperationalError
            if "no such table" in str(exc.orig):
                return None
            raise


def is_current(database: Database) -> bool:
    """True when the database is at the newest revision (one small query, no alembic)."""
    return current_revision(database) == head_revision()
