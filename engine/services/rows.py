"""Plain rows for the hot path (next task, submit): read with Core, never as ORM objects.

Loading ORM objects costs more Python time than the queries themselves; the two calls a bot
makes for every answer read these instead. `TaskRow` is the one that changes: the stopping
rule edits its status, target and priority in memory, and `write_task` stores what changed
in one UPDATE (the row is locked by the caller all along).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.orm import Session

from engine import driver
from engine.models import TASK_TABLE, Project, Task, WorkerSkill
from engine.services.common import ensure_worker_row
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


def write_task(session: Session, task: Any) -> None:
    """Store a `TaskRow` that changed (an ORM `Task` stores itself at flush).

    Every mutable field is written, changed or not: one statement that never varies, run
    on the driver (`engine.driver`); the row is locked by the caller all along.
    """
    if not isinstance(task, TaskRow) or not task.changes():
        return
    driver.execute(session.connection(), task_update_statement(), task_parameters(task))
    task.mark_stored()


def task_parameters(task: TaskRow) -> dict[str, Any]:
    """The parameters of `task_update_statement` for this row."""
    return {"t_id": task.id, **{f"t_{name}": getattr(task, name) for name in MUTABLE_TASK_FIELDS}}


@cache
def task_update_statement() -> Any:
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
def _worker_statement() -> Any:
    return select(*WORKER_COLUMNS).where(
        and_(WorkerSkill.contributor_id == bindparam("contributor_id"),
             WorkerSkill.project_id == bindparam("project_id"))
    )  # fmt: skip
