"""Hot-path statements run on the driver's cursor: SQLAlchemy's execution costs more than the query.

The statements of next task and submit are SQLAlchemy Core statements built once. Executing
one through SQLAlchemy costs about 120 µs of client CPU on top of the driver's own work (the
submit's locking read: 230 µs through SQLAlchemy, 105 µs on the psycopg cursor), and an
answer runs six or seven of them. Here each statement is compiled once per dialect, its
parameters and result columns get the same type processing SQLAlchemy would apply (naive UTC
timestamps, JSON on SQLite), and it runs on the DBAPI cursor of the caller's connection, inside
the caller's transaction. Rows come back as plain tuples.

Only statements whose SQL never changes with their parameters belong here (no expanding
``IN``). Everything is read through SQLAlchemy's public API (the compiled string, its bind
names and positional order, the statement's exported columns). A compiled statement is kept
only as long as its statement is: the hot path's statements are built once by their modules
(``functools.cache``), so they compile once; a statement built for one use is collected.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Dialect

Processor = Callable[[Any], Any]


@dataclass(slots=True, weakref_slot=True)
class Compiled:
    """One statement as its driver runs it (weakly referable: a test sees it go)."""

    dialect: Dialect
    sql: str
    names: tuple[str, ...] | None
    """Parameter order for positional drivers (sqlite3); None for named ones (psycopg)."""
    binds: dict[str, Processor]
    constants: dict[str, Any]
    """Values bound inside the statement itself (the 1 of ``n_leased + 1``), processed."""
    result_types: tuple[Any, ...]
    """The dialect's type of each result column."""
    results: tuple[tuple[int, Processor], ...] | None = None
    """Result columns that need processing, by position: known at the first result, since
    some processors depend on the type the driver reports (PostgreSQL's numeric types)."""

    def parameters(self, values: dict[str, Any]) -> Any:
        binds = self.binds
        merged = self.constants | {
            name: binds[name](value) if name in binds else value for name, value in values.items()
        }
        if self.names is None:
            return merged
        return [merged[name] for name in self.names]

    def row(self, values: Sequence[Any], cursor: Any) -> tuple[Any, ...]:
        results = self.results
        if results is None:
            results = self.results = self._result_processors(cursor.description)
        if not results:
            return tuple(values)
        row = list(values)
        for index, processor in results:
            row[index] = processor(row[index])
        return tuple(row)

    def _result_processors(self, description: Any) -> tuple[tuple[int, Processor], ...]:
        found = []
        for index, (kind, column) in enumerate(zip(self.result_types, description, strict=True)):
            processor = kind.result_processor(self.dialect, column[1])
            if processor is not None:
                found.append((index, processor))
        return tuple(found)


_CACHE: dict[tuple[str, str], WeakKeyDictionary[Any, Compiled]] = {}
"""Per dialect and driver, each statement's `Compiled`; an entry goes with its statement."""


def compiled(statement: Any, dialect: Dialect) -> Compiled:
    """``statement`` compiled for ``dialect``, once while the statement lives."""
    plans = _CACHE.get((dialect.name, dialect.driver))
    if plans is None:
        plans = _CACHE.setdefault((dialect.name, dialect.driver), WeakKeyDictionary())
    plan = plans.get(statement)
    if plan is None:  # two threads may both compile it: the same result, either one kept
        plan = plans[statement] = _compile(statement, dialect)
    return plan


def _compile(statement: Any, dialect: Dialect) -> Compiled:
    sql = statement.compile(dialect=dialect)
    if sql.literal_execute_params or sql.post_compile_params:
        raise ValueError("a statement whose SQL depends on its parameters cannot be cached")
    binds: dict[str, Processor] = {}
    constants: dict[str, Any] = {}
    for bind, name in sql.bind_names.items():
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            binds[name] = processor
        if not bind.required:
            value = bind.effective_value
            constants[name] = value if processor is None else processor(value)
    # The selected (or RETURNING) columns, in the order the SQL renders them.
    result_types = tuple(column.type.dialect_impl(dialect) for column in statement.exported_columns)
    names = tuple(sql.positiontup) if sql.positional and sql.positiontup else None
    return Compiled(dialect, sql.string, names, binds, constants, result_types)


def _cursor(connection: Connection) -> Any:
    return connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]


def rows(
    connection: Connection, statement: Any, parameters: dict[str, Any]
) -> list[tuple[Any, ...]]:
    """Every row of ``statement`` run with ``parameters``."""
    plan = compiled(statement, connection.dialect)
    cursor = _cursor(connection)
    try:
        cursor.execute(plan.sql, plan.parameters(parameters))
        return [plan.row(row, cursor) for row in cursor.fetchall()]
    finally:
        cursor.close()


def first(
    connection: Connection, statement: Any, parameters: dict[str, Any]
) -> tuple[Any, ...] | None:
    """The first row, or None."""
    plan = compiled(statement, connection.dialect)
    cursor = _cursor(connection)
    try:
        cursor.execute(plan.sql, plan.parameters(parameters))
        row = cursor.fetchone()
        return None if row is None else plan.row(row, cursor)
    finally:
        cursor.close()


def execute(connection: Connection, statement: Any, parameters: dict[str, Any]) -> None:
    """Run a statement that returns nothing."""
    plan = compiled(statement, connection.dialect)
    cursor = _cursor(connection)
    try:
        cursor.execute(plan.sql, plan.parameters(parameters))
    finally:
        cursor.close()


def executemany(connection: Connection, statement: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Run a statement once per parameter row, in order."""
    if not rows:
        return
    plan = compiled(statement, connection.dialect)
    cursor = _cursor(connection)
    try:
        if len(rows) == 1:  # psycopg's executemany sets up a pipeline: dearer for one row
            cursor.execute(plan.sql, plan.parameters(rows[0]))
        else:
            cursor.executemany(plan.sql, [plan.parameters(row) for row in rows])
    finally:
        cursor.close()
