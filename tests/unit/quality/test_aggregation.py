"""Aggregators on hand-made datasets with known answers, bluebirds and crowd-kit parity."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import quality.aggregation as aggregation
from engine.tables import read_answers_csv, read_gold_csv
from quality.aggregation import DawidSkene, MajorityVote, OneCoinDawidSkene, WeightedMajorityVote
from quality.answers import AnswerSet, encode
from quality.stopping import posterior

pytestmark = pytest.mark.unit

BLUEBIRDS = Path(__file__).resolve().parents[2] / "fixtures" / "bluebirds"
ESTIMATORS = [MajorityVote, DawidSkene, OneCoinDawidSkene]


def synthetic(n_tasks: int, n_workers: int, n_classes: int, overlap: int, seed: int = 0):
    """Answers from one-coin workers with accuracies in [0.35, 0.95], plus the truth."""
    rng = np.random.default_rng(seed)
    accuracy = rng.uniform(0.35, 0.95, n_workers)
    truth = rng.integers(0, n_classes, n_tasks)
    task = np.repeat(np.arange(n_tasks), overlap)
    worker = np.concatenate([rng.choice(n_workers, overlap, replace=False) for _ in range(n_tasks)])
    right = rng.random(len(task)) < accuracy[worker]
    wrong = (truth[task] + rng.integers(1, n_classes, len(task))) % n_classes
    return task, worker, np.where(right, truth[task], wrong), truth


def test_majority_vote_known_answer_and_probas() -> None:
    answers = AnswerSet.from_records(
        [("t1", "a", "x"), ("t1", "b", "x"), ("t1", "c", "y"), ("t2", "a", "y"), ("t2", "b", "y")]
    )
    mv = MajorityVote().fit(answers)
    assert answers.label_values[mv.labels_].tolist() == ["x", "y"]
    assert np.allclose(mv.probas_, [[2 / 3, 1 / 3], [0, 1]])
    assert np.allclose(mv.confidence_, [2 / 3, 1])


def test_majority_vote_tie_goes_to_lowest_code_whatever_the_order() -> None:
    forward = AnswerSet.from_records([(1, "a", "dog"), (1, "b", "cat")])
    backward = AnswerSet.from_records([(1, "b", "cat"), (1, "a", "dog")])
    assert MajorityVote().fit_predict(forward).tolist() == ["cat"]
    assert MajorityVote().fit_predict(backward).tolist() == ["cat"]
    fixed = AnswerSet.from_records([(1, "a", "dog"), (1, "b", "cat")], label_values=["dog", "cat"])
    assert MajorityVote().fit_predict(fixed).tolist() == ["dog"]


def test_majority_vote_with_skills_outvotes_the_crowd() -> None:
    answers = AnswerSet.from_records([(1, "expert", 1), (1, "n1", 0), (1, "n2", 0)])
    skills = {"expert": 0.95, "n1": 0.3, "n2": 0.3}
    assert MajorityVote().fit_predict(answers).tolist() == [0]
    assert MajorityVote().fit_predict(answers, skills=skills).tolist() == [1]


def test_weighted_majority_vote_matches_stopping_posterior() -> None:
    answers = AnswerSet.from_records(
        [(1, "a", 0), (1, "b", 1), (2, "a", 2), (2, "b", 2)], label_values=[0, 1, 2]
    )
    skills = np.array([0.7, 0.9])
    wmv = WeightedMajorityVote().fit(answers, skills)
    assert np.allclose(wmv.probas_[0], posterior([0, 1], [0.7, 0.9], 3))
    assert np.allclose(wmv.probas_[1], posterior([2, 2], [0.7, 0.9], 3))
    assert wmv.labels_.tolist() == [1, 2]
    assert round(float(wmv.confidence_[1]), 3) == 0.977


def test_weighted_majority_vote_rejects_wrong_skill_shape() -> None:
    answers = AnswerSet.from_records([(1, "a", 0), (1, "b", 1)])
    with pytest.raises(ValueError, match="one value per worker"):
        WeightedMajorityVote().fit(answers, [0.9])
    with pytest.raises(ValueError, match="'b'"):
        WeightedMajorityVote().fit(answers, {"a": 0.9})


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_outputs_are_consistent(estimator: type) -> None:
    task, worker, label, _ = synthetic(200, 15, 3, 4, seed=1)
    answers = AnswerSet.from_columns(task, worker, label)
    model = estimator().fit(answers)
    assert model.probas_.shape == (200, 3)
    assert np.allclose(model.probas_.sum(axis=1), 1)
    assert np.array_equal(model.labels_, model.probas_.argmax(axis=1))
    assert np.allclose(model.confidence_, model.probas_.max(axis=1))
    assert np.array_equal(model.fit_predict(answers), answers.label_values[model.labels_])
    assert np.allclose(model.fit_predict_proba(answers), model.probas_)


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_empty_input(estimator: type) -> None:
    answers = AnswerSet.from_columns([], [], [], label_values=["a", "b"])
    model = estimator().fit(answers)
    assert model.labels_.shape == (0,)
    assert model.probas_.shape == (0, 2)
    assert model.fit_predict(answers).shape == (0,)
    assert estimator().fit(AnswerSet.from_records([])).probas_.shape == (0, 0)


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_one_label_only(estimator: type) -> None:
    answers = AnswerSet.from_records([(1, "a", "x"), (1, "b", "x"), (2, "a", "x")])
    model = estimator().fit(answers)
    assert model.fit_predict(answers).tolist() == ["x", "x"]
    assert np.allclose(model.probas_, 1)


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_one_worker_single_answers(estimator: type) -> None:
    # One worker, one answer per task: every method must return that worker's answers.
    answers = AnswerSet.from_records([(1, "w", "a"), (2, "w", "b"), (3, "w", "c"), (4, "w", "a")])
    assert estimator().fit_predict(answers).tolist() == ["a", "b", "c", "a"]


@pytest.mark.parametrize("estimator", [DawidSkene, OneCoinDawidSkene])
def test_worker_with_all_answers_on_one_task(estimator: type) -> None:
    task, worker, label, truth = synthetic(100, 10, 2, 5, seed=3)
    without = estimator().fit(AnswerSet.from_columns(task, worker, label))
    # Worker 99 answers task 0 five times with the wrong label.
    task = np.concatenate([task, np.zeros(5, int)])
    worker = np.concatenate([worker, np.full(5, 99)])
    label = np.concatenate([label, np.full(5, 1 - truth[0])])
    answers = AnswerSet.from_columns(task, worker, label)
    model = estimator().fit(answers)
    assert np.isfinite(model.probas_).all()
    assert model.skills_.shape == (11,)
    # Their five answers count five times on task 0 but barely move the other tasks.
    assert np.mean(model.labels_[1:] == without.labels_[1:]) >= 0.9


def test_dawid_skene_learns_spammers() -> None:
    # Three 90%-accurate workers and two spammers who always say "x": Dawid-Skene must see
    # that "x" from a spammer says nothing, and do at least as well as majority vote.
    records = []
    truth = {}
    rng = np.random.default_rng(0)
    for t in range(60):
        true = "x" if t % 2 else "y"
        truth[t] = true
        for w in ("good1", "good2", "good3"):
            records.append((t, w, true if rng.random() < 0.9 else ("x" if true == "y" else "y")))
        records.append((t, "spam1", "x"))
        records.append((t, "spam2", "x"))
    answers = AnswerSet.from_records(records)
    ds = DawidSkene().fit(answers)
    expected = [truth[t] for t in answers.task_ids.tolist()]
    assert np.mean(ds.fit_predict(answers) == np.array(expected)) >= np.mean(
        MajorityVote().fit_predict(answers) == np.array(expected)
    )
    spam = answers.worker_ids.tolist().index("spam1")
    good = answers.worker_ids.tolist().index("good1")
    # The spammer's row for true "y" puts nearly all its mass on "x".
    assert ds.errors_[spam, 1, 0] > 0.95
    assert ds.skills_[good] > 0.8 > 0.6 > ds.skills_[spam]
    assert ds.errors_.shape == (5, 2, 2)
    assert np.allclose(ds.errors_.sum(axis=2), 1)
    assert np.isclose(ds.priors_.sum(), 1)
    assert 1 <= ds.n_iter_ <= 100
    assert ds.loglik_ < 0


def test_dawid_skene_gold_clamping_changes_the_outcome() -> None:
    # Two workers who always disagree: without gold, the tie goes to the lowest code; gold on
    # two tasks reveals that "right" is the reliable worker.
    records = []
    for t in range(6):
        records += [(t, "wrong", "a"), (t, "right", "b")]
    answers = AnswerSet.from_records(records)
    assert DawidSkene().fit_predict(answers).tolist() == ["a"] * 6
    ds = DawidSkene().fit(answers, gold={0: "b", 1: "b", 999: "a"})  # unknown task ignored
    assert ds.fit_predict(answers, gold={0: "b", 1: "b"}).tolist() == ["b"] * 6
    assert np.array_equal(ds.probas_[0], [0.0, 1.0])
    with pytest.raises(ValueError, match="'z'"):
        DawidSkene().fit(answers, gold={0: "z"})


def test_dawid_skene_steps_are_pure() -> None:
    task, worker, label, _ = synthetic(50, 8, 3, 3, seed=5)
    answers = AnswerSet.from_columns(task, worker, label)
    probas = MajorityVote().fit(answers).probas_
    errors = DawidSkene._m_step(answers, probas)
    assert np.allclose(errors.sum(axis=2), 1)
    priors = probas.mean(axis=0)
    first, loglik = DawidSkene._e_step(answers, priors, errors)
    again, _ = DawidSkene._e_step(answers, priors, errors)
    assert np.array_equal(first, again)
    assert np.allclose(first.sum(axis=1), 1) and loglik < 0
    # Brute force E-step for task 0.
    rows = np.flatnonzero(answers.task == 0)
    expected = priors * np.prod(errors[answers.worker[rows], :, answers.label[rows]], axis=0)
    assert np.allclose(first[0], expected / expected.sum())


def test_one_coin_skills_are_accuracies() -> None:
    task, worker, label, truth = synthetic(400, 6, 3, 6, seed=7)
    answers = AnswerSet.from_columns(task, worker, label)
    model = OneCoinDawidSkene().fit(answers)
    true_accuracy = np.bincount(worker, label == truth[task]) / np.bincount(worker)
    assert np.abs(model.skills_ - true_accuracy).max() < 0.08
    assert np.allclose(model.errors_[:, 0, 0], model.skills_)
    assert np.allclose(model.errors_.sum(axis=2), 1)


def test_bluebirds_dawid_skene_beats_majority_vote() -> None:
    answers = read_answers_csv(BLUEBIRDS / "answers.csv")
    gold = read_gold_csv(BLUEBIRDS / "truth.csv")
    truth = np.array([gold[t] for t in answers.task_ids.tolist()])
    mv = np.mean(MajorityVote().fit_predict(answers) == truth)
    ds = np.mean(DawidSkene().fit_predict(answers) == truth)
    assert 0.74 <= mv <= 0.78
    assert 0.87 <= ds <= 0.92
    assert ds - mv >= 0.10
    # With half the truth as gold, the other half gets at least as good.
    half = dict(list(gold.items())[::2])
    clamped = DawidSkene().fit_predict(answers, gold=half)
    rest = np.array([t not in half for t in answers.task_ids.tolist()])
    assert np.mean(clamped[rest] == truth[rest]) >= 0.85


def _against_crowdkit(synthetic_args: tuple, stop: str, shuffle: bool = False):
    """The same synthetic answers fitted by crowd-kit's Dawid-Skene and ours."""
    pytest.importorskip("crowdkit")
    pd = pytest.importorskip("pandas")
    from crowdkit.aggregation import DawidSkene as CrowdKitDawidSkene

    task, worker, label, _ = synthetic(*synthetic_args)
    if shuffle:
        rows = np.random.default_rng(1).permutation(len(task))
        task, worker, label = task[rows], worker[rows], label[rows]
    frame = pd.DataFrame({"task": task, "worker": worker, "label": label})
    theirs = CrowdKitDawidSkene(n_iter=100, tol=1e-5).fit(frame)
    answers = AnswerSet.from_table(frame)
    ours = DawidSkene(n_iter=100, tol=1e-5, stop=stop).fit(answers)
    their_probas = theirs.probas_.reindex(index=answers.task_ids, columns=answers.label_values)
    return answers, ours, theirs, their_probas.to_numpy()


