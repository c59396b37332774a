"""Spreadsheet formulas in CSV exports (OWASP CSV injection): neutralised, numbers left alone."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.exporting import FORMULA_STARTS, ExportError, guard_formula, write_csv, write_jsonl


@pytest.mark.parametrize(
    "cell",
    ['=HYPERLINK("http://evil","x")', "+1+2", "-2+3", "@SUM(A1)", "\tcmd", "\r=1", "=",
     "-", "+", "@", "-inf", "- 5", "-5 ", "+0x10", "=1,2"],
)  # fmt: skip
def test_formula_starts_get_a_leading_quote(cell):
    assert guard_formula(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["-5", "+3.2", "-0.5", "-.5", "+1e5", "-2.5E-3", "-007", "-5."])
def test_plain_numbers_stay_numbers(cell):
    assert guard_formula(cell) == cell


@pytest.mark.parametrize("cell", ["", "plain", "5", "'=already", " =1", "a=b", "1-2", "\n=1"])
def test_other_cells_are_untouched(cell):
    assert guard_formula(cell) == cell


@given(st.text())
def test_the_guard_only_ever_adds_one_quote(cell):
    guarded = guard_formula(cell)
    assert guarded in (cell, "'" + cell)
    if guarded == cell and cell.startswith(FORMULA_STARTS):  # left alone: a plain number
        assert cell[0] in "+-" and cell[1:2] in set("0123456789.")
        float(cell)


def _read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


ROWS = [
    {"id": "=1+1", "answer": "-5", "confidence": -0.25, "n_answers": 3, "status": "complete",
     "input": {"note": "@cmd", "text": "line\nbreak, \"quoted\""}},
    {"id": "007", "answer": ["a", "=b"], "confidence": None, "n_answers": 0, "status": "open",
     "input": {"text": "+33 1 23"}},
]  # fmt: skip


def test_write_csv_escapes_cells_and_spreads_inputs():
    out = io.StringIO(newline="")
    assert write_csv(out, ROWS, input_fields=["note", "text"]) == 2
    header, first, second = _read(out.getvalue())
    assert header == ["id", "answer", "confidence", "n_answers", "status", "input.note",
                      "input.text"]  # fmt: skip
    assert first == ["'=1+1", "-5", "-0.25", "3", "complete", "'@cmd", 'line\nbreak, "quoted"']
    # a list is one JSON cell (it starts with "["), a missing input an empty cell
    assert second == ["007", '["a", "=b"]', "", "0", "open", "", "'+33 1 23"]


def test_write_csv_keep_writes_cells_as_stored():
    out = io.StringIO(newline="")
    write_csv(out, ROWS, input_fields=["note", "text"], escape=False)
    _header, first, second = _read(out.getvalue())
    assert (first[0], first[5], second[6]) == ("=1+1", "@cmd", "+33 1 23")


def test_write_csv_refuses_a_field_the_header_lacks():
    out = io.StringIO(newline="")
    with pytest.raises(ExportError, match="'=1\\+1' has fields outside the header: text"):
        write_csv(out, ROWS, input_fields=["note"])


def test_jsonl_is_never_altered():
    out = io.StringIO()
    write_jsonl(out, ROWS)
    assert [json.loads(line) for line in out.getvalue().splitlines()] == ROWS
