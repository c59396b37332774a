"""AnswerSet construction and coding (reading files is engine.tables', see test_readers)."""

from __future__ import annotations

import numpy as np
import pytest

from quality.answers import AnswerSet, factorize, sort_codes

pytestmark = pytest.mark.unit


def test_from_columns_codes_sorted_uniques_and_keeps_repeats() -> None:
    answers = AnswerSet.from_columns(
        ["t2", "t1", "t2", "t2"], ["w1", "w1", "w1", "w2"], ["b", "a", "b", "c"]
    )
    assert answers.task_ids.tolist() == ["t1", "t2"]
    assert answers.label_values.tolist() == ["a", "b", "c"]
    assert answers.task.tolist() == [1, 0, 1, 1]
    assert answers.label.tolist() == [1, 0, 1, 2]
    # w1 answered t2 twice: both answers count.
    assert (answers.n_answers, answers.n_tasks, answers.n_workers, answers.n_labels) == (4, 2, 2, 3)
    assert answers.answers_per_task.tolist() == [1, 3]
    assert answers.task_ids[answers.task].tolist() == ["t2", "t1", "t2", "t2"]


def test_label_values_fix_space_and_order() -> None:
    answers = AnswerSet.from_columns(
        [1, 1], [1, 2], ["no", "yes"], label_values=["yes", "maybe", "no"]
    )
    assert answers.label.tolist() == [2, 0]
    assert answers.n_labels == 3


def test_label_outside_label_values_is_named() -> None:
    with pytest.raises(ValueError, match="'perhaps'"):
        AnswerSet.from_columns([1, 2], [1, 1], ["yes", "perhaps"], label_values=["yes", "no"])


def test_unequal_lengths_rejected() -> None:
    with pytest.raises(ValueError, match="equal lengths"):
        AnswerSet.from_columns([1, 2], [1], [0, 1])


def test_from_records_and_table_agree() -> None:
    records = [(10, "a", 1), (10, "b", 0), (11, "a", 1)]
    left = AnswerSet.from_records(records)
    right = AnswerSet.from_table(
        {"task": [10, 10, 11], "worker": ["a", "b", "a"], "label": [1, 0, 1]}
    )
    for name in ("task", "worker", "label", "task_ids", "worker_ids", "label_values"):
        assert np.array_equal(getattr(left, name), getattr(right, name))


def test_from_table_accepts_dataframe_and_names_missing_column() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"task": [1, 2], "worker": [3, 3], "label": ["x", "y"], "extra": [0, 0]})
    answers = AnswerSet.from_table(frame)
    assert answers.label_values.tolist() == ["x", "y"]
    with pytest.raises(ValueError, match="'worker'"):
        AnswerSet.from_table({"task": [1], "label": [0]})


def test_empty_input() -> None:
    answers = AnswerSet.from_records([])
    assert (answers.n_answers, answers.n_tasks, answers.n_workers, answers.n_labels) == (0, 0, 0, 0)
    assert AnswerSet.from_columns([], [], [], label_values=[0, 1]).n_labels == 2


def test_lookups() -> None:
    answers = AnswerSet.from_columns(["a", "b"], ["u", "v"], [0, 1])
    assert answers.task_codes(["b", "zzz"]).tolist() == [1, -1]
    assert answers.label_codes([1, 0]).tolist() == [1, 0]
    assert answers.worker_vector({"v": 0.9}, default=0.5).tolist() == [0.5, 0.9]


def test_factorize_keeps_first_seen_order_and_exact_strings() -> None:
    codes, uniques = factorize(["1_10", "11_0", "007", "1_10", "7"])
    assert codes.tolist() == [0, 1, 2, 0, 3]
    assert uniques.tolist() == ["1_10", "11_0", "007", "7"]
    assert factorize([])[0].dtype == np.int64


def test_sort_codes_renumbers_without_merging() -> None:
    codes, uniques = sort_codes(*factorize(["1", "01", "b", "1"]))
    assert uniques.tolist() == ["01", "1", "b"]
    assert uniques[codes].tolist() == ["1", "01", "b", "1"]


def test_from_strings_never_converts_ids() -> None:
    answers = AnswerSet.from_strings(
        ["1_10", "11_0", "007", "7"], ["w", "w", "w", "w"], ["1", "01", "1", "1"]
    )
    assert answers.n_tasks == 4  # 1_10 and 11_0 are two tasks, 007 is not 7
    assert answers.task_ids.tolist() == ["1_10", "11_0", "007", "7"]
    assert answers.label_values.tolist() == ["01", "1"]  # two labels
    assert answers.label_values[answers.label].tolist() == ["1", "01", "1", "1"]