def test_same_labels_as_crowdkit_dawid_skene() -> None:
    answers, ours, theirs, their_probas = _against_crowdkit((3000, 60, 4, 5, 11), "loglik")
    assert np.array_equal(
        ours.fit_predict(answers), theirs.labels_.reindex(answers.task_ids).to_numpy()
    )
    assert np.abs(ours.probas_ - their_probas).max() < 1e-3


def test_elbo_stopping_matches_crowdkit_iterations_and_probabilities() -> None:
    _answers, ours, theirs, their_probas = _against_crowdkit((4000, 50, 12, 5, 5), "elbo")
    assert ours.n_iter_ == len(theirs.loss_history_)
    assert np.abs(ours.probas_ - their_probas).max() < 1e-6


def test_elbo_stopping_gives_crowdkits_labels_at_many_classes_in_any_order() -> None:
    # 20 classes, rows in random order: labels and iteration count identical to crowd-kit's.
    answers, ours, theirs, their_probas = _against_crowdkit((3000, 80, 20, 5, 8), "elbo", True)
    assert np.array_equal(
        ours.fit_predict(answers), theirs.labels_.reindex(answers.task_ids).to_numpy()
    )
    assert ours.n_iter_ == len(theirs.loss_history_)
    assert np.abs(ours.probas_ - their_probas).max() < 1e-6


