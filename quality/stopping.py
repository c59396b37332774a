"""Dynamic overlap: after each answer, stop, ask for one more, or send to review.

The engine calls `decide` inside every answer submission, for a handful of answers, so this is
plain Python over short lists (numpy's call overhead would dominate at this size).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = ["SKILL_EPS", "Decision", "decide", "posterior"]

SKILL_EPS = 1e-3
"""Skills are clipped to [eps, 1 - eps]: one perfect worker must not end every argument."""


def posterior(labels: Sequence[int], skills: Sequence[float], n_classes: int) -> np.ndarray:
    """Posterior of each class given the answers and the answerers' skills.

        z(x) = prod_i [q_i if a_i = x else (1 - q_i) / (Y - 1)],   P(x) = z(x) / sum_y z(y)

    with a_i the class code answered by worker i, q_i their skill (accuracy) and Y the number
    of classes: the one-coin model with a uniform prior, as in Toloka's dynamic overlap
    ("incremental relabeling", Toloka docs: Dynamic overlap; worked example there: Y = 3,
    skills 0.7 and 0.9 agreeing → 0.977). Computed in log space so dozens of answers do not
    underflow; skills clipped to (eps, 1 - eps).
    """
    if n_classes < 2:
        raise ValueError("n_classes must be at least 2")
    if len(labels) != len(skills):
        raise ValueError("labels and skills must have equal lengths")
    log_z = [0.0] * n_classes
    for answer, skill in zip(labels, skills, strict=True):
        if not 0 <= answer < n_classes:
            raise ValueError(f"label {answer} outside 0..{n_classes - 1}")
        q = min(max(float(skill), SKILL_EPS), 1 - SKILL_EPS)
        wrong = math.log((1 - q) / (n_classes - 1))
        right = math.log(q)
        for x in range(n_classes):
            log_z[x] += right if x == answer else wrong
    top = max(log_z)
    z = [math.exp(v - top) for v in log_z]
    total = sum(z)
    return np.array([v / total for v in z])


@dataclass(frozen=True)
class Decision:
    """What to do with a task after its latest answer.

    `label` is the leading class code (None before any answer); `confidence` its posterior.
    """

    action: Literal["complete", "more", "review"]
    label: int | None
    confidence: float


def decide(
    labels: Sequence[int],
    skills: Sequence[float],
    n_classes: int,
    *,
    min_overlap: int,
    max_overlap: int,
    confidence: float,
) -> Decision:
    """Complete when the leading label's posterior reaches `confidence` and at least
    `min_overlap` answers are in; else ask for one more while under `max_overlap`; else send
    to moderator review. Ties between classes go to the lowest code.
    """
    if min_overlap < 0 or max_overlap < 0:
        raise ValueError("overlaps must be non-negative")
    if min_overlap > max_overlap:
        raise ValueError("min_overlap must not exceed max_overlap")
    count = len(labels)
    if count == 0:
        return Decision("more" if max_overlap > 0 else "review", None, 0.0)
    probas = posterior(labels, skills, n_classes)
    leading = int(np.argmax(probas))
    conf = float(probas[leading])
    if conf >= confidence and count >= min_overlap:
        return Decision("complete", leading, conf)
    if count < max_overlap:
        return Decision("more", leading, conf)
    return Decision("review", leading, conf)
