"""Replaying recorded answers through the project's quality settings.

The recorded workers become contributors on the ``replay`` platform. Each is offered tasks by
the real scheduler, restricted to the tasks of their own recording (`offer_next(only=...)`),
and answers with their recorded label. What comes out says what the project's overlap,
confidence and gold would have cost (answers used out of those recorded) and achieved
(completion, review, and accuracy where a truth file is given).

The recording is read by `engine.tables` (exact string ids: item ``007`` is not item ``7``).
A row that cannot be answered (a task the project does not have, an empty label or one the
task type refuses, a worker's second answer to one task) is refused before the replay and
counted with its reason; so is an answer the engine does not accept. Every offer uses up one
row of the recording, so a replay always ends.

Answers, leases and give-backs share write transactions (`Steps`), each step left to the next
as a commit would leave it: the replay decides exactly as with a transaction per answer
(tests/integration/test_simulate_replay.py compares it with recorded outcomes).
"""

from __future__ import annotations

from collections import Counter
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import jobs
from engine.actors import OPERATOR
from engine.app import Essaim
from engine.db import Database
from engine.models import Item, Result, Task, utcnow
from engine.services import identify, project_status
from engine.services.answers import submit_in
from engine.services.assignments import give_back, offer_next
from engine.services.common import project_by_slug, task_type_of
from engine.services.dto import TaskOffer
from engine.services.importing import WORKER_NAME_MAX
from engine.statuses import SubmitStatus
from engine.tables import Table, read_file, read_labels, read_table
from engine.unit_of_work import Work
from tasks.base import STAGE_ANSWER, InvalidAnswer

PLATFORM = "replay"
COLUMNS = ("task", "worker", "label")


@dataclass
class ReplayReport:
    project: str
    workers: int
    recorded_answers: int
    answers_used: int = 0
    skipped_offers: int = 0
    refused: int = 0
    refusals: dict[str, int] = field(default_factory=dict)
    """Refused rows by reason."""
    tasks: dict[str, int] = field(default_factory=dict)
    completion: float = 0.0
    saved_share: float = 0.0
    accuracy: float | None = None
    items_with_truth: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def refuse(self, reason: str, count: int = 1) -> None:
        self.refused += count
        self.refusals[reason] = self.refusals.get(reason, 0) + count


def read_recording(path: Path, *, encoding: str | None = None) -> Table:
    """The ``task,worker,label`` rows of a recording (labels may be blank: refused later)."""
    return read_table(read_file(path), str(path), COLUMNS, may_be_empty=("label",),
                      encoding=encoding)  # fmt: skip


def read_truth(path: Path, *, encoding: str | None = None) -> dict[str, str]:
    """Known labels of a truth file: {item id: label}, exact strings."""
    return read_labels(read_file(path), str(path), encoding=encoding)[0]


def replay(
    essaim: Essaim, slug: str, path: Path, truth: dict[str, str] | None = None
) -> ReplayReport:
    """Replay ``path``; with ``truth`` (item id → label) the report gives the accuracy."""
    table = read_recording(path)
    tasks = _tasks(essaim, slug)
    report = ReplayReport(slug, len(set(table.columns["worker"])), len(table))
    recorded = _answerable(essaim, slug, table, tasks, report)
    people = {identify(essaim.db, PLATFORM, worker).id: answers
              for worker, answers in sorted(recorded.items())}  # fmt: skip
    _run(essaim, slug, people, report)
    status = project_status(essaim.db, slug, actor_id=OPERATOR)
    report.tasks = status.tasks
    report.completion = status.completion
    if report.recorded_answers:
        report.saved_share = 1 - report.answers_used / report.recorded_answers
    if truth:
        external = {task_id: ids for ids, (task_id, _payload) in tasks.items()}
        report.items_with_truth, report.accuracy = _truth_accuracy(essaim, slug, truth, external)
    return report