def test_stopping_rules() -> None:
    task, worker, label, truth = synthetic(2000, 30, 5, 5, seed=2)
    answers = AnswerSet.from_columns(task, worker, label)
    elbo = DawidSkene(stop="elbo").fit(answers)
    loglik = DawidSkene(stop="loglik").fit(answers)
    assert 1 <= elbo.n_iter_ <= 100 and 1 <= loglik.n_iter_ <= 100
    truth_by_code = truth[answers.task_ids]
    mv = np.mean(MajorityVote().fit_predict(answers) == truth_by_code)
    assert np.mean(answers.label_values[elbo.labels_] == truth_by_code) >= mv > 0.8
    with pytest.raises(ValueError, match="stop"):
        DawidSkene(stop="sometimes")


# -- the optimised EM against a textbook one --------------------------------------------------


def _reference_fit(
    answers: AnswerSet,
    stop: str = "loglik",
    gold: dict | None = None,
    one_coin: bool = False,
    n_iter: int = 100,
    tol: float = 1e-5,
):
    """Plain Dawid-Skene EM as first written (and as crowd-kit computes it): log-space E-step
    with one bincount per class, M-step with one bincount per class, ELBO with the entropy of
    the posteriors clipped at 1e-10. (probas, n_iter, loglik, errors, priors)."""
    eps = 1e-10
    n_tasks, n_workers, n_labels = answers.n_tasks, answers.n_workers, answers.n_labels
    task, worker, label = answers.task, answers.worker, answers.label
    pairs = worker * n_labels + label
    used = answers.worker_label_counts
    gold_tasks = answers.task_codes(gold.keys()) if gold else np.zeros(0, int)
    gold_labels = answers.label_codes(gold.values()) if gold else np.zeros(0, int)

    def clamp(probas):
        probas[gold_tasks] = 0.0
        probas[gold_tasks, gold_labels] = 1.0
        return probas

    def m_step(probas):
        counts = np.stack(
            [np.bincount(pairs, probas[task, k], n_workers * n_labels) for k in range(n_labels)]
        )
        counts = counts.reshape(n_labels, n_workers, n_labels).transpose(1, 0, 2)
        if one_coin:
            skills = np.einsum("wkk->w", counts) / np.maximum(answers.answers_per_worker, 1)
            skills = np.clip(skills, eps, 1 - eps)
            errors = np.repeat(((1 - skills) / max(n_labels - 1, 1))[:, None, None], n_labels, 1)
            errors = errors.repeat(n_labels, 2)
            errors[:, np.arange(n_labels), np.arange(n_labels)] = skills[:, None]
            return counts, errors
        floored = np.where(used[:, None, :] > 0, np.maximum(counts, eps), 0.0)
        return counts, floored / floored.sum(axis=2, keepdims=True)

    probas = np.zeros((n_tasks, n_labels))
    np.add.at(probas, (task, label), 1.0)
    probas = clamp(probas / probas.sum(axis=1, keepdims=True))
    priors = probas.mean(axis=0)
    counts, errors = m_step(probas)
    previous, iterations = -np.inf, 0
    while iterations < n_iter:
        iterations += 1
        with np.errstate(divide="ignore"):
            log_errors = np.log(errors)
        scores = np.log(np.clip(priors, eps, None)) + np.stack(
            [np.bincount(task, log_errors[worker, k, label], n_tasks) for k in range(n_labels)],
            axis=1,
        )
        top = scores.max(axis=1, keepdims=True)
        probas = np.exp(scores - top)
        sums = probas.sum(axis=1, keepdims=True)
        probas = clamp(probas / sums)
        loglik = float((np.log(sums) + top).sum())
        priors = probas.mean(axis=0)
        counts, errors = m_step(probas)
        if stop == "elbo":
            log_e = np.log(np.where(errors > 0, errors, 1.0))
            joint = float((counts * log_e).sum())
            joint += float(answers.answers_per_task @ probas @ np.log(np.clip(priors, eps, None)))
            clipped = np.clip(probas, eps, None)
            objective = joint - float((clipped * np.log(clipped)).sum())
        else:
            objective = loglik
        if (objective - previous) / answers.n_answers < tol:
            break
        previous = objective
    return probas, iterations, loglik, errors, priors


