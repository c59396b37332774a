"""Aggregators: turn redundant answers into one label per task.

Estimators in crowd-kit's shape (settings in the constructor, `fit` returns self, learned
state ends in `_`), computed on the integer codes of an `AnswerSet` with `np.bincount` so a
million answers take well under a second per EM iteration.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from quality.answers import AnswerSet

__all__ = ["DawidSkene", "MajorityVote", "OneCoinDawidSkene", "WeightedMajorityVote"]

EPS = 1e-10
"""Floor for probabilities before a log: keeps EM finite (crowd-kit uses the same 1e-10)."""

SKILL_CLIP = 1e-3
"""Skills are clipped to [SKILL_CLIP, 1 - SKILL_CLIP] before log-odds weights: a worker who
was always right on gold is very good, not infallible."""


class _Aggregator(ABC):
    """Shared outputs: `labels_` (codes), `probas_` (tasks × labels), `confidence_`."""

    labels_: np.ndarray
    probas_: np.ndarray
    confidence_: np.ndarray

    @abstractmethod
    def fit(self, answers: AnswerSet, *args: Any, **kwargs: Any) -> _Aggregator:
        """Learn from the answers; returns self."""

    def fit_predict(self, answers: AnswerSet, *args: Any, **kwargs: Any) -> np.ndarray:
        """Label values (not codes) per task, aligned with `answers.task_ids`."""
        self.fit(answers, *args, **kwargs)
        return answers.label_values[self.labels_]

    def fit_predict_proba(self, answers: AnswerSet, *args: Any, **kwargs: Any) -> np.ndarray:
        """Posterior per task and label code, rows summing to 1."""
        return self.fit(answers, *args, **kwargs).probas_

    def _set_probas(self, probas: np.ndarray) -> None:
        """Store probas and derive labels (argmax: the lowest code wins a tie) and confidence."""
        self.probas_ = probas
        if probas.shape[0] == 0 or probas.shape[1] == 0:
            self.labels_ = np.zeros(probas.shape[0], dtype=np.int64)
            self.confidence_ = np.zeros(probas.shape[0])
            return
        self.labels_ = probas.argmax(axis=1).astype(np.int64)
        self.confidence_ = probas[np.arange(len(probas)), self.labels_]


def _vote_counts(answers: AnswerSet, weights: np.ndarray | None = None) -> np.ndarray:
    """(n_tasks × n_labels) sum of weights of answers per task and label."""
    n_labels = answers.n_labels
    flat = np.bincount(
        answers.task * n_labels + answers.label,
        weights=weights,
        minlength=answers.n_tasks * n_labels,
    )
    return flat.astype(np.float64, copy=False).reshape(answers.n_tasks, n_labels)


def _row_normalise(scores: np.ndarray) -> np.ndarray:
    """Rows divided by their sums; an all-zero row becomes uniform."""
    sums = scores.sum(axis=1, keepdims=True)
    n_labels = max(scores.shape[1], 1)
    return np.divide(scores, sums, out=np.full_like(scores, 1.0 / n_labels), where=sums > 0)


def _softmax_rows(log_scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise softmax and log-sum-exp, shifted by the row max so exp never overflows."""
    top = log_scores.max(axis=1, keepdims=True)
    scaled = np.exp(log_scores - top)
    sums = scaled.sum(axis=1, keepdims=True)
    return scaled / sums, (np.log(sums) + top).ravel()


def _per_worker(answers: AnswerSet, skills: Sequence[float] | np.ndarray | Mapping) -> np.ndarray:
    """Skills as a float array per worker code (a mapping is looked up by worker id)."""
    if isinstance(skills, Mapping):
        array = answers.worker_vector(skills)
        missing = answers.worker_ids[np.isnan(array)]
        if len(missing):
            raise ValueError(f"no skill for worker {missing[0]!r}")
        return array
    array = np.asarray(skills, dtype=np.float64)
    if array.shape != (answers.n_workers,):
        raise ValueError(f"skills must have one value per worker ({answers.n_workers})")
    return array


