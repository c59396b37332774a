"""What happens to a task after each answer: complete it, ask for one more, or send it to review.

Label answers go through the dynamic-overlap stopping rule of `quality.stopping` with the
answerers' skills. Free-text answers (proofreading, translation) collect a few candidates,
merge the ones equal after normalisation, and when no candidate wins, spawn a vote task among
the distinct candidates, aggregated like labels (DESIGN.md, "Quality").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    and_,
    bindparam,
    case,
    exists,
    func,
    insert,
    literal_column,
    null,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session, aliased

from engine import driver, ledger
from engine.models import TASK_TABLE, Answer, Assignment, Batch, Project, Task, WorkerSkill
from engine.services.common import log_event
from engine.services.outbox import notify
from engine.services.rows import ProjectRow, TaskRow
from engine.services.storing import batch_pending, store_result, undecided_in_batch
from quality.agreement import pair_agreement
from quality.skill import combine_skills
from quality.stopping import decide
from tasks.base import STAGE_VOTE, TaskType
from tasks.text import merge_candidates, vote_payload

DEFAULT_SKILL = 0.7
"""Skill assumed for a contributor with no gold record and no Dawid-Skene estimate yet."""

NONE_CHOICE = "none"
COMPLETED_BATCHES = "essaim.completed_batches"
"""Key of `Session.info` where batches completed in this transaction are listed."""


@dataclass(frozen=True)
class CountedAnswer:
    contributor_id: int
    key: str
    value: Any
    skill: float


def earlier_answers_column(task_id: Any, project_id: Any, n_answers: Any, overlap_min: Any) -> Any:
    """PostgreSQL: a task's counted answers as one JSON column of the submit's locking read.

    The stopping rule reads them when this answer may decide the task; reading them in the
    same query saves a statement on every such answer. Elsewhere the column is NULL and
    `settle` reads them itself (`counted_answers`). Rows are in `earlier_answers` order.

    The answers are read with the query's snapshot, taken before the task's lock was
    granted, while the task row itself is the latest version. Whatever changes a task's
    counted answers also updates the task row in the same transaction, so where the locked
    row is not the version the snapshot sees (its ``xmin`` differs), they may be stale: NULL.
    """
    skill = aliased(WorkerSkill)
    row = func.json_build_array(Answer.contributor_id, Answer.key, Answer.value,
                                skill.ds_skill, skill.gold_correct, skill.gold_seen)  # fmt: skip
    answers = (
        select(func.coalesce(func.json_agg(aggregate_order_by(row, Answer.id)),
                             literal_column("'[]'::json")))
        .select_from(Answer)
        .outerjoin(skill, and_(skill.contributor_id == Answer.contributor_id,
                               skill.project_id == project_id))
        .where(Answer.task_id == task_id, Answer.counted.is_(True))
        .scalar_subquery()
    )  # fmt: skip
    snapshot = TASK_TABLE.alias("task_in_snapshot")
    seen: Any = select(literal_column("task_in_snapshot.xmin")).where(snapshot.c.id == task_id)
    current = literal_column(f"{TASK_TABLE.name}.xmin") == seen.scalar_subquery()
    return case((and_(n_answers + 1 >= overlap_min, current), answers), else_=null())


def earlier_answers(rows: Sequence[Sequence[Any]]) -> list[CountedAnswer]:
    """`CountedAnswer` from rows of `earlier_answers_column` or `_counted_statement`."""
    return [CountedAnswer(row[0], row[1], row[2], skill_of(row[3], row[4], row[5]))
            for row in rows]  # fmt: skip


def counted_answers(session: Session, task_id: int, project_id: int) -> list[CountedAnswer]:
    """The answers that count for a task, with the skill of whoever gave them."""
    parameters = {"task_id": task_id, "project_id": project_id}
    return earlier_answers(driver.rows(session.connection(), _counted_statement(), parameters))


@cache
def _counted_statement() -> Any:
    """Built once (it runs after every answer)."""
    return (
        select(Answer.contributor_id, Answer.key, Answer.value, WorkerSkill.ds_skill,
               WorkerSkill.gold_correct, WorkerSkill.gold_seen)
        .outerjoin(WorkerSkill, and_(WorkerSkill.contributor_id == Answer.contributor_id,
                                     WorkerSkill.project_id == bindparam("project_id")))
        .where(Answer.task_id == bindparam("task_id"), Answer.counted.is_(True))
        .order_by(Answer.id)
    )  # fmt: skip


def skill_of(ds_skill: float | None, gold_correct: int | None, gold_seen: int | None) -> float:
    """The skill the stopping rule uses for one answerer (see `quality.skill.combine_skills`).

    Someone with neither gold answers nor a Dawid-Skene estimate gets `DEFAULT_SKILL`:
    the smoothed accuracy of nothing (1/2) would make a binary task never complete.
    """
    seen = gold_seen or 0
    if ds_skill is None and seen == 0:
        return DEFAULT_SKILL
    ds = float("nan") if ds_skill is None else ds_skill
    return float(combine_skills(gold_correct or 0, seen, ds)[()])


AnyTask = Task | TaskRow
AnyProject = Project | ProjectRow


def settle(
    session: Session,
    task: AnyTask,
    project: AnyProject,
    task_type: TaskType,
    now: datetime,
    *,
    answers: list[CountedAnswer] | None = None,
) -> str:
    """Apply the stopping rule to ``task`` (locked by the caller); returns its new status.

    ``task.n_answers`` is the number of answers that count. Below the minimum overlap (or the
    candidates a text task waits for) nothing can be decided yet, so the answers are not read.
    ``answers``: the counted answers, when the caller already has them.
    """
    if task_type.answer_kind == "text" and task.stage != STAGE_VOTE:
        wanted = _candidates_wanted(project)
        if task.n_answers < wanted:
            task.target = max(task.target, wanted)
            return task.status
    elif 0 < task.n_answers < project.overlap_min <= project.overlap_max:
        task.target = max(task.target, task.n_answers + 1)  # `decide` says "more"
        return task.status
    if answers is None:
        answers = counted_answers(session, task.id, project.id)
    if task_type.answer_kind == "text" and task.stage != STAGE_VOTE:
        return _settle_candidates(session, task, project, task_type, answers, now)
    return _settle_labels(session, task, project, task_type, answers, now)


def _candidates_wanted(project: AnyProject) -> int:
    """How many free-text candidates a sentence collects before they are compared."""
    return int(project.settings.get("candidates", project.overlap_min))


def _settle_labels(
    session: Session,
    task: AnyTask,
    project: AnyProject,
    task_type: TaskType,
    answers: list[CountedAnswer],
    now: datetime,
) -> str:
    classes = list(task_type.label_space(task.payload, project.settings))
    for answer in answers:
        if answer.key not in classes:
            classes.append(answer.key)  # multi-label sets and imported values
    floor = 1.0 / max(2, len(classes))  # below chance carries no usable information
    decision = decide(
        [classes.index(a.key) for a in answers],
        [max(a.skill, floor) for a in answers],
        max(2, len(classes)),
        min_overlap=project.overlap_min,
        max_overlap=project.overlap_max,
        confidence=project.confidence,
    )
    if decision.action == "complete" and decision.label is not None:
        key = classes[decision.label]
        # Below-chance answerers can make a label nobody gave the most likely one.
        value = next((a.value for a in answers if a.key == key), key)
        complete_task(session, task, project, value, key, decision.confidence,
                      _agreement(answers), "dynamic_overlap", now, answers=answers)  # fmt: skip
        if task.stage == STAGE_VOTE:
            _close_vote(session, task, project, task_type, key, value, decision.confidence, now)
    elif decision.action == "more":
        task.target = max(task.target, len(answers) + 1)
        if len(answers) >= project.overlap_min:  # an extra answer, past the usual overlap:
            task.priority = max(task.priority, 1)  # it goes before new work
    else:
        _to_review(session, task, project, answers, decision.confidence)
    return task.status


def _settle_candidates(
    session: Session,
    task: AnyTask,
    project: AnyProject,
    task_type: TaskType,
    answers: list[CountedAnswer],
    now: datetime,
) -> str:
    """Free text, once the candidates are in (`settle` waits for them): a winner, or a vote
    among them."""
    merge = merge_candidates([str(a.value) for a in answers],
                             float(project.settings.get("win_share", 0.6)))  # fmt: skip
    if merge.winner is not None:
        count = max(count for _text, count in merge.distinct)
        winner_key = task_type.answer_key(merge.winner)
        complete_task(session, task, project, merge.winner, winner_key, count / len(answers),
                      _agreement(answers), "candidates", now, answers=answers)  # fmt: skip
        return task.status
    _spawn_vote(session, task, project, [text for text, _count in merge.distinct], answers, now)
    return task.status


def _spawn_vote(
    session: Session,
    task: AnyTask,
    project: AnyProject,
    candidates: list[str],
    answers: list[CountedAnswer],
    now: datetime,
) -> None:
    """A vote task among the distinct candidates; their authors are kept out of it."""
    vote_id = session.execute(
        insert(Task).returning(Task.id),
        [{"project_id": project.id, "item_id": task.item_id, "batch_id": task.batch_id,
          "parent_task_id": task.id,
          "position": task.position, "stage": STAGE_VOTE, "round": task.round,
          "payload": vote_payload(task.payload, candidates), "status": "open",
          "priority": 2, "target": project.overlap_min}],
    ).scalar_one()  # fmt: skip
    authors = sorted({a.contributor_id for a in answers})
    session.execute(
        insert(Assignment),
        [{"task_id": vote_id, "contributor_id": author, "project_id": project.id,
          "status": "excluded", "leased_at": now, "expires_at": now} for author in authors],
    )  # fmt: skip
    task.status = "voting"
    log_event(session, "task.vote", project_id=project.id, task_id=task.id,
              vote_task=vote_id, candidates=len(candidates))  # fmt: skip


def _close_vote(
    session: Session,
    vote: AnyTask,
    project: AnyProject,
    task_type: TaskType,
    key: str,
    value: Any,
    confidence: float,
    now: datetime,
) -> None:
    """A decided vote decides its sentence, or sends it back for new candidates."""
    parent = session.execute(
        select(Task).where(Task.id == vote.parent_task_id).with_for_update()
    ).scalar_one()
    if key != NONE_CHOICE:
        text = vote.payload.get("candidates", {}).get(key, value)
        complete_task(session, parent, project, text, task_type.answer_key(text), confidence,
                      None, "vote", now)  # fmt: skip
        return
    max_rounds = int(project.settings.get("max_rounds", 2))
    if parent.round >= max_rounds:
        parent.status = "review"
        log_event(session, "task.review", project_id=project.id, task_id=parent.id,
                  reason="no_candidate_accepted")  # fmt: skip
        return
    session.execute(
        update(Answer).where(Answer.task_id == parent.id, Answer.counted.is_(True))
        .values(counted=False, flags={"rejected_by_vote": vote.id})
    )  # fmt: skip
    wanted = _candidates_wanted(project)
    parent.round += 1
    parent.n_answers = 0
    parent.target = wanted
    parent.status = "open"
    parent.priority = 1


def _to_review(
    session: Session, task: AnyTask, project: AnyProject, answers: list[CountedAnswer], conf: float
) -> None:
    task.status = "review"
    if task.stage == STAGE_VOTE and task.parent_task_id is not None:
        session.execute(update(Task).where(Task.id == task.parent_task_id).values(status="review"))
    log_event(session, "task.review", project_id=project.id, task_id=task.id,
              answers=len(answers), confidence=round(conf, 4))  # fmt: skip


def complete_task(
    session: Session,
    task: AnyTask,
    project: AnyProject,
    value: Any,
    key: str | None,
    confidence: float | None,
    agreement: float | None,
    method: str,
    now: datetime,
    *,
    decided_by: int | None = None,
    status: str = "complete",
    answers: list[CountedAnswer] | None = None,
) -> None:
    """Store the result, credit the answers that agree with it, close the batch if done.

    ``answers``: the counted answers when the caller has just read them.
    """
    result = {"task_id": task.id, "value": value, "key": key, "confidence": confidence,
              "agreement": agreement, "method": method, "n_answers": task.n_answers,
              "decided_by": decided_by, "decided_at": now}  # fmt: skip
    task.status = status
    task.completed_at = now
    others_pending = store_result(session, task, result)  # before the batch is looked at
    if key is not None:
        _credit(session, task, project, key, answers)
    _close_batch_if_done(session, task, now, others_pending)


def _credit(
    session: Session,
    task: AnyTask,
    project: AnyProject,
    key: str,
    answers: list[CountedAnswer] | None,
) -> None:
    """Points and agreement counts: each counted answer equal to the result earns points."""
    if answers is not None:
        rows = [(answer.contributor_id, answer.key) for answer in answers]
    else:
        rows = [(row[0], row[1]) for row in session.execute(
            select(Answer.contributor_id, Answer.key).where(
                Answer.task_id == task.id, Answer.counted.is_(True)
            )
        )]  # fmt: skip
    for contributor_id, answer_key in rows:
        agreed = answer_key == key
        ledger.credit(session, contributor_id, project.id, decided=1, agreed=int(agreed),
                      points=project.points if agreed else 0)  # fmt: skip


def _close_batch_if_done(
    session: Session, task: AnyTask, now: datetime, others_pending: bool | None
) -> None:
    """``others_pending``: what storing the result found, if it looked (else look now)."""
    if others_pending is None:
        others_pending = batch_pending(session.connection(), task.batch_id)
    if not others_pending:
        close_batch(session, task.batch_id, now)


def close_batch(session: Session, batch_id: int, now: datetime) -> bool:
    """Mark an open batch complete and tell its uploader; False where it was not open."""
    updated = session.execute(
        update(Batch).where(Batch.id == batch_id, Batch.status == "open")
        .values(status="complete", completed_at=now)
        .returning(Batch.project_id, Batch.uploaded_by, Batch.filename, Batch.n_items)
    ).first()  # fmt: skip
    if updated is None:
        return False
    project_id, uploader, filename, n_items = updated
    log_event(session, "batch.complete", project_id=project_id, batch=batch_id)
    slug = session.execute(select(Project.slug).where(Project.id == project_id)).scalar()
    notify(session, uploader, "batch.complete", batch_id=batch_id, project_slug=slug,
           filename=filename, n_items=n_items)  # fmt: skip
    session.info.setdefault(COMPLETED_BATCHES, []).append(batch_id)
    return True


def close_finished_batches(session: Session, now: datetime) -> list[int]:
    """Close every open batch whose tasks are all decided; the ids of those closed.

    A decision closes its batch when it sees no other task undecided. On PostgreSQL two
    transactions deciding a batch's last two tasks at the same moment each still see the
    other's task undecided (neither has committed), so neither closes it: this sweep does.
    A batch of control tasks only has nothing to decide and stays open, as it would anyway.
    """
    undecided = exists().where(*undecided_in_batch(Batch.id))
    has_work = exists().where(Task.batch_id == Batch.id, Task.is_gold.is_(False))
    finished = select(Batch.id).where(Batch.status == "open", has_work, ~undecided)
    ids = session.execute(finished.order_by(Batch.id)).scalars().all()
    return [batch_id for batch_id in ids if close_batch(session, batch_id, now)]


def _agreement(answers: list[CountedAnswer]) -> float | None:
    return pair_agreement(Counter(a.key for a in answers).values())