def _answer_sets() -> dict[str, tuple[AnswerSet, dict]]:
    """Seeded datasets covering the layouts: grouped or shuffled rows, uneven overlap, tasks
    above SLOT_LIMIT answers (every worker on five control tasks, twice), repeats."""
    sets = {}
    task, worker, label, truth = synthetic(600, 40, 4, 5, seed=11)
    sets["grouped"] = (task, worker, label, truth)
    task, worker, label, truth = synthetic(500, 30, 7, 6, seed=12)
    rng = np.random.default_rng(12)
    keep = rng.random(len(task)) < 0.7  # uneven overlap, 0 to 6 answers per task
    keep[np.searchsorted(task, np.arange(500))] = True  # every task keeps one
    rows = rng.permutation(np.flatnonzero(keep))
    sets["shuffled uneven"] = (task[rows], worker[rows], label[rows], truth)
    task, worker, label, truth = synthetic(400, 40, 3, 4, seed=13)
    control = np.repeat(np.arange(5), 80)  # 4 + 80 answers each: above SLOT_LIMIT
    workers = np.tile(np.arange(40), 10)
    rng = np.random.default_rng(13)
    right = rng.random(len(control)) < 0.8
    answered = np.where(right, truth[control], (truth[control] + 1) % 3)
    sets["heavy tasks"] = (
        np.concatenate([task, control]),
        np.concatenate([worker, workers]),
        np.concatenate([label, answered]),
        truth,
    )
    out = {}
    for name, (task, worker, label, truth) in sets.items():
        answers = AnswerSet.from_columns(task, worker, label)
        gold = {int(t): int(truth[t]) for t in answers.task_ids[::9].tolist()}
        out[name] = (answers, gold)
    return out


