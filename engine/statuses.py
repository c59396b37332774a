"""The status vocabularies of the engine, one `StrEnum` each.

A member equals its string (``TaskStatus.OPEN == "open"``, ``f"{s}"`` gives ``"open"``), so
the values stored in the database, the JSON the CLI prints and the bots' catalog keys
(``submit.{status}``) stay the plain strings; the enums name the set of legal values in one
place. Standard library only: ``essaim status`` imports this, and its imports must stay small.
"""

from enum import StrEnum


class TaskStatus(StrEnum):
    """Where a task stands: taking answers, voting on candidates, awaiting review, decided."""

    OPEN = "open"
    VOTING = "voting"
    """Its candidates went to a vote task (a child); it waits for that vote."""
    REVIEW = "review"
    COMPLETE = "complete"
    RESOLVED = "resolved"
    """Decided by a reviewer (or closed with its vote) rather than by the crowd's answers."""


class AssignmentStatus(StrEnum):
    """Where a lease stands; only ``leased`` ones hold a place on their task."""

    LEASED = "leased"
    ANSWERED = "answered"
    EXPIRED = "expired"
    SKIPPED = "skipped"
    RELEASED = "released"
    """Given back when the contributor switched project."""
    EXCLUDED = "excluded"
    """A placeholder that keeps an author of candidates from voting on them."""


class BatchStatus(StrEnum):
    """An upload: stored but not read yet, its tasks being answered, all decided, or rejected."""

    PENDING = "pending"
    OPEN = "open"
    COMPLETE = "complete"
    FAILED = "failed"


class ProjectState(StrEnum):
    """Whether a project hands out tasks (named apart from the `ProjectStatus` report)."""

    ACTIVE = "active"
    PAUSED = "paused"
    CLOSED = "closed"


class SubmitStatus(StrEnum):
    """The outcome of one submitted answer; each has its message in the bots' catalog."""

    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    EXPIRED = "expired"
    NOT_YOURS = "not_yours"
    UNKNOWN = "unknown"
    INVALID = "invalid"
    SUSPENDED = "suspended"


class NextStatus(StrEnum):
    """The outcome of asking for the next task."""

    TASK = "task"
    NONE = "none"
    SUSPENDED = "suspended"
    CLOSED = "closed"
    NO_PROJECT = "no_project"


UNDECIDED = (TaskStatus.OPEN, TaskStatus.VOTING, TaskStatus.REVIEW)
"""Task statuses that keep a batch open."""
DECIDED = (TaskStatus.COMPLETE, TaskStatus.RESOLVED)
