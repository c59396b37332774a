"""Spam rules."""

from __future__ import annotations

import pytest

from quality.spam import SpamPolicy, longest_run, suspension_reason

pytestmark = pytest.mark.unit


def test_longest_run() -> None:
    assert longest_run([]) == 0
    assert longest_run(["a"]) == 1
    assert longest_run([1, 1, 2, 2, 2, 1]) == 3
    assert longest_run(["x", "y", "y"]) == 2


def test_suspension_reasons() -> None:
    policy = SpamPolicy(min_seconds=2.0, max_same_run=3)
    ok = {"seconds": [5, 5, 5, 5, 5], "labels": [0, 1, 0, 0, 1], "gold_seen": 4, "gold_correct": 3}
    assert suspension_reason(policy, **ok) is None
    assert suspension_reason(policy, **{**ok, "seconds": [1, 1, 1, 5, 5]}) == "too_fast"
    assert suspension_reason(policy, **{**ok, "seconds": [1, 1, 5, 5, 5]}) is None  # 40% fast
    assert suspension_reason(policy, **{**ok, "seconds": [1, 1, 1]}) is None  # too few answers
    assert suspension_reason(policy, **{**ok, "labels": [0, 0, 0, 0, 1]}) == "same_answer_run"
    assert suspension_reason(policy, **{**ok, "labels": [0, 0, 0, 1, 1]}) is None
    # 1 of 4 right: smoothed 1.5 / 5 = 0.3 < 0.5.
    assert suspension_reason(policy, **{**ok, "gold_correct": 1}) == "failed_gold"
    # Same accuracy on too little gold: not yet.
    assert suspension_reason(policy, **{**ok, "gold_seen": 3, "gold_correct": 0}) is None
    # Failed gold is reported first.
    both = {**ok, "gold_correct": 0, "seconds": [1] * 5}
    assert suspension_reason(policy, **both) == "failed_gold"


def test_default_policy_disables_time_rule() -> None:
    assert (
        suspension_reason(
            SpamPolicy(), seconds=[0.1] * 10, labels=list(range(10)), gold_seen=0, gold_correct=0
        )
        is None
    )
