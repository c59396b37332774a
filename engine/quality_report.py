"""The quality picture of a project: agreement, workers, effort per task, review backlog.

Backs `essaim quality` and the demo. Agreement is Krippendorff's alpha at the level the task
type declares (nominal labels, ordinal rating scales, a string distance for free text), on
the counted answers of answer-stage tasks, for the whole project and for each batch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import select

from engine.db import Database
from engine.models import Answer, Contributor, Item, Task, WorkerSkill
from engine.services.common import project_by_slug, task_type_of
from engine.services.decision import skill_of
from engine.statuses import DECIDED, TaskStatus
from quality.agreement import alpha, per_label_alpha, text_alpha
from quality.answers import AnswerSet
from tasks.base import STAGE_ANSWER


def quality_report(db: Database, slug: str) -> dict[str, Any]:
    with db.read() as session:
        project = project_by_slug(session, slug)
        task_type = task_type_of(project)
        settings = dict(project.settings)
        level = task_type.agreement_level(settings)
        rows = session.execute(
            select(Answer.task_id, Answer.contributor_id, Answer.value, Answer.key, Item.batch_id)
            .join(Task, Task.id == Answer.task_id)
            .join(Item, Item.id == Task.item_id)
            .where(Task.project_id == project.id, Task.stage == STAGE_ANSWER,
                   Task.is_gold.is_(False), Answer.counted.is_(True))
        ).all()  # fmt: skip
        workers = [
            _worker_row(skill, name)
            for skill, name in session.execute(
                select(WorkerSkill, Contributor.display_name)
                .join(Contributor, Contributor.id == WorkerSkill.contributor_id)
                .where(WorkerSkill.project_id == project.id, WorkerSkill.n_answers > 0)
                .order_by(WorkerSkill.contributor_id)
            ).all()
        ]
        done = session.execute(
            select(Task.n_answers).where(Task.project_id == project.id, Task.is_gold.is_(False),
                                         Task.stage == STAGE_ANSWER,
                                         Task.status.in_(DECIDED))
        ).scalars().all()  # fmt: skip
        backlog = session.execute(
            select(Task.id).where(Task.project_id == project.id, Task.status == TaskStatus.REVIEW,
                                  Task.stage == STAGE_ANSWER)
        ).all()  # fmt: skip
    by_batch: dict[int, list[Any]] = {}
    for row in rows:
        by_batch.setdefault(row[4], []).append(row)
    return {
        "project": slug,
        "level": level,
        "alpha": _alpha(rows, level, settings),
        "answers": len(rows),
        "batches": [
            {"batch": b, "answers": len(r), "alpha": _alpha(r, level, settings)}
            for b, r in sorted(by_batch.items())
        ],
        "workers": workers,
        "answers_per_completed_task": _effort(done),
        "review_backlog": len(backlog),
    }


def _alpha(rows: Sequence[Any], level: str, settings: dict[str, Any]) -> float | None:
    """Alpha at the task type's level; None where it is undefined (too few answers)."""
    if len(rows) < 2:
        return None
    tasks = [r[0] for r in rows]
    workers = [r[1] for r in rows]
    if level == "text":
        value = text_alpha(tasks, workers, [str(r[2]) for r in rows])
    elif settings.get("multi"):
        sets = [r[2] if isinstance(r[2], list) else [r[2]] for r in rows]
        per_label = [v for v in per_label_alpha(tasks, workers, sets).values() if np.isfinite(v)]
        value = float(np.mean(per_label)) if per_label else float("nan")
    elif level in ("ordinal", "interval", "ratio"):
        order = [entry["value"] for entry in settings.get("labels", [])]
        ranks = [order.index(r[3]) if r[3] in order else np.nan for r in rows]
        value = alpha(AnswerSet.from_columns(tasks, workers, ranks), level)  # type: ignore[arg-type]
    else:
        value = alpha(AnswerSet.from_columns(tasks, workers, [r[3] for r in rows]), "nominal")
    return None if not np.isfinite(value) else round(float(value), 4)


def _worker_row(skill: WorkerSkill, name: str | None) -> dict[str, Any]:
    gold_accuracy = skill.gold_correct / skill.gold_seen if skill.gold_seen else None
    return {
        "contributor": skill.contributor_id,
        "name": name,
        "answers": skill.n_answers,
        "gold_seen": skill.gold_seen,
        "gold_accuracy": None if gold_accuracy is None else round(gold_accuracy, 3),
        "skill": round(skill_of(skill.ds_skill, skill.gold_correct, skill.gold_seen), 3),
        "agreement": round(skill.agreed / skill.decided, 3) if skill.decided else None,
        "points": skill.points,
        "suspended": skill.suspended,
        "reason": skill.suspended_reason,
    }


def _effort(counts: Sequence[int]) -> dict[str, Any]:
    if not counts:
        return {"tasks": 0, "mean": None, "histogram": {}}
    histogram = Counter(counts)
    return {
        "tasks": len(counts),
        "mean": round(float(np.mean(counts)), 3),
        "histogram": {str(k): histogram[k] for k in sorted(histogram)},
    }