def _run(
    essaim: Essaim, slug: str, people: dict[int, dict[int, str]], report: ReplayReport
) -> None:
    """Every worker holds a lease on their next recorded task, as a live crowd does (so a
    task's answers come from the workers at hand, not from the first few by name); in turn
    each answers it and takes the next, until a whole pass finds nothing for anyone. A worker
    told "nothing now" is asked again on the next pass: a disagreement elsewhere may have
    raised a task's target."""
    left = {person: set(answers) for person, answers in people.items()}
    with Steps(essaim.db) as steps:
        offers = {person: _next(steps, slug, person, left[person], report) for person in people}
        worked = True
        while worked:
            worked = False
            for person, answers in people.items():
                offer = offers[person] or _next(steps, slug, person, left[person], report)
                if offer is None:
                    continue
                worked = True
                result = submit_in(steps.work(), person, offer.assignment_id,
                                   answers[offer.task_id], now=utcnow(),
                                   only=left[person])  # fmt: skip
                steps.done()
                if result.status == SubmitStatus.ACCEPTED:
                    report.answers_used += 1
                    _refit_when_due(essaim, steps, slug, result.answer_id,
                                    result.completed_batches)  # fmt: skip
                    chained = result.next.offer if result.next is not None else None
                    offers[person] = _use(steps, person, chained, left[person], report)
                    continue
                _give_back(steps, person, offer.assignment_id)
                report.refuse(f"not accepted ({result.error_code or result.status})")
                offers[person] = _next(steps, slug, person, left[person], report)


STEPS_PER_TRANSACTION = {"sqlite": 32, "postgresql": 128}
"""Steps of a replay that share a write transaction, at most (see `Steps`). SQLite's write
lock holds up every writer of the file (other projects too): 32 steps, some 40 ms. On
PostgreSQL the transaction only holds the rows of its own tasks; each commit waits for the
WAL to reach the disk."""


class Steps:
    """Write transactions shared by several steps of a replay (an answer, a lease, a give-back).

    A transaction of its own per step (BEGIN, commit, a session; on PostgreSQL two more round
    trips and a WAL flush) cost about a fifth of a replay's time on SQLite and two fifths on
    PostgreSQL (benchmarks/replay.py, 6,000 answers used: 8.4-9.0 s against 6.9 s, 22.3 s
    against 13.4 s). Between two steps the session is left as a commit leaves the database
    to the next transaction: the unit of work's counters written (`Work.write_counters`,
    else written at commit), pending rows flushed, no object kept; so each step reads what
    it would read in a transaction of its own, and the replay decides the same. Only a few
    steps share one (`STEPS_PER_TRANSACTION`), so a writer of another project waits a few
    tens of milliseconds at most for SQLite's lock; `commit` ends one early, before a job
    reads the database on a session of its own.

    Unlike `Database.run`, a busy database or a deadlock is not retried: the replay stops
    with the error and its open transaction (at most that many steps) is rolled back.
    """

    def __init__(self, db: Database, size: int | None = None) -> None:
        self._db = db
        self._size = size or STEPS_PER_TRANSACTION.get(db.dialect, 1)
        self._transaction: AbstractContextManager[Work] | None = None
        self._work: Work | None = None
        self._steps = 0

    def __enter__(self) -> Steps:
        return self

    def __exit__(self, *exc: Any) -> None:
        transaction, self._transaction, self._work = self._transaction, None, None
        if transaction is not None:
            transaction.__exit__(*exc)  # commits, or rolls back on an error

    def work(self) -> Work:
        """The open transaction (one begins when none is open)."""
        if self._work is None:
            self._transaction = self._db.work()
            self._work = self._transaction.__enter__()
            self._steps = 0
        return self._work

    def session(self) -> Session:
        """The open transaction's session."""
        return self.work().session

    def done(self) -> None:
        """A step is over: leave the session as after a commit; commit every `size` steps."""
        work = self.work()
        work.write_counters()
        session = work.session
        session.flush()
        session.expunge_all()
        self._steps += 1
        if self._steps >= self._size:
            self.commit()

    def commit(self) -> None:
        """End the open transaction now (nothing happens when none is open)."""
        self.__exit__(None, None, None)


def _next(
    steps: Steps, slug: str, person: int, left: set[int], report: ReplayReport
) -> TaskOffer | None:
    """Lease the next of ``left`` the scheduler gives this worker, and use it up."""
    while left:
        offer = offer_next(steps.session(), person, slug, now=utcnow(), only=left).offer
        steps.done()
        if offer is None:
            return None
        if _use(steps, person, offer, left, report) is not None:
            return offer
    return None


