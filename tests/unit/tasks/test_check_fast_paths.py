"""The quick paths of the checking pass refuse, keep and order exactly what the slow ones
did: every CSV problem at its line, the row cap, the text and gold refusals, key order."""

from __future__ import annotations

import pytest

from tasks.base import InvalidRecord
from tasks.labeling import MAX_TEXT_CHARS
from tasks.registry import get_task_type
from tasks.uploads import Record, UploadError, iter_records, text_stream

pytestmark = pytest.mark.unit

labeling = get_task_type("labeling")


def read(data: bytes, max_rows: int = 1000) -> list[tuple[int | None, object]]:
    out = iter_records(text_stream([data], "utf-8"), "f.csv", kind="csv", max_rows=max_rows)
    return [(r.line, r.fields if isinstance(r, Record) else str(r)) for r in out]


def test_every_csv_problem_is_reported_at_its_line_and_the_reading_goes_on():
    data = (b'id,text\n1,ok\n2,"bad"x\n3,fine\n \t, \n4,"multi\nline"\n5,nul\x00here\n'
            b'6,a,b\n7,"x\n')  # fmt: skip
    assert read(data) == [
        (2, {"id": "1", "text": "ok"}),
        (3, "f.csv:3: malformed CSV: ',' expected after '\"'"),
        (4, {"id": "3", "text": "fine"}),
        (6, {"id": "4", "text": "multi\nline"}),
        (8, "f.csv:8: field 'text': contains a NUL character (U+0000), which cannot be stored"),
        (9, "f.csv:9: row has 3 fields but the header has 2 (delimiter ','); check quoting"),
        (10, "f.csv:10: malformed CSV: unexpected end of data"),
    ]


def test_a_malformed_first_row_is_not_taken_for_the_header():
    assert read(b'\n\n id,text\n1,"a"b\n2,c\n') == [
        (4, "f.csv:4: malformed CSV: ',' expected after '\"'"),
        (5, {"id": "2", "text": "c"}),
    ]
    assert read(b"  ,  \n") == [(None, "f.csv: the file is empty; a header row is required")]


def test_the_row_cap_counts_records_only_and_ends_the_stream():
    data = b"id,text\n" + b"r,x\n" * 2 + b'q,"y"z\n' + b"s,t\n" * 3
    out = read(data, max_rows=3)
    assert [line for line, _ in out] == [2, 3, 4, 5, 6]
    assert out[-1][1] == "f.csv:6: more than 3 rows; split the file into several uploads"
    assert len(read(data, max_rows=5)) == 6


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "is missing or empty"),
        ("", "is missing or empty"),
        (" \t\u3000", "is missing or empty"),
        (" " * (MAX_TEXT_CHARS + 1), "is missing or empty"),
        (5, "must be a text, got int"),
        (
            "x" * (MAX_TEXT_CHARS + 1),
            f"is {MAX_TEXT_CHARS + 1:,} characters long; at most {MAX_TEXT_CHARS:,} are allowed",
        ),
    ],
)
def test_a_bad_text_is_refused_with_the_same_message(text, message):
    settings = labeling.parse_settings({"labels": ["cat", "dog"]})
    with pytest.raises(InvalidRecord) as error:
        labeling.split({"id": "1", "text": text}, settings)
    assert (error.value.field, error.value.message) == ("text", message)


def test_a_text_of_the_longest_length_is_kept_whole():
    settings = labeling.parse_settings({"labels": ["cat", "dog"]})
    text = " x" + "y" * (MAX_TEXT_CHARS - 2)
    (task,) = labeling.split({"text": text}, settings)
    assert task.payload["text"] is text


def test_split_keeps_text_first_then_the_other_fields_in_file_order():
    settings = labeling.parse_settings({"labels": ["cat", "dog"], "text_field": "body"})
    record = {"z": "1", "id": "7", "gold": "", "body": "b", "none": None, "a": "2"}
    (task,) = labeling.split(record, settings)
    assert list(task.payload.items()) == [("text", "b"), ("z", "1"), ("a", "2")]
    assert task.gold is None and task.position == 0
    assert list(labeling.item_payload(record, settings).items()) == [
        ("z", "1"), ("none", None), ("a", "2"), ("text", "b")]  # fmt: skip
    assert list(record) == ["z", "id", "gold", "body", "none", "a"]  # the record is untouched


@pytest.mark.parametrize(
    ("gold", "expected"), [(None, None), ("", None), ("  ", None), (" Cat ", "cat"), (2, "2")]
)
def test_gold_values_are_read_as_before(gold, expected):
    settings = labeling.parse_settings({"labels": ["cat", "dog", "2"]})
    (task,) = labeling.split({"text": "t", "gold": gold}, settings)
    assert task.gold == expected


def test_a_gold_value_that_is_no_label_is_refused():
    settings = labeling.parse_settings({"labels": ["cat", "dog"]})
    with pytest.raises(InvalidRecord) as error:
        labeling.split({"text": "t", "gold": "cow"}, settings)
    assert (error.value.field, error.value.message) == ("gold", "'cow' is not one of the "
                                                        "labels: cat, dog")  # fmt: skip


def test_the_text_column_clash_is_refused_by_both_calls():
    settings = labeling.parse_settings({"labels": ["cat", "dog"], "text_field": "body"})
    record = {"body": "b", "text": "kept?"}
    for call in (labeling.split, labeling.item_payload):
        with pytest.raises(InvalidRecord) as error:
            call(record, settings)
        assert error.value.field == "text"


def test_upload_error_values_pass_through_unchanged():
    (only,) = iter_records(text_stream([b""], "utf-8"), "f.csv", kind="csv")
    assert isinstance(only, UploadError) and only.line is None
