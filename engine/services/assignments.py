"""Handing out tasks: next task, skip, "report a problem", and the expiry of leases.

The rules (DESIGN.md, "Scheduling"): never the same task twice to one contributor (the
(task, contributor) pair is unique), never beyond what a task still needs
(``n_answers + n_leased < target``, decided on the locked task row), older items first so
items finish before new ones start. PostgreSQL takes the row with ``FOR UPDATE SKIP LOCKED``;
SQLite runs the whole step under ``BEGIN IMMEDIATE`` (see `engine.db`).
"""

from __future__ import annotations

import random
import time
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, exists, func, insert, select, update
from sqlalchemy.orm import Session

from engine.db import Database
from engine.models import Assignment, Contributor, Project, Task, TaskReport, utcnow
from engine.scheduling import gold_rate_for, lease_end
from engine.services.common import log_event, task_type_of
from engine.services.dto import NextTask, TaskOffer
from engine.services.rows import ProjectRow, WorkerRow, load_project, worker_state
from engine.services.storing import (
    OFFER_COLUMNS,
    held_by_others,
    lease_among,
    lease_task,
    not_seen_by,
    only_condition,
    try_lease,
)
from engine.statuses import AssignmentStatus, NextStatus, ProjectState, TaskStatus
from engine.unit_of_work import Work


def next_task(
    db: Database,
    contributor_id: int,
    project: str | None = None,
    *,
    now: datetime | None = None,
    rng: random.Random | None = None,
    only: Collection[int] | None = None,
) -> NextTask:
    """Lease the next task for a contributor, or say why there is none.

    ``project`` is a slug; without it the contributor's current project is used, else the
    oldest active project that has work. A contributor holding a live lease on the project
    gets that same task back, so pressing "next" twice never hoards tasks. ``only`` (task
    ids) restricts this call to those tasks: a replay offers a recorded worker only what
    they answered in the recording.
    """
    moment = now or utcnow()
    return db.run(
        lambda work: offer_next(work.session, contributor_id, project, now=moment, rng=rng,
                                only=only)
    )  # fmt: skip


def offer_next(
    session: Session,
    contributor_id: int,
    slug: str | None,
    *,
    now: datetime,
    rng: random.Random | None = None,
    reuse_lease: bool = True,
    project: ProjectRow | None = None,
    worker: WorkerRow | None = None,
    after: TaskKey | None = None,
    only: Collection[int] | None = None,
) -> NextTask:
    """`next_task` inside the caller's transaction (submit chains it after an answer).

    A caller that already read the project and the worker's row passes them.
    """
    project = project or _project_for(session, contributor_id, slug)
    if project is None:
        return NextTask(status=NextStatus.NO_PROJECT)
    if project.status != ProjectState.ACTIVE:
        return NextTask(status=NextStatus.CLOSED, project_slug=project.slug)
    worker = worker or worker_state(session, contributor_id, project.id)
    if worker.suspended:
        return NextTask(status=NextStatus.SUSPENDED, project_slug=project.slug)
    if reuse_lease:
        held = _live_lease(session, contributor_id, project.id, now)
        if held is not None:
            assignment_id, held_until, *task_columns = held
            offer = _offer(project, assignment_id, held_until, tuple(task_columns))
            return NextTask(NextStatus.TASK, offer, project.slug)
    expires_at = lease_end(now, project.lease_seconds)
    after = after or worker.last_key  # a /next after a pause starts where they left off
    if (rng or random).random() < gold_rate_for(
        project.gold_rate, answers=worker.n_answers, gold_seen=worker.gold_seen,
        accuracy=worker.accuracy,
    ):  # fmt: skip
        task = _gold_candidate(session, contributor_id, project.id, only)
        if task is not None:
            assignment_id = lease_task(session.connection(), task.id, True, contributor_id,
                                       project.id, now, expires_at)  # fmt: skip
            offer = _offer(project, assignment_id, expires_at, task)
            return NextTask(NextStatus.TASK, offer, project.slug)
    if only is None:
        leased = _lease_free_task(session, contributor_id, project.id, now, expires_at, after)
    else:
        # A task locked by another transaction is passed over without the retries: a replay
        # is alone on its project.
        leased = lease_among(session.connection(), contributor_id, project.id, now,
                             expires_at, only) if only else None  # fmt: skip
    if leased is None:
        return NextTask(status=NextStatus.NONE, project_slug=project.slug)
    assignment_id, columns = leased[0], tuple[Any, ...](leased[1:])
    offer = _offer(project, assignment_id, expires_at, columns)
    return NextTask(NextStatus.TASK, offer, project.slug)


