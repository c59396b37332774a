"""The moderators' queue: tasks the crowd could not settle, lowest agreement first.

A moderator's resolution is final and logged; it can turn the task into a control (gold)
task, and it grades the answers given to it as gold would, so it counts for skills.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import and_, select, update

from engine.actors import Actor, recorded
from engine.db import Database
from engine.errors import Conflict, NotFound
from engine.models import Answer, Item, Project, Task, WorkerSkill, utcnow
from engine.services.common import log_event, project_by_slug, project_info, task_type_of
from engine.services.completion import apply
from engine.services.contributors import require_role
from engine.services.decision import Complete, skill_of
from engine.services.dto import ReviewAnswer, ReviewItem
from engine.services.rows import TaskRow, lock_task
from engine.statuses import TaskStatus
from engine.unit_of_work import Work
from quality.agreement import pair_agreement
from tasks.base import STAGE_ANSWER, InvalidAnswer


def review_queue(
    db: Database, slug: str, *, actor_id: Actor | None = None, limit: int = 20
) -> list[ReviewItem]:
    """Undecided tasks with every answer, their counts and the answerers' skills."""
    with db.read() as session:
        project = project_by_slug(session, slug)
        require_role(session, actor_id, "moderator", "reviewing", project.id)
        items = _review_items(session, project, Task.status == TaskStatus.REVIEW)
        items.sort(key=lambda item: (item.agreement if item.agreement is not None else 0.0,
                                     item.task_id))  # fmt: skip
        return items[:limit]


def review_item(db: Database, task_id: int, *, actor_id: Actor | None = None) -> ReviewItem | None:
    """One task waiting for review, found by its id alone (review buttons carry only it)."""
    with db.read() as session:
        project = session.execute(
            select(Project).join(Task, Task.project_id == Project.id).where(Task.id == task_id)
        ).scalar_one_or_none()
        if project is None:
            return None
        require_role(session, actor_id, "moderator", "reviewing", project.id)
        in_review = Task.status == TaskStatus.REVIEW
        items = _review_items(session, project, in_review, Task.id == task_id)
        return items[0] if items else None


def _review_items(session: Any, project: Project, *conditions: Any) -> list[ReviewItem]:
    task_type = task_type_of(project)
    tasks = session.execute(
        select(Task.id, Task.payload, Item.external_id)
        .join(Item, Item.id == Task.item_id)
        .where(Task.project_id == project.id, Task.stage == STAGE_ANSWER, *conditions)
        .order_by(Task.id)
    ).all()
    answers = _answers_of(session, project.id, [t[0] for t in tasks])
    items = []
    for task_id, payload, external_id in tasks:
        given = answers.get(task_id, [])
        grouped: dict[str, list[tuple[Any, float]]] = defaultdict(list)
        for key, value, skill in given:
            grouped[key].append((value, skill))
        counts = Counter(key for key, _v, _s in given)
        items.append(ReviewItem(
            task_id=task_id,
            item_id=external_id,
            project_slug=project.slug,
            prompt=task_type.prompt(payload, project.settings, project.instructions),
            answers=tuple(
                ReviewAnswer(grouped[key][0][0], count, tuple(s for _v, s in grouped[key]))
                for key, count in counts.most_common()
            ),
            agreement=pair_agreement(counts.values()),
            n_answers=len(given),
        ))  # fmt: skip
    return items


def _answers_of(
    session: Any, project_id: int, task_ids: list[int]
) -> dict[int, list[tuple[str, Any, float]]]:
    if not task_ids:
        return {}
    rows = session.execute(
        select(Answer.task_id, Answer.key, Answer.value, WorkerSkill.ds_skill,
               WorkerSkill.gold_correct, WorkerSkill.gold_seen)
        .outerjoin(WorkerSkill, and_(WorkerSkill.contributor_id == Answer.contributor_id,
                                     WorkerSkill.project_id == project_id))
        .where(Answer.task_id.in_(task_ids))
        .order_by(Answer.id)
    ).all()  # fmt: skip
    grouped: dict[int, list[tuple[str, Any, float]]] = defaultdict(list)
    for task_id, key, value, ds, correct, seen in rows:
        grouped[task_id].append((key, value, skill_of(ds, correct, seen)))
    return grouped


def resolve_review(
    db: Database,
    slug: str,
    task_id: int,
    value: str | list[str] | None,
    *,
    actor_id: Actor | None = None,
    make_gold: bool = False,
) -> Any:
    """Decide a task in review; ``value=None`` discards it. Returns the stored value.

    The decision is a `Complete` plan, written by the same `completion.apply` as the
    crowd's.
    """
    now = utcnow()

    def resolve(work: Work) -> Any:
        session = work.session
        project = project_by_slug(session, slug)
        require_role(session, actor_id, "moderator", "resolving reviews", project.id)
        task = lock_task(session, Task.id == task_id, Task.project_id == project.id)
        if task is None:
            raise NotFound("task", task_id)
        if task.status != TaskStatus.REVIEW:
            raise Conflict(f"task {task_id} is {task.status}, not in review")
        plan = _resolution(task, project, value, recorded(actor_id))
        apply(work, task, project_info(project), plan, now)
        if plan.key is not None:
            _grade_answers(work, task.id, project.id, plan.key)
            if make_gold:
                session.execute(update(Task).where(Task.id == task.id)
                                .values(is_gold=True, gold_answer=plan.value))  # fmt: skip
        _close_children(session, task.id)
        log_event(session, "review.resolve", actor_id=actor_id, project_id=project.id,
                  task_id=task.id, value=plan.value, make_gold=make_gold)  # fmt: skip
        return plan.value

    return db.run(resolve)


def _resolution(
    task: TaskRow, project: Project, raw: str | list[str] | None, actor_id: int | None
) -> Complete:
    """The moderator's value as a plan: final, with full confidence; None discards."""
    if raw is None:
        return Complete(None, None, None, None, "discarded", status=TaskStatus.RESOLVED,
                        decided_by=actor_id)  # fmt: skip
    task_type = task_type_of(project)
    try:
        value = task_type.validate(raw, task.payload, project.settings)
    except InvalidAnswer as exc:
        raise Conflict(f"invalid value for task {task.id}: {exc.message}") from None
    return Complete(value, task_type.answer_key(value), 1.0, None, "moderator",
                    status=TaskStatus.RESOLVED, decided_by=actor_id)  # fmt: skip


def _grade_answers(work: Work, task_id: int, project_id: int, key: str) -> None:
    """The resolution is known truth: it grades every answer to the task like a control."""
    for contributor_id, answer_key in work.session.execute(
        select(Answer.contributor_id, Answer.key).where(Answer.task_id == task_id)
    ).all():
        work.credit(contributor_id, project_id, gold_seen=1,
                    gold_correct=int(answer_key == key))  # fmt: skip


def _close_children(session: Any, task_id: int) -> None:
    """Vote tasks spawned by a resolved sentence have nothing left to decide."""
    session.execute(
        update(Task)
        .where(
            Task.parent_task_id == task_id,
            Task.status.in_((TaskStatus.OPEN, TaskStatus.REVIEW)),
        )
        .values(status=TaskStatus.RESOLVED)
    )
