"""When a project's skills are re-fitted: every N of its own answers, or at a completed batch."""

from __future__ import annotations

from engine.app import RefitCounter
from engine.services.dto import SubmitResult


def _accepted(slug: str, *completed: int) -> SubmitResult:
    return SubmitResult(status="accepted", project_slug=slug, completed_batches=completed)


def test_each_project_counts_its_own_answers() -> None:
    refits = RefitCounter()
    due = [refits.due(_accepted(slug), 3) for slug in ["a", "b", "a", "b", "a", "a", "b"]]
    assert due == [None, None, None, None, "a", None, "b"]


def test_a_completed_batch_refits_at_once_and_starts_the_count_again() -> None:
    refits = RefitCounter()
    assert refits.due(_accepted("a"), 3) is None
    assert refits.due(_accepted("a", 7), 3) == "a"
    assert [refits.due(_accepted("a"), 3) for _ in range(3)] == [None, None, "a"]


def test_only_accepted_answers_count() -> None:
    refits = RefitCounter()
    for status in ("duplicate", "expired", "invalid", "not_yours"):
        assert refits.due(SubmitResult(status=status, project_slug="a"), 1) is None
    assert refits.due(_accepted("a"), 1) == "a"
