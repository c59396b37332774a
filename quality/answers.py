"""The answers contract: integer-coded (task, worker, label) arrays.

Every aggregator and metric in `quality` works on an `AnswerSet`: three int64 code arrays of
equal length plus the arrays that map each code back to the original id. Coding once, up
front, is what lets the algorithms use `np.bincount` and fancy indexing instead of pandas
group-bys. The long format (`task, worker, label`) is the one crowd-kit uses, so data moves
between the two without reshaping.

Ids and labels are kept as given: nothing here turns ``"007"`` into ``7``. Files are read by
the engine (`engine.tables`), which keeps every id the exact string of its cell and codes it
with `factorize` (first-seen order, a hash table: no sort of a million Python strings); the
label space, small, is sorted with `sort_codes`.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

__all__ = ["COLUMNS", "AnswerSet", "encode", "factorize", "sort_codes"]

COLUMNS = ("task", "worker", "label")
"""Column names of the long answers format, in crowd-kit's order."""


def _as_1d(values: Any, name: str) -> np.ndarray:
    """Turn a sequence (list, tuple, numpy array, pandas Series) into a 1-D numpy array."""
    if hasattr(values, "to_numpy"):  # pandas Series/Index, duck-typed: no pandas import
        values = values.to_numpy()
    array = np.asarray(values)
    if array.ndim != 1:
        # Tuples or other composite ids: keep each one whole, as one object per answer.
        items = list(values)
        array = np.empty(len(items), dtype=object)
        for i, item in enumerate(items):
            array[i] = item
    if array.dtype.kind == "f" and len(array) and np.isnan(array).any():
        raise ValueError(f"column {name!r} contains NaN")
    return array


def encode(values: Any, name: str = "values") -> tuple[np.ndarray, np.ndarray]:
    """Code arbitrary hashable values as int64: returns (codes, uniques) with sorted uniques.

    Falls back to first-seen order when the values cannot be sorted together (mixed types).
    """
    array = _as_1d(values, name)
    if array.dtype.kind in "iu" and len(array):
        small = _encode_small_range(array)
        if small is not None:
            return small
    try:
        uniques, codes = np.unique(array, return_inverse=True)
    except TypeError:
        index: dict[Hashable, int] = {}
        codes = np.fromiter((index.setdefault(v, len(index)) for v in array), np.int64, len(array))
        uniques = np.empty(len(index), dtype=object)
        for v, i in index.items():
            uniques[i] = v
    return codes.astype(np.int64, copy=False).reshape(-1), uniques


def factorize(values: Iterable[Hashable]) -> tuple[np.ndarray, np.ndarray]:
    """Code values in first-seen order with a hash table: (int64 codes, object uniques).

    Unlike `encode` it never sorts, so it is linear and keeps strings as the strings given.
    """
    index: dict[Hashable, int] = {}
    codes = np.fromiter((index.setdefault(v, len(index)) for v in values), np.int64)
    return codes, np.fromiter(index, dtype=object, count=len(index))


