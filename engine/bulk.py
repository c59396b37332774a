"""Bulk inserts for ingestion: item ids taken up front, rows sent in large chunks.

An upload of a million rows is two million inserts. Through the ORM or SQLAlchemy's
executemany each row costs tens of microseconds of Python; here rows are plain tuples sent
to the driver: PostgreSQL gets them through ``COPY`` (psycopg's ``cursor.copy``), SQLite
through ``executemany`` of the sqlite3 connection. Both run in the caller's transaction.
Values arrive ready for the column: JSON columns as JSON text, timestamps as naive UTC.

An upload's rows differ in few columns (the others are the same for the whole upload: its
project, batch, stage, counters), so `insert_block` takes those apart: on SQLite they are
written into the statement, with the item id as the row's offset plus the block's first id,
and the spooled rows go to ``executemany`` as they are (binding 15 values a row and building
a tuple for it was a seventh of the inserts' time).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, DateTime

ITEM_COLUMNS = ("id", "project_id", "batch_id", "external_id", "line", "payload")
TASK_COLUMNS = ("project_id", "item_id", "batch_id", "position", "stage", "round", "payload",
                "is_gold", "gold_answer", "status", "priority", "target", "n_answers",
                "n_leased", "created_at")  # fmt: skip


def _dbapi(connection: Connection) -> Any:
    return connection.connection.dbapi_connection


class IdRange:
    """Ids for new rows of a table, taken without a round trip per row.

    SQLite: the writer holds the database's write lock, so the ids past the largest one
    are free until it commits. PostgreSQL: ``nextval`` of the table's sequence, a block at
    a time (the ids of a block need not follow each other: other sessions take ids too).
    """

    def __init__(self, connection: Connection, table: str) -> None:
        self._connection = connection
        self._table = table
        self._next: int | None = None
        if connection.dialect.name != "postgresql":
            found = connection.exec_driver_sql(f"SELECT max(id) FROM {table}").scalar()
            self._next = int(found or 0) + 1

    def take(self, count: int) -> Sequence[int]:
        if self._next is not None:
            start, self._next = self._next, self._next + count
            return range(start, start + count)
        cursor = _dbapi(self._connection).cursor()
        try:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                (self._table, count),
            )
            return [row[0] for row in cursor.fetchall()]
        finally:
            cursor.close()


def insert_rows(
    connection: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``) into ``table``."""
    if not rows:
        return
    names = ", ".join(columns)
    cursor = _dbapi(connection).cursor()
    try:
        if connection.dialect.name == "postgresql":
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
    finally:
        cursor.close()


def insert_block(
    connection: Connection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    ids: Sequence[int],
    fixed: Mapping[str, Any],
) -> None:
    """Insert ``rows`` into ``table``: a row holds the values of ``columns``, but the first
    one, an offset into ``ids``; every row takes the values of ``fixed`` too.

    SQLite gets ``ids`` as a range (see `IdRange`), so the offset is added to its start in
    the statement; PostgreSQL's ids need not follow each other: the full rows are built.
    """
    if not rows:
        return
    if isinstance(ids, range) and connection.dialect.name != "postgresql":
        names = ", ".join((*columns, *fixed))
        values = ", ".join((f"? + {int(ids.start)}", *("?" for _ in columns[1:]),
                            *(_literal(value) for value in fixed.values())))  # fmt: skip
        cursor = _dbapi(connection).cursor()
        try:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({values})", rows)
        finally:
            cursor.close()
        return
    same = tuple(fixed.values())
    full = [(ids[row[0]], *row[1:], *same) for row in rows]
    insert_rows(connection, table, (*columns, *fixed), full)


def _literal(value: Any) -> str:
    """A constant of `insert_block` as SQLite reads it (no parameter to bind per row)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool | int):
        return str(int(value))
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for {type(value).__name__}")


def timestamp(connection: Connection, moment: datetime) -> datetime | str:
    """``moment`` (aware UTC) as the driver stores a `UTCDateTime`: naive UTC, and on
    SQLite the very text SQLAlchemy writes, so the ORM reads it back unchanged."""
    naive = moment.replace(tzinfo=None) if moment.tzinfo is not None else moment
    dialect = connection.dialect
    processor = DateTime().dialect_impl(dialect).bind_processor(dialect)
    return processor(naive) if processor is not None else naive


json_text: Callable[[Any], str] = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), check_circular=False, allow_nan=False
).encode
"""A JSON value as the text stored in a JSON column (compact, non-ASCII kept).

One encoder built once: ``json.dumps`` builds one per call (2.4 µs for a small payload
against 1.4 µs), and an ingestion encodes two payloads per row. Values come from parsed
files: no cycles to look for.
"""