@pytest.mark.parametrize("name", ["grouped", "shuffled uneven", "heavy tasks"])
@pytest.mark.parametrize("stop", ["loglik", "elbo"])
@pytest.mark.parametrize("use_gold", [False, True])
@pytest.mark.parametrize("estimator", [DawidSkene, OneCoinDawidSkene])
def test_optimised_em_matches_textbook_em(
    name: str, stop: str, use_gold: bool, estimator: type
) -> None:
    answers, gold = _answer_sets()[name]
    gold_or_none = gold if use_gold else None
    model = estimator(stop=stop).fit(answers, gold=gold_or_none)
    probas, iterations, loglik, errors, priors = _reference_fit(
        answers, stop, gold_or_none, one_coin=estimator is OneCoinDawidSkene
    )
    assert model.n_iter_ == iterations
    assert np.array_equal(model.labels_, probas.argmax(axis=1))
    assert np.abs(model.probas_ - probas).max() < 1e-9
    assert np.abs(model.errors_ - errors).max() < 1e-9
    assert np.allclose(model.priors_, priors, rtol=0, atol=1e-12)
    assert np.isclose(model.loglik_, loglik, rtol=1e-12, atol=0)
    assert model.errors_.flags.c_contiguous and model.probas_.flags.c_contiguous