class MajorityVote(_Aggregator):
    """The label most answers gave; `probas_` is the share of (weighted) votes.

    Ties go to the lowest label code (the first in `label_values`), so the result never
    depends on answer order. With `skills`, each answer counts its worker's skill instead of 1
    (crowd-kit's behaviour); see `WeightedMajorityVote` for the Bayes-optimal weighting.
    """

    def fit(
        self, answers: AnswerSet, skills: Sequence[float] | np.ndarray | Mapping | None = None
    ) -> MajorityVote:
        weights = None if skills is None else _per_worker(answers, skills)[answers.worker]
        self._set_probas(_row_normalise(_vote_counts(answers, weights)))
        return self


class WeightedMajorityVote(_Aggregator):
    """Vote weighted by the log-odds of each worker's accuracy.

    Under the one-coin model (a worker with accuracy q answers the true label with
    probability q and each of the Y - 1 others with (1 - q) / (Y - 1)) the posterior with a
    uniform prior is

        P(z = x) ∝ prod_i [a_i = x] · q_i (Y - 1) / (1 - q_i)

    so the Bayes-optimal vote gives answer i the weight w_i = log(q_i (Y - 1) / (1 - q_i))
    (Nitzan & Paroush 1982; Li & Yu, "Error rate bounds and iterative weighted majority
    voting for crowdsourcing", 2014) and `probas_` = softmax of the weighted votes — the same
    posterior `quality.stopping.posterior` computes for one task. A worker at chance
    (q = 1/Y) weighs 0; below chance, negatively. Skills are clipped to [1e-3, 1 - 1e-3].
    """

    def fit(
        self, answers: AnswerSet, skills: Sequence[float] | np.ndarray | Mapping
    ) -> WeightedMajorityVote:
        n_labels = answers.n_labels
        if n_labels < 2:
            self._set_probas(np.ones((answers.n_tasks, n_labels)))
            return self
        q = np.clip(_per_worker(answers, skills), SKILL_CLIP, 1 - SKILL_CLIP)
        self.weights_ = np.log(q * (n_labels - 1) / (1 - q))
        scores = _vote_counts(answers, self.weights_[answers.worker])
        self._set_probas(_softmax_rows(scores)[0] if answers.n_tasks else scores)
        return self


def _gold_clamp(answers: AnswerSet, gold: Mapping | None) -> tuple[np.ndarray, np.ndarray]:
    """(task codes, label codes) of gold tasks present in the answers; others are ignored."""
    if not gold:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    tasks = answers.task_codes(gold.keys())
    labels = answers.label_codes(gold.values())
    keep = tasks >= 0
    return tasks[keep], labels[keep]