def offer_of(
    db: Database, contributor_id: int, assignment_id: int, *, now: datetime | None = None
) -> TaskOffer | None:
    """The task of one of this contributor's live leases, read only (None otherwise).

    Adapters use it to turn a button's index or selection back into the prompt's values.
    """
    moment = now or utcnow()
    with db.read() as session:
        row = session.execute(
            select(Assignment.id, Assignment.expires_at, *OFFER_COLUMNS, Project)
            .join(Task, Task.id == Assignment.task_id)
            .join(Project, Project.id == Assignment.project_id)
            .where(Assignment.id == assignment_id, Assignment.contributor_id == contributor_id,
                   Assignment.status == AssignmentStatus.LEASED, Assignment.expires_at > moment)
        ).first()  # fmt: skip
        if row is None:
            return None
        assignment, expires_at, task_id, payload, is_gold, project = row
        return _offer(project, assignment, expires_at, (task_id, payload, is_gold))


def skip_task(
    db: Database, contributor_id: int, assignment_id: int, *, now: datetime | None = None
) -> NextTask:
    """Give a task back; it is never offered to this contributor again. Returns the next one."""
    moment = now or utcnow()

    def skip(work: Work) -> NextTask:
        given = give_back(work.session, contributor_id, assignment_id)
        if given is None:
            return NextTask(status=NextStatus.NONE)
        return offer_next(work.session, contributor_id, given.slug, now=moment,
                          reuse_lease=False)  # fmt: skip

    return db.run(skip)


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

    def report(work: Work) -> NextTask:
        session = work.session
        given = give_back(session, contributor_id, assignment_id)
        if given is None:
            return NextTask(status=NextStatus.NONE)
        task_id, project_id, slug = given.task_id, given.project_id, given.slug
        session.execute(insert(TaskReport).values(task_id=task_id, contributor_id=contributor_id,
                                                  reason=reason[:MAX_REASON]))  # fmt: skip
        reports = session.execute(
            select(func.count(func.distinct(TaskReport.contributor_id)))
            .where(TaskReport.task_id == task_id)
        ).scalar_one()  # fmt: skip
        if reports >= REPORTS_FOR_REVIEW:
            session.execute(
                update(Task).where(Task.id == task_id, Task.status == TaskStatus.OPEN)
                .values(status=TaskStatus.REVIEW)
            )  # fmt: skip
        log_event(session, "task.report", actor_id=contributor_id, project_id=project_id,
                  task_id=task_id, reports=reports)  # fmt: skip
        return offer_next(session, contributor_id, slug, now=now, reuse_lease=False)

    return db.run(report)


def give_back(
    session: Session, contributor_id: int, assignment_id: int
) -> Row[str, int, int, str] | None:
    """Mark this contributor's assignment skipped and free its place if it was leased.

    Returns the assignment's ``task_id``, ``project_id`` and project ``slug`` (None when the
    assignment is not theirs). Skip and "report a problem" both come through here.
    """
    row = session.execute(
        select(Assignment.status, Assignment.task_id, Assignment.project_id, Project.slug)
        .join(Project, Project.id == Assignment.project_id)
        .where(Assignment.id == assignment_id, Assignment.contributor_id == contributor_id)
        .with_for_update(of=Assignment)
    ).first()
    if row is not None and row.status == AssignmentStatus.LEASED:
        session.execute(
            update(Assignment)
            .where(Assignment.id == assignment_id)
            .values(status=AssignmentStatus.SKIPPED)
        )
        session.execute(
            update(Task)
            .where(Task.id == row.task_id, Task.is_gold.is_(False))
            .values(n_leased=Task.n_leased - 1)
        )
    return row


def release_expired_leases(db: Database, *, now: datetime | None = None) -> int:
    """Free every lease past its end (a periodic job); returns how many were freed."""
    moment = now or utcnow()
    return db.run(lambda work: release_expired(work.session, moment))


def release_expired(session: Session, now: datetime, project_id: int | None = None) -> int:
    """Mark expired leases and give their places back, inside the caller's transaction.

    Each lease row is flipped by exactly one transaction (the UPDATE re-checks its status
    under the row lock), so concurrent sweeps never give a place back twice.
    """
    statement = (
        update(Assignment)
        .where(Assignment.status == AssignmentStatus.LEASED, Assignment.expires_at <= now)
        .values(status=AssignmentStatus.EXPIRED)
        .returning(Assignment.task_id)
    )
    if project_id is not None:
        statement = statement.where(Assignment.project_id == project_id)
    freed: dict[int, int] = {}
    for task_id in session.execute(statement).scalars():
        freed[task_id] = freed.get(task_id, 0) + 1
    for task_id, count in sorted(freed.items()):
        session.execute(
            update(Task)
            .where(Task.id == task_id, Task.is_gold.is_(False))
            .values(n_leased=Task.n_leased - count)
        )
    return sum(freed.values())


