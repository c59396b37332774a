"""Plain rows for the hot path (next task, submit): read with Core, never as ORM objects.

Loading ORM objects costs more Python time than the queries themselves; the two calls a bot
makes for every answer read these instead, and so does every service that decides a task:
a task is always a `TaskRow`. It is the one that changes: the stopping rule's plan edits its
status, target and priority in memory, and `write_task` stores what changed in one UPDATE
(the row is locked by the caller all along). The reads of a submit are here too
(`load_submission`, `counted_answers`), with their PostgreSQL-only parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Case,
    Connection,
    Select,
    Update,
    and_,
    bindparam,
    case,
    func,
    literal_column,
    null,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session, aliased

from engine import driver
from engine.models import TASK_TABLE, Answer, Assignment, Project, Task, WorkerSkill
from engine.services.common import ensure_worker_row
from engine.services.decision import CountedAnswer, skill_of
from engine.services.dto import ProjectInfo

MUTABLE_TASK_FIELDS = ("status", "priority", "target", "n_answers", "n_leased", "round",
                       "completed_at")  # fmt: skip


ProjectRow = ProjectInfo
"""What the hot path reads of a project: the services' own `ProjectInfo`, read with Core."""

PROJECT_COLUMNS = tuple(getattr(Project, f.name) for f in fields(ProjectInfo))


