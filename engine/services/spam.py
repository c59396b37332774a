"""Spam signals wired into answering: too fast, the same answer over and over, failed gold.

A suspended contributor gets no more tasks on the project, their open leases are released and
their answers on undecided tasks stop counting, so those tasks ask for answers again.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.models import Answer, Task, WorkerSkill
from engine.services.common import log_event, release_leases_of
from engine.services.rows import ProjectRow, WorkerRow
from engine.statuses import TaskStatus
from engine.unit_of_work import Work
from quality.spam import SpamPolicy, suspension_reason

RECENT_ANSWERS = 30
CHECK_EVERY = 10


def spam_policy(project: ProjectRow) -> SpamPolicy:
    """The project's policy: ``min_seconds`` from the project, the rest from ``[spam]``."""
    overrides = project.settings.get("spam", {}) if isinstance(project.settings, dict) else {}
    known = {f.name for f in fields(SpamPolicy)}
    values = {k: v for k, v in overrides.items() if k in known and k != "min_seconds"}
    return SpamPolicy(min_seconds=project.min_seconds, **values)


def after_answer(
    work: Work,
    project: ProjectRow,
    skill: WorkerRow,
    seconds: float,
    now: datetime,
    *,
    graded_gold: bool = False,
) -> str | None:
    """Check the signals at the moments they can change; returns the suspension reason.

    Looking back costs a query, so it runs only after a suspiciously fast answer, a graded
    control task, or every `CHECK_EVERY` answers; the hot path stays short otherwise.
    """
    fast = project.min_seconds > 0 and seconds < project.min_seconds
    answered = skill.n_answers + work.pending(skill.contributor_id, project.id, "n_answers")
    if not (fast or graded_gold or answered % CHECK_EVERY == 0):
        return None
    policy = spam_policy(project)  # built only when it is used
    rows = list(
        work.session.execute(
            select(Answer.seconds, Answer.key)
            .join(Task, Task.id == Answer.task_id)
            .where(Answer.contributor_id == skill.contributor_id, Task.project_id == project.id)
            .order_by(Answer.id.desc())
            .limit(RECENT_ANSWERS)
        ).all()
    )
    rows.reverse()
    reason = suspension_reason(
        policy,
        seconds=[row[0] or 0.0 for row in rows],
        labels=[row[1] for row in rows],
        gold_seen=skill.gold_seen + work.pending(skill.contributor_id, project.id, "gold_seen"),
        gold_correct=skill.gold_correct
        + work.pending(skill.contributor_id, project.id, "gold_correct"),
    )
    if reason is not None:
        suspend(work.session, project.id, skill.contributor_id, reason, now)
    return reason


def suspend(
    session: Session,
    project_id: int,
    contributor_id: int,
    reason: str,
    now: datetime,
    *,
    actor_id: int | None = None,
) -> int:
    """Suspend on one project and stop counting their undecided answers; returns how many."""
    session.execute(
        update(WorkerSkill)
        .where(WorkerSkill.contributor_id == contributor_id, WorkerSkill.project_id == project_id)
        .values(suspended=True, suspended_reason=reason)
        .execution_options(synchronize_session=False)
    )
    release_leases_of(session, contributor_id, project_id)
    undecided = (
        select(Task.id)
        .where(Task.project_id == project_id, Task.is_gold.is_(False),
               Task.status.in_((TaskStatus.OPEN, TaskStatus.REVIEW)))
        .scalar_subquery()
    )  # fmt: skip
    task_ids = list(
        session.execute(
            update(Answer)
            .where(Answer.contributor_id == contributor_id, Answer.counted.is_(True),
                   Answer.task_id.in_(undecided))
            .values(counted=False, flags={"suspended": reason})
            .returning(Answer.task_id)
        ).scalars()
    )  # fmt: skip
    for task_id in sorted(task_ids):
        session.execute(
            update(Task).where(Task.id == task_id)
            .values(n_answers=Task.n_answers - 1, status=TaskStatus.OPEN)
        )  # fmt: skip
    log_event(session, "contributor.suspend", actor_id=actor_id, project_id=project_id,
              contributor=contributor_id, reason=reason, answers_discounted=len(task_ids),
              at=now.isoformat())  # fmt: skip
    return len(task_ids)
