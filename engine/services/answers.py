"""Submitting an answer: the engine side of "the path of one answer" (DESIGN.md).

One transaction (a `Work`, see `engine.unit_of_work`), in named steps:

- load: the assignment and its task, both locked, with the project and the answerer's row
  (`rows.load_submission`, one statement);
- check: unknown, not yours, a duplicate (a double tap or a re-delivered update stores
  nothing twice), expired, suspended, invalid for the task type;
- record: the answer, its assignment and the task's counters (`storing.store_answer`, one
  statement on PostgreSQL); the answerer's counters wait in the `Work` until the commit;
- decide, then apply: the stopping rule's plan for the task (`completion.settle`: a pure
  `decision`, written by `completion.apply`);
- offer next: the next task, leased in the same transaction.
"""

from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from engine.db import Database
from engine.models import utcnow
from engine.services.assignments import offer_next
from engine.services.common import task_type_of
from engine.services.completion import settle
from engine.services.decision import CountedAnswer, skill_of
from engine.services.dto import GoldFeedback, SubmitResult
from engine.services.rows import (
    ProjectRow,
    Submission,
    TaskRow,
    WorkerRow,
    load_submission,
    stored_value,
    worker_state,
    write_task,
)
from engine.services.spam import after_answer
from engine.services.storing import expire_assignment, store_answer
from engine.statuses import AssignmentStatus, SubmitStatus, TaskStatus
from engine.unit_of_work import Work
from tasks.base import InvalidAnswer, TaskType

CHAINED = (SubmitStatus.ACCEPTED, SubmitStatus.DUPLICATE, SubmitStatus.EXPIRED)
"""Results after which the contributor is offered the next task in the same transaction."""


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
        lambda work: submit_in(work, contributor_id, assignment_id, raw, seconds=seconds,
                               now=moment, rng=rng, chain_next=chain_next, only=only)
    )  # fmt: skip


