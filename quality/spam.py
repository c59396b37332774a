"""Spam rules: who answers faster than a human can read, always the same, or fails gold."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from quality.skill import smoothed_accuracy

__all__ = ["SpamPolicy", "longest_run", "suspension_reason"]


@dataclass(frozen=True)
class SpamPolicy:
    """Thresholds of a project's spam rules (Toloka's "fast responses", "majority vote" and
    "control tasks" rules, simplified). Defaults are deliberately lenient: a wrongful
    suspension of a volunteer costs a community project more than a few bad answers, which
    aggregation down-weights anyway.

    - min_seconds: an answer quicker than this is "fast". 0 disables the rule, because the
      reading time depends on the task type (a yes/no photo vs a paragraph to proofread).
    - max_fast_share, min_fast_answers: suspend when more than this share of the recent
      answers are fast, once there are at least min_fast_answers recent answers.
    - max_same_run: suspend when more than this many consecutive answers are identical
      (0 disables). 20 is long enough that a skewed binary task (90% "no") rarely trips it
      by chance within a typical window of recent answers.
    - min_gold_seen, min_gold_accuracy: suspend when, after that many gold answers, the
      smoothed gold accuracy (K = 0.5) is below this. 0.5 is chance on binary tasks.
    """

    min_seconds: float = 0.0
    max_fast_share: float = 0.5
    min_fast_answers: int = 5
    max_same_run: int = 20
    min_gold_seen: int = 4
    min_gold_accuracy: float = 0.5


def longest_run(labels: Sequence[Any] | np.ndarray) -> int:
    """Length of the longest run of equal consecutive labels (0 for none)."""
    array = np.asarray(labels)
    if array.ndim != 1:
        items = list(labels)
        array = np.empty(len(items), dtype=object)
        for i, item in enumerate(items):
            array[i] = item
    if len(array) == 0:
        return 0
    breaks = np.flatnonzero(array[1:] != array[:-1]) + 1
    edges = np.concatenate(([0], breaks, [len(array)]))
    return int(np.diff(edges).max())


def suspension_reason(
    policy: SpamPolicy,
    *,
    seconds: Sequence[float],
    labels: Sequence[Any],
    gold_seen: int,
    gold_correct: int,
) -> str | None:
    """The first rule the contributor breaks, checked in order of the strength of evidence:
    "failed_gold", "too_fast", "same_answer_run"; None when they break none.

    `seconds` and `labels` are the contributor's recent answers, oldest first.
    """
    enough_gold = gold_seen >= max(policy.min_gold_seen, 1)
    if enough_gold and smoothed_accuracy(gold_correct, gold_seen) < policy.min_gold_accuracy:
        return "failed_gold"
    times = np.asarray(seconds, dtype=np.float64)
    timed = policy.min_seconds > 0 and len(times) >= policy.min_fast_answers
    if timed and np.mean(times < policy.min_seconds) > policy.max_fast_share:
        return "too_fast"
    if policy.max_same_run > 0 and longest_run(labels) > policy.max_same_run:
        return "same_answer_run"
    return None
