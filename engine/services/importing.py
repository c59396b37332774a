"""Answers collected elsewhere (a spreadsheet, another platform) imported into a project.

Rows are ``task,worker,label``: ``task`` is the item's id as uploaded (for an item cut into
several tasks, ``item#position``), ``worker`` any stable name, which becomes an identity on
the ``import`` platform. Ids, workers and labels are the exact strings of the file (only
surrounding whitespace trimmed; `engine.tables` reads it, as strictly as an upload). Every
row is checked before anything is stored, and every problem is reported (up to 50): a file
with one bad row stores nothing. Re-importing the same file adds nothing: one answer per
(task, worker). The whole file is one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.db import Database
from engine.identities import EXTERNAL_ID_MAX
from engine.models import Answer, Assignment, Contributor, Identity, Item, Task, utcnow
from engine.services.common import ensure_worker_row, project_by_slug, project_info, task_type_of
from engine.services.completion import settle
from engine.services.contributors import require_role
from engine.services.rows import lock_task
from engine.statuses import AssignmentStatus, TaskStatus
from engine.tables import Problems, Table, read_table
from engine.unit_of_work import Work
from tasks.base import STAGE_ANSWER, InvalidAnswer

IMPORT_PLATFORM = "import"
WORKER_NAME_MAX = EXTERNAL_ID_MAX
"""A worker's name becomes an identity's external id: refused above its size."""


@dataclass(frozen=True)
class ImportReport:
    rows: int
    imported: int
    already_there: int
    tasks_completed: int


def import_answers(
    db: Database,
    slug: str,
    filename: str,
    data: bytes,
    *,
    actor_id: Actor | None = None,
    encoding: str | None = None,
) -> ImportReport:
    """Import a ``task,worker,label`` file; raises `engine.tables.TableError` listing every
    bad row (nothing stored)."""
    table = read_table(data, filename, ("task", "worker", "label"), encoding=encoding)
    now = utcnow()

    def store(work: Work) -> ImportReport:
        session = work.session
        project = project_by_slug(session, slug)
        require_role(session, actor_id, "requester", "importing answers", project.id)
        task_type = task_type_of(project)
        rows = _checked_rows(table, _task_index(session, project.id), project, task_type)
        workers: dict[str, int] = {}
        imported = already = 0
        touched: set[int] = set()
        for task, worker, value in rows:
            if worker not in workers:
                workers[worker] = _import_contributor(session, worker)
                ensure_worker_row(session, workers[worker], project.id)
            if _store(session, task, workers[worker], value, task_type.answer_key(value), now):
                imported += 1
                touched.add(task.id)
            else:
                already += 1
        session.flush()  # the answer counts of the tasks, read again locked below
        completed = 0
        info = project_info(project)
        for task_id in sorted(touched):
            locked = lock_task(session, Task.id == task_id)  # the counts just stored
            assert locked is not None  # an answer to it was just stored
            if locked.status == TaskStatus.OPEN and not locked.is_gold:
                locked.target = max(locked.target, locked.n_answers)
                completed += settle(work, locked, info, task_type, now) == TaskStatus.COMPLETE
        return ImportReport(len(rows), imported, already, completed)

    return db.run(store)


def _checked_rows(
    table: Table, tasks: dict[str, Task], project: Any, task_type: Any
) -> list[tuple[Task, str, Any]]:
    """(task, worker, validated value) per row; every unknown task or invalid label is listed
    in one `TableError`."""
    problems = Problems(table.filename)
    rows: list[tuple[Task, str, Any]] = []
    columns = table.columns
    for ids, worker, label, line in zip(columns["task"], columns["worker"], columns["label"],
                                        table.lines, strict=True):  # fmt: skip
        task = tasks.get(ids)
        if task is None:
            problems.add(line, "task", f"no task {ids!r} in {project.slug}")
            continue
        if len(worker) > WORKER_NAME_MAX:
            problems.add(line, "worker", f"is {len(worker):,} characters long; the most is "
                         f"{WORKER_NAME_MAX}")  # fmt: skip
            continue
        try:
            value = task_type.validate(label, task.payload, project.settings)
        except InvalidAnswer as exc:
            problems.add(line, "label", exc.message)
            continue
        rows.append((task, worker, value))
    problems.raise_if_any()
    return rows


def _task_index(session: Session, project_id: int) -> dict[str, Task]:
    """Item id → its task, and ``item#position`` for items with several tasks."""
    index: dict[str, Task] = {}
    rows = session.execute(
        select(Item.external_id, Task)
        .join(Task, Task.item_id == Item.id)
        .where(Item.project_id == project_id, Task.stage == STAGE_ANSWER)
    ).all()
    for external_id, task in rows:
        index[f"{external_id}#{task.position}"] = task
        index.setdefault(external_id, task)
    return index


def _import_contributor(session: Session, worker: str) -> int:
    existing = session.execute(
        select(Identity.contributor_id).where(
            Identity.platform == IMPORT_PLATFORM, Identity.external_id == worker
        )
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    contributor = Contributor(display_name=worker)
    session.add(contributor)
    session.flush()
    session.add(Identity(platform=IMPORT_PLATFORM, external_id=worker,
                         contributor_id=contributor.id))  # fmt: skip
    session.flush()
    return contributor.id


def _store(
    session: Session, task: Task, contributor_id: int, value: Any, key: str, now: Any
) -> bool:
    seen = session.execute(
        select(Assignment.id).where(
            Assignment.task_id == task.id, Assignment.contributor_id == contributor_id
        )
    ).first()
    if seen is not None:
        return False
    assignment_id = session.execute(
        insert(Assignment).returning(Assignment.id),
        [{"task_id": task.id, "contributor_id": contributor_id, "project_id": task.project_id,
          "status": AssignmentStatus.ANSWERED, "leased_at": now, "expires_at": now}],
    ).scalar_one()  # fmt: skip
    session.execute(
        insert(Answer).values(assignment_id=assignment_id, task_id=task.id,
                              contributor_id=contributor_id, value=value, key=key,
                              seconds=None, created_at=now)
    )  # fmt: skip
    if not task.is_gold:
        task.n_answers += 1
    return True
