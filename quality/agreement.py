"""Agreement between contributors: Krippendorff's alpha and per-task / per-worker shares.

Krippendorff's alpha (Krippendorff, "Content Analysis: An Introduction to Its Methodology",
2004, ch. 11; "Computing Krippendorff's Alpha-Reliability", 2011):

    alpha = 1 - D_o / D_e = 1 - sum_ck o_ck d_ck / sum_ck e_ck d_ck

    o_ck = sum_u n_uc (n_uk - [c = k]) / (m_u - 1)     coincidences within units (tasks)
    e_ck = n_c (n_k - [c = k]) / (n - 1)               coincidences expected by chance

with n_uc the answers of unit u with value c, m_u = sum_c n_uc, n_c = sum_ck o_ck and n the
number of pairable values. Units with fewer than two answers cannot be paired and do not
count. d is the level's distance (nominal, ordinal, interval, ratio; see `distances`).

Crowd data is sparse (a task sees 3–10 of thousands of workers), so nothing here builds a
raters × units matrix, nor the units × values × values array the `krippendorff` package
builds from `value_counts`: the coincidence matrix is accumulated with `np.bincount` from the
(unit, value) counts, in memory proportional to the answers. Results equal
`krippendorff.alpha(value_counts=...)` (the tests check it).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Iterable, Sequence
from numbers import Real
from typing import Any, Literal

import numpy as np

from quality.answers import AnswerSet, encode
from quality.distance import edit_distance, normalize_text

__all__ = [
    "Level",
    "alpha",
    "coincidence_matrix",
    "distances",
    "item_agreement",
    "pair_agreement",
    "per_label_alpha",
    "text_alpha",
    "worker_agreement",
]

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")

_PAIRS_PER_CHUNK = 1 << 22
"""Cap on (value, value) pairs expanded at once when the dense path would not fit."""


def _dense_ok(n_units: int, n_values: int, n_answers: int) -> bool:
    """Is a dense units × values array within a constant factor of the answers?"""
    return n_units * n_values <= max(4 * n_answers, 1 << 20)


def _entries(
    unit: np.ndarray, value: np.ndarray, n_units: int, n_values: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sparse value counts: (unit, value, count) for each pair seen, sorted by unit then value."""
    key = unit * n_values + value
    if _dense_ok(n_units, n_values, len(unit)):
        flat = np.bincount(key, minlength=n_units * n_values)
        key = np.flatnonzero(flat)
        counts = flat[key]
    else:
        key, counts = np.unique(key, return_counts=True)
    return key // n_values, key % n_values, counts.astype(np.float64)


