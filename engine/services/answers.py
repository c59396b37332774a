"""Submitting an answer: the engine side of "the path of one answer" (DESIGN.md).

One transaction: lock the assignment and its task, check that the assignment is this
contributor's and still theirs, validate the value with the task type, store the answer
(unique per assignment, so a double tap or a re-delivered update stores nothing twice),
update the counters, apply the stopping rule, and lease the next task.

This is the hot path: rows are read with Core into plain dataclasses (`engine.services.rows`)
and the writes of one answer go to PostgreSQL as one statement (`engine.services.storing`).
"""

from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.orm import Session

from engine import driver, ledger
from engine.db import Database
from engine.models import ASSIGNMENT_TABLE, Answer, Assignment, Project, Task, WorkerSkill, utcnow
from engine.services.assignments import offer_next
from engine.services.common import task_type_of
from engine.services.completion import (
    COMPLETED_BATCHES,
    CountedAnswer,
    earlier_answers,
    earlier_answers_column,
    settle,
    skill_of,
)
from engine.services.dto import GoldFeedback, SubmitResult
from engine.services.rows import (
    PROJECT_COLUMNS,
    TASK_COLUMNS,
    WORKER_COLUMNS,
    ProjectRow,
    TaskRow,
    WorkerRow,
    worker_row_of,
    worker_state,
    write_task,
)
from engine.services.spam import after_answer
from engine.services.storing import store_answer
from tasks.base import InvalidAnswer


def submit_answer(
    db: Database,
    contributor_id: int,
    assignment_id: int,
    raw: str | list[str],
    *,
    seconds: float | None = None,
    now: datetime | None = None,
    rng: random.Random | None = None,
    chain_next: bool = True,
    only: Collection[int] | None = None,
) -> SubmitResult:
    """Store one answer and return what happened plus, by default, the next task.

    ``seconds`` is the time between showing the task and the answer, when the adapter knows
    it; otherwise it is measured from the lease. ``only`` restricts the next task to those
    task ids (a replay, see `next_task`).
    """
    moment = now or utcnow()
    return db.run(
        lambda session: submit_in(session, contributor_id, assignment_id, raw, seconds=seconds,
                                  now=moment, rng=rng, chain_next=chain_next, only=only)
    )  # fmt: skip


def submit_in(
    session: Session,
    contributor_id: int,
    assignment_id: int,
    raw: str | list[str],
    *,
    now: datetime,
    seconds: float | None = None,
    rng: random.Random | None = None,
    chain_next: bool = True,
    only: Collection[int] | None = None,
) -> SubmitResult:
    """`submit_answer` inside the caller's transaction (a replay runs several in one)."""
    result, chain = _submit(session, contributor_id, assignment_id, raw, seconds, now)
    completed = tuple(session.info.pop(COMPLETED_BATCHES, ()))
    if completed:
        result = replace(result, completed_batches=completed)
    if chain_next and chain is not None and result.status in ("accepted", "duplicate", "expired"):
        # After an accepted answer the lease just used was their only one on the
        # project: no need to look for another. A double tap must get the same next task.
        project, worker, after = chain
        nxt = offer_next(session, contributor_id, project.slug, now=now, rng=rng,
                         project=project, worker=worker, after=after,
                         reuse_lease=result.status != "accepted", only=only)  # fmt: skip
        result = replace(result, next=nxt)
    return result


Chain = tuple[ProjectRow, WorkerRow | None, tuple[int, int, int] | None]
"""What the next-task step reuses from the submit: project, worker row, last task's key."""

_TASK_END = 4 + len(TASK_COLUMNS)
_PROJECT_END = _TASK_END + len(PROJECT_COLUMNS)
_WORKER_END = _PROJECT_END + len(WORKER_COLUMNS)


