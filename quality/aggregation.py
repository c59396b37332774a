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


def _clamp(probas: np.ndarray, gold: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Set the posteriors of gold tasks to the one-hot of their known label."""
    tasks, labels = gold
    if len(tasks):
        probas[tasks] = 0.0
        probas[tasks, labels] = 1.0
    return probas


STOPPING_RULES = ("loglik", "elbo")


def _entropy(probas: np.ndarray) -> float:
    """-sum T log T with T clipped below at EPS, taking logs only where T > EPS.

    Most posteriors of a many-class task are below EPS: they add EPS log EPS each, counted
    without a logarithm. Reads the array in its memory order (the E-step returns it
    transposed).
    """
    flat = (probas.T if probas.flags.f_contiguous else np.ascontiguousarray(probas)).reshape(-1)
    big = flat[flat > EPS]
    tiny = flat.size - big.size
    return -(float(np.dot(big, np.log(big))) + tiny * EPS * float(np.log(EPS)))


class DawidSkene(_Aggregator):
    """Dawid-Skene: one full confusion matrix per worker, fitted by EM.

    Model (Dawid & Skene, "Maximum Likelihood Estimation of Observer Error-Rates Using the EM
    Algorithm", Applied Statistics 28(1), 1979): task j has a hidden true label z_j ~ p;
    worker w answering j says l with probability e_w[k, l] when z_j = k.

    E-step:  T[j, k] ∝ p_k · prod_{(w, l) answers of j} e_w[k, l]            (in log space)
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

        T is returned as the transpose of a C-contiguous (labels × tasks) array: every pass
        then runs over contiguous rows, and the M-step reads T.T without a copy.
        """
        n_labels = errors.shape[1]
        log_errors = np.full(errors.shape, -np.inf)
        np.log(errors, out=log_errors, where=errors > 0)
        # by_true[k, w * L + l] = log e_w[k, l]: one gather per true class, contiguous.
        by_true = np.ascontiguousarray(log_errors.transpose(1, 0, 2)).reshape(n_labels, -1)
        log_priors = np.log(np.clip(priors, EPS, None))
        scores = np.empty((n_labels, answers.n_tasks))
        for k in range(n_labels):
            gathered = by_true[k].take(answers.worker_label)
            scores[k] = np.bincount(answers.task, gathered, answers.n_tasks)
            scores[k] += log_priors[k]
        if answers.n_tasks == 0 or n_labels == 0:
            return scores.T, 0.0
        top = scores.max(axis=0)
        scores -= top
        np.exp(scores, out=scores)
        sums = scores.sum(axis=0)
        scores /= sums
        return scores.T, float(np.log(sums).sum() + top.sum())

    @staticmethod
    def _expected_counts(answers: AnswerSet, probas: np.ndarray) -> np.ndarray:
        """counts[w, k, l] = sum over answers l by w of T[task, k] (workers × true × observed)."""
        n_labels = probas.shape[1]
        size = answers.n_workers * n_labels
        by_true = np.ascontiguousarray(probas.T)  # free when probas comes from _e_step
        counts = np.empty((n_labels, size))
        for k in range(n_labels - 1):
            gathered = by_true[k].take(answers.task)
            counts[k] = np.bincount(answers.worker_label, gathered, size)
        if n_labels:
            # Posteriors sum to 1, so the last class is what the others leave of each pair's
            # answers: one gather and bincount fewer.
            used = answers.worker_label_counts.reshape(-1)
            counts[-1] = np.maximum(used - counts[:-1].sum(axis=0), 0.0)
        return counts.reshape(n_labels, answers.n_workers, n_labels).transpose(1, 0, 2)

    @staticmethod
    def _errors_from_counts(answers: AnswerSet, counts: np.ndarray) -> np.ndarray:
        """Normalise expected counts into confusion matrices (rows over observed labels)."""
        n_labels = counts.shape[1]
        if counts.size == 0:
            return np.zeros(counts.shape)
        used = answers.worker_label_counts.reshape(answers.n_workers, 1, n_labels)
        floored = np.where(used > 0, np.maximum(counts, EPS), 0.0)
        return _row_normalise(floored.reshape(-1, n_labels)).reshape(counts.shape)

    @staticmethod
    def _lower_bound(
        answers: AnswerSet,
        probas: np.ndarray,
        priors: np.ndarray,
        errors: np.ndarray,
        counts: np.ndarray,
    ) -> float:
        """The EM objective after an M-step, which decides when to stop.

        F = sum_answers sum_k T[j, k] (log e_w[k, l] + log p_k) + H(T), the evidence lower
        bound of variational EM (Neal & Hinton, "A View of the EM Algorithm that Justifies
        Incremental, Sparse, and other Variants", 1998). The prior enters once per answer, as
        in crowd-kit's stopping test, so both stop after the same iteration. Computed from
        the M-step's expected counts: sum_{w,k,l} counts[w,k,l] log e_w[k,l] needs no pass
        over the answers.
        """
        log_errors = np.zeros(errors.shape)
        np.log(errors, out=log_errors, where=errors > 0)
        joint = float(np.sum(counts * log_errors))
        per_class = answers.answers_per_task @ probas
        joint += float(per_class @ np.log(np.clip(priors, EPS, None)))
        return joint + _entropy(probas)

    @classmethod
    def _m_step(cls, answers: AnswerSet, probas: np.ndarray) -> np.ndarray:
        """Confusion matrices (workers × true × observed) maximising the expected likelihood."""
        return cls._errors_from_counts(answers, cls._expected_counts(answers, probas))

    # -- fitting ------------------------------------------------------------------------

    def fit(self, answers: AnswerSet, gold: Mapping | None = None) -> DawidSkene:
        n_labels = answers.n_labels
        gold_codes = _gold_clamp(answers, gold)
        probas = _clamp(MajorityVote().fit(answers).probas_.copy(), gold_codes)
        priors = probas.mean(axis=0) if answers.n_tasks else np.full(n_labels, np.nan)
        errors = self._m_step(answers, probas)
        loglik = previous = -np.inf
        self.n_iter_ = 0
        if answers.n_answers:
            for _ in range(self.n_iter):
                probas, loglik = self._e_step(answers, priors, errors)
                probas = _clamp(probas, gold_codes)
                priors = probas.mean(axis=0)
                counts = self._expected_counts(answers, probas)
                errors = self._errors_from_counts(answers, counts)
                self.n_iter_ += 1
                if self.stop == "elbo":
                    objective = self._lower_bound(answers, probas, priors, errors, counts)
                else:
                    objective = loglik
                if (objective - previous) / answers.n_answers < self.tol:
                    break
                previous = objective
        self.loglik_ = float(loglik) if answers.n_answers else 0.0
        self.priors_ = priors
        self.errors_ = errors
        self.skills_ = np.einsum("k,wkk->w", np.nan_to_num(priors), errors)
        self._set_probas(np.ascontiguousarray(probas))
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
