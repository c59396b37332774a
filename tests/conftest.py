"""Shared fixtures: real SQLite and PostgreSQL databases, a real Redis, sample projects.

PostgreSQL and Redis are the local servers (CI has both). Where one cannot be reached, the
tests that need it are skipped with a reason naming the URL, never silently.
Configure with ESSAIM_TEST_POSTGRES_URL (a server URL; a fresh database is created on it)
and ESSAIM_TEST_REDIS_URL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from engine.app import Essaim
from engine.config import load_settings
from engine.db import Database
from engine.migrate import upgrade
from engine.models import Base

POSTGRES_URL = os.environ.get(
    "ESSAIM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("ESSAIM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _postgres_server() -> str | None:
    """None when reachable, else the reason to skip."""
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:  # any driver error means: not reachable here
        return f"PostgreSQL not reachable at {POSTGRES_URL}: {type(exc).__name__}: {exc}"
    return None


@contextmanager
def _new_postgres_database() -> Iterator[str]:
    """An empty database on the PostgreSQL server (skips when unreachable), dropped after."""
    reason = _postgres_server()
    if reason:
        pytest.skip(reason)
    name = f"essaim_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh database on the PostgreSQL server, migrated once, dropped at the end."""
    with _new_postgres_database() as url:
        database = Database(url)
        upgrade(database)
        database.dispose()
        yield url


@pytest.fixture
def fresh_postgres_url() -> Iterator[str]:
    """An empty PostgreSQL database of the test's own (for migrations from an old revision)."""
    with _new_postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Database]:
    """A database with no schema yet, on each backend (for migrations from an old revision)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/empty.db"
    else:
        url = request.getfixturevalue("fresh_postgres_url")
    database = Database(url)
    yield database
    database.dispose()


def _truncate(database: Database) -> None:
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with database.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def sqlite_db(tmp_path: Any) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path}/essaim.db")
    upgrade(database)
    yield database
    database.dispose()


@pytest.fixture
def pg_db(postgres_url: str) -> Iterator[Database]:
    database = Database(postgres_url)
    _truncate(database)
    yield database
    database.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest) -> Database:
    """Each integration test runs on both databases."""
    return request.getfixturevalue("sqlite_db" if request.param == "sqlite" else "pg_db")


def _inline_engine(db: Database) -> Essaim:
    from engine.queue import JobQueue

    settings = load_settings(database_url=db.url, redis_url=None)
    return Essaim(settings, db, JobQueue(db))


@pytest.fixture
def essaim(db: Database) -> Essaim:
    """The engine over ``db`` with inline jobs (no Redis)."""
    return _inline_engine(db)


@pytest.fixture
def pg_essaim(pg_db: Database) -> Essaim:
    """The engine over PostgreSQL only, inline jobs (what only PostgreSQL can show)."""
    return _inline_engine(pg_db)


@pytest.fixture
def redis_conn() -> Iterator[Any]:
    """A real Redis database, flushed before and after each test."""
    from redis import Redis
    from redis.exceptions import RedisError

    connection = Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        connection.ping()
    except RedisError as exc:
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


@pytest.fixture
def rq_essaim(pg_db: Database, redis_conn: Any, monkeypatch: pytest.MonkeyPatch) -> Essaim:
    """The engine over PostgreSQL with its jobs queued on the real Redis (run them with
    `tests.integration.helpers.work_burst`)."""
    from engine import jobs
    from engine.queue import JobQueue

    monkeypatch.setattr(jobs, "_process_default", None)  # restored after the test
    jobs.set_process_database(pg_db)
    settings = load_settings(database_url=pg_db.url, redis_url=None)
    return Essaim(settings, pg_db, JobQueue(pg_db, redis_conn))
