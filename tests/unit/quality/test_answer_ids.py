"""Answers, gold and aggregate output keep ids as exact strings; bad files fail with FILE:LINE.

The readers live in `engine.tables` (strict, pure Python) and `engine.columnar` (pyarrow, for
clean files); both must give the same answers, which the properties below check too.
"""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from engine.cli import app
from engine.columnar import read_answers_fast
from engine.tables import (
    FIELD_LIMIT,
    TableError,
    read_answers,
    read_labels,
    read_table,
)

pytestmark = pytest.mark.unit

SPECIAL = ["007", "7", "1_10", "11_0", "1e5", "-0", str(2**70), 'a"b', "x,y", "é€", "a;b", "t|1"]

ids = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=12
).filter(lambda text: text == text.strip())
id_or_special = st.one_of(st.sampled_from(SPECIAL), ids)
rows = st.lists(st.tuples(id_or_special, id_or_special, id_or_special), min_size=1, max_size=25)


def _csv(header: list[str], records: list[tuple[str, ...]], delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(records)
    return buffer.getvalue().encode("utf-8")


def _strict(data: bytes) -> tuple[list[str], list[str], list[str]]:
    table = read_table(data, "a.csv", ("task", "worker", "label"))
    return table.columns["task"], table.columns["worker"], table.columns["label"]


@settings(max_examples=150, deadline=None)
@given(rows)
@example([("1_10", "w", "01"), ("11_0", "w", "1"), ("007", "w", "1"), ("7", "w", "01")])
def test_answer_ids_round_trip_through_both_readers(records: list[tuple[str, str, str]]) -> None:
    data = _csv(["task", "worker", "label"], records)
    answers = read_answers(data, "a.csv")
    assert answers.task_ids[answers.task].tolist() == [r[0] for r in records]
    assert answers.worker_ids[answers.worker].tolist() == [r[1] for r in records]
    assert answers.label_values[answers.label].tolist() == [r[2] for r in records]
    assert answers.n_tasks == len({r[0] for r in records})  # nothing merged
    assert answers.label_values.tolist() == sorted({r[2] for r in records})
    fast = read_answers_fast(data, "a.csv")
    if fast is not None:  # the columnar path, when it reads a file, reads it the same
        for name in ("task", "worker", "label", "task_ids", "worker_ids", "label_values"):
            assert np.array_equal(getattr(fast, name), getattr(answers, name)), name
    if b'"' not in data:
        assert fast is not None  # a clean file takes the fast path


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(id_or_special, id_or_special, min_size=1, max_size=20))
def test_gold_ids_round_trip(gold: dict[str, str]) -> None:
    labels, lines = read_labels(_csv(["Task", "LABEL"], list(gold.items())), "g.csv")
    assert labels == gold
    assert sorted(lines.values()) == list(range(2, 2 + len(gold)))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows)
def test_aggregate_output_writes_ids_back_byte_for_byte(
    tmp_path: Path, records: list[tuple[str, str, str]]
) -> None:
    source, out = tmp_path / "answers.csv", tmp_path / "out.csv"
    source.write_bytes(_csv(["task", "worker", "label"], records))
    result = CliRunner().invoke(app, ["aggregate", str(source), "--method", "mv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    first_seen = list(dict.fromkeys(r[0] for r in records))
    read_back = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    assert [row[0] for row in read_back[1:]] == first_seen  # input order, exact ids
    assert {row[1] for row in read_back[1:]} <= {r[2] for r in records}
    buffer = io.StringIO()  # the very bytes the standard csv writer would write
    csv.writer(buffer).writerows(read_back)
    assert out.read_bytes() == buffer.getvalue().encode("utf-8")


def test_delimiters_encodings_and_headers() -> None:
    data = "\ufeffTASK; Worker ;label\n007;w1;oui\n7;w2;non\n".encode()
    answers = read_answers(data, "a.csv")
    assert answers.task_ids.tolist() == ["007", "7"]
    cp1252 = "task,worker,label\nt1,Hélène,été\nt1,Zoé,hiver\n".encode("cp1252")
    table = read_table(cp1252, "a.csv", ("task", "worker", "label"))
    assert table.encoding == "cp1252"
    assert table.columns["worker"] == ["Hélène", "Zoé"]
    assert read_answers(cp1252, "a.csv").label_values.tolist() == ["hiver", "été"]
    second_bom = "\ufeff\ufeffTask\t Id \tWORKER\tlabel\n1\tx\tw\tyes\n".encode()
    assert read_table(second_bom, "a.tsv", ("task", "worker")).columns["task"] == ["1"]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('task,worker,label\n"1,w,a\n2,w,b\n', "a.csv:2: malformed CSV"),  # unbalanced quote
        ("task,worker,label\n1,w,a\n2,w\n", "a.csv:3: field 'label': row has 2 fields"),
        ("task,worker,label\n1,w,a,extra\n", "a.csv:2: row has 4 fields"),
        ("task,worker,label\n1, ,a\n", "a.csv:2: field 'worker': empty"),
        ("task,label\n1,a\n", "a.csv:1: missing column(s): worker"),
        ("task,worker,label\n", "a.csv: no rows after the header"),
        ("", "a.csv: the file is empty"),
    ],
)
def test_each_error_names_file_line_and_field(text: str, where: str) -> None:
    with pytest.raises(TableError) as caught:
        read_answers(text.encode(), "a.csv")
    assert str(caught.value).startswith(where)