def _clamp(by_true: np.ndarray, gold: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Set the posteriors of gold tasks to the one-hot of their known label.

    `by_true` is labels × tasks (the layout EM works in).
    """
    tasks, labels = gold
    if len(tasks):
        by_true[:, tasks] = 0.0
        by_true[labels, tasks] = 1.0
    return by_true


STOPPING_RULES = ("loglik", "elbo")

SLOT_LIMIT = 64
"""Tasks with at most this many answers take the E-step in probability space, one slot at a
time (see `_Layout`); tasks with more (a control task every worker answered) take it in log
space with `np.bincount`."""

GROUP_NATS = 600.0
"""The probability-space E-step multiplies at most this many nats' worth of worst-case
factors (e^-600 ≈ 1e-261, a normal float64) before taking a logarithm, so no product ever
underflows; tasks with more answers than that add the logarithms of successive products."""

_EPS_ENTROPY = -EPS * float(np.log(EPS))
"""-T log T of a posterior clipped up to EPS (crowd-kit clips before its entropy)."""


def _entropy(by_true: np.ndarray) -> float:
    """-sum T log T with T clipped below at EPS, taking logs only where T > EPS.

    Most posteriors of a many-class task are below EPS: they add -EPS log EPS each, counted
    without a logarithm. Reads the array in its memory order.
    """
    flat = by_true.reshape(-1) if by_true.flags.c_contiguous else by_true.ravel(order="K")
    big = flat[flat > EPS]
    return -_dot(big, np.log(big)) + (flat.size - big.size) * _EPS_ENTROPY


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """Sum of the elementwise product of two same-shape arrays, without BLAS.

    OpenBLAS wakes its threads for a dot product of this size, which costs milliseconds when
    the other core is busy; einsum's own loop does not.
    """
    return float(np.einsum("ij,ij->", a, b) if a.ndim == 2 else np.einsum("i,i->", a, b))


def _log(values: np.ndarray) -> np.ndarray:
    """Natural log, 0 where a value is 0 (a label a worker never used: its counts are 0 too)."""
    out = np.zeros(values.shape)
    np.log(values, out=out, where=values > 0)
    return out


def _by_true(errors: np.ndarray) -> np.ndarray:
    """Confusion matrices as a (true label × worker*L + observed) table, C-contiguous.

    Row k gathered at `answers.worker_label` gives e_w[k, l] per answer. Free when `errors`
    is the transposed view `_errors_from_counts` returns.
    """
    n_workers, n_labels = errors.shape[:2]
    return np.ascontiguousarray(errors.transpose(1, 0, 2)).reshape(n_labels, n_workers * n_labels)


def _by_worker(counts: np.ndarray, n_workers: int) -> np.ndarray:
    """(true × worker*L + observed) counts viewed as workers × true × observed, no copy."""
    n_labels = counts.shape[0]
    return counts.reshape(n_labels, n_workers, n_labels).transpose(1, 0, 2)


def _order_by(codes: np.ndarray, n_codes: int) -> np.ndarray | None:
    """A stable argsort of integer codes in [0, n_codes); None when already sorted.

    Radix sorts on 16-bit keys (numpy sorts those in linear time): one pass below 2^16
    codes, two below 2^32, four times faster than a comparison sort of int64 codes.
    """
    if len(codes) < 2 or bool(np.all(codes[1:] >= codes[:-1])):
        return None
    if n_codes <= 1 << 16:
        return np.argsort(codes.astype(np.uint16), kind="stable")
    if n_codes <= 1 << 32:
        low = np.argsort((codes & 0xFFFF).astype(np.uint16), kind="stable")
        high = np.argsort((codes[low] >> 16).astype(np.uint16), kind="stable")
        return low[high]
    return np.argsort(codes, kind="stable")


class _Layout:
    """The answers arranged once per fit so that each EM iteration only gathers and bincounts.

    Tasks with at most `limit` answers ("light") are cut into slots: slot r holds the r-th
    answer (in task order) of every light task that has one, as (tasks, worker_label), with
    tasks None when the slot covers every task in code order. A task appears at most once
    per slot, so the E-step multiplies each task's probabilities by one gathered column per
    slot (no logarithm, no exponential, no bincount), and the M-step bincounts each slot
    without gathering the posteriors when the slot is full. Heavier tasks keep the log-space
    E-step (a sum of log-probabilities by `np.bincount`, then a shifted exponential).
    """

    def __init__(self, answers: AnswerSet, limit: int) -> None:
        self.n_tasks = answers.n_tasks
        self.size = answers.n_workers * answers.n_labels
        self.used = answers.worker_label_counts.reshape(-1).astype(np.float64)
        per_task = answers.answers_per_task
        task, worker_label = answers.task, answers.worker_label
        heavy = per_task > limit
        self.heavy_tasks = np.flatnonzero(heavy)
        self.light_tasks: np.ndarray | None = None
        self.slots: list[tuple[np.ndarray | None, np.ndarray]] = []
        self.heavy_task = self.heavy_index = self.heavy_worker_label = np.zeros(0, np.int64)
        if len(self.heavy_tasks):
            in_heavy = heavy[task]
            rows = np.flatnonzero(in_heavy)
            # Heavy answers by heavy-task index (0..n_heavy-1), for a compact bincount.
            self.heavy_task = task[rows]
            self.heavy_index = np.searchsorted(self.heavy_tasks, self.heavy_task)
            self.heavy_worker_label = worker_label[rows]
            rows = np.flatnonzero(~in_heavy)
            if len(rows) == 0:
                return
            self.light_tasks = np.flatnonzero(~heavy)
            task, worker_label = task[rows], worker_label[rows]
            per_task = np.where(heavy, 0, per_task)
        # Answers grouped by task (stable), then slot r takes the r-th answer of each light
        # task that has more than r.
        order = _order_by(task, self.n_tasks)
        first = np.cumsum(per_task) - per_task  # position of each task's first answer
        tasks = np.flatnonzero(per_task)
        for r in range(int(per_task.max(initial=0))):
            if r:
                tasks = tasks[per_task[tasks] > r]
            positions = first[tasks] + r
            rows = positions if order is None else order[positions]
            full = len(tasks) == self.n_tasks  # every task, in code order
            self.slots.append((None if full else tasks, worker_label[rows]))

    def posteriors(
        self, priors: np.ndarray, table: np.ndarray, out: np.ndarray | None = None
    ) -> tuple[np.ndarray, float]:
        """E-step: posteriors (labels × tasks, C-contiguous) and the log-likelihood.

        `table` is `_by_true(errors)`. Light tasks: T[k, j] ∝ p_k · prod e_w[k, l] over the
        slots, in probability space when the worst case over all slots stays above
        e^-GROUP_NATS (no underflow is possible), else as a sum of the logarithms of products
        over runs of slots that do. Heavy tasks: a sum of log-probabilities. All in float64.
        `out` (labels × tasks, C-contiguous) is overwritten when given: EM reuses one buffer.
        """
        n_labels, n_tasks = table.shape[0], self.n_tasks
        probas = np.empty((n_labels, n_tasks)) if out is None else out
        if n_tasks == 0 or n_labels == 0:
            return probas, 0.0
        clipped = np.clip(priors, EPS, None)
        log_scale = np.zeros(n_tasks)  # log of what each column was divided by
        groups = self._groups(clipped, table) if self.slots else []
        if len(groups) == 1:
            self._multiply(probas, table, clipped, groups[0])
        elif groups:
            light: slice | np.ndarray = slice(None)
            if self.light_tasks is not None:
                light = self.light_tasks
            logs = np.zeros(probas[:, light].shape)
            for index, group in enumerate(groups):
                if index:
                    probas[:, light] = 1.0
                self._multiply(probas, table, clipped, group)
                with np.errstate(divide="ignore"):  # an impossible class: log 0 = -inf
                    logs += np.log(probas[:, light])
            top = logs.max(axis=0)
            probas[:, light] = np.exp(logs - top)
            log_scale[light] = top
        if len(self.heavy_tasks):
            log_table = np.full(table.shape, -np.inf)
            np.log(table, out=log_table, where=table > 0)
            log_priors = np.log(clipped)
            n_heavy = len(self.heavy_tasks)
            scores = np.empty((n_labels, n_heavy))
            for k in range(n_labels):
                gathered = log_table[k].take(self.heavy_worker_label)
                scores[k] = np.bincount(self.heavy_index, gathered, n_heavy)
                scores[k] += log_priors[k]
            top = scores.max(axis=0)
            probas[:, self.heavy_tasks] = np.exp(scores - top)
            log_scale[self.heavy_tasks] = top
        sums = probas.sum(axis=0)
        probas /= sums
        return probas, float(np.log(sums).sum() + log_scale.sum())

    def _groups(self, clipped: np.ndarray, table: np.ndarray) -> list[range]:
        """Runs of slots whose product cannot fall below e^-GROUP_NATS (the prior included)."""
        smallest = float(table.min(initial=1.0))
        if smallest <= 0:  # a label a worker never used: 0 there, never gathered
            smallest = float(table.min(where=table > 0, initial=1.0))
        step = -np.log(smallest)  # the most one answer can lower a class, in nats
        groups, start = [], 0
        spent = -np.log(clipped.min()) + step
        for r in range(1, len(self.slots)):
            if spent + step > GROUP_NATS:
                groups.append(range(start, r))
                start, spent = r, 0.0
            spent += step
        groups.append(range(start, len(self.slots)))
        return groups

    def _multiply(
        self, probas: np.ndarray, table: np.ndarray, clipped: np.ndarray, group: range
    ) -> None:
        """Multiply the light columns by p_k (slot 0) and e_w[k, l] of each slot in `group`."""
        buffer = np.empty(self.n_tasks)
        for k in range(table.shape[0]):
            row, by_pair = probas[k], table[k]
            for r in group:
                tasks, worker_label = self.slots[r]
                if r == 0:  # the prior times the first answer's e_w[k, l], one gather
                    first = by_pair * clipped[k]
                    if tasks is None:
                        first.take(worker_label, out=row, mode="clip")
                    else:
                        row[tasks] = first.take(worker_label)
                elif tasks is None:
                    by_pair.take(worker_label, out=buffer, mode="clip")
                    row *= buffer
                else:
                    gathered = by_pair.take(worker_label)
                    gathered *= row.take(tasks)
                    row[tasks] = gathered

    def expected_counts(self, probas: np.ndarray) -> np.ndarray:
        """M-step counts[k, w*L + l] = sum over answers l by w of T[k, task] (probas: L × tasks).

        Posteriors sum to 1, so the last true label is what the others leave of each
        (worker, label) pair's answers: one class of bincounts fewer.
        """
        n_labels = probas.shape[0]
        counts = np.zeros((n_labels, self.size))
        for k in range(n_labels - 1):
            row, total = probas[k], counts[k]
            for tasks, worker_label in self.slots:
                weights = row if tasks is None else row.take(tasks)
                total += np.bincount(worker_label, weights, self.size)
            if len(self.heavy_tasks):
                gathered = row.take(self.heavy_task)
                total += np.bincount(self.heavy_worker_label, gathered, self.size)
        if n_labels:
            np.maximum(self.used - counts[:-1].sum(axis=0), 0.0, out=counts[-1])
        return counts


class DawidSkene(_Aggregator):
    """Dawid-Skene: one full confusion matrix per worker, fitted by EM.

    Model (Dawid & Skene, "Maximum Likelihood Estimation of Observer Error-Rates Using the EM
    Algorithm", Applied Statistics 28(1), 1979): task j has a hidden true label z_j ~ p;
    worker w answering j says l with probability e_w[k, l] when z_j = k.

    E-step:  T[j, k] ∝ p_k · prod_{(w, l) answers of j} e_w[k, l]
    M-step:  e_w[k, l] = sum_{j answered l by w} T[j, k] / sum_{j answered by w} T[j, k]
             p_k = mean_j T[j, k]

    EM starts from the majority-vote posteriors and stops after `n_iter` iterations or when
    the objective per answer gains less than `tol`. ``stop="loglik"`` (default) watches the
    log-likelihood log p(answers | p, e); ``stop="elbo"`` watches the evidence lower bound
    the way crowd-kit does (see `_lower_bound`), which stops sooner and gives crowd-kit's
    labels exactly, for side-by-side comparisons.
    As in crowd-kit, counts of labels a worker actually used are floored at 1e-10 before
    normalising (labels a worker never used keep probability 0 and never enter a log).
    Gold tasks (task id → label value) have their posteriors clamped to the known label at
    every step, so they teach the confusion matrices without being re-estimated.

    The E-step multiplies probabilities (taking a logarithm every `GROUP_NATS` of worst-case
    decline, so nothing underflows) for tasks with up to `SLOT_LIMIT` answers and sums
    logarithms for busier tasks; both are float64 and agree to rounding.

    Learned: `errors_` (workers × true × observed), `priors_`, `skills_` (prior-weighted
    diagonal, sum_k p_k e_w[k, k]: the worker's expected accuracy), `n_iter_`, `loglik_`
    (total log-likelihood under the parameters of the last E-step).
    """

    def __init__(self, n_iter: int = 100, tol: float = 1e-5, stop: str = "loglik") -> None:
        if stop not in STOPPING_RULES:
            raise ValueError(f"stop must be one of {STOPPING_RULES}, got {stop!r}")
        self.n_iter = n_iter
        self.tol = tol
        self.stop = stop

    # -- EM steps (pure) ----------------------------------------------------------------

    @staticmethod
    def _e_step(
        answers: AnswerSet, priors: np.ndarray, errors: np.ndarray
    ) -> tuple[np.ndarray, float]:
        """Posteriors T (tasks × labels) and the log-likelihood of the answers.

        T is the transpose of a C-contiguous (labels × tasks) array, the layout EM works in.
        """
        probas, loglik = _Layout(answers, SLOT_LIMIT).posteriors(priors, _by_true(errors))
        return probas.T, loglik

    @classmethod
    def _m_step(cls, answers: AnswerSet, probas: np.ndarray) -> np.ndarray:
        """Confusion matrices (workers × true × observed) maximising the expected likelihood."""
        counts = _Layout(answers, SLOT_LIMIT).expected_counts(np.ascontiguousarray(probas.T))
        return cls._errors_from_counts(answers, _by_worker(counts, answers.n_workers))

    @staticmethod
    def _errors_from_counts(answers: AnswerSet, counts: np.ndarray) -> np.ndarray:
        """Normalise expected counts (workers × true × observed) into confusion matrices.

        Returns a workers × true × observed view of a true × workers × observed array, the
        layout the E-step gathers from (`_by_true` is then free).
        """
        n_labels = counts.shape[1]
        if counts.size == 0:
            return np.zeros(counts.shape)
        floored = np.maximum(counts.transpose(1, 0, 2), EPS, order="C")
        floored *= answers.worker_label_counts > 0  # labels a worker never used stay 0
        sums = np.einsum("kwl->kw", floored)[:, :, None]
        if sums.all():
            errors = np.divide(floored, sums, out=floored)
        else:  # a row with nothing to normalise becomes uniform
            uniform = np.full_like(floored, 1 / n_labels)
            errors = np.divide(floored, sums, out=uniform, where=sums > 0)
        return errors.transpose(1, 0, 2)

    @staticmethod
    def _lower_bound(
        counts: np.ndarray,
        log_table: np.ndarray,
        priors: np.ndarray,
        entropy: float,
    ) -> float:
        """The EM objective after an M-step, which decides when to stop.

        F = sum_answers sum_k T[j, k] (log e_w[k, l] + log p_k) + H(T), the evidence lower
        bound of variational EM (Neal & Hinton, "A View of the EM Algorithm that Justifies
        Incremental, Sparse, and other Variants", 1998), with T clipped at EPS in H as
        crowd-kit does. The prior enters once per answer, as in crowd-kit's stopping test, so
        both stop after the same iteration. Computed from the M-step's expected counts
        (labels × worker*L + observed): no pass over the answers.
        """
        per_class = counts.sum(axis=1)  # sum over answers of T[task, k]
        joint = _dot(counts, log_table) + _dot(per_class, np.log(np.clip(priors, EPS, None)))
        return joint + entropy

    @staticmethod
    def _entropy_from_e_step(
        loglik: float,
        counts: np.ndarray,
        log_table: np.ndarray,
        priors: np.ndarray,
        probas: np.ndarray,
        totals: np.ndarray,
    ) -> float:
        """H(T) (T clipped at EPS, labels × tasks) without a logarithm per posterior.

        When T is the exact posterior of the E-step's parameters (no gold),
        log T[j, k] = s[j, k] - L_j with s = log p_k + sum log e_w[k, l] over j's answers
        and L_j the task's log-likelihood, so
        H = sum_j L_j - sum_k (sum_j T[j, k]) log p_k - sum counts log e: the log-likelihood
        the E-step returned minus two dot products, over the M-step's counts and the
        posteriors' column sums `totals` (`log_table` and `priors` are the E-step's
        parameters).
        Clipping at EPS adds -EPS log EPS per posterior below EPS, less that posterior's own
        -T log T (below 2.3e-9 each: left out). With gold the clamped posteriors are not the
        E-step's, and `fit` takes `_entropy` instead.
        """
        expected = _dot(counts, log_table)
        expected += _dot(totals, np.log(np.clip(priors, EPS, None)))
        below = int(np.count_nonzero(probas < EPS))
        return loglik - expected + below * _EPS_ENTROPY

    # -- fitting ------------------------------------------------------------------------

    def fit(self, answers: AnswerSet, gold: Mapping | None = None) -> DawidSkene:
        n_labels, n_tasks, n_workers = answers.n_labels, answers.n_tasks, answers.n_workers
        gold_codes = _gold_clamp(answers, gold)
        layout = _Layout(answers, SLOT_LIMIT)
        # Majority-vote shares, labels × tasks (every coded task has an answer).
        votes = np.bincount(
            answers.label * n_tasks + answers.task, minlength=n_labels * n_tasks
        ).reshape(n_labels, n_tasks)
        probas = _clamp(votes / np.maximum(answers.answers_per_task, 1), gold_codes)
        priors = probas.mean(axis=1) if n_tasks else np.full(n_labels, np.nan)
        errors = self._errors_from_counts(
            answers, _by_worker(layout.expected_counts(probas), n_workers)
        )
        table = _by_true(errors)
        elbo = self.stop == "elbo"
        log_table = _log(table) if elbo else np.zeros(0)  # only the ELBO takes logarithms
        loglik = previous = -np.inf
        self.n_iter_ = 0
        if answers.n_answers:
            for _ in range(self.n_iter):
                probas, loglik = layout.posteriors(priors, table, out=probas)
                probas = _clamp(probas, gold_codes)
                old_priors, old_log_table = priors, log_table
                totals = probas.sum(axis=1)
                priors = totals / n_tasks  # probas.mean(axis=1), keeping the sums
                counts = layout.expected_counts(probas)
                errors = self._errors_from_counts(answers, _by_worker(counts, n_workers))
                table = _by_true(errors)
                self.n_iter_ += 1
                if elbo:
                    log_table = _log(table)
                    if len(gold_codes[0]):
                        entropy = _entropy(probas)
                    else:
                        entropy = self._entropy_from_e_step(
                            loglik, counts, old_log_table, old_priors, probas, totals
                        )
                    objective = self._lower_bound(counts, log_table, priors, entropy)
                else:
                    objective = loglik
                if (objective - previous) / answers.n_answers < self.tol:
                    break
                previous = objective
        self.loglik_ = float(loglik) if answers.n_answers else 0.0
        self.priors_ = priors
        self.errors_ = np.ascontiguousarray(errors)
        self.skills_ = np.einsum("k,wkk->w", np.nan_to_num(priors), self.errors_)
        self._set_probas(np.ascontiguousarray(probas.T))
        return self


class OneCoinDawidSkene(DawidSkene):
    """Dawid-Skene with one accuracy per worker (the "one-coin" model).

    e_w[k, l] = s_w if l = k else (1 - s_w) / (Y - 1): the worker is right with probability
    s_w whatever the true label, and otherwise picks a wrong label at random. The M-step is
    s_w = mean over w's answers of T[task, answered label]; the E-step is Dawid-Skene's.
    Fewer parameters than full Dawid-Skene, so it is the better choice when workers answer
    few tasks (Zhang, Chen, Zhou & Jordan, "Spectral Methods Meet EM: A Provably Optimal
    Algorithm for Crowdsourcing", JMLR 17, 2016). Skills are clipped to [1e-10, 1 - 1e-10].
    """

    @staticmethod
    def _errors_from_counts(answers: AnswerSet, counts: np.ndarray) -> np.ndarray:
        n_labels = counts.shape[1]
        seen = np.maximum(answers.answers_per_worker, 1)
        skills = np.clip(np.einsum("wkk->w", counts) / seen, EPS, 1 - EPS)
        off = (1 - skills) / max(n_labels - 1, 1)
        errors = np.repeat(off[:, None, None], n_labels, axis=1).repeat(n_labels, axis=2)
        errors[:, np.arange(n_labels), np.arange(n_labels)] = skills[:, None]
        return errors

    def fit(self, answers: AnswerSet, gold: Mapping | None = None) -> OneCoinDawidSkene:
        super().fit(answers, gold)
        n_labels = answers.n_labels
        self.skills_ = (
            self.errors_[:, 0, 0] if n_labels else np.zeros(answers.n_workers, np.float64)
        )
        return self
