"""Aggregators on hand-made datasets with known answers, bluebirds and crowd-kit parity."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from quality.aggregation import DawidSkene, MajorityVote, OneCoinDawidSkene, WeightedMajorityVote
from quality.answers import AnswerSet, read_answers_csv, read_gold_csv
from quality.stopping import posterior

pytestmark = pytest.mark.unit

BLUEBIRDS = Path(__file__).resolve().parents[4] / "shared" / "data" / "bluebirds"
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


@pytest.mark.skipif(not BLUEBIRDS.is_dir(), reason=f"{BLUEBIRDS} not present (shared data)")
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


def _against_crowdkit(synthetic_args: tuple, stop: str):
    """The same synthetic answers fitted by crowd-kit's Dawid-Skene and ours."""
    pytest.importorskip("crowdkit")
    pd = pytest.importorskip("pandas")
    from crowdkit.aggregation import DawidSkene as CrowdKitDawidSkene

    task, worker, label, _ = synthetic(*synthetic_args)
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
