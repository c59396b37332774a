"""Small services the chat adapters need: reporting a task, a contributor's accounts."""

from __future__ import annotations

from sqlalchemy import func, insert, select, update

from engine.db import Database
from engine.models import (
    Identity,
    Task,
    TaskReport,
    utcnow,
)
from engine.services.assignments import give_back, offer_next
from engine.services.common import log_event
from engine.services.dto import NextTask

REPORTS_FOR_REVIEW = 2
"""Reports after which an open task goes to the moderators instead of the crowd."""

MAX_REASON = 1000


def report_task(
    db: Database, contributor_id: int, assignment_id: int, reason: str = ""
) -> NextTask:
    """ "Report a problem": keep the reason for moderators, give the task back, offer the next.

    A task reported by `REPORTS_FOR_REVIEW` different people leaves the crowd's queue and
    waits for a moderator.
    """
    now = utcnow()
    with db.write() as session:
        given = give_back(session, contributor_id, assignment_id)
        if given is None:
            return NextTask(status="none")
        task_id, project_id, slug = given.task_id, given.project_id, given.slug
        session.execute(insert(TaskReport).values(task_id=task_id, contributor_id=contributor_id,
                                                  reason=reason[:MAX_REASON]))  # fmt: skip
        reports = session.execute(
            select(func.count(func.distinct(TaskReport.contributor_id)))
            .where(TaskReport.task_id == task_id)
        ).scalar_one()  # fmt: skip
        if reports >= REPORTS_FOR_REVIEW:
            session.execute(
                update(Task).where(Task.id == task_id, Task.status == "open")
                .values(status="review")
            )  # fmt: skip
        log_event(session, "task.report", actor_id=contributor_id, project_id=project_id,
                  task_id=task_id, reports=reports)  # fmt: skip
        return offer_next(session, contributor_id, slug, now=now, reuse_lease=False)


def identities_of(db: Database, contributor_id: int) -> list[tuple[str, str]]:
    with db.read() as session:
        return list(session.execute(
            select(Identity.platform, Identity.external_id)
            .where(Identity.contributor_id == contributor_id).order_by(Identity.id)
        ))  # fmt: skip
