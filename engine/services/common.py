"""Small steps shared by the services: look-ups, the audit log, the per-worker row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from engine.actors import Actor, recorded
from engine.dialects import postgresql, sqlite
from engine.errors import NotFound
from engine.models import Assignment, Event, Project, Task, WorkerSkill
from engine.services.dto import ProjectInfo
from engine.statuses import AssignmentStatus
from tasks.base import TaskType
from tasks.registry import get_task_type


def project_by_slug(session: Session, slug: str) -> Project:
    project = session.execute(select(Project).where(Project.slug == slug)).scalar_one_or_none()
    if project is None:
        raise NotFound("project", slug)
    return project


def task_type_of(project: Any) -> TaskType:
    """The task type of a project (an ORM `Project` or a `ProjectRow`: anything with kind)."""
    return get_task_type(project.kind)


def project_info(project: Project) -> ProjectInfo:
    return ProjectInfo(
        id=project.id,
        slug=project.slug,
        name=project.name,
        kind=project.kind,
        status=project.status,
        instructions=project.instructions,
        overlap_min=project.overlap_min,
        overlap_max=project.overlap_max,
        confidence=project.confidence,
        gold_rate=project.gold_rate,
        lease_seconds=project.lease_seconds,
        min_seconds=project.min_seconds,
        points=project.points,
        settings=dict(project.settings),
    )


def log_event(
    session: Session,
    kind: str,
    *,
    actor_id: Actor | None = None,
    project_id: int | None = None,
    task_id: int | None = None,
    **data: Any,
) -> None:
    """Append one line to the audit log, inside the caller's transaction."""
    session.execute(
        insert(Event).values(
            kind=kind,
            actor_id=recorded(actor_id),
            project_id=project_id,
            task_id=task_id,
            data=data,
        )
    )


def ensure_worker_row(session: Session, contributor_id: int, project_id: int) -> None:
    """Create the contributor's per-project row if missing; harmless under concurrency."""
    dialect = session.get_bind().dialect.name
    builder = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = builder(WorkerSkill).values(contributor_id=contributor_id, project_id=project_id)
    session.execute(statement.on_conflict_do_nothing())


def release_leases_of(session: Session, contributor_id: int, project_id: int | None = None) -> int:
    """Give back every open lease of a contributor (forgotten or suspended)."""
    query = (
        update(Assignment)
        .where(
            Assignment.contributor_id == contributor_id,
            Assignment.status == AssignmentStatus.LEASED,
        )
        .values(status=AssignmentStatus.RELEASED)
        .returning(Assignment.task_id)
    )
    if project_id is not None:
        query = query.where(Assignment.project_id == project_id)
    task_ids = list(session.execute(query).scalars())
    for task_id in task_ids:
        session.execute(
            update(Task)
            .where(Task.id == task_id, Task.is_gold.is_(False))
            .values(n_leased=Task.n_leased - 1)
        )
    return len(task_ids)
