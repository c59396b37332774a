"""Reading a project back: its status, the per-item export, the raw answers, leaderboards."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby
from typing import Any

from sqlalchemy import Select, Subquery, distinct, func, select
from sqlalchemy.orm import Session

from engine.actors import OPERATOR, Actor
from engine.db import Database
from engine.errors import PermissionDenied
from engine.models import Answer, Batch, Contributor, Item, Project, Result, Task, WorkerSkill
from engine.services.common import project_by_slug, task_type_of
from engine.services.contributors import roles_of
from engine.services.dto import ContributorStats, LeaderboardRow, ProjectStatus
from engine.statuses import DECIDED, TaskStatus
from tasks.base import STAGE_ANSWER


def project_status(db: Database, slug: str, *, actor_id: Actor | None = None) -> ProjectStatus:
    """Counts a requester wants first: items, tasks by status, answers, people, completion.

    Only the project's requesters and moderators may read it, and the `OPERATOR`.
    """
    with db.read() as session:
        project = project_by_slug(session, slug)
        readers = {"requester", "moderator", "admin"}
        if actor_id is not OPERATOR and (
            actor_id is None or not readers & roles_of(session, actor_id, project.id)
        ):
            raise PermissionDenied("requester", "reading a project's status")
        # One pass over the project's tasks for both counts, in ix_task_schedule's order
        # (project, status): no sort, and no second pass for the gold tasks.
        counts = session.execute(
            select(Task.status,
                   func.count().filter(Task.is_gold.is_(False), Task.stage == STAGE_ANSWER),
                   func.count().filter(Task.is_gold.is_(True)))
            .where(Task.project_id == project.id)
            .group_by(Task.status)
        ).all()  # fmt: skip
        by_status = {status: answer_tasks for status, answer_tasks, _ in counts if answer_tasks}
        gold = sum(gold_tasks for _, _, gold_tasks in counts)
        total = sum(by_status.values())
        done = sum(by_status.get(s, 0) for s in DECIDED)
        items = session.execute(
            select(func.count()).select_from(Item).where(Item.project_id == project.id)
        ).scalar_one()
        answers, contributors = session.execute(
            select(func.count(), func.count(distinct(Answer.contributor_id)))
            .join(Task, Task.id == Answer.task_id)
            .where(Task.project_id == project.id)
        ).one()
        batches = [
            {"id": b.id, "filename": b.filename, "status": b.status, "items": b.n_items,
             "tasks": b.n_tasks, "error": b.error}
            for b in session.execute(
                select(Batch).where(Batch.project_id == project.id).order_by(Batch.id)
            ).scalars()
        ]  # fmt: skip
        return ProjectStatus(
            slug=project.slug,
            name=project.name,
            kind=project.kind,
            status=project.status,
            items=items,
            tasks={status: by_status.get(status, 0) for status in _statuses(by_status)},
            answers=answers,
            contributors=contributors,
            completion=done / total if total else 0.0,
            gold_tasks=gold,
            batches=batches,
        )


def _statuses(by_status: dict[str, int]) -> list[str]:
    known = [s.value for s in TaskStatus]
    return known + sorted(set(by_status) - set(known))


RESERVED_INPUTS = frozenset({"id", "gold"})
"""Upload fields never exported as inputs, matched case-insensitively: the id has its own
column, and a gold answer is the project's answer key, not an input."""

INPUT = "input"
"""Key of an item row's uploaded fields; CSV writes each as ``input.<field>``."""


def export_input_fields(db: Database, slug: str) -> tuple[list[str], int]:
    """The uploaded fields of a project's items, sorted, and the last item read.

    A CSV header must be known before its first row: this streams the items once for their
    field names, and `export_items(..., up_to=last)` then reads the same items, so an upload
    ingested in between cannot bring a field the header lacks. Sorted because PostgreSQL's
    JSONB keeps no key order: the columns are the same on both databases.
    """
    fields: set[str] = set()
    last = 0
    with db.read() as session:
        project = project_by_slug(session, slug)
        text_field = _text_field(project)
        rows = session.execute(
            select(Item.id, Item.payload)
            .where(Item.project_id == project.id)
            .order_by(Item.id)
            .execution_options(yield_per=5000)
        )
        for item_id, payload in rows:
            last = item_id
            for name in payload:
                fields.add(_input_name(name, text_field))
    return sorted(name for name in fields if name.casefold() not in RESERVED_INPUTS), last


