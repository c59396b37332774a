"""Plain results of the services: dataclasses, never ORM objects, safe to pass to any adapter."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.statuses import NextStatus, SubmitStatus
from tasks.base import Prompt


@dataclass(frozen=True)
class ContributorInfo:
    id: int
    display_name: str | None
    language: str | None
    roles: tuple[str, ...]
    current_project: str | None
    notifications: bool
    is_new: bool = False


@dataclass(frozen=True)
class ProjectInfo:
    id: int
    slug: str
    name: str
    kind: str
    status: str
    instructions: str
    overlap_min: int
    overlap_max: int
    confidence: float
    gold_rate: float
    lease_seconds: int
    min_seconds: float
    points: int
    settings: dict[str, Any]


@dataclass(frozen=True)
class TaskOffer:
    """A leased task ready to show: everything a bot needs, and never the gold answer."""

    assignment_id: int
    task_id: int
    project_slug: str
    project_name: str
    expires_at: datetime
    prompt: Prompt


@dataclass(frozen=True)
class NextTask:
    status: NextStatus
    offer: TaskOffer | None = None
    project_slug: str | None = None


@dataclass(frozen=True)
class GoldFeedback:
    correct: bool
    expected: Any


@dataclass(frozen=True)
class SubmitResult:
    status: SubmitStatus
    value: Any = None
    error_code: str | None = None
    error_message: str | None = None
    error_params: dict[str, Any] = field(default_factory=dict)
    feedback: GoldFeedback | None = None
    task_status: str | None = None
    points: int = 0
    answer_id: int | None = None
    completed_batches: tuple[int, ...] = ()
    next: NextTask | None = None
    project_slug: str | None = None
    """The project of the task answered (an accepted answer): the one whose skill re-fit
    it may call for (`engine.app.RefitCounter`)."""


@dataclass(frozen=True)
class BatchReport:
    batch_id: int
    project_slug: str
    filename: str
    status: str
    n_items: int
    n_tasks: int
    n_gold: int = 0
    error: str | None = None
    encoding: str | None = None
    """The text encoding the file was read with (forced by the uploader or detected)."""
    errors: tuple[str, ...] = ()
    """Every error listed (the first 50), one line each, naming file, line and field."""
    n_errors: int = 0
    """How many errors in all: more than listed when past the limit."""
    n_repeated_ids: int = 0
    """Items whose id repeats an id of an earlier batch (when the uploader allowed it)."""


@dataclass(frozen=True)
class ProjectStatus:
    slug: str
    name: str
    kind: str
    status: str
    items: int
    tasks: dict[str, int]
    answers: int
    contributors: int
    completion: float
    gold_tasks: int
    batches: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "project": self.slug,
            "name": self.name,
            "kind": self.kind,
            "status": self.status,
            "items": self.items,
            "tasks": self.tasks,
            "answers": self.answers,
            "contributors": self.contributors,
            "completion": self.completion,
            "gold_tasks": self.gold_tasks,
            "batches": self.batches,
        }


@dataclass(frozen=True)
class ReviewAnswer:
    value: Any
    count: int
    skills: tuple[float, ...]


@dataclass(frozen=True)
class ReviewItem:
    task_id: int
    item_id: str
    project_slug: str
    prompt: Prompt
    answers: tuple[ReviewAnswer, ...]
    agreement: float | None
    n_answers: int


@dataclass(frozen=True)
class ContributorStats:
    contributor_id: int
    project_slug: str | None
    answers: int
    decided: int
    agreed: int
    points: int
    rank: int | None
    gold_seen: int
    gold_correct: int

    @property
    def agreement(self) -> float | None:
        return self.agreed / self.decided if self.decided else None


@dataclass(frozen=True)
class LeaderboardRow:
    rank: int
    contributor_id: int
    display_name: str | None
    points: int
    answers: int


@dataclass(frozen=True)
class SweepReport:
    """What one periodic sweep did."""

    leases_released: int
    batches_closed: tuple[int, ...]
