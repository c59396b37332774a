"""A simulated crowd that answers through the same services the bots call.

Each simulated contributor is right with probability ``accuracy``: right means the gold
answer where there is one, else a hidden per-task truth drawn once per task (so agreement
emerges), and for a vote task the candidate equal to its sentence's truth. The simulator is
an operator's tool: it reads the truths from the database, which no contributor path does.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from engine.actors import OPERATOR
from engine.app import Essaim
from engine.models import Result, Task
from engine.services import identify, next_task, project_status
from engine.services.common import project_by_slug, task_type_of
from engine.services.dto import TaskOffer
from engine.statuses import NextStatus, SubmitStatus
from tasks.base import STAGE_VOTE
from tasks.simulation import SimulatedTask, simulated

PLATFORM = "sim"
Progress = Callable[[int], None]


@dataclass
class SimulationReport:
    project: str
    contributors: int
    answers: int = 0
    refused: int = 0
    seconds: float = 0.0
    tasks: dict[str, int] = field(default_factory=dict)
    completion: float = 0.0
    accuracy: float | None = None
    decided: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Truths:
    """Per-task truth: gold where known, else a reference answer by task position when one is
    given (the demo's corrected and translated sentences), else drawn once from the task
    type, seeded."""

    def __init__(
        self, app: Essaim, slug: str, seed: int, reference: Sequence[object] | None = None
    ) -> None:
        self.app = app
        self.slug = slug
        self.seed = seed
        self.reference = list(reference or [])
        self._cache: dict[int, object] = {}
        self._payloads: dict[int, dict[str, Any]] = {}
        with app.db.read() as session:
            project = project_by_slug(session, slug)
            self.settings = dict(project.settings)
            self.task_type: SimulatedTask = simulated(task_type_of(project))

    def of(self, task_id: int) -> object:
        """The task's truth (read once per task, with its payload)."""
        self._load(task_id)
        return self._cache[task_id]

    def payload(self, task_id: int) -> dict[str, Any]:
        self._load(task_id)
        return self._payloads[task_id]

    def _load(self, task_id: int) -> None:
        if task_id not in self._cache:
            with self.app.db.read() as session:
                task = session.get_one(Task, task_id)
                self._payloads[task_id] = dict(task.payload)
                self._cache[task_id] = self._truth(session, task)

    def _truth(self, session: Any, task: Task) -> object:
        if task.stage == STAGE_VOTE and task.parent_task_id is not None:
            return self.of(task.parent_task_id)
        if task.is_gold and task.gold_answer is not None:
            return task.gold_answer
        if task.position < len(self.reference):
            return self.reference[task.position]
        rng = random.Random(f"{self.seed}:{task.id}")
        return self.task_type.hidden_truth(task.payload, self.settings, rng)


def simulate(
    app: Essaim,
    slug: str,
    *,
    contributors: int,
    accuracy: float,
    seed: int = 0,
    progress: Progress | None = None,
    max_answers: int | None = None,
    reference: Sequence[object] | None = None,
) -> SimulationReport:
    """Let ``contributors`` simulated people answer, one answer each in turn, until none of
    them is offered anything more (or ``max_answers`` is reached)."""
    if not 0.0 <= accuracy <= 1.0:
        raise ValueError("accuracy must be between 0 and 1")
    rng = random.Random(seed)
    truths = Truths(app, slug, seed, reference)
    people = [identify(app.db, PLATFORM, f"{slug}-{seed}-{i}", display_name=f"sim{i}").id
              for i in range(contributors)]  # fmt: skip
    offers: dict[int, TaskOffer | None] = {}
    for person in people:
        first = next_task(app.db, person, slug, rng=rng)
        offers[person] = first.offer if first.status == NextStatus.TASK else None
    report = SimulationReport(project=slug, contributors=contributors)
    started = time.perf_counter()
    worked = True
    while worked:  # until a whole pass finds nothing for anyone
        worked = False
        if max_answers is not None and report.answers >= max_answers:
            break
        for person in people:
            current = offers[person]
            if current is None:  # a disagreement elsewhere may have raised a target
                again = next_task(app.db, person, slug, rng=rng)
                current = offers[person] = again.offer if again.status == NextStatus.TASK else None
                if current is None:
                    continue
            worked = True
            truth = truths.of(current.task_id)
            payload = truths.payload(current.task_id)
            raw = truths.task_type.sample_answer(
                payload, truths.settings, truth=truth, correct=rng.random() < accuracy, rng=rng
            )
            result = app.submit_answer(person, current.assignment_id, raw,
                                       seconds=rng.uniform(4.0, 30.0))  # fmt: skip
            if result.status == SubmitStatus.ACCEPTED:
                report.answers += 1
                if progress is not None:
                    progress(1)
            else:
                report.refused += 1
            nxt = result.next
            if nxt is not None and nxt.status == NextStatus.TASK:
                offers[person] = nxt.offer
            else:
                offers[person] = None
    report.seconds = time.perf_counter() - started
    status = project_status(app.db, slug, actor_id=OPERATOR)
    report.tasks = status.tasks
    report.completion = status.completion
    report.decided, report.accuracy = _accuracy(app, slug, truths)
    return report


def _accuracy(app: Essaim, slug: str, truths: Truths) -> tuple[int, float | None]:
    """Share of decided non-gold answer-stage tasks whose result equals the truth."""
    with app.db.read() as session:
        project = project_by_slug(session, slug)
        rows = session.execute(
            select(Task.id, Result.value)
            .join(Result, Result.task_id == Task.id)
            .where(Task.project_id == project.id, Task.is_gold.is_(False),
                   Task.stage != STAGE_VOTE, Result.value.is_not(None))
        ).all()  # fmt: skip
    if not rows:
        return 0, None
    key = truths.task_type.answer_key
    right = sum(1 for task_id, value in rows if key(value) == key(truths.of(task_id)))
    return len(rows), right / len(rows)
