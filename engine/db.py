"""Database handle: one SQLAlchemy engine, sessions, and write transactions that serialise.

PostgreSQL relies on row locks (``SELECT ... FOR UPDATE SKIP LOCKED``) taken by the services.
SQLite has no row locks, so a write transaction starts with ``BEGIN IMMEDIATE``: it takes the
database's write lock up front and two processes can never interleave a read-then-write.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from engine import ledger

_BEGIN_OPTION = "essaim_sqlite_begin"
RETRYABLE_SQLSTATES = {"40P01", "40001"}  # deadlock detected, serialization failure
T = TypeVar("T")


class Database:
    """An engine and its session factory, built explicitly from a URL."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
        self.engine: Engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        ledger.install(self._sessions)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that commits on success and rolls back on any error.

        On SQLite it begins with ``BEGIN IMMEDIATE`` so that the read that decides a write is
        already under the write lock.
        """
        with self._sessions() as session:
            if self.is_sqlite:
                session.connection(execution_options={_BEGIN_OPTION: "IMMEDIATE"})
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def run(self, work: Callable[[Session], T], *, retries: int = 3) -> T:
        """``work`` in a write transaction, run again after a deadlock or a busy database.

        The whole transaction rolls back before a retry, so nothing is stored twice; the
        busy hot path (next task, submit) goes through here.
        """
        for attempt in range(retries + 1):
            try:
                with self.write() as session:
                    return work(session)
            except OperationalError as exc:
                if attempt == retries or not _retryable(exc):
                    raise
                time.sleep(0.005 * 2**attempt)
        raise AssertionError("unreachable")

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work; it never commits."""
        with self._sessions() as session:
            try:
                yield session
            finally:
                session.rollback()

    def dispose(self) -> None:
        self.engine.dispose()


def _retryable(exc: OperationalError) -> bool:
    """PostgreSQL deadlock or serialization failure; SQLite busy past its timeout."""
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate in RETRYABLE_SQLSTATES:
        return True
    return "database is locked" in str(exc.orig)


def _configure_sqlite(engine: Engine) -> None:
    """WAL, a busy timeout and our own BEGIN, as the pysqlite driver needs for real locking."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")