def _use(
    steps: Steps, person: int, offer: TaskOffer | None, left: set[int], report: ReplayReport
) -> TaskOffer | None:
    """``offer`` taken off ``left``; an offer outside it (a lease held from elsewhere) is
    given back, so it can never be offered in a loop."""
    if offer is None:
        return None
    if offer.task_id in left:
        left.discard(offer.task_id)
        return offer
    _give_back(steps, person, offer.assignment_id)
    report.skipped_offers += 1
    return None


def _give_back(steps: Steps, person: int, assignment_id: int) -> None:
    give_back(steps.session(), person, assignment_id)
    steps.done()


def _refit_when_due(
    essaim: Essaim, steps: Steps, slug: str, answer_id: int | None, completed: tuple[int, ...]
) -> None:
    """What `Essaim.submit_answer` does after an answer (it has no filter for the chained
    next task, so the replay calls the service itself). The job reads the answers on a
    session of its own: what the open transaction holds is committed first."""
    every = essaim.settings.skill_refit_every
    if completed or (answer_id is not None and answer_id % every == 0):
        steps.commit()
        essaim.queue.enqueue(jobs.refit_skills_job, slug)


def _answerable(
    essaim: Essaim,
    slug: str,
    table: Table,
    tasks: dict[str, tuple[int, dict[str, Any]]],
    report: ReplayReport,
) -> dict[str, dict[int, str]]:
    """worker → {task id: label} of the rows that can be answered; the others are refused."""
    with essaim.db.read() as session:
        project = project_by_slug(session, slug)
        task_type, settings = task_type_of(project), dict(project.settings)
    recorded: dict[str, dict[int, str]] = {}
    reasons: Counter[str] = Counter()
    columns = table.columns
    for ids, worker, label in zip(columns["task"], columns["worker"], columns["label"],
                                  strict=True):  # fmt: skip
        if len(worker) > WORKER_NAME_MAX:
            reasons[f"worker name over {WORKER_NAME_MAX} characters"] += 1
            continue
        answers = recorded.setdefault(worker, {})
        known = tasks.get(ids)
        if known is None:
            reasons["no such task in the project"] += 1
            continue
        task_id, payload = known
        if not label:
            reasons["empty label"] += 1
            continue
        if task_id in answers:
            reasons["a second answer of the same worker to the task"] += 1
            continue
        try:
            task_type.validate(label, payload, settings)
        except InvalidAnswer:
            reasons["label refused by the project"] += 1
            continue
        answers[task_id] = label
    for reason, count in sorted(reasons.items()):
        report.refuse(reason, count)
    return recorded


def _tasks(essaim: Essaim, slug: str) -> dict[str, tuple[int, dict[str, Any]]]:
    """The id a recording uses (the item id, or ``item#position``) → (task id, payload)."""
    with essaim.db.read() as session:
        project = project_by_slug(session, slug)
        rows = session.execute(
            select(Task.id, Item.external_id, Task.position, Task.payload)
            .join(Item, Item.id == Task.item_id)
            .where(Task.project_id == project.id, Task.parent_task_id.is_(None))
        ).all()
    per_item = Counter(item for _task, item, _position, _payload in rows)
    return {
        (item if per_item[item] == 1 else f"{item}#{position}"): (task_id, dict(payload))
        for task_id, item, position, payload in rows
    }


def _truth_accuracy(
    essaim: Essaim, slug: str, truth: dict[str, str], external: dict[int, str]
) -> tuple[int, float | None]:
    """Share of decided tasks whose result equals the known truth (item id → label)."""
    with essaim.db.read() as session:
        project = project_by_slug(session, slug)
        key = task_type_of(project).answer_key
        rows = session.execute(
            select(Task.id, Result.value)
            .join(Result, Result.task_id == Task.id)
            .where(Task.project_id == project.id, Task.stage == STAGE_ANSWER,
                   Result.value.is_not(None))
        ).all()  # fmt: skip
    known = [(truth[external[t]], v) for t, v in rows if external.get(t) in truth]
    if not known:
        return 0, None
    right = sum(key(expected) == key(value) for expected, value in known)
    return len(known), right / len(known)
