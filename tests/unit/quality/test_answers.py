"""AnswerSet construction, coding and CSV reading."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from quality.answers import AnswerSet, read_answers_csv, read_gold_csv

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


def test_read_csv_files(tmp_path: Path) -> None:
    path = tmp_path / "answers.csv"
    path.write_text("task,worker,label,seconds\n1,alice,cat,3\n1,bob,dog,4\n2,alice,cat,5\n")
    answers = read_answers_csv(path)
    assert answers.task_ids.tolist() == [1, 2]  # integer ids stay integers
    assert answers.label_values.tolist() == ["cat", "dog"]
    gold = tmp_path / "gold.csv"
    gold.write_text("task,label\n1,cat\n")
    assert read_gold_csv(gold) == {1: "cat"}


def test_read_csv_errors_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("task,worker,label\n1,a,x\n2,,y\n")
    with pytest.raises(ValueError, match=r"bad\.csv:3: .*'worker'"):
        read_answers_csv(path)
    path.write_text("task,worker\n1,a\n")
    with pytest.raises(ValueError, match=r"bad\.csv:1: missing column 'label'"):
        read_answers_csv(path)
    path.write_text("task,label\n1,x\n1,y\n")
    with pytest.raises(ValueError, match=r"bad\.csv:3: "):
        read_gold_csv(path)
