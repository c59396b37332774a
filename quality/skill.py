"""Worker skill: smoothed gold accuracy, and when to trust Dawid-Skene instead."""

from __future__ import annotations

from typing import TYPE_CHECKING, overload

import numpy as np

if TYPE_CHECKING:  # numpy.typing costs 30 ms at start-up
    from numpy.typing import ArrayLike

__all__ = ["DEFAULT_K", "MIN_GOLD", "combine_skills", "smoothed_accuracy"]

DEFAULT_K = 0.5
"""Toloka's smoothing constant: one half-right, half-wrong pseudo-answer."""

MIN_GOLD = 10
"""Gold answers after which a worker's gold accuracy is preferred to the Dawid-Skene skill."""


@overload
def smoothed_accuracy(correct: float, seen: float, k: float = DEFAULT_K) -> float: ...
@overload
def smoothed_accuracy(correct: ArrayLike, seen: ArrayLike, k: float = DEFAULT_K) -> np.ndarray: ...
def smoothed_accuracy(
    correct: ArrayLike, seen: ArrayLike, k: float = DEFAULT_K
) -> float | np.ndarray:
    """q = (K + correct) / (2K + seen) — Toloka's smoothed accuracy for dynamic overlap.

    Additive (Laplace-style) smoothing towards 1/2: a newcomer with 1 of 1 gold right gets
    0.75, not 1.0, and 0 seen gives exactly 0.5. Scalars in, float out; arrays in, array out.
    Source: Toloka docs, "Dynamic overlap" / "Incremental relabeling" (skill-based overlap).
    """
    correct_array = np.asarray(correct, dtype=np.float64)
    seen_array = np.asarray(seen, dtype=np.float64)
    if k <= 0:
        raise ValueError("k must be positive")
    if np.any(correct_array < 0) or np.any(correct_array > seen_array):
        raise ValueError("need 0 <= correct <= seen")
    q = (k + correct_array) / (2 * k + seen_array)
    return float(q) if q.ndim == 0 else q


def combine_skills(
    gold_correct: ArrayLike,
    gold_seen: ArrayLike,
    ds_skill: ArrayLike,
    *,
    min_gold: int = MIN_GOLD,
    k: float = DEFAULT_K,
) -> np.ndarray:
    """One skill per worker from gold counts and a Dawid-Skene skill (nan where unknown).

    - gold_seen >= min_gold: the smoothed gold accuracy. Gold is ground truth; with enough
      of it, it beats a model estimate that can be fooled by colluding or biased workers.
    - else, if the Dawid-Skene skill is known (finite): that skill, which uses every answer
      the worker gave rather than the few gold ones.
    - else: the smoothed gold accuracy of what little gold there is (0.5 with none).
    """
    correct = np.asarray(gold_correct, dtype=np.float64)
    seen = np.asarray(gold_seen, dtype=np.float64)
    ds = np.asarray(ds_skill, dtype=np.float64)
    correct, seen, ds = np.broadcast_arrays(correct, seen, ds)
    gold = np.asarray(smoothed_accuracy(correct, seen, k))
    use_gold = (seen >= min_gold) | ~np.isfinite(ds)
    return np.where(use_gold, gold, ds)
