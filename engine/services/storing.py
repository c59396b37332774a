"""The writes of the hot path, as few round trips as the database allows.

Storing an answer touches three rows (the answer, its assignment, the task's counters) and
leasing a task two (the assignment, the task's lease count). PostgreSQL runs each group as one
statement with data-modifying CTEs, one round trip instead of three; SQLite, in-process,
runs the plain statements one after the other. Both write exactly the same rows. The
scheduler's look for a free task is here too (`try_lease`), and the per-worker counters a
`engine.unit_of_work.Work` writes before its commit (`add_counters`): with `rows`, this is
where the SQL that differs between the databases lives.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    CompoundSelect,
    Connection,
    Insert,
    Select,
    String,
    Table,
    Update,
    any_,
    bindparam,
    case,
    exists,
    func,
    insert,
    literal,
    literal_column,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from engine import driver
from engine.models import (
    ANSWER_TABLE,
    ASSIGNMENT_TABLE,
    RESULT_TABLE,
    TASK_TABLE,
    UTCDateTime,
    WorkerSkill,
)
from engine.services.rows import TaskRow, task_parameters, task_update_statement
from engine.statuses import UNDECIDED, AssignmentStatus, TaskStatus
from engine.unit_of_work import COUNTERS, POSITION_PARAMETERS
from quality.skill import DEFAULT_K

# Parameters are named ``p_*``, never like a column: SQLAlchemy would take an execution
# parameter named after a column of an UPDATE's table as one more value to SET.


def store_answer(
    connection: Connection,
    assignment_id: int,
    task: TaskRow,
    contributor_id: int,
    value: Any,
    key: str,
    seconds: float,
    now: datetime,
) -> int:
    """Insert the answer, mark its assignment answered, store the task's new counters.

    Returns the answer's id; the task row counts as stored afterwards.
    """
    parameters = {
        "p_assignment_id": assignment_id, "p_task_id": task.id,
        "p_contributor_id": contributor_id, "p_value": value, "p_key": key,
        "p_seconds": seconds, "p_created_at": now,
        "p_n_answers": task.n_answers, "p_n_leased": task.n_leased,
    }  # fmt: skip
    if connection.dialect.name == "postgresql":
        answer_id = _one(connection, _store_in_one(), parameters)
    else:
        answer_id = _one(connection, _insert_answer(), parameters)
        driver.execute(connection, _mark_answered(), parameters)
        driver.execute(connection, _store_counters(), parameters)
    task.mark_stored()
    return answer_id


def lease_task(
    connection: Connection,
    task_id: int,
    is_gold: bool,
    contributor_id: int,
    project_id: int,
    now: datetime,
    expires_at: datetime,
) -> int:
    """Insert the lease and count it on the task (control tasks keep no count); its id."""
    parameters = {
        "p_task_id": task_id, "p_contributor_id": contributor_id, "p_project_id": project_id,
        "p_leased_at": now, "p_expires_at": expires_at, "p_counted": not is_gold,
    }  # fmt: skip
    if connection.dialect.name == "postgresql":
        return _one(connection, _lease_in_one(), parameters)
    assignment_id = _one(connection, _insert_lease(), parameters)
    if not is_gold:
        driver.execute(connection, _count_lease(), parameters)
    return assignment_id


def store_result(session: Session, task: TaskRow, result: dict[str, Any]) -> bool | None:
    """Insert a task's result and store the task's new state (status, completion time).

    PostgreSQL does both in one statement, which also says whether another task of the
    batch is still undecided (returned); None where the caller has to look.
    """
    connection = session.connection()
    parameters = {f"r_{name}": value for name, value in result.items()}
    parameters.update(task_parameters(task), b_batch=task.batch_id)
    others_pending = None
    if connection.dialect.name == "postgresql":
        row = driver.first(connection, _result_and_task(), parameters)
        others_pending = bool(row and row[0])
    else:
        driver.execute(connection, _insert_result(), parameters)
        driver.execute(connection, task_update_statement(), parameters)
    task.mark_stored()
    return others_pending


def expire_assignment(connection: Connection, assignment_id: int) -> None:
    """An answer came too late: its assignment ends ``expired``."""
    connection.execute(
        update(ASSIGNMENT_TABLE).where(ASSIGNMENT_TABLE.c.id == assignment_id)
        .values(status=AssignmentStatus.EXPIRED)
    )  # fmt: skip


def add_counters(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """Add a transaction's increments to the per-worker rows, one parameter row each.

    One statement adds every counter (most increments are zero), so the rows go to the
    database as one batch of parameters: psycopg sends them in a single round trip, in the
    order given (the caller sorts them, see `engine.unit_of_work`). Gold accuracy is
    recomputed in SQL from the updated counts, Toloka's smoothing: (K + correct) / (2K + seen),
    so concurrent updates of the same row stay consistent.
    """
    driver.executemany(connection, _add_counters(), rows)


@cache
def _add_counters() -> Update:
    table = cast(Table, WorkerSkill.__table__)
    seen = table.c.gold_seen + bindparam("l_gold_seen")
    correct = table.c.gold_correct + bindparam("l_gold_correct")
    accuracy = case(
        (bindparam("l_gold_seen") > 0,
         (literal(DEFAULT_K) + correct) / (literal(2 * DEFAULT_K) + seen)),
        else_=table.c.accuracy,
    )  # fmt: skip
    values: dict[str, Any] = {name: table.c[name] + bindparam(f"l_{name}") for name in COUNTERS}
    for column, parameter in zip(
        ("last_item", "last_position", "last_task"), POSITION_PARAMETERS, strict=True
    ):
        values[column] = func.coalesce(bindparam(parameter, type_=BigInteger), table.c[column])
    return (
        update(table)
        .where(table.c.contributor_id == bindparam("l_contributor"),
               table.c.project_id == bindparam("l_project"))
        .values(accuracy=accuracy, **values)
    )  # fmt: skip


def undecided_in_batch(batch_id: Any) -> list[Any]:
    """Conditions on ``task``: of batch ``batch_id`` (a parameter or a correlated column),
    not a control task, no result yet. The statuses are constants in the SQL, so PostgreSQL
    keeps one plan for the probe, an index range of ``ix_task_batch_status``."""
    undecided: list[Any] = [literal_column(f"'{name}'") for name in UNDECIDED]
    return [TASK_TABLE.c.batch_id == batch_id, TASK_TABLE.c.status.in_(undecided),
            TASK_TABLE.c.is_gold.is_(False)]  # fmt: skip


def batch_pending(connection: Connection, batch_id: int) -> bool:
    """Is a task of the batch still undecided?"""
    row = driver.first(connection, batch_pending_statement(), {"b_batch": batch_id})
    return bool(row and row[0])


@cache
def batch_pending_statement(*, except_task: bool = False) -> Select[bool]:
    """Is a task of batch ``:b_batch`` still undecided? One probe of ``ix_task_batch_status``.

    ``except_task``: leave out task ``:t_id`` (a statement that decides it sees it as it was).
    """
    conditions = undecided_in_batch(bindparam("b_batch"))
    if except_task:
        conditions.append(TASK_TABLE.c.id != bindparam("t_id"))
    return select(exists().where(*conditions))


RESULT_FIELDS = ("task_id", "value", "key", "confidence", "agreement", "method", "n_answers",
                 "decided_by", "decided_at")  # fmt: skip


@cache
def _insert_result() -> Insert:
    return insert(RESULT_TABLE).values(
        {name: bindparam(f"r_{name}", type_=RESULT_TABLE.c[name].type) for name in RESULT_FIELDS}
    )


@cache
def _result_and_task() -> Select[bool]:
    """Result, task state and the batch probe in one statement (PostgreSQL)."""
    return (
        batch_pending_statement(except_task=True)
        .add_cte(_insert_result().cte("result_stored"))
        .add_cte(task_update_statement().cte("task_stored"))
    )


def _one(connection: Connection, statement: Any, parameters: dict[str, Any]) -> int:
    """The id a statement returns (it always returns one row)."""
    row = driver.first(connection, statement, parameters)
    assert row is not None
    return int(row[0])


@cache
def _insert_answer() -> ReturningInsert[Any]:
    return insert(ANSWER_TABLE).values(
        assignment_id=bindparam("p_assignment_id"), task_id=bindparam("p_task_id"),
        contributor_id=bindparam("p_contributor_id"), value=bindparam("p_value"),
        key=bindparam("p_key"), seconds=bindparam("p_seconds"),
        created_at=bindparam("p_created_at"), counted=True, flags={},
    ).returning(ANSWER_TABLE.c.id)  # fmt: skip


@cache
def _mark_answered() -> Update:
    return (
        update(ASSIGNMENT_TABLE)
        .where(ASSIGNMENT_TABLE.c.id == bindparam("p_assignment_id"))
        .values(status=AssignmentStatus.ANSWERED)
    )


@cache
def _store_counters() -> Update:
    return (
        update(TASK_TABLE)
        .where(TASK_TABLE.c.id == bindparam("p_task_id"))
        .values(n_answers=bindparam("p_n_answers"), n_leased=bindparam("p_n_leased"))
    )


@cache
def _store_in_one() -> Select[Any]:
    stored = _insert_answer().cte("stored")
    return (
        select(stored.c.id)
        .add_cte(_mark_answered().cte("answered"))
        .add_cte(_store_counters().cte("counted"))
    )


@cache
def _insert_lease() -> ReturningInsert[Any]:
    return insert(ASSIGNMENT_TABLE).values(
        task_id=bindparam("p_task_id"), contributor_id=bindparam("p_contributor_id"),
        project_id=bindparam("p_project_id"), status=AssignmentStatus.LEASED,
        leased_at=bindparam("p_leased_at"), expires_at=bindparam("p_expires_at"),
    ).returning(ASSIGNMENT_TABLE.c.id)  # fmt: skip


@cache
def _count_lease() -> Update:
    return (
        update(TASK_TABLE)
        .where(TASK_TABLE.c.id == bindparam("p_task_id"))
        .values(n_leased=TASK_TABLE.c.n_leased + 1)
    )


@cache
def _lease_in_one() -> Select[Any]:
    """The count is added only where ``:counted`` (a control task keeps none)."""
    leased = _insert_lease().cte("leased")
    counted = _count_lease().where(bindparam("p_counted") == literal(True)).cte("lease_counted")
    return select(leased.c.id).add_cte(counted)


# The scheduler's look: find a free task and lease it (`engine.services.assignments` decides
# when to look again). Constants are literals rather than parameters, for the same reason as
# `ONE`; every statement is built once.

OFFER_COLUMNS: tuple[Any, ...] = (TASK_TABLE.c.id, TASK_TABLE.c.payload, TASK_TABLE.c.is_gold)
"""What an offer shows of a task (the gold answer is never read for it)."""

ONE: Any = literal_column("1")
"""``LIMIT 1`` written out: with ``LIMIT $1`` PostgreSQL cannot trust a generic plan of
the prepared statement and plans it again on every call (half a millisecond each)."""


def try_lease(connection: Connection, parameters: dict[str, Any], after: bool) -> Leased | None:
    """One look for a free task, leased at once when found: (assignment id, task id,
    payload, is_gold).

    ``parameters``: ``p_project_id``, ``p_contributor_id``, ``p_leased_at``, ``p_expires_at``
    and, with ``after``, the key ``p_after_item``, ``p_after_position``, ``p_after_task``.
    PostgreSQL finds, locks and leases it in a single statement; SQLite (under its write
    lock) reads the candidate, then writes the lease.
    """
    if connection.dialect.name == "postgresql":
        return driver.first(connection, _find_and_lease_statement(after), parameters)
    return _lease_found(connection, _candidate_statement(after=after), parameters)


def lease_among(
    connection: Connection,
    contributor_id: int,
    project_id: int,
    now: datetime,
    expires_at: datetime,
    only: Collection[int],
) -> Leased | None:
    """`try_lease` restricted to the tasks ``only`` (a replay's filter).

    The ids go as one parameter (`only_parameter`), so the statement never changes and runs
    on the driver like the normal look.
    """
    postgresql = connection.dialect.name == "postgresql"
    parameters: dict[str, Any] = {
        "p_project_id": project_id, "p_contributor_id": contributor_id,
        "p_only": only_parameter(only, postgresql), "p_leased_at": now,
        "p_expires_at": expires_at,
    }  # fmt: skip
    if postgresql:
        return driver.first(connection, _find_and_lease_among_statement(), parameters)
    return _lease_found(connection, _among_statement(False), parameters)


Leased = tuple[Any, ...]
"""(assignment id, task id, payload, is_gold) of a task just leased."""


def _lease_found(connection: Connection, look: Any, parameters: dict[str, Any]) -> Leased | None:
    """SQLite: the task ``look`` finds, then its lease."""
    task = driver.first(connection, look, parameters)
    if task is None:
        return None
    assignment_id = lease_task(connection, task[0], False, parameters["p_contributor_id"],
                               parameters["p_project_id"], parameters["p_leased_at"],
                               parameters["p_expires_at"])  # fmt: skip
    return (assignment_id, *task)


def held_by_others(connection: Connection, contributor_id: int, project_id: int) -> bool:
    """Is there a task with room for this contributor that the locking look skipped?"""
    parameters = {"p_project_id": project_id, "p_contributor_id": contributor_id}
    look = _candidate_statement(locking=False)
    return driver.first(connection, look, parameters) is not None


def only_condition(connection: Connection, only: Collection[int]) -> tuple[Any, dict[str, Any]]:
    """The condition "the task is one of ``only``" and its parameter, for another look."""
    postgresql = connection.dialect.name == "postgresql"
    return _in_only(postgresql), {"p_only": only_parameter(only, postgresql)}


def only_parameter(only: Collection[int], postgresql: bool) -> list[int] | str:
    """``:p_only`` of `_in_only`: a list (an array) on PostgreSQL, a JSON list on SQLite."""
    ids = sorted(int(task_id) for task_id in only)
    return ids if postgresql else json.dumps(ids)


def _in_only(postgresql: bool) -> ColumnElement[bool]:
    """``task.id`` is one of the ids of ``:p_only``: ``= ANY(array)`` on PostgreSQL,
    ``IN (SELECT value FROM json_each(...))`` on SQLite. One parameter whatever the number
    of ids, so the SQL is always the same."""
    if postgresql:
        return TASK_TABLE.c.id == any_(bindparam("p_only", type_=ARRAY(BigInteger)))
    ids: Any = select(literal_column("value")).select_from(
        func.json_each(bindparam("p_only", type_=String))
    )
    return TASK_TABLE.c.id.in_(ids)


def not_seen_by(contributor_id: Any) -> ColumnElement[bool]:
    """The task was never assigned to this contributor (a lease, an answer, a skip)."""
    return ~exists().where(
        ASSIGNMENT_TABLE.c.task_id == TASK_TABLE.c.id,
        ASSIGNMENT_TABLE.c.contributor_id == contributor_id,
    )


@cache
def _among_statement(postgresql: bool) -> Select[Any]:
    """The filtered look (the candidate, locked)."""
    return _look(_in_only(postgresql), locking=True)


@cache
def _find_and_lease_among_statement() -> Select[Any]:
    """PostgreSQL: `_find_and_lease_statement` of the filtered look."""
    return _found_and_leased(_among_statement(True))


def _look(*conditions: Any, locking: bool) -> Select[Any]:
    """Open regular tasks with room, never seen by this contributor, in scheduling order."""
    task = TASK_TABLE.c
    statement = (
        select(*OFFER_COLUMNS)
        .where(
            task.project_id == bindparam("p_project_id"),
            task.status == literal_column(f"'{TaskStatus.OPEN}'"),
            task.is_gold.is_(False),
            task.n_answers + task.n_leased < task.target,
            not_seen_by(bindparam("p_contributor_id")),
            *conditions,
        )
        .order_by(task.priority.desc(), task.item_id, task.position, task.id)
        .limit(ONE)
    )
    return statement.with_for_update(skip_locked=True, of=TASK_TABLE) if locking else statement


@cache
def _candidate_statement(*, locking: bool = True, after: bool = False) -> CompoundSelect[Any]:
    """Composing this statement costs more than running it: built once.

    Tasks given priority come first. With ``after``, the rest is looked at only past the
    key (``:after_*``): an index range, so the tasks this contributor already passed are
    not walked again. Each part has its own ``LIMIT 1``; the database stops at the first
    part that finds a task (the later parts are never run).
    """
    task = TASK_TABLE.c
    zero: Any = literal_column("0")
    urgent = _look(task.priority > zero, locking=locking)
    if not after:
        regular = _look(task.priority == zero, locking=locking)
        return _first_of(urgent, regular)
    past = tuple_(task.item_id, task.position, task.id) > tuple_(
        bindparam("p_after_item"), bindparam("p_after_position"), bindparam("p_after_task")
    )
    from_top = _look(task.priority == zero, locking=locking)  # nothing left past the key
    return _first_of(urgent, _look(task.priority == zero, past, locking=locking), from_top)


def _first_of(*looks: Any) -> CompoundSelect[Any]:
    parts = [select(part.subquery().c) for part in looks]
    return union_all(*parts).limit(ONE)


@cache
def _find_and_lease_statement(after: bool) -> Select[Any]:
    """PostgreSQL: find the task, insert the lease and count it, in one statement."""
    return _found_and_leased(_candidate_statement(after=after))


def _found_and_leased(candidate: Select[Any] | CompoundSelect[Any]) -> Select[Any]:
    """The lease of the task ``candidate`` finds (assignment id, task id, payload, is_gold)."""
    pick = candidate.cte("pick")
    leased = (
        insert(ASSIGNMENT_TABLE)
        .from_select(
            ["task_id", "contributor_id", "project_id", "status", "leased_at", "expires_at"],
            select(pick.c.id, bindparam("p_contributor_id"), bindparam("p_project_id"),
                   literal_column(f"'{AssignmentStatus.LEASED}'"),
                   bindparam("p_leased_at", type_=UTCDateTime()),
                   bindparam("p_expires_at", type_=UTCDateTime())),
        )
        .returning(ASSIGNMENT_TABLE.c.id, ASSIGNMENT_TABLE.c.task_id)
        .cte("leased")
    )  # fmt: skip
    counted = (
        update(TASK_TABLE).where(TASK_TABLE.c.id == pick.c.id)
        .values(n_leased=TASK_TABLE.c.n_leased + 1).cte("lease_counted")
    )  # fmt: skip
    return (
        select(leased.c.id, pick.c.id, pick.c.payload, pick.c.is_gold)
        .join_from(pick, leased, leased.c.task_id == pick.c.id)
        .add_cte(counted)
    )