def test_heavy_tasks_take_the_log_space_path() -> None:
    answers, _gold = _answer_sets()["heavy tasks"]
    layout = aggregation._Layout(answers, aggregation.SLOT_LIMIT)
    assert layout.heavy_tasks.tolist() == [0, 1, 2, 3, 4]
    assert layout.light_tasks is not None and len(layout.light_tasks) == answers.n_tasks - 5
    # Slot r holds each light task's r-th answer, every light answer exactly once.
    assert sum(len(pairs) for _tasks, pairs in layout.slots) == answers.n_answers - 5 * 84
    for tasks, _pairs in layout.slots:
        assert tasks is not None and len(np.unique(tasks)) == len(tasks)


def test_probability_and_log_space_e_steps_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    # 60 answers per task: the probability-space product goes through logarithms on the way
    # (a worker who never says a label has e = 1e-10 / n on it), and agrees with log space.
    task, worker, label, _ = synthetic(150, 60, 3, 60, seed=14)
    answers = AnswerSet.from_columns(task, worker, label)
    slots = DawidSkene(stop="elbo").fit(answers)
    layout = aggregation._Layout(answers, aggregation.SLOT_LIMIT)
    assert len(layout.slots) == 60 and not len(layout.heavy_tasks)
    table = aggregation._by_true(slots.errors_)
    assert len(layout._groups(np.clip(slots.priors_, 1e-10, None), table)) > 1
    monkeypatch.setattr(aggregation, "SLOT_LIMIT", 0)  # every task "heavy": log space only
    logs = DawidSkene(stop="elbo").fit(answers)
    assert aggregation._Layout(answers, aggregation.SLOT_LIMIT).slots == []
    assert logs.n_iter_ == slots.n_iter_
    assert np.array_equal(logs.labels_, slots.labels_)
    assert np.abs(logs.probas_ - slots.probas_).max() < 1e-12
    assert np.isclose(logs.loglik_, slots.loglik_, rtol=1e-12, atol=0)


