"""Database handle: one SQLAlchemy engine, sessions, and write transactions that serialise.

Every write service runs its work through `Database.run`: one transaction, a `Work`
(`engine.unit_of_work`) that collects the per-worker counters and writes them in a fixed
order right before the commit, and a new attempt after a deadlock or a busy database.

PostgreSQL relies on row locks (``SELECT ... FOR UPDATE SKIP LOCKED``) taken by the services.
SQLite has no row locks, so a write transaction starts with ``BEGIN IMMEDIATE``: it takes the
database's write lock up front and two processes can never interleave a read-then-write.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from engine.unit_of_work import Work
from engine.writer_lock import WriterLock

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
            kwargs.update(pool_size=pool_size, max_overflow=pool_size)
        self.engine: Engine = create_engine(url, **kwargs)
        self._writers: WriterLock | None = None
        if self.is_sqlite:
            _configure_sqlite(self.engine)
            path = self.engine.url.database
            if path and path != ":memory:" and not path.startswith("file:"):
                self._writers = WriterLock(path)
        else:
            _ping_when_idle(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def work(self) -> Iterator[Work]:
        """A write transaction as a `Work`: committed (counters first) on success, rolled
        back on any error.

        On SQLite it begins with ``BEGIN IMMEDIATE`` so that the read that decides a write is
        already under the write lock.
        """
        with self._writer_turn(), self._sessions() as session:
            if self.is_sqlite:
                session.connection(execution_options={_BEGIN_OPTION: "IMMEDIATE"})
            work = Work(session)
            try:
                yield work
                work.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def write(self) -> Iterator[Session]:
        """The session of a `work` transaction, for tests and tools that write rows directly
        (the services go through `run`, which retries)."""
        with self.work() as work:
            yield work.session

    def _writer_turn(self) -> AbstractContextManager[None]:
        """SQLite file: wait for this writer's turn (see `engine.writer_lock`)."""
        return self._writers.held() if self._writers is not None else nullcontext()

    def run(self, work: Callable[[Work], T], *, retries: int = 3) -> T:
        """``work`` in a write transaction, run again after a deadlock or a busy database.

        The whole transaction rolls back before a retry and the next attempt gets a new
        `Work`, so nothing is stored twice: ``work`` must do nothing outside the transaction
        that a second run would repeat (send no message, consume no input it cannot read
        again).
        """
        for attempt in range(retries + 1):
            try:
                with self.work() as unit:
                    return work(unit)
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


IDLE_BEFORE_PING = 10.0
"""Seconds a pooled connection may sit unused before it is checked on its next use."""


def _ping_when_idle(engine: Engine) -> None:
    """Check a connection that sat idle in the pool before handing it out; a dead one is
    replaced (the pool retries on `DisconnectionError`).

    SQLAlchemy's ``pool_pre_ping`` does this on every checkout: one more round trip for
    every transaction of the hot path, where connections are busy and never stale.
    A server restart or a dropped link shows on connections that waited, so those are
    the ones that are checked.
    """

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_LAST_USED] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        last = record.info.get(_LAST_USED)
        if last is None or time.monotonic() - last < IDLE_BEFORE_PING:
            return  # new, or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # any driver error means the connection is gone
            raise DisconnectionError(f"idle connection is gone: {exc}") from exc


_LAST_USED = "essaim_last_used"


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