def export_items(db: Database, slug: str, *, up_to: int | None = None) -> Iterator[dict[str, Any]]:
    """One row per item: its id, the reassembled answer, confidence, effort, status and
    ``input``, the fields the requester uploaded (items after ``up_to`` are left out)."""
    with db.read() as session:
        project = project_by_slug(session, slug)
        for row, _filename in _item_rows(session, project, up_to):
            yield row


def export_documents(db: Database, slug: str) -> Iterator[tuple[dict[str, Any], str]]:
    """Each item's export row with the name of the file it came in (its document's kind)."""
    with db.read() as session:
        yield from _item_rows(session, project_by_slug(session, slug), None)


def _item_rows(
    session: Session, project: Project, up_to: int | None
) -> Iterator[tuple[dict[str, Any], str]]:
    """Streams: the rows come ordered by item, and only one item's tasks are held at once."""
    task_type = task_type_of(project)
    text_field = _text_field(project)
    effort = _effort_by_item(project.id)
    query = (
        select(Item.id, Item.external_id, Item.payload, Batch.filename, Task.position,
               Task.payload, Task.status, Task.is_gold, Task.gold_answer, Result.value,
               Result.confidence, func.coalesce(effort.c.n, 0))
        .join(Batch, Batch.id == Item.batch_id)
        .join(Task, Task.item_id == Item.id)
        .outerjoin(Result, Result.task_id == Task.id)
        .outerjoin(effort, effort.c.item_id == Item.id)
        .where(Item.project_id == project.id, Task.stage == STAGE_ANSWER)
        .order_by(Item.id, Task.position)
        .execution_options(yield_per=2000)
    )  # fmt: skip
    if up_to is not None:
        query = query.where(Item.id <= up_to)
    for _item_id, group in groupby(session.execute(query), key=lambda row: row[0]):
        tasks = list(group)
        yield _item_row(task_type, text_field, tasks), tasks[0][3]


def _effort_by_item(project_id: int) -> Subquery:
    """Answers per item, vote tasks included (what the item cost): a subquery joined to the
    rows, so the database counts and nothing per item is held here."""
    return (
        select(Task.item_id.label("item_id"), func.count(Answer.id).label("n"))
        .join(Answer, Answer.task_id == Task.id)
        .where(Task.project_id == project_id)
        .group_by(Task.item_id)
        .subquery("effort")
    )


def _item_row(task_type: Any, text_field: str, tasks: list[Any]) -> dict[str, Any]:
    external_id, item_payload, n_answers = tasks[0][1], tasks[0][2], tasks[0][11]
    is_gold = all(t[7] for t in tasks)
    values = [(t[5], t[8] if t[7] else t[9]) for t in tasks]
    statuses = {t[6] for t in tasks}
    if is_gold:
        status = "gold"
    elif statuses <= set(DECIDED):
        status = "complete"
    elif TaskStatus.REVIEW in statuses:
        status = "review"
    else:
        status = "open"
    fields = task_type.reassemble(item_payload, values)
    confidences = [t[10] for t in tasks]
    confidence = None if is_gold or None in confidences else min(confidences)
    answer = fields.pop("answer", None)
    if answer is None:
        answer = fields.get("corrected", fields.get("translation"))
    named = ((_input_name(key, text_field), value) for key, value in item_payload.items())
    inputs = dict(
        sorted(
            ((name, value) for name, value in named if name.casefold() not in RESERVED_INPUTS),
            key=lambda pair: pair[0],
        )
    )
    return {"id": external_id, "answer": answer, "confidence": confidence,
            "n_answers": n_answers, "status": status, **fields, INPUT: inputs}  # fmt: skip