def _submit(
    session: Session,
    contributor_id: int,
    assignment_id: int,
    raw: str | list[str],
    seconds: float | None,
    now: datetime,
) -> tuple[SubmitResult, Chain | None]:
    """The answer itself; also returns the project and worker row, to chain the next task."""
    connection = session.connection()
    postgresql = connection.dialect.name == "postgresql"
    statement = _assignment_statement(postgresql)
    row = driver.first(connection, statement, {"assignment_id": assignment_id})
    if row is None:
        return SubmitResult(status="unknown"), None
    owner, status, leased_at, expires_at = row[:4]
    if owner != contributor_id:
        return SubmitResult(status="not_yours"), None
    task = TaskRow(*row[4:_TASK_END])
    project = ProjectRow(*row[_TASK_END:_PROJECT_END])
    worker = worker_row_of(row[_PROJECT_END:_WORKER_END])
    earlier = row[_WORKER_END] if postgresql else None  # see `earlier_answers_column`
    # Where to look for the next task: after this one, unless it came out of the queue's
    # order (a control task, or one given priority).
    in_order = task.priority == 0 and not task.is_gold
    after = (task.item_id, task.position, task.id) if in_order else None
    if status == "answered":
        stored = connection.execute(
            select(Answer.value).where(Answer.assignment_id == assignment_id)
        ).scalar_one_or_none()
        return (SubmitResult(status="duplicate", value=stored, task_status=task.status),
                (project, worker, after))  # fmt: skip
    if status not in ("leased", "expired"):
        return SubmitResult(status="expired", task_status=task.status), (project, worker, after)
    if worker is None:
        worker = worker_state(session, contributor_id, project.id)
    if worker.suspended:
        return SubmitResult(status="suspended"), None
    chain: Chain = (project, worker, after)
    task_type = task_type_of(project)
    try:
        value = task_type.validate(raw, task.payload, project.settings)
    except InvalidAnswer as exc:
        return SubmitResult(status="invalid", error_code=exc.code, error_message=exc.message,
                            error_params=exc.params), None  # fmt: skip
    was_leased = status == "leased"
    if not task.is_gold and not _still_needed(task, status, expires_at, now):
        connection.execute(
            update(ASSIGNMENT_TABLE).where(ASSIGNMENT_TABLE.c.id == assignment_id)
            .values(status="expired")
        )  # fmt: skip
        if was_leased:
            task.n_leased -= 1
            write_task(session, task)
        return SubmitResult(status="expired", task_status=task.status), chain
    if seconds is None:
        seconds = max(0.0, (now - leased_at).total_seconds())
    key = task_type.answer_key(value)
    if not task.is_gold:  # control tasks keep no counters (they have no answer limit)
        task.n_answers += 1
        if was_leased:
            task.n_leased -= 1
    answer_id = store_answer(connection, assignment_id, task, contributor_id, value, key,
                             seconds, now)  # fmt: skip
    ledger.credit(session, contributor_id, project.id, n_answers=1)
    if after is not None:
        ledger.note_position(session, contributor_id, project.id, after)
    feedback = None
    if task.is_gold:
        feedback = _grade_gold(session, task, task_type.gold_key(task.gold_answer), key, worker)
    else:
        answers = None
        if earlier is not None:  # this answer may decide the task: the stopping rule's input
            mine = CountedAnswer(
                contributor_id,
                key,
                value,
                skill_of(worker.ds_skill, worker.gold_correct, worker.gold_seen),
            )
            answers = [*earlier_answers(earlier), mine]  # fmt: skip
        settle(session, task, project, task_type, now, answers=answers)
        write_task(session, task)
    if after_answer(session, project, worker, seconds, now, graded_gold=task.is_gold):
        chain = (project, replace(worker, suspended=True), after)  # suspended just now
    points = worker.points + ledger.pending(session, contributor_id, project.id, "points")
    accepted = SubmitResult(status="accepted", value=value, feedback=feedback,
                            task_status=task.status, points=points,
                            answer_id=answer_id)  # fmt: skip
    return accepted, chain


@cache
def _assignment_statement(postgresql: bool) -> Any:
    """The assignment, its task (both locked), project and worker row; built once.

    On PostgreSQL also the task's counted answers when this answer may decide it.
    """
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


def _still_needed(task: TaskRow, status: str, expires_at: datetime, now: datetime) -> bool:
    """A live lease always counts; a late answer only where the task still needs one."""
    if task.status != "open":
        return False
    if status == "leased" and expires_at > now:
        return True
    others_leased = task.n_leased - (1 if status == "leased" else 0)
    return task.n_answers + others_leased < task.target


def _grade_gold(
    session: Session, task: TaskRow, gold_key: str | None, key: str, worker: WorkerRow
) -> GoldFeedback:
    """Grade a control answer; the counts (and the accuracy) are updated at commit."""
    correct = gold_key is not None and key == gold_key
    ledger.credit(session, worker.contributor_id, worker.project_id, gold_seen=1,
                  gold_correct=int(correct))  # fmt: skip
    return GoldFeedback(correct=correct, expected=None if correct else task.gold_answer)