def submit_in(
    work: Work,
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
    closed_before = len(work.completed_batches)
    result, chain = _submit(work, contributor_id, assignment_id, raw, seconds, now)
    completed = tuple(work.completed_batches[closed_before:])
    if completed:
        result = replace(result, completed_batches=completed)
    if chain_next and chain is not None and result.status in CHAINED:
        # After an accepted answer the lease just used was their only one on the
        # project: no need to look for another. A double tap must get the same next task.
        nxt = offer_next(work.session, contributor_id, chain.project.slug, now=now, rng=rng,
                         project=chain.project, worker=chain.worker, after=chain.after,
                         reuse_lease=result.status != SubmitStatus.ACCEPTED, only=only)  # fmt: skip
        result = replace(result, next=nxt)
    return result


@dataclass(frozen=True, slots=True)
class Chain:
    """What the next-task step reuses from the submit: project, worker row, and where the
    task just answered stands in the scheduler's order (None: it came out of order)."""

    project: ProjectRow
    worker: WorkerRow | None
    after: tuple[int, int, int] | None


@dataclass(frozen=True, slots=True)
class Checked:
    """An answer that passed the checks: what was loaded, the value, and the live state it
    was checked on."""

    loaded: Submission
    value: Any
    task_type: TaskType
    worker: WorkerRow


Outcome = tuple[SubmitResult, Chain | None]


def _submit(
    work: Work,
    contributor_id: int,
    assignment_id: int,
    raw: str | list[str],
    seconds: float | None,
    now: datetime,
) -> Outcome:
    """The answer itself; also says what the next-task step can reuse."""
    loaded = load_submission(work.session.connection(), assignment_id)
    checked = _check(work, loaded, contributor_id, assignment_id, raw, now)
    if not isinstance(checked, Checked):
        return checked
    task, project, worker = checked.loaded.task, checked.loaded.project, checked.worker
    if seconds is None:
        seconds = max(0.0, (now - checked.loaded.leased_at).total_seconds())
    key = checked.task_type.answer_key(checked.value)
    after = _order_key(task)
    answer_id = _record(work, assignment_id, checked, key, seconds, now, after)
    feedback = None
    if task.is_gold:
        feedback = _grade_gold(work, task, checked.task_type.gold_key(task.gold_answer), key,
                               worker)  # fmt: skip
    else:
        _decide_and_apply(work, checked, key, now)
    chain = Chain(project, worker, after)
    if after_answer(work, project, worker, seconds, now, graded_gold=task.is_gold):
        chain = Chain(project, replace(worker, suspended=True), after)  # suspended just now
    points = worker.points + work.pending(contributor_id, project.id, "points")
    accepted = SubmitResult(status=SubmitStatus.ACCEPTED, value=checked.value, feedback=feedback,
                            task_status=task.status, points=points, answer_id=answer_id,
                            project_slug=project.slug)  # fmt: skip
    return accepted, chain


def _order_key(task: TaskRow) -> tuple[int, int, int] | None:
    """Where to look for the next task: after this one, unless it came out of the queue's
    order (a control task, or one given priority)."""
    in_order = task.priority == 0 and not task.is_gold
    return (task.item_id, task.position, task.id) if in_order else None


def _check(
    work: Work,
    loaded: Submission | None,
    contributor_id: int,
    assignment_id: int,
    raw: str | list[str],
    now: datetime,
) -> Checked | Outcome:
    """The answer may be stored (`Checked`), or what the submit says instead."""
    if loaded is None:
        return SubmitResult(status=SubmitStatus.UNKNOWN), None
    if loaded.contributor_id != contributor_id:
        return SubmitResult(status=SubmitStatus.NOT_YOURS), None
    task, project = loaded.task, loaded.project
    chain = Chain(project, loaded.worker, _order_key(task))
    if loaded.status == AssignmentStatus.ANSWERED:
        stored = stored_value(work.session.connection(), assignment_id)
        duplicate = SubmitResult(SubmitStatus.DUPLICATE, value=stored, task_status=task.status)
        return duplicate, chain
    if loaded.status not in (AssignmentStatus.LEASED, AssignmentStatus.EXPIRED):
        return SubmitResult(status=SubmitStatus.EXPIRED, task_status=task.status), chain
    worker = loaded.worker or worker_state(work.session, contributor_id, project.id)
    if worker.suspended:
        return SubmitResult(status=SubmitStatus.SUSPENDED), None
    task_type = task_type_of(project)
    try:
        value = task_type.validate(raw, task.payload, project.settings)
    except InvalidAnswer as exc:
        return SubmitResult(status=SubmitStatus.INVALID, error_code=exc.code,
                            error_message=exc.message, error_params=exc.params), None  # fmt: skip
    if not task.is_gold and not _still_needed(task, loaded.status, loaded.expires_at, now):
        expire_assignment(work.session.connection(), assignment_id)
        if loaded.status == AssignmentStatus.LEASED:
            task.n_leased -= 1
            write_task(work.session, task)
        return (SubmitResult(status=SubmitStatus.EXPIRED, task_status=task.status),
                Chain(project, worker, chain.after))  # fmt: skip
    return Checked(loaded, value, task_type, worker)


def _record(
    work: Work,
    assignment_id: int,
    checked: Checked,
    key: str,
    seconds: float,
    now: datetime,
    after: tuple[int, int, int] | None,
) -> int:
    """Store the answer and count it; returns its id. The answerer's counters wait in the
    `Work` until the commit."""
    task, contributor_id = checked.loaded.task, checked.loaded.contributor_id
    if not task.is_gold:  # control tasks keep no counters (they have no answer limit)
        task.n_answers += 1
        if checked.loaded.status == AssignmentStatus.LEASED:
            task.n_leased -= 1
    answer_id = store_answer(work.session.connection(), assignment_id, task, contributor_id,
                             checked.value, key, seconds, now)  # fmt: skip
    work.credit(contributor_id, task.project_id, n_answers=1)
    if after is not None:
        work.note_position(contributor_id, task.project_id, after)
    return answer_id


def _decide_and_apply(work: Work, checked: Checked, key: str, now: datetime) -> None:
    """The stopping rule's plan for the task, written (`completion.settle`).

    On PostgreSQL the load brought the task's earlier counted answers when this answer may
    decide it: with this one, they are the rule's input, read with no further statement.
    """
    loaded, worker = checked.loaded, checked.worker
    answers = None
    if loaded.earlier is not None:
        skill = skill_of(worker.ds_skill, worker.gold_correct, worker.gold_seen)
        answers = [*loaded.earlier, CountedAnswer(loaded.contributor_id, key, checked.value,
                                                  skill)]  # fmt: skip
    settle(work, loaded.task, loaded.project, checked.task_type, now, answers=answers)


def _still_needed(task: TaskRow, status: str, expires_at: datetime, now: datetime) -> bool:
    """A live lease always counts; a late answer only where the task still needs one."""
    if task.status != TaskStatus.OPEN:
        return False
    if status == AssignmentStatus.LEASED and expires_at > now:
        return True
    others_leased = task.n_leased - (1 if status == AssignmentStatus.LEASED else 0)
    return task.n_answers + others_leased < task.target


def _grade_gold(
    work: Work, task: TaskRow, gold_key: str | None, key: str, worker: WorkerRow
) -> GoldFeedback:
    """Grade a control answer; the counts (and the accuracy) are updated at commit."""
    correct = gold_key is not None and key == gold_key
    work.credit(worker.contributor_id, worker.project_id, gold_seen=1,
                gold_correct=int(correct))  # fmt: skip
    return GoldFeedback(correct=correct, expected=None if correct else task.gold_answer)