def test_probability_space_e_step_never_underflows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 60 near-infallible workers split on every task: each class's likelihood is about
    # (1e-12)^30 = 1e-360, below the smallest float64, and the slots first favour the class
    # that loses in the end. The E-step must give the log-space posteriors and likelihood.
    n_workers, n_tasks = 60, 10
    task = np.repeat(np.arange(n_tasks), n_workers)
    worker = np.tile(np.arange(n_workers), n_tasks)
    says_one = worker >= np.where(task % 2, 40, 30)  # workers 0-29 (0-39) say 0, the rest 1
    answers = AnswerSet.from_columns(task, worker, says_one.astype(int))
    off = 1e-12 * (2 - np.arange(n_workers) / 100)  # the later workers are surer
    errors = np.empty((n_workers, 2, 2))
    errors[:, 0, 0] = errors[:, 1, 1] = 1 - off
    errors[:, 0, 1] = errors[:, 1, 0] = off
    priors = np.array([0.4, 0.6])
    scores = np.log(priors) + np.stack(
        [np.bincount(task, np.log(errors[worker, k, answers.label])) for k in range(2)], axis=1
    )
    even = scores[::2]
    assert (even < -745).all()  # exp() of either is 0.0
    assert (even[:, 1] > even[:, 0]).all()  # label 1 wins, though the first 30 slots say 0
    probas, loglik = DawidSkene._e_step(answers, priors, errors)
    assert np.isfinite(probas).all() and np.isfinite(loglik)
    monkeypatch.setattr(aggregation, "SLOT_LIMIT", 0)
    in_logs, loglik_in_logs = DawidSkene._e_step(answers, priors, errors)
    assert np.abs(probas - in_logs).max() < 1e-12
    assert np.isclose(loglik, loglik_in_logs, rtol=1e-12, atol=0)
    expected = np.exp(scores - scores.max(axis=1, keepdims=True))
    assert np.allclose(probas, expected / expected.sum(axis=1, keepdims=True), rtol=0, atol=1e-12)


def test_entropy_from_the_e_step_equals_the_direct_entropy() -> None:
    task, worker, label, _ = synthetic(800, 30, 12, 5, seed=15)
    answers = AnswerSet.from_columns(task, worker, label)
    model = DawidSkene(n_iter=3).fit(answers)
    layout = aggregation._Layout(answers, aggregation.SLOT_LIMIT)
    table = aggregation._by_true(model.errors_)
    probas, loglik = layout.posteriors(model.priors_, table)
    counts = layout.expected_counts(probas)
    identity = DawidSkene._entropy_from_e_step(
        loglik, counts, aggregation._log(table), model.priors_, probas, probas.sum(axis=1)
    )
    direct = aggregation._entropy(probas)
    below = np.count_nonzero(probas < 1e-10)
    assert below > 0  # the clipping term is exercised
    # The identity keeps -T log T of posteriors below 1e-10 (at most 2.3e-9 each) where
    # crowd-kit's clipped entropy has dropped it.
    assert direct - 1e-8 <= identity <= direct + below * 2.31e-9 + 1e-8


def test_integer_coding_matches_np_unique() -> None:
    # AnswerSet coding (timed in the benchmark) counts small-range integers in linear time.
    rng = np.random.default_rng(16)
    cases = [
        rng.integers(-50, 50, 1000),
        rng.integers(0, 2000, 10**5),
        rng.integers(0, 10**12, 1000),  # too wide: np.unique
        np.array([2**63 - 1, 2**63 - 5, 2**63 - 1], dtype=np.int64),
        np.array([2**64 - 1, 2**64 - 3, 5], dtype=np.uint64),
        rng.integers(-128, 127, 300).astype(np.int8),
        np.array([7]),
    ]
    for values in cases:
        codes, uniques = encode(values)
        expected_uniques, expected_codes = np.unique(values, return_inverse=True)
        assert uniques.dtype == values.dtype and codes.dtype == np.int64
        assert np.array_equal(uniques, expected_uniques)
        assert np.array_equal(codes, expected_codes)
