"""What an upload holds comes out whole, or is refused: a ``text`` column beside another
``text_field``, and documents whose tasks exceed the row limit."""

from __future__ import annotations

import json

import pytest

from engine import services
from engine.actors import OPERATOR
from engine.errors import InvalidUpload
from engine.exporting import write_export
from engine.spec import parse_spec
from tests.integration.helpers import make_project

pytestmark = pytest.mark.integration


def _proof(essaim, **overrides):
    spec = {"name": "Proof", "slug": "proof", "kind": "proofreading", "language": "en"}
    return services.create_project(essaim.db, parse_spec({**spec, **overrides}), actor_id=OPERATOR)


def _ingest(essaim, slug: str, filename: str, data: bytes, **limits):
    batch_id = services.upload_batch(essaim.db, slug, filename, data, actor_id=OPERATOR, **limits)
    return batch_id, services.ingest_batch(essaim.db, batch_id)


def _refused(essaim, slug: str, filename: str, data: bytes, **limits) -> tuple[str, str]:
    batch_id = services.upload_batch(essaim.db, slug, filename, data, actor_id=OPERATOR, **limits)
    with pytest.raises(InvalidUpload) as refused:
        services.ingest_batch(essaim.db, batch_id)
    return str(refused.value), services.batch_report(essaim.db, batch_id).status


# --- a `text` column beside another text_field -------------------------------------------

CLASH_CSV = b"id,body,text,note\nr1,the body,my own text,n1\nr2,other body,more text,n2\n"


@pytest.mark.parametrize("kind", ["labeling", "proofreading", "translation"])
def test_a_text_column_beside_another_text_field_is_refused_naming_it(essaim, kind):
    if kind == "labeling":
        make_project(essaim, text_field="body")
        slug = "animals"
    else:
        extra = ({"source_language": "en", "target_language": "fr"} if kind == "translation"
                 else {"language": "en"})  # fmt: skip
        spec = {"name": "Texts", "slug": "texts", "kind": kind, "text_field": "body", **extra}
        services.create_project(essaim.db, parse_spec(spec), actor_id=OPERATOR)
        slug = "texts"
    error, status = _refused(essaim, slug, "clash.csv", CLASH_CSV)
    assert "clash.csv:2: field 'text':" in error and "clash.csv:3: field 'text':" in error
    assert "column 'body' (text_field)" in error and "rename it" in error
    assert status == "failed"
    assert (
        services.project_status(essaim.db, slug, actor_id=OPERATOR).items == 0
    )  # nothing half stored


def test_every_uploaded_field_comes_out_under_its_own_name(essaim, tmp_path):
    """Without the clash, the text field and every other column round-trip exactly."""
    make_project(essaim, text_field="body")
    data = b"id,body,Text,note\nr1,the body,a capital Text,n 1\n"
    _ingest(essaim, "animals", "ok.csv", data)
    out = tmp_path / "items.jsonl"
    write_export(essaim.db, "animals", out, fmt="jsonl")
    (row,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert row["id"] == "r1"
    assert row["input"] == {"Text": "a capital Text", "body": "the body", "note": "n 1"}


def test_a_text_column_is_fine_when_it_is_the_text_field(essaim, tmp_path):
    make_project(essaim)
    _ingest(essaim, "animals", "plain.csv", b"id,text,note\nr1,a text,n1\n")
    out = tmp_path / "items.jsonl"
    write_export(essaim.db, "animals", out, fmt="jsonl")
    (row,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert row["input"] == {"note": "n1", "text": "a text"}


# --- documents count their tasks against the row limit -----------------------------------

DOCUMENT = " ".join(f"Sentence number {n} is here." for n in range(30)).encode()


def test_a_document_making_more_tasks_than_the_row_limit_is_refused(essaim):
    _proof(essaim)
    error, status = _refused(essaim, "proof", "long.md", DOCUMENT, max_rows=10)
    assert error == (
        "long.md:1: makes more than 10 tasks, the row limit (it counts tasks too): split it "
        "into several uploads"
    )
    assert (
        status == "failed"
        and services.project_status(essaim.db, "proof", actor_id=OPERATOR).items == 0
    )


def test_rows_of_several_sentences_count_every_task(essaim):
    _proof(essaim)
    rows = [json.dumps({"id": f"d{n}", "text": "One. Two. Three."}) for n in range(4)]
    data = ("\n".join(rows) + "\n").encode()
    error, status = _refused(essaim, "proof", "docs.jsonl", data, max_rows=10)
    assert error.startswith("docs.jsonl:4: makes more than 10 tasks") and status == "failed"
    _, report = _ingest(essaim, "proof", "docs.jsonl", data, max_rows=12)
    assert (report.n_items, report.n_tasks) == (4, 12)


def test_a_document_within_the_limit_is_accepted(essaim):
    _proof(essaim)
    _, report = _ingest(essaim, "proof", "long.md", DOCUMENT, max_rows=30)
    assert report.status == "open" and (report.n_items, report.n_tasks) == (1, 30)
