"""Uploads: ingestion counts, errors naming file/line/field, atomicity, idempotence."""

from __future__ import annotations

import json

import pytest

from engine import services
from engine.actors import OPERATOR
from engine.errors import InvalidUpload
from engine.models import Batch, Item, Task
from tests.integration.helpers import count, make_project, tasks_of, upload_csv

pytestmark = pytest.mark.integration

GOOD = [
    {"id": "a1", "text": "a purring thing", "gold": ""},
    {"id": "a2", "text": "a barking thing", "gold": "dog"},
    {"id": "a3", "text": "a singing thing", "gold": ""},
]


def _ingest(essaim, filename, data, slug="animals"):
    batch_id = services.upload_batch(essaim.db, slug, filename, data, actor_id=OPERATOR)
    return batch_id, services.ingest_batch(essaim.db, batch_id)


def test_csv_ingestion_counts_items_tasks_and_gold(essaim):
    make_project(essaim)
    batch_id, report = _ingest(essaim, "animals.csv", upload_csv(GOOD))
    assert (report.status, report.n_items, report.n_tasks, report.n_gold) == ("open", 3, 3, 1)
    assert count(essaim.db, Item) == 3
    gold = [t for t in tasks_of(essaim.db, "animals") if t.is_gold]
    assert len(gold) == 1 and gold[0].gold_answer == "dog"
    assert "gold" not in gold[0].payload  # the answer never travels with the prompt
    assert services.batch_report(essaim.db, batch_id).n_gold == 1


def test_jsonl_ingestion(essaim):
    make_project(essaim)
    lines = [json.dumps({"id": i, "text": f"thing {i}", "gold": "cat" if i == 2 else None})
             for i in range(1, 5)]  # fmt: skip
    _, report = _ingest(essaim, "animals.jsonl", ("\n".join(lines) + "\n").encode())
    assert (report.n_items, report.n_tasks, report.n_gold) == (4, 4, 1)
    ids = sorted(row["id"] for row in services.export_items(essaim.db, "animals"))
    assert ids == ["1", "2", "3", "4"]


@pytest.mark.parametrize(
    ("row", "field", "fragment"),
    [
        ({"id": "a4", "text": "", "gold": ""}, "text", "missing"),
        ({"id": "a4", "text": "a thing", "gold": "horse"}, "gold", "not one of the labels"),
        ({"id": "a1", "text": "a thing", "gold": ""}, "id", "duplicate"),
    ],
)
def test_bad_row_names_file_line_field_and_leaves_nothing(essaim, row, field, fragment):
    make_project(essaim)
    data = upload_csv([*GOOD, row])  # the bad row is on line 5 (header on line 1)
    batch_id = services.upload_batch(essaim.db, "animals", "animals.csv", data, actor_id=OPERATOR)
    with pytest.raises(InvalidUpload) as caught:
        services.ingest_batch(essaim.db, batch_id)
    error = caught.value
    assert (error.filename, error.line, error.field) == ("animals.csv", 5, field)
    assert str(error).startswith(f"animals.csv:5: field '{field}'")
    assert fragment in str(error)
    assert count(essaim.db, Item) == 0
    assert count(essaim.db, Task) == 0
    report = services.batch_report(essaim.db, batch_id)
    assert report.status == "failed" and "animals.csv:5" in (report.error or "")


def test_bad_row_through_the_job_reports_failure(essaim):
    make_project(essaim)
    data = upload_csv([*GOOD, {"id": "a4", "text": "x", "gold": "horse"}])
    handle = essaim.add_batch("animals", "animals.csv", data, actor_id=OPERATOR)
    assert handle.status == "finished"
    assert handle.result["status"] == "failed"
    assert "animals.csv:5" in handle.result["error"]
    assert count(essaim.db, Item) == 0


def test_non_utf8_bytes_name_the_line_and_store_nothing(essaim):
    make_project(essaim)
    data = b"id,text\nx1,fine\nx2,caf" + b"\xe9\n"
    with pytest.raises(InvalidUpload) as caught:  # forced UTF-8 does not fit
        services.upload_batch(
            essaim.db, "animals", "latin.csv", data, encoding="utf-8", actor_id=OPERATOR
        )
    assert caught.value.line == 3
    assert str(caught.value).startswith("latin.csv:3:")
    assert count(essaim.db, Batch) == 0
    # the same bytes with the right encoding, or detected, are fine
    batch_id = services.upload_batch(
        essaim.db, "animals", "latin.csv", data, encoding="latin-1", actor_id=OPERATOR
    )
    assert services.ingest_batch(essaim.db, batch_id).encoding == "iso8859-1"
    texts = sorted(t.payload["text"] for t in tasks_of(essaim.db, "animals"))
    assert texts == ["café", "fine"]


def test_ingesting_twice_changes_nothing(essaim):
    make_project(essaim)
    batch_id, first = _ingest(essaim, "animals.csv", upload_csv(GOOD))
    again = services.ingest_batch(essaim.db, batch_id)
    assert (again.n_items, again.n_tasks, again.status) == (first.n_items, first.n_tasks, "open")
    assert count(essaim.db, Item) == 3 and count(essaim.db, Task) == 3


def test_item_ids_are_kept_in_exports(essaim):
    make_project(essaim)
    _ingest(essaim, "animals.csv", upload_csv(GOOD))
    rows = list(services.export_items(essaim.db, "animals"))
    assert [r["id"] for r in rows] == ["a1", "a2", "a3"]
    assert [r["status"] for r in rows] == ["open", "gold", "open"]


@pytest.mark.parametrize("filename", ["letter.txt", "letter.md"])
def test_document_becomes_one_item_with_sentence_tasks(essaim, filename):
    make_project(essaim, slug="proof", kind="proofreading", labels=None, language="en")
    text = "The cat sleep on the mat. It dream of fish.\n\nThen it wake up.\n"
    _, report = _ingest(essaim, filename, text.encode(), slug="proof")
    assert (report.n_items, report.n_tasks) == (1, 3)
    tasks = tasks_of(essaim.db, "proof")
    assert [t.payload["sentence"] for t in tasks] == [
        "The cat sleep on the mat.",
        "It dream of fish.",
        "Then it wake up.",
    ]
    assert [t.position for t in tasks] == [0, 1, 2]
    (row,) = services.export_items(essaim.db, "proof")
    assert row["id"] == "letter" and row["status"] == "open"
    assert row["answer"] == text  # nothing decided yet: the document as uploaded