def sort_codes(codes: np.ndarray, uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Renumber codes so that their uniques come sorted (for a small space such as labels:
    ties of the aggregators go to the lowest code, which must not depend on row order)."""
    order = sorted(range(len(uniques)), key=lambda i: uniques[i])
    rank = np.empty(len(uniques), dtype=np.int64)
    rank[order] = np.arange(len(uniques), dtype=np.int64)
    ranked = np.fromiter((uniques[i] for i in order), dtype=object, count=len(order))
    return rank[np.asarray(codes, dtype=np.int64)], ranked


def _encode_small_range(array: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """`np.unique(array, return_inverse=True)` for integers spanning a small range, in linear
    time: mark the values present, number them by a cumulative sum. Same (codes, uniques) as
    np.unique; None when the range is too wide for that (more than 4 slots per value and
    over 2^20 slots)."""
    low, high = int(array.min()), int(array.max())
    span = high - low + 1
    if span > max(4 * len(array), 1 << 20):
        return None
    present = np.zeros(span, dtype=bool)
    shift: np.ndarray
    if array.dtype.kind == "u":  # array >= low: no wrap-around in its own type
        offset = (array - array.dtype.type(low)).astype(np.intp, copy=False)
        present[offset] = True
        shift = np.flatnonzero(present).astype(np.uint64) + np.uint64(low)
    else:
        offset = array.astype(np.int64, copy=False) - low
        present[offset] = True
        shift = np.flatnonzero(present) + low
    codes = (np.cumsum(present, dtype=np.int64) - 1)[offset]
    return codes, shift.astype(array.dtype, copy=False)


def _encode_in(values: Any, domain: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Code values against a fixed domain; a value outside it is a ValueError naming it."""
    domain_array = _as_1d(domain, f"{name}_values")
    position: dict[Hashable, int] = {}
    for i, v in enumerate(domain_array.tolist()):
        if v in position:
            raise ValueError(f"{name}_values contains {v!r} twice")
        position[v] = i
    seen_codes, seen = encode(values, name)
    lookup = np.empty(len(seen), dtype=np.int64)
    for i, v in enumerate(seen.tolist()):
        if v not in position:
            raise ValueError(f"{name} {v!r} is not in {name}_values")
        lookup[i] = position[v]
    return lookup[seen_codes], domain_array


@dataclass(frozen=True, eq=False)
class AnswerSet:
    """Answers as code arrays; `task_ids[task[i]]` is the original task of answer i.

    The same worker may answer the same task several times: each answer counts, as in
    crowd-kit (nothing here deduplicates).
    """

    task: np.ndarray
    worker: np.ndarray
    label: np.ndarray
    task_ids: np.ndarray
    worker_ids: np.ndarray
    label_values: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.task)
        if len(self.worker) != n or len(self.label) != n:
            raise ValueError(
                f"task, worker and label must have equal lengths, got "
                f"{len(self.task)}, {len(self.worker)}, {len(self.label)}"
            )
        for name, codes, ids in (
            ("task", self.task, self.task_ids),
            ("worker", self.worker, self.worker_ids),
            ("label", self.label, self.label_values),
        ):
            if n and (codes.min() < 0 or codes.max() >= len(ids)):
                raise ValueError(f"{name} codes out of range 0..{len(ids) - 1}")

    # -- construction -------------------------------------------------------------------

    @classmethod
    def from_columns(
        cls,
        task: Sequence[Any] | np.ndarray,
        worker: Sequence[Any] | np.ndarray,
        label: Sequence[Any] | np.ndarray,
        label_values: Sequence[Any] | np.ndarray | None = None,
    ) -> AnswerSet:
        """Code three parallel columns of hashable values.

        `label_values`, when given, fixes the label space and its order (so a label nobody
        chose still gets a column in `probas_`); otherwise it is the sorted unique labels.
        """
        task_codes, task_ids = encode(task, "task")
        worker_codes, worker_ids = encode(worker, "worker")
        if label_values is None:
            label_codes, values = encode(label, "label")
        else:
            label_codes, values = _encode_in(label, label_values, "label")
        return cls(task_codes, worker_codes, label_codes, task_ids, worker_ids, values)

    @classmethod
    def from_records(
        cls,
        records: Iterable[tuple[Any, Any, Any]],
        label_values: Sequence[Any] | None = None,
    ) -> AnswerSet:
        """Build from an iterable of (task, worker, label) tuples."""
        rows = list(records)
        for i, row in enumerate(rows):
            if len(row) != 3:
                raise ValueError(f"record {i} has {len(row)} fields, expected 3")
        task, worker, label = (
            (list(column) for column in zip(*rows, strict=True)) if rows else ([], [], [])
        )
        return cls.from_columns(task, worker, label, label_values=label_values)

    @classmethod
    def from_strings(
        cls, task: Sequence[str], worker: Sequence[str], label: Sequence[str]
    ) -> AnswerSet:
        """Exact string columns as a file gives them: tasks and workers in first-seen order,
        labels sorted. What `engine.tables` and the columnar reader both build."""
        task_codes, task_ids = factorize(task)
        worker_codes, worker_ids = factorize(worker)
        label_codes, labels = sort_codes(*factorize(label))
        return cls(task_codes, worker_codes, label_codes, task_ids, worker_ids, labels)

    @classmethod
    def from_table(cls, table: Any, label_values: Sequence[Any] | None = None) -> AnswerSet:
        """Build from anything with columns task, worker, label (dict of lists, DataFrame)."""
        for column in COLUMNS:
            if column not in table:
                raise ValueError(f"answers table has no column {column!r}")
        return cls.from_columns(
            table["task"], table["worker"], table["label"], label_values=label_values
        )

    # -- sizes --------------------------------------------------------------------------

    @property
    def n_answers(self) -> int:
        return len(self.task)

    @property
    def n_tasks(self) -> int:
        return len(self.task_ids)

    @property
    def n_workers(self) -> int:
        return len(self.worker_ids)

    @property
    def n_labels(self) -> int:
        return len(self.label_values)

    @cached_property
    def answers_per_task(self) -> np.ndarray:
        """Number of answers of each task (int64, length n_tasks)."""
        return np.bincount(self.task, minlength=self.n_tasks)

    @cached_property
    def answers_per_worker(self) -> np.ndarray:
        """Number of answers of each worker (int64, length n_workers)."""
        return np.bincount(self.worker, minlength=self.n_workers)

    @cached_property
    def worker_label(self) -> np.ndarray:
        """Per answer, the code of its (worker, label) pair: worker * n_labels + label."""
        return self.worker * self.n_labels + self.label

    @cached_property
    def worker_label_counts(self) -> np.ndarray:
        """(n_workers × n_labels) how often each worker gave each label."""
        size = self.n_workers * self.n_labels
        counts = np.bincount(self.worker_label, minlength=size)
        return counts.reshape(self.n_workers, self.n_labels)

    # -- lookups ------------------------------------------------------------------------

    def task_codes(self, task_ids: Iterable[Any]) -> np.ndarray:
        """Codes of the given task ids; -1 for ids that have no answers here."""
        position = {v: i for i, v in enumerate(self.task_ids.tolist())}
        return np.array([position.get(t, -1) for t in task_ids], dtype=np.int64)

    def label_codes(self, values: Iterable[Any]) -> np.ndarray:
        """Codes of the given label values; a value outside the label space is a ValueError."""
        position = {v: i for i, v in enumerate(self.label_values.tolist())}
        codes = []
        for v in values:
            if v not in position:
                raise ValueError(f"label {v!r} is not in label_values")
            codes.append(position[v])
        return np.array(codes, dtype=np.int64)

    def worker_vector(self, by_worker: Mapping[Any, float], default: float = np.nan) -> np.ndarray:
        """Per-worker-code float array from a mapping worker_id → value (skills, weights)."""
        return np.array(
            [by_worker.get(w, default) for w in self.worker_ids.tolist()], dtype=np.float64
        )
