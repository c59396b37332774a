"""Exports (per item, raw answers, files) and imports of answers collected elsewhere."""

from __future__ import annotations

import csv
import io
import json

import pytest

from engine import services
from engine.actors import OPERATOR
from engine.errors import InvalidUpload
from engine.exporting import write_export
from engine.models import Answer, Assignment, Identity
from tests.integration.helpers import (
    add_rows,
    answer_task,
    count,
    make_project,
    person,
    task_row,
    tasks_of,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def animals(essaim):
    project = make_project(essaim, overlap={"min": 3, "max": 3}, confidence=0.5)
    add_rows(essaim, project.slug, [{"id": f"item-{i}", "text": f"row {i}"} for i in range(3)])
    return project


def _csv(rows):
    return ("\n".join(",".join(r) for r in [("task", "worker", "label"), *rows]) + "\n").encode()


def test_export_items_and_answers(essaim, animals):
    first = tasks_of(essaim.db, animals.slug)[0].id
    people = [person(essaim, n) for n in ("ada", "bob", "cid")]
    for who, value in zip(people, ["cat", "cat", "dog"], strict=True):
        answer_task(essaim, who, animals.slug, first, value, seconds=4.25, chain_next=False)
    rows = list(services.export_items(essaim.db, animals.slug))
    assert [r["id"] for r in rows] == ["item-0", "item-1", "item-2"]
    done = rows[0]
    assert (done["answer"], done["n_answers"], done["status"]) == ("cat", 3, "complete")
    assert 0.5 < done["confidence"] <= 1.0
    assert (rows[1]["answer"], rows[1]["confidence"], rows[1]["status"]) == (None, None, "open")
    raw = list(services.export_answers(essaim.db, animals.slug))
    assert [(r["task"], r["item"], r["worker"], r["label"], r["seconds"]) for r in raw] == [
        (first, "item-0", people[0], "cat", 4.25),
        (first, "item-0", people[1], "cat", 4.25),
        (first, "item-0", people[2], "dog", 4.25),
    ]


def test_write_export_files(essaim, animals, tmp_path):
    assert write_export(essaim.db, animals.slug, tmp_path / "items.csv") == 3
    with (tmp_path / "items.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["id"] for r in rows] == ["item-0", "item-1", "item-2"]
    assert {"id", "answer", "confidence", "n_answers", "status"} <= set(rows[0])
    assert write_export(essaim.db, animals.slug, tmp_path / "a.jsonl", fmt="jsonl", raw=True) == 0
    assert write_export(essaim.db, animals.slug, tmp_path / "i.jsonl", fmt="jsonl") == 3
    lines = (tmp_path / "i.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["id"] == "item-0"


def test_import_answers_completes_tasks_and_is_idempotent(essaim, animals):
    data = _csv([("item-0", "w1", "cat"), ("item-0", "w2", "cat"), ("item-0", "w3", "cat"),
                 ("item-1", "w1", "dog")])  # fmt: skip
    report = services.import_answers(essaim.db, animals.slug, "crowd.csv", data, actor_id=OPERATOR)
    assert (report.rows, report.imported, report.already_there) == (4, 4, 0)
    assert report.tasks_completed == 1
    first, second, _third = tasks_of(essaim.db, animals.slug)
    assert task_row(essaim.db, first.id).status == "complete"
    assert task_row(essaim.db, second.id).n_answers == 1
    row = next(iter(services.export_items(essaim.db, animals.slug)))
    assert (row["answer"], row["status"]) == ("cat", "complete")
    assert count(essaim.db, Identity, Identity.platform == "import") == 3

    again = services.import_answers(essaim.db, animals.slug, "crowd.csv", data, actor_id=OPERATOR)
    assert (again.imported, again.already_there, again.tasks_completed) == (0, 4, 0)
    assert count(essaim.db, Answer) == 4
    # imported workers are never offered the tasks they answered elsewhere
    w1 = services.identify(essaim.db, "import", "w1").id
    nxt = services.next_task(essaim.db, w1, animals.slug)
    assert nxt.offer.task_id not in (first.id, second.id)


@pytest.mark.parametrize(
    ("bad", "field"),
    [(("item-9", "w2", "cat"), "task"), (("item-1", "w2", "horse"), "label"),
     (("item-1", "", "cat"), "worker")],
)  # fmt: skip
def test_import_bad_row_names_line_and_stores_nothing(essaim, animals, bad, field):
    data = _csv([("item-0", "w1", "cat"), ("item-0", "w2", "cat"), bad])
    with pytest.raises(InvalidUpload) as caught:
        services.import_answers(essaim.db, animals.slug, "crowd.csv", data, actor_id=OPERATOR)
    assert (caught.value.filename, caught.value.line, caught.value.field) == ("crowd.csv", 4, field)
    assert str(caught.value).startswith(f"crowd.csv:4: field '{field}'")
    assert count(essaim.db, Answer) == 0
    assert count(essaim.db, Assignment) == 0
    assert count(essaim.db, Identity, Identity.platform == "import") == 0


def test_import_missing_columns_and_bad_encoding(essaim, animals):
    with pytest.raises(InvalidUpload, match="missing column"):
        services.import_answers(
            essaim.db, animals.slug, "c.csv", b"task,label\nitem-0,cat\n", actor_id=OPERATOR
        )
    with pytest.raises(InvalidUpload) as caught:  # detected, \xe9 would be cp1252's é
        services.import_answers(essaim.db, animals.slug, "c.csv",
                                b"task,worker,label\nitem-0,w\xe9,cat\n",
                                encoding="utf-8", actor_id=OPERATOR)  # fmt: skip
    assert caught.value.line == 2
    assert count(essaim.db, Answer) == 0


def test_import_into_a_sentence_task_by_position(essaim):
    make_project(essaim, slug="proof", kind="proofreading", labels=None,
                 overlap={"min": 1, "max": 1}, candidates=1)  # fmt: skip
    handle = essaim.add_batch(
        "proof", "doc.txt", b"One sentense. Two sentences.\n", actor_id=OPERATOR
    )
    assert handle.result["n_tasks"] == 2
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(
        [("task", "worker", "label"), ("doc#0", "w1", "One sentence."), ("doc#1", "w1", "no_error")]
    )
    report = services.import_answers(
        essaim.db, "proof", "c.csv", buffer.getvalue().encode(), actor_id=OPERATOR
    )
    assert (report.imported, report.tasks_completed) == (2, 2)
    (row,) = services.export_items(essaim.db, "proof")
    assert row["answer"] == "One sentence. Two sentences.\n"