def _project_for(session: Session, contributor_id: int, slug: str | None) -> ProjectRow | None:
    """The named project, else the contributor's current one, else the oldest with work."""
    if slug is not None:
        return load_project(session, Project.slug == slug)
    as_current = (Contributor, Contributor.current_project_id == Project.id)
    current = load_project(session, Contributor.id == contributor_id, join=as_current)
    if current is not None:
        return current
    with_work = exists().where(Task.project_id == Project.id, Task.status == TaskStatus.OPEN)
    return load_project(session, Project.status == ProjectState.ACTIVE, with_work)


def _live_lease(
    session: Session, contributor_id: int, project_id: int, now: datetime
) -> Row[int, datetime, *tuple[Any, ...]] | None:
    return session.execute(
        select(Assignment.id, Assignment.expires_at, *OFFER_COLUMNS)
        .join(Task, Task.id == Assignment.task_id)
        .where(
            Assignment.contributor_id == contributor_id,
            Assignment.status == AssignmentStatus.LEASED,
            Assignment.project_id == project_id,
            Assignment.expires_at > now,
        )
        .order_by(Assignment.id)
        .limit(1)
    ).first()


LOCK_RETRIES = 4
LOCK_PAUSE = 0.01


TaskKey = tuple[int, int, int]
"""(item_id, position, id): where a task stands in the scheduler's order."""


def _lease_free_task(
    session: Session,
    contributor_id: int,
    project_id: int,
    now: datetime,
    expires_at: datetime,
    after: TaskKey | None,
) -> tuple[Any, ...] | None:
    """Lease a regular task: (assignment id, task id, payload, is_gold), or None when there
    really is none.

    ``after`` is the task they just answered: the look starts there (tasks given priority
    still come first), so a contributor far ahead of the others does not walk past every
    open task they already answered. Nothing after it: the look starts from the top.

    ``SKIP LOCKED`` passes over a task another transaction holds for a few milliseconds
    (leasing it, or storing an answer to it). When nothing else is free, that must not read
    as "no task left": expired leases are swept, and while an unlocked look finds a task
    that the locking one skipped, the look is retried after a short pause.
    """
    parameters: dict[str, Any] = {
        "p_project_id": project_id, "p_contributor_id": contributor_id, "p_leased_at": now,
        "p_expires_at": expires_at,
    }  # fmt: skip
    if after is not None:
        parameters.update(p_after_item=after[0], p_after_position=after[1], p_after_task=after[2])
    connection = session.connection()
    leased = try_lease(connection, parameters, after is not None)
    if leased is None and release_expired(session, now, project_id):
        leased = try_lease(connection, parameters, after is not None)
    for attempt in range(LOCK_RETRIES):
        if leased is not None or not held_by_others(connection, contributor_id, project_id):
            break
        time.sleep(LOCK_PAUSE * (attempt + 1))
        leased = try_lease(connection, parameters, after is not None)
    return leased


def _gold_candidate(
    session: Session, contributor_id: int, project_id: int, only: Collection[int] | None = None
) -> Row[Any] | None:
    """A control task this contributor has not seen (among ``only`` when given); control
    tasks have no answer limit."""
    among: list[Any] = []
    parameters: dict[str, Any] = {}
    if only is not None:
        condition, parameters = only_condition(session.connection(), only)
        among = [condition]
    return session.execute(
        select(*OFFER_COLUMNS)
        .where(
            and_(
                Task.project_id == project_id,
                Task.is_gold.is_(True),
                Task.status.in_((TaskStatus.OPEN, TaskStatus.RESOLVED)),
            ),  # resolved: made gold by a moderator
            not_seen_by(contributor_id),
            *among,
        )
        .order_by(func.random())
        .limit(1),
        parameters,
    ).first()


def _offer(project: Any, assignment_id: int, expires_at: datetime, task: Any) -> TaskOffer:
    """Render the prompt from the payload alone: the gold answer is never read here."""
    task_id, payload, _is_gold = task
    prompt = task_type_of(project).prompt(payload, project.settings, project.instructions)
    return TaskOffer(
        assignment_id=assignment_id,
        task_id=task_id,
        project_slug=project.slug,
        project_name=project.name,
        expires_at=expires_at,
        prompt=prompt,
    )
