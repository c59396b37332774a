"""Re-estimating worker skills of a project with Dawid-Skene (run as an RQ job).

The job reads every counted label answer of the project, fits `quality.DawidSkene` with the
control tasks' gold answers clamped, and stores each worker's skill; the stopping rule then
weighs answers by it (`engine.services.decision.skill_of`).
"""

from __future__ import annotations

from functools import cache
from typing import Any, cast

import numpy as np
from sqlalchemy import Table, Update, bindparam, select, update
from sqlalchemy.orm import Session

from engine.db import Database
from engine.models import Answer, Task, WorkerSkill
from engine.services.common import log_event, project_by_slug, task_type_of
from quality.aggregation import DawidSkene
from quality.answers import AnswerSet
from tasks.base import STAGE_ANSWER

MIN_ANSWERS = 50
MIN_SHARED_TASKS = 10
"""Below these, Dawid-Skene has too little overlap to say anything about a worker."""


def refit_skills(db: Database, slug: str) -> dict[str, Any]:
    with db.read() as session:
        project = project_by_slug(session, slug)
        project_id = project.id
        if task_type_of(project).answer_kind != "label":
            return {"project": slug, "fitted": False, "reason": "free-text project"}
        rows = session.execute(
            select(Answer.task_id, Answer.contributor_id, Answer.key, Task.is_gold,
                   Task.gold_answer)
            .join(Task, Task.id == Answer.task_id)
            .where(Task.project_id == project_id, Task.stage == STAGE_ANSWER,
                   Answer.counted.is_(True))
        ).all()  # fmt: skip
        task_type = task_type_of(project)
    if len(rows) < MIN_ANSWERS:
        return {"project": slug, "fitted": False, "reason": f"fewer than {MIN_ANSWERS} answers"}
    answers = AnswerSet.from_columns([r[0] for r in rows], [r[1] for r in rows],
                                     [r[2] for r in rows])  # fmt: skip
    if int(np.sum(answers.answers_per_task >= 2)) < MIN_SHARED_TASKS:
        return {"project": slug, "fitted": False, "reason": "too little overlap"}
    known = set(answers.label_values.tolist())
    gold = {r[0]: key for r in rows if r[3]
            if (key := task_type.gold_key(r[4])) is not None and key in known}  # fmt: skip
    model = DawidSkene(n_iter=100, tol=1e-5).fit(answers, gold=gold or None)
    skills = {int(w): float(s) for w, s in zip(answers.worker_ids, model.skills_, strict=True)}

    def store(session: Session) -> None:
        # One statement, one parameter row per worker (executemany, in the same order as
        # a statement per worker would go): building 164 ORM updates cost more than the fit.
        stored = [{"p_project": project_id, "p_contributor": contributor_id, "p_skill": skill}
                  for contributor_id, skill in skills.items()]  # fmt: skip
        if stored:
            session.connection().execute(_store_skill(), stored)
        log_event(session, "skills.refit", project_id=project_id, workers=len(skills),
                  answers=len(rows), iterations=int(model.n_iter_))  # fmt: skip

    db.run(lambda work: store(work.session))
    return {"project": slug, "fitted": True, "workers": len(skills), "answers": len(rows),
            "iterations": int(model.n_iter_)}  # fmt: skip


@cache
def _store_skill() -> Update:
    """UPDATE of one worker's ``ds_skill`` (parameters ``p_*``, never named like a column)."""
    table = cast(Table, WorkerSkill.__table__)
    return (
        update(table)
        .where(table.c.project_id == bindparam("p_project"),
               table.c.contributor_id == bindparam("p_contributor"))
        .values(ds_skill=bindparam("p_skill"))
    )  # fmt: skip