def _pairable(
    unit: np.ndarray, value: np.ndarray, n_units: int, n_values: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Entries of units with at least two answers, and each entry's 1 / (m_u - 1)."""
    eu, ev, counts = _entries(unit, value, n_units, n_values)
    m = np.bincount(eu, weights=counts, minlength=n_units)
    keep = m[eu] >= 2
    eu, ev, counts = eu[keep], ev[keep], counts[keep]
    return eu, ev, counts, 1.0 / (m[eu] - 1)


def coincidence_matrix(unit: np.ndarray, value: np.ndarray, n_values: int) -> np.ndarray:
    """Krippendorff's coincidence matrix o (values × values) from per-answer codes."""
    unit = np.asarray(unit, dtype=np.int64)
    value = np.asarray(value, dtype=np.int64)
    n_units = int(unit.max()) + 1 if len(unit) else 0
    eu, ev, counts, weight = _pairable(unit, value, n_units, n_values)
    _, eu = np.unique(eu, return_inverse=True)  # renumber the pairable units 0..U-1
    n_kept = int(eu.max()) + 1 if len(eu) else 0
    if _dense_ok(n_kept, n_values, len(unit)):
        table = np.zeros((n_kept, n_values))
        table[eu, ev] = counts
        unit_weight = np.zeros(n_kept)
        unit_weight[eu] = weight
        o = (table * unit_weight[:, None]).T @ table
    else:
        o = _pair_coincidences(eu, ev, counts, weight, n_kept, n_values)
    o[np.diag_indices(n_values)] -= np.bincount(ev, weights=counts * weight, minlength=n_values)
    return o


def _pair_coincidences(
    eu: np.ndarray, ev: np.ndarray, counts: np.ndarray, weight: np.ndarray, n_units: int, n: int
) -> np.ndarray:
    """sum_u n_uc n_uk w_u by expanding each unit's (value, value) pairs, in bounded chunks."""
    per_unit = np.bincount(eu, minlength=n_units)
    unit_start = np.cumsum(per_unit) - per_unit
    pairs_before = np.concatenate(([0], np.cumsum(per_unit**2)))
    cuts = np.searchsorted(pairs_before, np.arange(0, pairs_before[-1], _PAIRS_PER_CHUNK))
    cuts = np.unique(np.concatenate((cuts, [n_units])))
    flat = np.zeros(n * n)
    for first, last in itertools.pairwise(cuts):
        entry = np.arange(unit_start[first], unit_start[last - 1] + per_unit[last - 1])
        repeat = per_unit[eu[entry]]
        left = np.repeat(entry, repeat)
        block_start = np.cumsum(repeat) - repeat
        right = unit_start[eu[left]] + np.arange(len(left)) - np.repeat(block_start, repeat)
        flat += np.bincount(
            ev[left] * n + ev[right],
            weights=counts[left] * counts[right] * weight[left],
            minlength=n * n,
        )
    return flat.reshape(n, n)


def distances(domain: np.ndarray, level: str, n_v: np.ndarray) -> np.ndarray:
    """Krippendorff's squared distances d_ck between the (sorted) domain values.

    nominal  [c != k]
    ordinal  (sum_{g=c..k} n_g - (n_c + n_k) / 2)^2   (ranks, weighted by value frequencies)
    interval (c - k)^2
    ratio    ((c - k) / (c + k))^2
    """
    size = len(domain)
    if level == "nominal":
        return 1.0 - np.eye(size)
    if level == "ordinal":
        cumulative = np.concatenate(([0.0], np.cumsum(n_v)))
        low = np.minimum.outer(np.arange(size), np.arange(size))
        high = np.maximum.outer(np.arange(size), np.arange(size))
        between = cumulative[high + 1] - cumulative[low]
        return (between - (n_v[:, None] + n_v[None, :]) / 2) ** 2
    values = np.asarray(domain, dtype=np.float64)
    diff = values[:, None] - values[None, :]
    if level == "interval":
        return diff**2
    total = values[:, None] + values[None, :]
    return np.divide(diff, total, out=np.zeros_like(diff), where=total != 0) ** 2


def _nominal_alpha(unit: np.ndarray, value: np.ndarray, n_units: int, n_values: int) -> float:
    """Nominal alpha in O(answers): only the diagonal of o is needed.

    D_o ∝ n - trace(o),  D_e ∝ (n^2 - sum_c n_c^2) / (n - 1).
    """
    _, ev, counts, weight = _pairable(unit, value, n_units, n_values)
    n_c = np.bincount(ev, weights=counts, minlength=n_values)
    n = n_c.sum()
    if n < 2:
        return float("nan")
    trace = float(np.sum(counts * (counts - 1) * weight))
    expected = n * n - float(np.dot(n_c, n_c))
    if expected <= 0:
        return float("nan")
    return 1.0 - (n - 1) * (n - trace) / expected


def _alpha_codes(
    unit: np.ndarray, value: np.ndarray, n_units: int, domain: np.ndarray, level: str
) -> float:
    """Alpha from unit codes and value codes into an ordered domain."""
    if level == "nominal":
        return _nominal_alpha(unit, value, n_units, len(domain))
    o = coincidence_matrix(unit, value, len(domain))
    n_v = o.sum(axis=0)
    n = n_v.sum()
    if n < 2:
        return float("nan")
    e = (np.outer(n_v, n_v) - np.diag(n_v)) / (n - 1)
    d = distances(domain, level, n_v)
    expected = float((e * d).sum())
    if expected <= 0:
        return float("nan")
    return 1.0 - float((o * d).sum()) / expected


def _numeric_domain(values: np.ndarray, level: str) -> np.ndarray:
    """Label values as float64; non-numeric labels cannot be ordered or subtracted."""
    if values.dtype.kind in "biuf":
        return values.astype(np.float64)
    if values.dtype.kind == "O" and all(
        isinstance(v, Real) and not isinstance(v, bool) for v in values.tolist()
    ):
        return values.astype(np.float64)
    raise ValueError(f"level {level!r} needs numeric label values, got {values[:5].tolist()!r}")


def alpha(answers: AnswerSet, level: Level = "nominal") -> float:
    """Krippendorff's alpha of the answers (tasks are units); nan when it is undefined.

    Undefined: no task with two answers, or no disagreement possible (one value used). For
    ordinal, interval and ratio the label values must be numbers; the value domain is the
    sorted label values, whatever order `label_values` has.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {LEVELS}")
    if level == "nominal":
        return _alpha_codes(
            answers.task, answers.label, answers.n_tasks, answers.label_values, level
        )
    numeric = _numeric_domain(answers.label_values, level)
    order = np.argsort(numeric, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return _alpha_codes(answers.task, rank[answers.label], answers.n_tasks, numeric[order], level)


def pair_agreement(counts: Iterable[int]) -> float | None:
    """One task's share of agreeing ordered pairs, from the count of each distinct answer.

    sum_c n_c (n_c - 1) / (m (m - 1)), as `item_agreement` computes for every task at once;
    this one is for the engine, which settles one task of a few answers at a time. None with
    fewer than two answers.
    """
    sizes = [int(c) for c in counts]
    total = sum(sizes)
    if total < 2:
        return None
    return sum(c * (c - 1) for c in sizes) / (total * (total - 1))


def item_agreement(answers: AnswerSet) -> np.ndarray:
    """Per task: share of ordered pairs of its answers that agree; nan with one answer.

    sum_c n_tc (n_tc - 1) / (m_t (m_t - 1)) — 1 for unanimity, the chance of two random
    answers matching otherwise. A cheap "is this task contested" signal for moderators.
    """
    eu, _, counts = _entries(answers.task, answers.label, answers.n_tasks, answers.n_labels)
    agreeing = np.bincount(eu, weights=counts * (counts - 1), minlength=answers.n_tasks)
    m = answers.answers_per_task.astype(np.float64)
    pairs = m * (m - 1)
    return np.divide(agreeing, pairs, out=np.full(answers.n_tasks, np.nan), where=pairs > 0)


def worker_agreement(answers: AnswerSet, labels: np.ndarray | Sequence[int]) -> np.ndarray:
    """Per worker: share of their answers equal to the aggregate label (codes per task).

    Agreement with the aggregate, not with gold: it flags workers to look at, it does not
    prove they are wrong (the aggregate may be). nan for a worker without answers.
    """
    labels = np.asarray(labels, dtype=np.int64)
    if labels.shape != (answers.n_tasks,):
        raise ValueError(f"labels must have one code per task ({answers.n_tasks})")
    agree = (labels[answers.task] == answers.label).astype(np.float64)
    hits = np.bincount(answers.worker, weights=agree, minlength=answers.n_workers)
    seen = answers.answers_per_worker.astype(np.float64)
    return np.divide(hits, seen, out=np.full(answers.n_workers, np.nan), where=seen > 0)


def text_alpha(
    task: Sequence[Hashable] | np.ndarray,
    worker: Sequence[Hashable] | np.ndarray,
    texts: Sequence[str],
    *,
    normalize: Callable[[str], str] | None = normalize_text,
    max_pairs: int = 10_000,
    seed: int = 0,
) -> float:
    """Krippendorff's alpha for free text, d(a, b) = levenshtein(a, b) / max(|a|, |b|).

    The normalised edit distance lies in [0, 1] and is 0 only for equal strings, so alpha
    keeps its meaning: 1 = everybody wrote the same, 0 = as different as texts drawn at
    random from the whole batch. Texts are normalised first (`normalize_text`: NFC,
    whitespace collapsed) so that a stray space is not a disagreement; pass None to compare
    raw strings.

    D_o sums d over the pairs inside each task. D_e needs d between every two distinct texts
    of the batch; when there are more than `max_pairs` such pairs it is estimated from
    `max_pairs` random pairs of pairable answers (seeded: the result is reproducible), since
    D_e / n is the mean distance between two answers drawn without replacement. `worker` is
    only checked for length: alpha pairs answers within a task whoever gave them.
    """
    if not len(task) == len(worker) == len(texts):
        raise ValueError("task, worker and texts must have equal lengths")
    strings = [normalize(t) if normalize else t for t in texts]
    unit, _ = encode(task, "task")
    value, distinct = encode(np.array(strings, dtype=object), "texts")
    n_units, n_values = (int(unit.max()) + 1, len(distinct)) if len(unit) else (0, 0)
    eu, ev, counts, weight = _pairable(unit, value, n_units, n_values)
    n_c = np.bincount(ev, weights=counts, minlength=n_values)
    n = n_c.sum()
    if n < 2:
        return float("nan")
    observed = _text_observed(eu, ev, counts, weight, distinct)
    expected = _text_expected(n_c, distinct, max_pairs, seed)
    if expected <= 0:
        return float("nan")
    return 1.0 - observed / expected


def _text_observed(
    eu: np.ndarray, ev: np.ndarray, counts: np.ndarray, weight: np.ndarray, distinct: np.ndarray
) -> float:
    """sum_ck o_ck d_ck: distances between the distinct texts within each unit."""
    total = 0.0
    boundaries = np.flatnonzero(np.diff(eu)) + 1
    for block in np.split(np.arange(len(eu)), boundaries):
        for i, a in enumerate(block):
            for b in block[i + 1 :]:
                d = edit_distance(distinct[ev[a]], distinct[ev[b]])
                total += 2 * counts[a] * counts[b] * weight[a] * d
    return total


def _text_expected(n_c: np.ndarray, distinct: np.ndarray, max_pairs: int, seed: int) -> float:
    """sum_ck e_ck d_ck = sum_{c != k} n_c n_k d_ck / (n - 1), exact or sampled."""
    used = np.flatnonzero(n_c)
    n = n_c.sum()
    if len(used) * (len(used) - 1) // 2 <= max_pairs:
        total = 0.0
        for i, c in enumerate(used):
            for k in used[i + 1 :]:
                total += 2 * n_c[c] * n_c[k] * edit_distance(distinct[c], distinct[k])
        return total / (n - 1)
    rng = np.random.default_rng(seed)
    instances = np.repeat(np.arange(len(n_c)), n_c.astype(np.int64))
    first = rng.integers(0, len(instances), max_pairs)
    second = rng.integers(0, len(instances) - 1, max_pairs)
    second += second >= first  # a different answer, possibly the same text
    mean = np.mean(
        [
            edit_distance(distinct[instances[a]], distinct[instances[b]])
            for a, b in zip(first, second, strict=True)
        ]
    )
    return float(mean) * n


def per_label_alpha(
    task: Sequence[Hashable] | np.ndarray,
    worker: Sequence[Hashable] | np.ndarray,
    label_sets: Sequence[Iterable[Any]],
    labels: Sequence[Any] | None = None,
) -> dict[Any, float]:
    """For multi-label answers (each a set of labels): one binary nominal alpha per label.

    Answer i "says yes" to label L when L is in label_sets[i]. A label nobody (or everybody)
    chose has no disagreement to measure: nan. `labels` fixes which labels are reported and
    their order; by default the sorted union of the sets.
    """
    if not len(task) == len(worker) == len(label_sets):
        raise ValueError("task, worker and label_sets must have equal lengths")
    unit, _ = encode(task, "task")
    n_units = int(unit.max()) + 1 if len(unit) else 0
    owner = [i for i, chosen in enumerate(label_sets) for _ in set(chosen)]
    chosen_labels = [label for chosen in label_sets for label in set(chosen)]
    if labels is None:
        labels = sorted(set(chosen_labels), key=lambda v: (type(v).__name__, v))
    position = {label: i for i, label in enumerate(labels)}
    owner_array = np.array(owner, dtype=np.int64)
    code = np.array([position.get(label, -1) for label in chosen_labels], dtype=np.int64)
    result: dict[Any, float] = {}
    for i, label in enumerate(labels):
        said_yes = np.zeros(len(unit), dtype=np.int64)
        said_yes[owner_array[code == i]] = 1
        result[label] = _nominal_alpha(unit, said_yes, n_units, 2)
    return result
