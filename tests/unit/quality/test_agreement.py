"""Krippendorff's alpha against the krippendorff package, and the agreement shares."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest

import quality.agreement as agreement
from quality.agreement import (
    alpha,
    coincidence_matrix,
    item_agreement,
    per_label_alpha,
    text_alpha,
    worker_agreement,
)
from quality.answers import AnswerSet

pytestmark = pytest.mark.unit

nan = np.nan
# The reliability data of the krippendorff package's docstring (coders × units).
DOC_DATA = [
    [nan, nan, nan, nan, nan, 3, 4, 1, 2, 1, 1, 3, 3, nan, 3],
    [1, nan, 2, 1, 3, 3, 4, 3, nan, nan, nan, nan, nan, nan, nan],
    [nan, nan, 2, 1, 3, 4, 4, nan, 2, 1, 1, 3, 3, nan, 4],
]
# Krippendorff (2011), page 8, quoted in the same docstring.
PAPER_DATA = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
]
LEVELS = ["nominal", "ordinal", "interval", "ratio"]


def from_reliability(data: list[list[float]]) -> AnswerSet:
    matrix = np.asarray(data, dtype=float)
    coder, unit = np.nonzero(~np.isnan(matrix))
    return AnswerSet.from_columns(unit, coder, matrix[coder, unit].astype(int))


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("data", [DOC_DATA, PAPER_DATA])
def test_alpha_equals_package(data: list[list[float]], level: str) -> None:
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    assert alpha(from_reliability(data), level) == pytest.approx(expected, abs=1e-12)


def test_alpha_documented_values() -> None:
    assert round(alpha(from_reliability(DOC_DATA)), 6) == 0.691358
    assert round(alpha(from_reliability(DOC_DATA), "interval"), 6) == 0.810845
    assert round(alpha(from_reliability(PAPER_DATA), "ordinal"), 3) == 0.815
    assert round(alpha(from_reliability(PAPER_DATA), "ratio"), 3) == 0.797


@pytest.mark.parametrize("level", LEVELS)
def test_alpha_random_sparse_data_both_paths(level: str, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(4)
    n = 3000
    task = rng.integers(0, 700, n)
    label = np.clip(rng.integers(1, 7, n) + (task % 3), 1, 8)
    answers = AnswerSet.from_columns(task, rng.integers(0, 50, n), label)
    counts = np.zeros((answers.n_tasks, answers.n_labels))
    np.add.at(counts, (answers.task, answers.label), 1)
    expected = krippendorff.alpha(
        value_counts=counts, value_domain=answers.label_values, level_of_measurement=level
    )
    assert alpha(answers, level) == pytest.approx(expected, abs=1e-10)
    monkeypatch.setattr(agreement, "_dense_ok", lambda *args: False)
    monkeypatch.setattr(agreement, "_PAIRS_PER_CHUNK", 64)  # many chunks
    assert alpha(answers, level) == pytest.approx(expected, abs=1e-10)


def test_coincidence_matrix_equals_package() -> None:
    answers = from_reliability(DOC_DATA)
    counts = np.zeros((answers.n_tasks, answers.n_labels))
    np.add.at(counts, (answers.task, answers.label), 1)
    expected = krippendorff.krippendorff._coincidences(counts)
    assert np.allclose(coincidence_matrix(answers.task, answers.label, answers.n_labels), expected)


def test_alpha_value_domain_is_sorted_numeric_labels() -> None:
    # label_values given out of order must not change interval alpha.
    answers = from_reliability(PAPER_DATA)
    shuffled = AnswerSet.from_columns(
        answers.task,
        answers.worker,
        answers.label_values[answers.label],
        label_values=[5, 3, 1, 2, 4],
    )
    assert alpha(shuffled, "interval") == pytest.approx(alpha(answers, "interval"))
    assert alpha(shuffled, "ordinal") == pytest.approx(alpha(answers, "ordinal"))


def test_alpha_levels_need_numbers() -> None:
    answers = AnswerSet.from_records([(1, "a", "low"), (1, "b", "high")])
    assert np.isfinite(alpha(answers, "nominal")) or np.isnan(alpha(answers, "nominal"))
    with pytest.raises(ValueError, match="numeric"):
        alpha(answers, "ordinal")
    with pytest.raises(ValueError, match="unknown level"):
        alpha(answers, "cardinal")  # type: ignore[arg-type]


def test_alpha_undefined_cases_are_nan() -> None:
    assert np.isnan(alpha(AnswerSet.from_records([])))
    single = AnswerSet.from_records([(1, "a", 0), (2, "a", 1), (3, "b", 0)])
    assert np.isnan(alpha(single))  # no task has two answers
    one_value = AnswerSet.from_records([(1, "a", 0), (1, "b", 0), (2, "a", 0), (2, "b", 0)])
    assert np.isnan(alpha(one_value, "interval"))


def test_alpha_single_answer_units_do_not_count() -> None:
    base = [(1, "a", 0), (1, "b", 0), (2, "a", 1), (2, "b", 0), (3, "a", 1), (3, "b", 1)]
    extra = [(9, "c", 1), (10, "c", 0)]  # units with one answer
    assert alpha(AnswerSet.from_records(base + extra)) == pytest.approx(
        alpha(AnswerSet.from_records(base))
    )


def test_perfect_and_systematic_disagreement() -> None:
    perfect = AnswerSet.from_records([(t, w, t % 3) for t in range(9) for w in "ab"])
    assert alpha(perfect) == pytest.approx(1.0)
    # Two coders who always disagree on a binary item: alpha below zero.
    opposed = AnswerSet.from_records(
        [(t, "a", t % 2) for t in range(8)] + [(t, "b", 1 - t % 2) for t in range(8)]
    )
    assert alpha(opposed) < 0


def test_item_agreement() -> None:
    answers = AnswerSet.from_records(
        [(1, "a", "x"), (1, "b", "x"), (1, "c", "y"), (2, "a", "x"), (3, "a", "y"), (3, "b", "y")]
    )
    result = item_agreement(answers)
    assert result[0] == pytest.approx(2 / 6)
    assert np.isnan(result[1])
    assert result[2] == 1.0
    assert item_agreement(AnswerSet.from_records([])).shape == (0,)


def test_worker_agreement() -> None:
    answers = AnswerSet.from_records([(1, "a", 0), (1, "b", 1), (2, "a", 0), (2, "b", 0)])
    assert worker_agreement(answers, np.array([0, 0])).tolist() == [1.0, 0.5]
    with pytest.raises(ValueError, match="one code per task"):
        worker_agreement(answers, [0])


def test_text_alpha_known_value() -> None:
    # Two units, two texts each: D_o = (2·1·1·d(ab, ac)/1) and every distinct pair is in E.
    task = [1, 1, 2, 2]
    texts = ["ab", "ac", "xyz", "xyz"]
    d = 0.5  # levenshtein("ab", "ac") / 2
    observed = 2 * d
    # n = 4; n_c: ab 1, ac 1, xyz 2; d(ab, xyz) = d(ac, xyz) = 1
    expected = (2 * (1 * 1 * d + 1 * 2 * 1 + 1 * 2 * 1)) / 3
    assert text_alpha(task, ["u", "v", "u", "v"], texts) == pytest.approx(1 - observed / expected)


def test_text_alpha_normalises_and_matches_nominal_for_distance_one() -> None:
    # Same strings after whitespace normalisation: perfect agreement.
    same = text_alpha([1, 1, 2, 2], "abab", ["Hello  world", "Hello world ", "Bye", "Bye"])
    assert same == pytest.approx(1.0)
    # With texts at distance 1 from each other, text alpha equals nominal alpha.
    texts = ["aa", "bb", "aa", "aa", "cc", "bb", "bb", "bb"]
    task = [1, 1, 2, 2, 3, 3, 4, 4]
    nominal = alpha(AnswerSet.from_columns(task, list("abababab"), texts))
    assert text_alpha(task, list("abababab"), texts) == pytest.approx(nominal)
    assert np.isnan(text_alpha([], [], []))


def test_text_alpha_sampled_expected_is_close() -> None:
    rng = np.random.default_rng(0)
    words = ["".join(rng.choice(list("abcdef"), 6)) for _ in range(80)]
    task = np.repeat(np.arange(60), 3)
    texts = [words[(t * 7 + rng.integers(0, 3)) % 80] for t in task]
    exact = text_alpha(task, task, texts, max_pairs=10**6)
    sampled = text_alpha(task, task, texts, max_pairs=2000)
    assert sampled == pytest.approx(exact, abs=0.03)
    assert sampled == text_alpha(task, task, texts, max_pairs=2000)  # seeded


def test_per_label_alpha() -> None:
    task = [1, 1, 2, 2, 3, 3]
    sets = [{"cat", "dog"}, {"cat"}, {"dog"}, {"dog"}, set(), {"cat"}]
    result = per_label_alpha(task, list("ababab"), sets, ["cat", "dog", "bird"])
    assert list(result) == ["cat", "dog", "bird"]
    cat = AnswerSet.from_columns(task, list("ababab"), [1, 1, 0, 0, 0, 1])
    dog = AnswerSet.from_columns(task, list("ababab"), [1, 0, 1, 1, 0, 0])
    assert result["cat"] == pytest.approx(alpha(cat))
    assert result["dog"] == pytest.approx(alpha(dog))
    assert np.isnan(result["bird"])  # nobody chose it
    assert list(per_label_alpha(task, list("ababab"), sets)) == ["cat", "dog"]


def test_alpha_million_answers_memory_stays_proportional() -> None:
    import tracemalloc

    rng = np.random.default_rng(0)
    n = 1_000_000
    answers = AnswerSet.from_columns(
        np.arange(n) // 5, rng.integers(0, 2000, n), rng.integers(0, 20, n)
    )
    tracemalloc.start()
    value = alpha(answers)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert abs(value) < 0.01  # random labels: no agreement beyond chance
    assert peak < 200 * 2**20  # the package would need units × 20 × 20 floats (≈ 640 MB)


def test_pair_agreement_matches_item_agreement() -> None:
    from quality.agreement import pair_agreement

    answers = AnswerSet.from_columns([1, 1, 1, 2, 2, 3], ["a", "b", "c", "a", "b", "a"],
                                     ["x", "x", "y", "z", "z", "x"])  # fmt: skip
    per_task = item_agreement(answers)
    assert pair_agreement([2, 1]) == pytest.approx(per_task[0]) == pytest.approx(1 / 3)
    assert pair_agreement([2]) == pytest.approx(per_task[1]) == 1.0
    assert pair_agreement([1]) is None and np.isnan(per_task[2])
    assert pair_agreement([]) is None
