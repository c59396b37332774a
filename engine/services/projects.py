"""Projects: created from a validated spec, listed, looked up."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor, recorded
from engine.db import Database
from engine.errors import Conflict
from engine.models import Project
from engine.services.common import log_event, project_by_slug, project_info
from engine.services.contributors import require_role
from engine.services.dto import ProjectInfo
from engine.spec import ProjectSpec
from engine.statuses import ProjectState


def create_project(
    db: Database, spec: ProjectSpec, *, actor_id: Actor | None = None
) -> ProjectInfo:
    """Store a new project; its slug must be free. Requesters and admins may create."""

    def create(session: Session) -> ProjectInfo:
        require_role(session, actor_id, "requester", "creating a project")
        taken = session.execute(select(Project.id).where(Project.slug == spec.slug)).first()
        if taken is not None:
            raise Conflict(f"a project with slug {spec.slug!r} already exists")
        project = Project(
            slug=spec.slug,
            name=spec.name,
            kind=spec.kind,
            instructions=spec.instructions,
            settings=spec.settings,
            overlap_min=spec.overlap_min,
            overlap_max=spec.overlap_max,
            confidence=spec.confidence,
            gold_rate=spec.gold_rate,
            lease_seconds=spec.lease_seconds,
            min_seconds=spec.min_seconds,
            points=spec.points,
            owner_id=recorded(actor_id),
        )
        session.add(project)
        session.flush()
        log_event(session, "project.create", actor_id=actor_id, project_id=project.id,
                  slug=spec.slug)  # fmt: skip
        return project_info(project)

    return db.run(lambda work: create(work.session))


def list_projects(db: Database, *, status: str | None = None) -> list[ProjectInfo]:
    with db.read() as session:
        query = select(Project).order_by(Project.id)
        if status is not None:
            query = query.where(Project.status == status)
        return [project_info(p) for p in session.execute(query).scalars()]


def get_project(db: Database, slug: str) -> ProjectInfo:
    with db.read() as session:
        return project_info(project_by_slug(session, slug))


def set_project_status(
    db: Database, slug: str, status: str, *, actor_id: Actor | None = None
) -> ProjectInfo:
    """Pause (no new leases), close or reopen a project."""
    if status not in set(ProjectState):
        raise ValueError(f"unknown project status {status!r}")

    def change(session: Session) -> ProjectInfo:
        project = project_by_slug(session, slug)
        require_role(session, actor_id, "requester", "changing a project", project.id)
        project.status = status
        log_event(session, "project.status", actor_id=actor_id, project_id=project.id,
                  status=status)  # fmt: skip
        return project_info(project)

    return db.run(lambda work: change(work.session))
