"""The writes of the hot path, as few round trips as the database allows.

Storing an answer touches three rows (the answer, its assignment, the task's counters) and
leasing a task two (the assignment, the task's lease count). PostgreSQL runs each group as one
statement with data-modifying CTEs, one round trip instead of three; SQLite, in-process,
runs the plain statements one after the other. Both write exactly the same rows.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, insert, literal, select, update
from sqlalchemy.orm import Session

from engine.models import ANSWER_TABLE, ASSIGNMENT_TABLE, Result, Task
from engine.services.rows import TaskRow, write_task

TASK_TABLE = cast(Table, Task.__table__)
RESULT_TABLE = cast(Table, Result.__table__)

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
        answer_id = connection.execute(_store_in_one(), parameters).scalar_one()
    else:
        answer_id = connection.execute(_insert_answer(), parameters).scalar_one()
        connection.execute(_mark_answered(), parameters)
        connection.execute(_store_counters(), parameters)
    task.mark_stored()
    return int(answer_id)


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
        return int(connection.execute(_lease_in_one(), parameters).scalar_one())
    assignment_id = connection.execute(_insert_lease(), parameters).scalar_one()
    if not is_gold:
        connection.execute(_count_lease(), parameters)
    return int(assignment_id)


def store_result(session: Session, task: Any, result: dict[str, Any]) -> None:
    """Insert a task's result and store the task's new state (status, completion time).

    On PostgreSQL, for a `TaskRow`, both go in one statement; an ORM `Task` stores itself.
    """
    connection = session.connection()
    stored = insert(RESULT_TABLE).values(**result)
    changes = task.changes() if isinstance(task, TaskRow) else {}
    if changes and connection.dialect.name == "postgresql":
        connection.execute(
            update(TASK_TABLE).where(TASK_TABLE.c.id == task.id).values(**changes)
            .add_cte(stored.cte("result_stored"))
        )  # fmt: skip
        task.mark_stored()
        return
    connection.execute(stored)
    write_task(session, task)


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
