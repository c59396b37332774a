"""What happens to a task after each answer: the decision (`engine.services.decision`), then
`apply`, which writes it.

`apply` is the one writer of a `Plan`: the stopping rule's after an answer (`settle`), and a
moderator's resolution (`engine.services.review`). The task is a locked `TaskRow`; what is
written to the per-worker counters waits in the `Work` until the commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from engine.models import Answer, Assignment, Task
from engine.services.batches import close_batch
from engine.services.common import log_event
from engine.services.decision import (
    Complete,
    CountedAnswer,
    More,
    Plan,
    Reopen,
    Review,
    SpawnVote,
    close_vote,
    decide,
    waiting,
)
from engine.services.dto import ProjectInfo
from engine.services.rows import TaskRow, counted_answers, lock_task, write_task
from engine.services.storing import batch_pending, store_result
from engine.statuses import AssignmentStatus, TaskStatus
from engine.unit_of_work import Work
from tasks.base import STAGE_VOTE, TaskType
from tasks.text import vote_payload


def settle(
    work: Work,
    task: TaskRow,
    project: ProjectInfo,
    task_type: TaskType,
    now: datetime,
    *,
    answers: list[CountedAnswer] | None = None,
) -> str:
    """Decide ``task`` (locked by the caller) and apply the plan; returns its new status.

    ``task.n_answers`` is the number of answers that count. Below the minimum overlap (or the
    candidates a text task waits for) nothing can be decided yet, so the answers are not read.
    ``answers``: the counted answers, when the caller already has them. A decided vote then
    decides its sentence (`decision.close_vote`).
    """
    plan: Plan | None = waiting(task, project, task_type)
    if plan is None:
        if answers is None:
            answers = counted_answers(work.session, task.id, project.id)
        plan = decide(task, project, task_type, answers)
    apply(work, task, project, plan, now, answers=answers)
    if isinstance(plan, Complete) and task.stage == STAGE_VOTE:
        parent = lock_task(work.session, Task.id == task.parent_task_id)
        if parent is None:
            raise LookupError(f"vote task {task.id} has no sentence")
        apply(work, parent, project, close_vote(parent, task, project, task_type, plan), now,
              rejected_by=task.id)  # fmt: skip
    return task.status


def apply(
    work: Work,
    task: TaskRow,
    project: ProjectInfo,
    plan: Plan,
    now: datetime,
    *,
    answers: Sequence[CountedAnswer] | None = None,
    rejected_by: int | None = None,
) -> None:
    """Write ``plan`` for ``task`` (locked), and store the task's new state.

    ``answers``: the counted answers when the caller has just read them (a `Complete` credits
    them; otherwise it reads them). ``rejected_by``: the vote whose `Reopen` this is.
    """
    session = work.session
    if isinstance(plan, Complete):
        _complete(work, task, project, plan, now, answers)
    elif isinstance(plan, More):
        task.target, task.priority = plan.target, plan.priority
    elif isinstance(plan, Review):
        _to_review(session, task, project, plan)
    elif isinstance(plan, SpawnVote):
        _spawn_vote(session, task, project, plan, now)
    elif isinstance(plan, Reopen):
        session.execute(
            update(Answer).where(Answer.task_id == task.id, Answer.counted.is_(True))
            .values(counted=False, flags={"rejected_by_vote": rejected_by})
        )  # fmt: skip
        task.round, task.n_answers, task.target = plan.round, 0, plan.target
        task.status, task.priority = TaskStatus.OPEN, plan.priority
    write_task(session, task)


def _to_review(session: Session, task: TaskRow, project: ProjectInfo, plan: Review) -> None:
    """For a moderator; a vote in review takes its sentence along."""
    task.status = TaskStatus.REVIEW
    if task.stage == STAGE_VOTE and task.parent_task_id is not None:
        parent = update(Task).where(Task.id == task.parent_task_id)
        session.execute(parent.values(status=TaskStatus.REVIEW))
    if plan.reason is not None:
        why: dict[str, Any] = {"reason": plan.reason}
    else:
        confidence = None if plan.confidence is None else round(plan.confidence, 4)
        why = {"answers": plan.answers, "confidence": confidence}
    log_event(session, "task.review", project_id=project.id, task_id=task.id, **why)


def _spawn_vote(
    session: Session, task: TaskRow, project: ProjectInfo, plan: SpawnVote, now: datetime
) -> None:
    """A vote task among the distinct candidates; their authors are kept out of it."""
    vote_id = session.execute(
        insert(Task).returning(Task.id),
        [{"project_id": project.id, "item_id": task.item_id, "batch_id": task.batch_id,
          "parent_task_id": task.id,
          "position": task.position, "stage": STAGE_VOTE, "round": task.round,
          "payload": vote_payload(task.payload, list(plan.candidates)), "status": TaskStatus.OPEN,
          "priority": 2, "target": project.overlap_min}],
    ).scalar_one()  # fmt: skip
    session.execute(
        insert(Assignment),
        [{"task_id": vote_id, "contributor_id": author, "project_id": project.id,
          "status": AssignmentStatus.EXCLUDED, "leased_at": now, "expires_at": now}
         for author in plan.authors],
    )  # fmt: skip
    task.status = TaskStatus.VOTING
    log_event(session, "task.vote", project_id=project.id, task_id=task.id,
              vote_task=vote_id, candidates=len(plan.candidates))  # fmt: skip


def _complete(
    work: Work,
    task: TaskRow,
    project: ProjectInfo,
    plan: Complete,
    now: datetime,
    answers: Sequence[CountedAnswer] | None,
) -> None:
    """Store the result, credit the answers that agree with it, close the batch if done."""
    result = {"task_id": task.id, "value": plan.value, "key": plan.key,
              "confidence": plan.confidence, "agreement": plan.agreement,
              "method": plan.method, "n_answers": task.n_answers,
              "decided_by": plan.decided_by, "decided_at": now}  # fmt: skip
    task.status = plan.status
    task.completed_at = now
    others_pending = store_result(work.session, task, result)  # before the batch is looked at
    if plan.key is not None:
        _credit(work, task, project, plan.key, answers)
    _close_batch_if_done(work, task, now, others_pending)


def _credit(
    work: Work,
    task: TaskRow,
    project: ProjectInfo,
    key: str,
    answers: Sequence[CountedAnswer] | None,
) -> None:
    """Points and agreement counts: each counted answer equal to the result earns points."""
    if answers is not None:
        rows = [(answer.contributor_id, answer.key) for answer in answers]
    else:
        rows = [(row[0], row[1]) for row in work.session.execute(
            select(Answer.contributor_id, Answer.key).where(
                Answer.task_id == task.id, Answer.counted.is_(True)
            )
        )]  # fmt: skip
    for contributor_id, answer_key in rows:
        agreed = answer_key == key
        work.credit(contributor_id, project.id, decided=1, agreed=int(agreed),
                    points=project.points if agreed else 0)  # fmt: skip


def _close_batch_if_done(
    work: Work, task: TaskRow, now: datetime, others_pending: bool | None
) -> None:
    """``others_pending``: what storing the result found, if it looked (else look now)."""
    if others_pending is None:
        others_pending = batch_pending(work.session.connection(), task.batch_id)
    if not others_pending:
        close_batch(work, task.batch_id, now)