def test_a_field_over_the_csv_limit_names_its_column() -> None:
    data = f"task,worker,label\n1,w,a\n2,{'x' * (FIELD_LIMIT + 1)},b\n".encode()
    with pytest.raises(TableError) as caught:
        read_answers(data, "a.csv")
    assert str(caught.value).startswith("a.csv:3: field 'worker': malformed CSV: a cell is")


def test_sixty_bad_lines_are_listed_up_to_fifty() -> None:
    body = "".join(f"t{i},,x\n" for i in range(60))
    with pytest.raises(TableError) as caught:
        read_answers(f"task,worker,label\n{body}".encode(), "a.csv")
    lines = str(caught.value).splitlines()
    assert len(lines) == 51 and caught.value.total == 60
    assert lines[0] == "a.csv:2: field 'worker': empty"
    assert lines[49] == "a.csv:51: field 'worker': empty"
    assert lines[50] == "a.csv: and 10 more errors"


def test_gold_with_two_labels_for_one_task() -> None:
    with pytest.raises(TableError, match=r"g\.csv:3: field 'label': task '007' has two labels"):
        read_labels(b"task,label\n007,a\n007,b\n7,b\n", "g.csv")


def _aggregate(*args: str) -> object:
    return CliRunner().invoke(app, ["aggregate", *args])


def _one_error_line(result: object, expected: str) -> None:
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert isinstance(result.exception, SystemExit)  # type: ignore[attr-defined]  # no traceback
    output = result.output.strip()  # type: ignore[attr-defined]
    assert "Traceback" not in output
    assert output.startswith(f"error: {expected}"), output


def test_aggregate_errors_are_one_line(tmp_path: Path) -> None:
    answers = tmp_path / "a.csv"
    answers.write_text("task,worker,label\n1_10,w1,01\n11_0,w1,1\n1_10,w2,01\n")
    gold = tmp_path / "g.csv"
    gold.write_text("task,label\n1_10,01\n11_0,2\n")
    expected = f"{gold}:3: field 'label': gold label '2' of task '11_0' is not a label"
    _one_error_line(_aggregate(str(answers), "--gold", str(gold)), expected)
    _one_error_line(
        _aggregate(str(tmp_path / "none.csv")), f"{tmp_path / 'none.csv'}: no such file"
    )
    # A name that looks like markup is shown as it is: neither styled nor escaped (`\[`).
    _one_error_line(
        _aggregate(str(tmp_path / "x[bold]y.csv")), f"{tmp_path / 'x[bold]y.csv'}: no such file"
    )
    _one_error_line(_aggregate(str(answers), "--gold", str(tmp_path / "ng.csv")),
                    f"{tmp_path / 'ng.csv'}: no such file")  # fmt: skip
    _one_error_line(_aggregate(str(answers), "-o", str(tmp_path)), f"{tmp_path}: -o is a folder")
    _one_error_line(_aggregate(str(tmp_path)), f"{tmp_path}: is a folder")
    empty = tmp_path / "e.csv"
    empty.write_text("task,worker,label\n")
    _one_error_line(_aggregate(str(empty)), f"{empty}: no rows after the header")
    markup = tmp_path / "m.csv"
    markup.write_text("task,worker,label\n[/],w,\n")
    _one_error_line(_aggregate(str(markup)), f"{markup}:2: field 'label': empty")


def test_aggregate_keeps_1_10_and_11_0_apart_and_01_and_1(tmp_path: Path) -> None:
    answers, out = tmp_path / "a.csv", tmp_path / "o.csv"
    answers.write_text("task,worker,label\n1_10,w1,01\n11_0,w1,1\n1_10,w2,01\n007,w2,1\n")
    result = _aggregate(str(answers), "--method", "mv", "-o", str(out), "--json")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["task"], r["label"]) for r in rows] == [("1_10", "01"), ("11_0", "1"), ("007", "1")]
    gold = tmp_path / "g.csv"
    gold.write_text("task,label\n007,01\nnobody,1\n")  # a task without answers is ignored
    assert _aggregate(str(answers), "--gold", str(gold), "-o", str(out)).exit_code == 0
    assert list(csv.DictReader(out.open(encoding="utf-8")))[2]["label"] == "01"  # clamped


def test_a_file_pyarrow_refuses_goes_to_the_strict_reader_which_names_the_line(caplog) -> None:
    data = b"task,worker,label\nt1,w1,a\nt2,w2\nt3,w3,b\n"  # line 3 is short: pyarrow refuses
    with caplog.at_level(logging.DEBUG, logger="engine.columnar"):
        assert read_answers_fast(data, "ragged.csv") is None
    assert "ragged.csv: read by the strict reader, pyarrow refused it" in caplog.text
    with pytest.raises(TableError) as refused:
        read_answers(data, "ragged.csv")
    assert str(refused.value).startswith("ragged.csv:3: ")
