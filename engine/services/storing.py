"""The writes of the hot path, as few round trips as the database allows.

Storing an answer touches three rows (the answer, its assignment, the task's counters) and
leasing a task two (the assignment, the task's lease count). PostgreSQL runs each group as one
statement with data-modifying CTEs, one round trip instead of three; SQLite, in-process,
runs the plain statements one after the other. Both write exactly the same rows.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Connection,
    bindparam,
    exists,
    insert,
    literal,
    literal_column,
    select,
    update,
)
from sqlalchemy.orm import Session

from engine import driver
from engine.models import ANSWER_TABLE, ASSIGNMENT_TABLE, RESULT_TABLE, TASK_TABLE
from engine.services.rows import TaskRow, task_parameters, task_update_statement

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


def store_result(session: Session, task: Any, result: dict[str, Any]) -> bool | None:
    """Insert a task's result and store the task's new state (status, completion time).

    For a `TaskRow`, PostgreSQL does both in one statement, which also says whether another
    task of the batch is still undecided (returned); None where the caller has to look.
    An ORM `Task` stores itself.
    """
    connection = session.connection()
    if not isinstance(task, TaskRow):
        connection.execute(insert(RESULT_TABLE).values(**result))
        return None
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


UNDECIDED = ("open", "voting", "review")
"""Task statuses of a task that has no result yet; a batch is done when none is left."""


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
def batch_pending_statement(*, except_task: bool = False) -> Any:
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
def _insert_result() -> Any:
    return insert(RESULT_TABLE).values(
        {name: bindparam(f"r_{name}", type_=RESULT_TABLE.c[name].type) for name in RESULT_FIELDS}
    )


@cache
def _result_and_task() -> Any:
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
def _insert_answer() -> Any:
    return insert(ANSWER_TABLE).values(
        assignment_id=bindparam("p_assignment_id"), task_id=bindparam("p_task_id"),
        contributor_id=bindparam("p_contributor_id"), value=bindparam("p_value"),
        key=bindparam("p_key"), seconds=bindparam("p_seconds"),
        created_at=bindparam("p_created_at"), counted=True, flags={},
    ).returning(ANSWER_TABLE.c.id)  # fmt: skip


@cache
def _mark_answered() -> Any:
    return (
        update(ASSIGNMENT_TABLE)
        .where(ASSIGNMENT_TABLE.c.id == bindparam("p_assignment_id"))
        .values(status="answered")
    )


@cache
def _store_counters() -> Any:
    return (
        update(TASK_TABLE)
        .where(TASK_TABLE.c.id == bindparam("p_task_id"))
        .values(n_answers=bindparam("p_n_answers"), n_leased=bindparam("p_n_leased"))
    )


@cache
def _store_in_one() -> Any:
    stored = _insert_answer().cte("stored")
    return (
        select(stored.c.id)
        .add_cte(_mark_answered().cte("answered"))
        .add_cte(_store_counters().cte("counted"))
    )


@cache
def _insert_lease() -> Any:
    return insert(ASSIGNMENT_TABLE).values(
        task_id=bindparam("p_task_id"), contributor_id=bindparam("p_contributor_id"),
        project_id=bindparam("p_project_id"), status="leased", leased_at=bindparam("p_leased_at"),
        expires_at=bindparam("p_expires_at"),
    ).returning(ASSIGNMENT_TABLE.c.id)  # fmt: skip


@cache
def _count_lease() -> Any:
    return (
        update(TASK_TABLE)
        .where(TASK_TABLE.c.id == bindparam("p_task_id"))
        .values(n_leased=TASK_TABLE.c.n_leased + 1)
    )


@cache
def _lease_in_one() -> Any:
    """The count is added only where ``:counted`` (a control task keeps none)."""
    leased = _insert_lease().cte("leased")
    counted = _count_lease().where(bindparam("p_counted") == literal(True)).cte("lease_counted")
    return select(leased.c.id).add_cte(counted)