def _text_field(project: Project) -> str:
    return str((project.settings or {}).get("text_field") or "text")


def _input_name(key: str, text_field: str) -> str:
    """The task types keep the text under ``text``; give it back its uploaded column name."""
    return text_field if key == "text" else key


def export_answers(db: Database, slug: str) -> Iterator[dict[str, Any]]:
    """One row per answer in crowd-kit's long format (task, worker, label) plus timing."""
    with db.read() as session:
        project = project_by_slug(session, slug)
        rows = session.execute(
            select(Task.id, Item.external_id, Task.stage, Answer.contributor_id, Answer.value,
                   Answer.seconds, Answer.counted, Task.is_gold, Answer.created_at)
            .join(Task, Task.id == Answer.task_id)
            .join(Item, Item.id == Task.item_id)
            .where(Task.project_id == project.id)
            .order_by(Answer.id)
            .execution_options(yield_per=5000)
        )  # fmt: skip
        for task_id, item, stage, worker, value, seconds, counted, gold, at in rows:
            yield {"task": task_id, "item": item, "stage": stage, "worker": worker,
                   "label": "|".join(value) if isinstance(value, list) else value,
                   "seconds": None if seconds is None else round(seconds, 3),
                   "counted": counted, "gold": gold, "created_at": at.isoformat()}  # fmt: skip


def contributor_stats(
    db: Database, contributor_id: int, slug: str | None = None
) -> ContributorStats:
    """A contributor's answers, agreement with final results, points and rank.

    Without a project, the counts are summed over every project and the rank is global.
    """
    with db.read() as session:
        query = select(
            func.coalesce(func.sum(WorkerSkill.n_answers), 0),
            func.coalesce(func.sum(WorkerSkill.decided), 0),
            func.coalesce(func.sum(WorkerSkill.agreed), 0),
            func.coalesce(func.sum(WorkerSkill.points), 0),
            func.coalesce(func.sum(WorkerSkill.gold_seen), 0),
            func.coalesce(func.sum(WorkerSkill.gold_correct), 0),
        ).where(WorkerSkill.contributor_id == contributor_id)
        project_id = None
        if slug is not None:
            project_id = project_by_slug(session, slug).id
            query = query.where(WorkerSkill.project_id == project_id)
        answers, decided, agreed, points, seen, correct = session.execute(query).one()
        board = _points_by_contributor(session, project_id).subquery()
        rank = session.execute(
            select(func.count()).select_from(board).where(board.c.points > points)
        ).scalar_one()
        return ContributorStats(contributor_id, slug, int(answers), int(decided), int(agreed),
                                int(points), rank + 1 if answers else None, int(seen),
                                int(correct))  # fmt: skip


def leaderboard(db: Database, slug: str | None = None, limit: int = 10) -> list[LeaderboardRow]:
    """Top contributors by points; forgotten contributors appear without a name."""
    with db.read() as session:
        project_id = project_by_slug(session, slug).id if slug else None
        board = _points_by_contributor(session, project_id).subquery()
        rows = session.execute(
            select(board.c.contributor_id, Contributor.display_name, board.c.points,
                   board.c.answers)
            .join(Contributor, Contributor.id == board.c.contributor_id)
            .order_by(board.c.points.desc(), board.c.answers.desc(), board.c.contributor_id)
            .limit(limit)
        ).all()  # fmt: skip
        return [
            LeaderboardRow(rank, cid, name, int(points), int(answers))
            for rank, (cid, name, points, answers) in enumerate(rows, start=1)
        ]


def _points_by_contributor(session: Session, project_id: int | None) -> Select[int, int, int]:
    query = select(
        WorkerSkill.contributor_id,
        func.sum(WorkerSkill.points).label("points"),
        func.sum(WorkerSkill.n_answers).label("answers"),
    ).group_by(WorkerSkill.contributor_id)
    if project_id is not None:
        query = query.where(WorkerSkill.project_id == project_id)
    return query.having(func.sum(WorkerSkill.n_answers) > 0)
