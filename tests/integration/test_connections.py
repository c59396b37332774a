"""Pooled PostgreSQL connections: one that died while idle is replaced, never handed out."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from engine import db as db_module
from engine.db import Database

pytestmark = pytest.mark.integration


def _backend_pid(database: Database) -> int:
    with database.read() as session:
        return int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_idle_connection_killed_by_the_server_is_replaced(postgres_url, monkeypatch):
    database = Database(postgres_url, pool_size=1)
    try:
        first = _backend_pid(database)
        admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:  # what a server restart does to the pool
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        admin.dispose()
        monkeypatch.setattr(db_module, "IDLE_BEFORE_PING", 0.0)  # it has waited long enough
        second = _backend_pid(database)  # no error: the dead one was checked and replaced
        assert second != first
    finally:
        database.dispose()


def test_busy_connection_is_not_pinged(postgres_url):
    """Reused at once, a connection goes straight to work: no extra round trip."""
    database = Database(postgres_url, pool_size=1)
    pings = []
    original = database.engine.dialect.do_ping
    database.engine.dialect.do_ping = lambda conn: pings.append(1) or original(conn)  # type: ignore[method-assign]
    try:
        for _ in range(5):
            _backend_pid(database)
        assert pings == []
    finally:
        database.engine.dialect.do_ping = original  # type: ignore[method-assign]
        database.dispose()
