"""Replaying recorded answers through the project's quality settings.

The recorded workers become contributors on the ``replay`` platform. Each is offered tasks by
the real scheduler; a task they answered in the recording gets their recorded answer, any
other task is skipped (and so never offered to them again). What comes out says what the
project's overlap, confidence and gold would have cost (answers used out of those recorded)
and achieved (completion, review, and accuracy where a truth file is given).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from engine.app import Essaim
from engine.errors import InvalidUpload
from engine.models import Item, Result, Task
from engine.services import identify, next_task, project_status, skip_task
from engine.services.common import project_by_slug, task_type_of
from tasks.base import STAGE_ANSWER

PLATFORM = "replay"


@dataclass
class ReplayReport:
    project: str
    workers: int
    recorded_answers: int
    answers_used: int = 0
    skipped_offers: int = 0
    tasks: dict[str, int] = field(default_factory=dict)
    completion: float = 0.0
    saved_share: float = 0.0
    accuracy: float | None = None
    items_with_truth: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def read_recording(path: Path) -> dict[str, dict[str, str]]:
    """worker → {item id: label}; errors name the file and line."""
    recording: dict[str, dict[str, str]] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"task", "worker", "label"} - set(reader.fieldnames or [])
        if missing:
            raise InvalidUpload(path.name, f"missing column(s): {', '.join(sorted(missing))}", 1)
        for row in reader:
            task, worker = (row["task"] or "").strip(), (row["worker"] or "").strip()
            if not task or not worker:
                raise InvalidUpload(path.name, "empty task or worker", reader.line_num)
            recording.setdefault(worker, {})[task] = (row["label"] or "").strip()
    return recording


def replay(
    essaim: Essaim, slug: str, path: Path, truth: dict[str, str] | None = None
) -> ReplayReport:
    """Replay ``path``; with ``truth`` (item id → label) the report gives the accuracy."""
    recording = read_recording(path)
    external = _external_ids(essaim, slug)
    people = {identify(essaim.db, PLATFORM, worker).id: answers
              for worker, answers in sorted(recording.items())}  # fmt: skip
    report = ReplayReport(slug, len(people), sum(len(a) for a in recording.values()))
    offers = {person: next_task(essaim.db, person, slug) for person in people}
    worked = True
    while worked:  # until a whole pass finds nothing for anyone
        worked = False
        for person, answers in people.items():
            offer = offers[person]
            if offer.offer is None:  # a disagreement elsewhere may have raised a target
                offer = offers[person] = next_task(essaim.db, person, slug)
                if offer.offer is None:
                    continue
            worked = True
            item = external.get(offer.offer.task_id)
            label = answers.get(item) if item is not None else None
            if label is None:
                report.skipped_offers += 1
                offers[person] = skip_task(essaim.db, person, offer.offer.assignment_id)
                continue
            result = essaim.submit_answer(person, offer.offer.assignment_id, label)
            report.answers_used += result.status == "accepted"
            nxt = result.next
            offers[person] = nxt if nxt is not None else next_task(essaim.db, person, slug)
    status = project_status(essaim.db, slug)
    report.tasks = status.tasks
    report.completion = status.completion
    if report.recorded_answers:
        report.saved_share = 1 - report.answers_used / report.recorded_answers
    if truth:
        report.items_with_truth, report.accuracy = _truth_accuracy(essaim, slug, truth, external)
    return report


def _external_ids(essaim: Essaim, slug: str) -> dict[int, str]:
    """Task id → the id the recording uses (the item id, or ``item#position``)."""
    with essaim.db.read() as session:
        project = project_by_slug(session, slug)
        rows = session.execute(
            select(Task.id, Item.external_id, Task.position, Task.parent_task_id)
            .join(Item, Item.id == Task.item_id)
            .where(Task.project_id == project.id)
        ).all()
    ids: dict[int, str] = {}
    per_item: dict[str, int] = {}
    for _task_id, item, _position, parent in rows:
        if parent is None:
            per_item[item] = per_item.get(item, 0) + 1
    for task_id, item, position, parent in rows:
        if parent is None:
            ids[task_id] = item if per_item[item] == 1 else f"{item}#{position}"
    return ids


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
