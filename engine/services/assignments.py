"""Handing out tasks: next task, skip, and the expiry of leases.

The rules (DESIGN.md, "Scheduling"): never the same task twice to one contributor (the
(task, contributor) pair is unique), never beyond what a task still needs
(``n_answers + n_leased < target``, decided on the locked task row), older items first so
items finish before new ones start. PostgreSQL takes the row with ``FOR UPDATE SKIP LOCKED``;
SQLite runs the whole step under ``BEGIN IMMEDIATE`` (see `engine.db`).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Collection
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Row,
    String,
    and_,
    any_,
    bindparam,
    exists,
    func,
    insert,
    literal_column,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from engine import driver
from engine.db import Database
from engine.models import (
    ASSIGNMENT_TABLE,
    TASK_TABLE,
    Assignment,
    Contributor,
    Project,
    Task,
    UTCDateTime,
    utcnow,
)
from engine.scheduling import gold_rate_for, lease_end
from engine.services.common import task_type_of
from engine.services.dto import NextTask, TaskOffer
from engine.services.rows import ProjectRow, WorkerRow, load_project, worker_state
from engine.services.storing import lease_task

OFFER_COLUMNS = (Task.id, Task.payload, Task.is_gold)


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
        lambda session: offer_next(session, contributor_id, project, now=moment, rng=rng, only=only)
    )


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
        return NextTask(status="no_project")
    if project.status != "active":
        return NextTask(status="closed", project_slug=project.slug)
    worker = worker or worker_state(session, contributor_id, project.id)
    if worker.suspended:
        return NextTask(status="suspended", project_slug=project.slug)
    if reuse_lease:
        held = _live_lease(session, contributor_id, project.id, now)
        if held is not None:
            assignment_id, held_until, *task_columns = held
            offer = _offer(project, assignment_id, held_until, tuple(task_columns))
            return NextTask("task", offer, project.slug)
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
            return NextTask("task", _offer(project, assignment_id, expires_at, task), project.slug)
    if only is None:
        leased = _lease_free_task(session, contributor_id, project.id, now, expires_at, after)
    else:
        leased = _lease_among(session, contributor_id, project.id, now, expires_at, only)
    if leased is None:
        return NextTask(status="none", project_slug=project.slug)
    assignment_id, columns = leased[0], tuple[Any, ...](leased[1:])
    return NextTask("task", _offer(project, assignment_id, expires_at, columns), project.slug)


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
                   Assignment.status == "leased", Assignment.expires_at > moment)
        ).first()  # fmt: skip
        if row is None:
            return None
        assignment, expires_at, task_id, payload, is_gold, project = row
        return _offer(project, assignment, expires_at, (task_id, payload, is_gold))


def skip_task(
    db: Database, contributor_id: int, assignment_id: int, *, now: datetime | None = None
) -> NextTask:
    """Give a task back; it is never offered to this contributor again. Returns the next one."""
    now = now or utcnow()
    with db.write() as session:
        given = give_back(session, contributor_id, assignment_id)
        if given is None:
            return NextTask(status="none")
        return offer_next(session, contributor_id, given.slug, now=now, reuse_lease=False)


def give_back(session: Session, contributor_id: int, assignment_id: int) -> Any:
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
    if row is not None and row.status == "leased":
        session.execute(
            update(Assignment).where(Assignment.id == assignment_id).values(status="skipped")
        )
        session.execute(
            update(Task)
            .where(Task.id == row.task_id, Task.is_gold.is_(False))
            .values(n_leased=Task.n_leased - 1)
        )
    return row


def release_expired_leases(db: Database, *, now: datetime | None = None) -> int:
    """Free every lease past its end (a periodic job); returns how many were freed."""
    with db.write() as session:
        return release_expired(session, now or utcnow())


def release_expired(session: Session, now: datetime, project_id: int | None = None) -> int:
    """Mark expired leases and give their places back, inside the caller's transaction.

    Each lease row is flipped by exactly one transaction (the UPDATE re-checks its status
    under the row lock), so concurrent sweeps never give a place back twice.
    """
    statement = (
        update(Assignment)
        .where(Assignment.status == "leased", Assignment.expires_at <= now)
        .values(status="expired")
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
    with_work = exists().where(Task.project_id == Project.id, Task.status == "open")
    return load_project(session, Project.status == "active", with_work)


def _live_lease(session: Session, contributor_id: int, project_id: int, now: datetime) -> Any:
    return session.execute(
        select(Assignment.id, Assignment.expires_at, *OFFER_COLUMNS)
        .join(Task, Task.id == Assignment.task_id)
        .where(
            Assignment.contributor_id == contributor_id,
            Assignment.status == "leased",
            Assignment.project_id == project_id,
            Assignment.expires_at > now,
        )
        .order_by(Assignment.id)
        .limit(1)
    ).first()


def _not_seen_by(contributor_id: Any) -> Any:
    return ~exists().where(
        Assignment.task_id == Task.id, Assignment.contributor_id == contributor_id
    )


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
    leased = _try_lease(session, parameters, after is not None)
    if leased is None and release_expired(session, now, project_id):
        leased = _try_lease(session, parameters, after is not None)
    for attempt in range(LOCK_RETRIES):
        if leased is not None or not _held_by_others(session, contributor_id, project_id):
            break
        time.sleep(LOCK_PAUSE * (attempt + 1))
        leased = _try_lease(session, parameters, after is not None)
    return leased


def _lease_among(
    session: Session,
    contributor_id: int,
    project_id: int,
    now: datetime,
    expires_at: datetime,
    only: Collection[int],
) -> tuple[Any, ...] | None:
    """`_lease_free_task` restricted to the tasks ``only`` (a replay's filter).

    The ids go as one parameter (`_only_parameter`), so the statement never changes and runs
    on the driver like the normal look. A task locked by another transaction is passed over
    without the retries: a replay is alone on its project.
    """
    if not only:
        return None
    connection = session.connection()
    postgresql = connection.dialect.name == "postgresql"
    parameters: dict[str, Any] = {
        "p_project_id": project_id, "p_contributor_id": contributor_id,
        "p_only": _only_parameter(only, postgresql), "p_leased_at": now,
        "p_expires_at": expires_at,
    }  # fmt: skip
    if postgresql:
        return driver.first(connection, _find_and_lease_among_statement(), parameters)
    task = driver.first(connection, _among_statement(False), parameters)
    if task is None:
        return None
    assignment_id = lease_task(connection, task[0], False, contributor_id, project_id, now,
                               expires_at)  # fmt: skip
    return (assignment_id, *task)


def _only_parameter(only: Collection[int], postgresql: bool) -> Any:
    """``:p_only`` of `_in_only`: a list (an array) on PostgreSQL, a JSON list on SQLite."""
    ids = sorted(int(task_id) for task_id in only)
    return ids if postgresql else json.dumps(ids)


def _in_only(postgresql: bool) -> Any:
    """``task.id`` is one of the ids of ``:p_only``: ``= ANY(array)`` on PostgreSQL,
    ``IN (SELECT value FROM json_each(...))`` on SQLite. One parameter whatever the number
    of ids, so the SQL is always the same."""
    if postgresql:
        return Task.id == any_(bindparam("p_only", type_=ARRAY(BigInteger)))
    ids: Any = select(literal_column("value")).select_from(
        func.json_each(bindparam("p_only", type_=String))
    )
    return Task.id.in_(ids)


@cache
def _among_statement(postgresql: bool) -> Any:
    """Built once: the filtered look (the candidate, locked)."""
    return _look(_in_only(postgresql), locking=True)


@cache
def _find_and_lease_among_statement() -> Any:
    """PostgreSQL: `_find_and_lease_statement` of the filtered look."""
    return _found_and_leased(_among_statement(True))


def _try_lease(session: Session, parameters: dict[str, Any], after: bool) -> tuple[Any, ...] | None:
    """One look for a free task, leased at once when found.

    PostgreSQL finds, locks and leases it in a single statement; SQLite (under its write
    lock) reads the candidate, then writes the lease.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return driver.first(connection, _find_and_lease_statement(after), parameters)
    task = driver.first(connection, _candidate_statement(after=after), parameters)
    if task is None:
        return None
    assignment_id = lease_task(connection, task[0], False, parameters["p_contributor_id"],
                               parameters["p_project_id"], parameters["p_leased_at"],
                               parameters["p_expires_at"])  # fmt: skip
    return (assignment_id, *task)


def _held_by_others(session: Session, contributor_id: int, project_id: int) -> bool:
    """Is there a task with room for this contributor that the locking look skipped?"""
    parameters = {"p_project_id": project_id, "p_contributor_id": contributor_id}
    look = _candidate_statement(locking=False)
    return driver.first(session.connection(), look, parameters) is not None


ONE: Any = literal_column("1")
"""``LIMIT 1`` written out: with ``LIMIT $1`` PostgreSQL cannot trust a generic plan of
the prepared statement and plans it again on every call (half a millisecond each)."""


def _look(*conditions: Any, locking: bool) -> Any:
    """Open regular tasks with room, never seen by this contributor, in scheduling order.

    Constants are literals rather than parameters, for the same reason as `ONE`.
    """
    statement = (
        select(*OFFER_COLUMNS)
        .where(
            Task.project_id == bindparam("p_project_id"),
            Task.status == literal_column("'open'"),
            Task.is_gold.is_(False),
            Task.n_answers + Task.n_leased < Task.target,
            _not_seen_by(bindparam("p_contributor_id")),
            *conditions,
        )
        .order_by(Task.priority.desc(), Task.item_id, Task.position, Task.id)
        .limit(ONE)
    )
    return statement.with_for_update(skip_locked=True, of=Task) if locking else statement


@cache
def _candidate_statement(*, locking: bool = True, after: bool = False) -> Any:
    """Built once: composing this statement costs more than running it.

    Tasks given priority come first. With ``after``, the rest is looked at only past the
    key (``:after_*``): an index range, so the tasks this contributor already passed are
    not walked again. Each part has its own ``LIMIT 1``; the database stops at the first
    part that finds a task (the later parts are never run).
    """
    zero: Any = literal_column("0")
    urgent = _look(Task.priority > zero, locking=locking)
    if not after:
        regular = _look(Task.priority == zero, locking=locking)
        return _first_of(urgent, regular)
    past = tuple_(Task.item_id, Task.position, Task.id) > tuple_(
        bindparam("p_after_item"), bindparam("p_after_position"), bindparam("p_after_task")
    )
    from_top = _look(Task.priority == zero, locking=locking)  # nothing left past the key
    return _first_of(urgent, _look(Task.priority == zero, past, locking=locking), from_top)


def _first_of(*looks: Any) -> Any:
    parts = [select(part.subquery().c) for part in looks]
    return union_all(*parts).limit(ONE)


@cache
def _find_and_lease_statement(after: bool) -> Any:
    """PostgreSQL: find the task, insert the lease and count it, in one statement."""
    return _found_and_leased(_candidate_statement(after=after))


def _found_and_leased(candidate: Any) -> Any:
    """The lease of the task ``candidate`` finds (assignment id, task id, payload, is_gold)."""
    pick = candidate.cte("pick")
    leased = (
        insert(ASSIGNMENT_TABLE)
        .from_select(
            ["task_id", "contributor_id", "project_id", "status", "leased_at", "expires_at"],
            select(pick.c.id, bindparam("p_contributor_id"), bindparam("p_project_id"),
                   literal_column("'leased'"), bindparam("p_leased_at", type_=UTCDateTime()),
                   bindparam("p_expires_at", type_=UTCDateTime())),
        )
        .returning(ASSIGNMENT_TABLE.c.id, ASSIGNMENT_TABLE.c.task_id)
        .cte("leased")
    )  # fmt: skip
    counted = (
        update(TASK_TABLE).where(TASK_TABLE.c.id == pick.c.id)
        .values(n_leased=TASK_TABLE.c.n_leased + 1).cte("lease_counted")
    )  # fmt: skip
    return (
        select(leased.c.id, pick.c.id, pick.c.payload, pick.c.is_gold)
        .join_from(pick, leased, leased.c.task_id == pick.c.id)
        .add_cte(counted)
    )


def _gold_candidate(
    session: Session, contributor_id: int, project_id: int, only: Collection[int] | None = None
) -> Row[Any] | None:
    """A control task this contributor has not seen (among ``only`` when given); control
    tasks have no answer limit."""
    among: list[Any] = []
    parameters: dict[str, Any] = {}
    if only is not None:
        postgresql = session.connection().dialect.name == "postgresql"
        among, parameters = [_in_only(postgresql)], {"p_only": _only_parameter(only, postgresql)}
    return session.execute(
        select(*OFFER_COLUMNS)
        .where(
            and_(
                Task.project_id == project_id,
                Task.is_gold.is_(True),
                Task.status.in_(("open", "resolved")),
            ),  # resolved: made gold by a moderator
            _not_seen_by(contributor_id),
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