@dataclass(slots=True)
class TaskRow:
    """A locked task; edited in memory, stored by `write_task`."""

    id: int
    project_id: int
    item_id: int
    batch_id: int
    parent_task_id: int | None
    position: int
    stage: str
    round: int
    payload: dict[str, Any]
    is_gold: bool
    gold_answer: Any
    status: str
    priority: int
    target: int
    n_answers: int
    n_leased: int
    completed_at: datetime | None
    stored: tuple[Any, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        self.stored = self._mutable()

    def _mutable(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in MUTABLE_TASK_FIELDS)

    def changes(self) -> dict[str, Any]:
        """The fields edited since the row was read or last written."""
        pairs = zip(MUTABLE_TASK_FIELDS, self._mutable(), self.stored, strict=True)
        return {name: now for name, now, then in pairs if now != then}

    def mark_stored(self) -> None:
        self.stored = self._mutable()


TASK_COLUMNS = tuple(getattr(Task, f.name) for f in fields(TaskRow) if f.name != "stored")


@dataclass(frozen=True, slots=True)
class WorkerRow:
    """A contributor's per-project counters as they were when the transaction read them."""

    contributor_id: int
    project_id: int
    n_answers: int
    gold_seen: int
    gold_correct: int
    accuracy: float | None
    ds_skill: float | None
    points: int
    suspended: bool
    last_item: int | None
    last_position: int | None
    last_task: int | None

    @property
    def last_key(self) -> tuple[int, int, int] | None:
        """Where their look for the next task starts (see `WorkerSkill.last_task`)."""
        if self.last_item is None or self.last_position is None or self.last_task is None:
            return None
        return (self.last_item, self.last_position, self.last_task)


WORKER_COLUMNS = tuple(getattr(WorkerSkill, f.name) for f in fields(WorkerRow))


def task_row(values: Any) -> TaskRow:
    return TaskRow(*values)


def worker_row_of(values: Any) -> WorkerRow | None:
    """A `WorkerRow` from an outer join's columns (None where the row does not exist yet)."""
    if values[0] is None:
        return None
    return WorkerRow(*values)


def write_task(session: Session, task: TaskRow) -> None:
    """Store a `TaskRow` that changed (nothing when it did not).

    Every mutable field is written, changed or not: one statement that never varies, run
    on the driver (`engine.driver`); the row is locked by the caller all along.
    """
    if not task.changes():
        return
    driver.execute(session.connection(), task_update_statement(), task_parameters(task))
    task.mark_stored()


def task_parameters(task: TaskRow) -> dict[str, Any]:
    """The parameters of `task_update_statement` for this row."""
    return {"t_id": task.id, **{f"t_{name}": getattr(task, name) for name in MUTABLE_TASK_FIELDS}}


@cache
def task_update_statement() -> Update:
    """UPDATE of a task's mutable fields from ``:t_<field>`` parameters."""
    table = TASK_TABLE
    return (
        update(table)
        .where(table.c.id == bindparam("t_id"))
        .values({name: bindparam(f"t_{name}", type_=table.c[name].type)
                 for name in MUTABLE_TASK_FIELDS})
    )  # fmt: skip


def load_project(session: Session, *criteria: Any, join: Any = None) -> ProjectRow | None:
    """The oldest `ProjectRow` meeting ``criteria`` (optionally through a join), or None."""
    statement = select(*PROJECT_COLUMNS).where(*criteria).order_by(Project.id).limit(1)
    if join is not None:
        statement = statement.join(*join)
    row = session.connection().execute(statement).first()
    return None if row is None else ProjectRow(*row)


def worker_state(session: Session, contributor_id: int, project_id: int) -> WorkerRow:
    """The contributor's per-project row, created if missing."""
    connection = session.connection()
    parameters = {"contributor_id": contributor_id, "project_id": project_id}
    row = connection.execute(_worker_statement(), parameters).first()
    if row is None:
        ensure_worker_row(session, contributor_id, project_id)
        row = connection.execute(_worker_statement(), parameters).one()
    return WorkerRow(*row)


@cache
def _worker_statement() -> Select[Any]:
    return select(*WORKER_COLUMNS).where(
        and_(WorkerSkill.contributor_id == bindparam("contributor_id"),
             WorkerSkill.project_id == bindparam("project_id"))
    )  # fmt: skip


def lock_task(session: Session, *criteria: Any) -> TaskRow | None:
    """The task meeting ``criteria``, locked until the transaction ends (None: no such task)."""
    row = (
        session.connection()
        .execute(select(*TASK_COLUMNS).where(*criteria).with_for_update())
        .first()
    )
    return None if row is None else TaskRow(*row)


@dataclass(frozen=True, slots=True)
class Submission:
    """What a submit reads in one locking statement: the assignment, its task and project,
    the answerer's row, and on PostgreSQL the task's counted answers when this answer may
    decide it (else None: `counted_answers` reads them if they are needed)."""

    contributor_id: int
    status: str
    leased_at: datetime
    expires_at: datetime
    task: TaskRow
    project: ProjectRow
    worker: WorkerRow | None
    earlier: list[CountedAnswer] | None


_TASK_END = 4 + len(TASK_COLUMNS)
_PROJECT_END = _TASK_END + len(PROJECT_COLUMNS)
_WORKER_END = _PROJECT_END + len(WORKER_COLUMNS)


def load_submission(connection: Connection, assignment_id: int) -> Submission | None:
    """The assignment and its task, both locked, with what deciding the task reads."""
    postgresql = connection.dialect.name == "postgresql"
    row = driver.first(connection, _submission_statement(postgresql),
                       {"assignment_id": assignment_id})  # fmt: skip
    if row is None:
        return None
    earlier = row[_WORKER_END] if postgresql else None
    return Submission(row[0], row[1], row[2], row[3], TaskRow(*row[4:_TASK_END]),
                      ProjectRow(*row[_TASK_END:_PROJECT_END]),
                      worker_row_of(row[_PROJECT_END:_WORKER_END]),
                      None if earlier is None else earlier_answers(earlier))  # fmt: skip


@cache
def _submission_statement(postgresql: bool) -> Select[Any]:
    """Built once; on PostgreSQL with `earlier_answers_column`."""
    earlier = ([earlier_answers_column(Task.id, Project.id, Task.n_answers, Project.overlap_min)]
               if postgresql else [])  # fmt: skip
    return (
        select(Assignment.contributor_id, Assignment.status, Assignment.leased_at,
               Assignment.expires_at, *TASK_COLUMNS, *PROJECT_COLUMNS, *WORKER_COLUMNS,
               *earlier)
        .join(Task, Task.id == Assignment.task_id)
        .join(Project, Project.id == Assignment.project_id)
        .outerjoin(WorkerSkill, and_(WorkerSkill.contributor_id == Assignment.contributor_id,
                                     WorkerSkill.project_id == Assignment.project_id))
        .where(Assignment.id == bindparam("assignment_id"))
        .with_for_update(of=(Assignment, Task))
    )  # fmt: skip


def stored_value(connection: Connection, assignment_id: int) -> Any:
    """The value stored for an answered assignment (a double tap gets it back)."""
    return connection.execute(
        select(Answer.value).where(Answer.assignment_id == assignment_id)
    ).scalar_one_or_none()


def earlier_answers_column(
    task_id: Any, project_id: Any, n_answers: Any, overlap_min: Any
) -> Case[Any]:
    """PostgreSQL: a task's counted answers as one JSON column of the submit's locking read.

    The stopping rule reads them when this answer may decide the task; reading them in the
    same query saves a statement on every such answer. Elsewhere the column is NULL and
    `settle` reads them itself (`counted_answers`). Rows are in `earlier_answers` order.

    The answers are read with the query's snapshot, taken before the task's lock was
    granted, while the task row itself is the latest version. Whatever changes a task's
    counted answers also updates the task row in the same transaction, so where the locked
    row is not the version the snapshot sees (its ``xmin`` differs), they may be stale: NULL.
    """
    skill = aliased(WorkerSkill)
    row = func.json_build_array(Answer.contributor_id, Answer.key, Answer.value,
                                skill.ds_skill, skill.gold_correct, skill.gold_seen)  # fmt: skip
    answers = (
        select(func.coalesce(func.json_agg(aggregate_order_by(row, Answer.id)),
                             literal_column("'[]'::json")))
        .select_from(Answer)
        .outerjoin(skill, and_(skill.contributor_id == Answer.contributor_id,
                               skill.project_id == project_id))
        .where(Answer.task_id == task_id, Answer.counted.is_(True))
        .scalar_subquery()
    )  # fmt: skip
    snapshot = TASK_TABLE.alias("task_in_snapshot")
    seen: Any = select(literal_column("task_in_snapshot.xmin")).where(snapshot.c.id == task_id)
    current = literal_column(f"{TASK_TABLE.name}.xmin") == seen.scalar_subquery()
    return case((and_(n_answers + 1 >= overlap_min, current), answers), else_=null())


def earlier_answers(rows: Sequence[Sequence[Any]]) -> list[CountedAnswer]:
    """`CountedAnswer` from rows of `earlier_answers_column` or `_counted_statement`."""
    return [CountedAnswer(row[0], row[1], row[2], skill_of(row[3], row[4], row[5]))
            for row in rows]  # fmt: skip


def counted_answers(session: Session, task_id: int, project_id: int) -> list[CountedAnswer]:
    """The answers that count for a task, with the skill of whoever gave them."""
    parameters = {"task_id": task_id, "project_id": project_id}
    return earlier_answers(driver.rows(session.connection(), _counted_statement(), parameters))


@cache
def _counted_statement() -> Select[Any]:
    """Built once (it runs after every answer)."""
    return (
        select(Answer.contributor_id, Answer.key, Answer.value, WorkerSkill.ds_skill,
               WorkerSkill.gold_correct, WorkerSkill.gold_seen)
        .outerjoin(WorkerSkill, and_(WorkerSkill.contributor_id == Answer.contributor_id,
                                     WorkerSkill.project_id == bindparam("project_id")))
        .where(Answer.task_id == bindparam("task_id"), Answer.counted.is_(True))
        .order_by(Answer.id)
    )  # fmt: skip
