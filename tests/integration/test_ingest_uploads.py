"""Uploads in, exact: encodings detected, every error listed, no silent doubles, reserved
columns, what PostgreSQL refuses refused on both databases, failures always end ``failed``."""

from __future__ import annotations

import io
import itertools
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from engine import services
from engine.actors import OPERATOR
from engine.errors import InvalidUpload
from engine.models import Batch, BatchChunk, Item, Project, Task
from engine.services import ingesting
from engine.services.batches import UploadRefused
from tests.integration.helpers import count, make_project, tasks_of

pytestmark = pytest.mark.integration


def _ingest(essaim, filename, data, slug="animals", **options):
    batch_id = services.upload_batch(essaim.db, slug, filename, data, actor_id=OPERATOR, **options)
    return batch_id, services.ingest_batch(essaim.db, batch_id)


def _items(db, slug="animals"):
    with db.read() as session:
        rows = session.execute(
            select(Item.external_id, Item.payload).join(Project, Project.id == Item.project_id)
            .where(Project.slug == slug).order_by(Item.id)
        ).all()  # fmt: skip
    return [(external_id, payload) for external_id, payload in rows]


def test_a_french_excel_file_is_read_as_cp1252_byte_for_byte(essaim):
    make_project(essaim)
    text = "id;text\r\n1;« Déjà vu », dit-il — 5 €\r\n2;Noël à l’œil\r\n"
    _, report = _ingest(essaim, "excel.csv", text.encode("cp1252"))
    assert report.encoding == "cp1252"
    assert [payload["text"] for _, payload in _items(essaim.db)] == [
        "« Déjà vu », dit-il — 5 €",
        "Noël à l’œil",
    ]
    assert services.batch_report(essaim.db, report.batch_id).encoding == "cp1252"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le"])
def test_utf16_with_or_without_bom_is_detected(essaim, codec):
    make_project(essaim)
    text = "id\ttext\n日本-1\tこんにちは 😀\n"
    _, report = _ingest(essaim, "unicode.tsv", text.encode(codec))
    assert report.encoding == codec
    assert _items(essaim.db) == [("日本-1", {"text": "こんにちは 😀"})]


def test_sixty_bad_lines_list_fifty_then_the_count_and_store_nothing(essaim):
    make_project(essaim)
    rows = ["id,text,gold"] + [f"g{n},fine {n}," for n in range(40)]
    rows += [f"b{n},bad {n},horse" for n in range(60)]
    batch_id = services.upload_batch(essaim.db, "animals", "bad.csv",
                                     ("\n".join(rows) + "\n").encode(),
                                     actor_id=OPERATOR)  # fmt: skip
    with pytest.raises(UploadRefused) as caught:
        services.ingest_batch(essaim.db, batch_id)
    lines = str(caught.value).split("\n")
    assert len(lines) == 51 and lines[-1] == "and 10 more errors"
    assert lines[0].startswith("bad.csv:42: field 'gold': 'horse' is not one of the labels")
    assert all(line.startswith(f"bad.csv:{42 + n}: field 'gold'") for n, line in
               enumerate(lines[:50]))  # fmt: skip
    assert (caught.value.line, caught.value.field) == (42, "gold")
    report = services.batch_report(essaim.db, batch_id)
    assert (report.status, report.n_errors, len(report.errors)) == ("failed", 60, 50)
    assert count(essaim.db, Item) == 0 and count(essaim.db, Task) == 0
    assert count(essaim.db, BatchChunk) == 0  # the bytes of a failed batch are dropped


def test_the_same_file_twice_is_refused_unless_forced(essaim):
    make_project(essaim)
    data = b"id,text\na,one\nb,two\n"
    _ingest(essaim, "first.csv", data)
    with pytest.raises(InvalidUpload) as caught:
        services.upload_batch(essaim.db, "animals", "again.csv", data, actor_id=OPERATOR)
    assert "already uploaded" in str(caught.value) and "--force" in str(caught.value)
    assert count(essaim.db, Batch) == 1
    # forced, the same ids are still refused unless allowed too
    batch_id = services.upload_batch(
        essaim.db, "animals", "again.csv", data, force=True, actor_id=OPERATOR
    )
    with pytest.raises(UploadRefused, match="--allow-repeated-ids"):
        services.ingest_batch(essaim.db, batch_id)
    _, report = _ingest(essaim, "again.csv", data, force=True, allow_repeated_ids=True)
    assert (report.n_items, report.n_repeated_ids) == (2, 2)
    assert count(essaim.db, Item) == 4


def test_a_failed_batch_does_not_count_as_uploaded(essaim):
    make_project(essaim)
    data = b"id,text\na,\n"
    batch_id = services.upload_batch(essaim.db, "animals", "x.csv", data, actor_id=OPERATOR)
    with pytest.raises(InvalidUpload):
        services.ingest_batch(essaim.db, batch_id)
    services.upload_batch(
        essaim.db, "animals", "x.csv", data, actor_id=OPERATOR
    )  # not refused as a double


def test_ids_of_an_earlier_batch_are_refused_and_listed(essaim):
    make_project(essaim)
    _ingest(essaim, "one.csv", b"id,text\na1,x\na2,y\na3,z\n")
    batch_id = services.upload_batch(essaim.db, "animals", "two.csv",
                                     b"id,text\nnew,x\na3,y\na1,z\n",
                                     actor_id=OPERATOR)  # fmt: skip
    with pytest.raises(UploadRefused) as caught:
        services.ingest_batch(essaim.db, batch_id)
    message = str(caught.value)
    assert "2 ids repeat ids of earlier batches" in message
    assert "'a3'" in message and "'a1'" in message and "'new'" not in message
    assert count(essaim.db, Item) == 3
    # another project may use the same ids
    make_project(essaim, slug="other")
    _ingest(essaim, "two.csv", b"id,text\nnew,x\na3,y\na1,z\n", slug="other")


def test_upper_case_id_and_gold_headers_are_the_reserved_columns(essaim):
    make_project(essaim)
    # the project's text field is reserved too: "Text" is the text
    data = "\ufeff\ufeffID,Text,Gold\n 007 ,a cat,cat\n1_10,a dog,\n".encode()
    _, report = _ingest(essaim, "upper.csv", data)
    assert (report.n_items, report.n_gold) == (2, 1)
    assert [external_id for external_id, _ in _items(essaim.db)] == ["007", "1_10"]
    gold, plain = tasks_of(essaim.db, "animals")
    assert gold.is_gold and gold.gold_answer == "cat" and plain.gold_answer is None
    assert "Gold" not in gold.payload and "gold" not in gold.payload
    assert "Gold" not in plain.payload


def test_gold_and_Gold_together_are_refused_naming_the_column(essaim):
    make_project(essaim)
    with pytest.raises(UploadRefused) as caught:
        _ingest(essaim, "both.csv", b"id,text,gold,Gold\n1,a,cat,dog\n")
    assert str(caught.value).startswith("both.csv:1: column 'Gold' is the reserved column 'gold'")
    assert count(essaim.db, Item) == 0


@pytest.mark.parametrize(
    ("filename", "data", "line", "field", "fragment"),
    [
        ("nul.csv", b"id,text\n1,fine\n2,a\x00b\n", 3, "text", "NUL"),
        ("nul.jsonl", b'{"id": "1", "text": "ok"}\n{"id": "2", "text": "a\\u0000b"}\n', 2,
         "text", "NUL"),
        ("lone.jsonl", b'{"id": "1", "text": "ok"}\n{"id": "2", "text": "\\ud800"}\n', 2,
         "text", "surrogate"),
        ("nan.jsonl", b'{"id": "1", "text": "ok"}\n{"id": "2", "text": "x", "s": NaN}\n', 2,
         None, "NaN"),
        ("inf.jsonl", b'{"id": "1", "text": "ok"}\n{"id": "2", "text": "x", "s": 1e999}\n', 2,
         "s", "inf"),
        ("long.csv", b"id,text\n1,ok\n" + b"x" * 256 + b",too long an id\n", 3, "id", "255"),
        ("deep.jsonl", b'{"id": "1", "text": "x", "d": ' + b"[" * 5000 + b"]" * 5000 + b"}\n",
         1, None, "nested"),
        ("big.jsonl", b'{"id": "1", "text": "x", "n": ' + b"7" * 5000 + b"}\n", 1, None,
         "digits"),
    ],
)  # fmt: skip
def test_what_postgresql_refuses_is_refused_on_both(essaim, filename, data, line, field,
                                                    fragment):  # fmt: skip
    make_project(essaim)
    batch_id = services.upload_batch(essaim.db, "animals", filename, data, actor_id=OPERATOR)
    with pytest.raises(UploadRefused) as caught:
        services.ingest_batch(essaim.db, batch_id)
    assert (caught.value.line, caught.value.field) == (line, field)
    assert str(caught.value).startswith(f"{filename}:{line}: ")
    assert fragment in str(caught.value)
    report = services.batch_report(essaim.db, batch_id)
    assert report.status == "failed" and fragment in (report.error or "")
    assert count(essaim.db, Item) == 0


def test_an_unexpected_error_leaves_the_batch_failed(essaim, monkeypatch):
    make_project(essaim)
    batch_id = services.upload_batch(
        essaim.db, "animals", "b.csv", b"id,text\n1,a\n", actor_id=OPERATOR
    )

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("engine.services.batches.store_rows", broken)
    with pytest.raises(RuntimeError):
        services.ingest_batch(essaim.db, batch_id)
    report = services.batch_report(essaim.db, batch_id)
    assert report.status == "failed"
    assert report.error == "b.csv: ingestion failed (RuntimeError: disk on fire)"
    assert count(essaim.db, Item) == 0
    # through the job queue (inline): the handle fails, the batch is failed, not pending
    batch_id = services.upload_batch(
        essaim.db, "animals", "c.csv", b"id,text\n2,b\n", actor_id=OPERATOR
    )
    handle = essaim.ingest(batch_id)
    assert handle.status == "failed" and "disk on fire" in (handle.error or "")
    assert services.batch_report(essaim.db, batch_id).status == "failed"


def test_fifty_thousand_rows_in_one_go(essaim, monkeypatch):
    monkeypatch.setattr(ingesting, "BLOCK", 7000)  # blocks end mid-file, not on a round number
    make_project(essaim)
    n = 50_000
    buffer = io.StringIO()
    buffer.write("id,text,gold\n")
    for i in range(n):
        gold = "dog" if i % 1000 == 7 else ""
        buffer.write(f'{i:06d}-é,"Ligne {i}, « {i * 7} »\n2e ligne",{gold}\r\n')
    data = buffer.getvalue().encode()
    seen: dict[str, int] = {}
    batch_id = services.upload_batch(
        essaim.db, "animals", "big.csv", io.BytesIO(data), actor_id=OPERATOR
    )

    def progress(stage: str, rows: int) -> None:
        seen[stage] = seen.get(stage, 0) + rows

    report = services.ingest_batch(essaim.db, batch_id, progress=progress)
    assert (report.n_items, report.n_tasks, report.n_gold) == (n, n, 50)
    assert seen == {"reading": n, "storing": n}
    assert count(essaim.db, Item) == n and count(essaim.db, Task) == n
    items = _items(essaim.db)
    for i in (0, 1, 6999, 7000, 31_337, n - 1):
        assert items[i] == (f"{i:06d}-é", {"text": f"Ligne {i}, « {i * 7} »\n2e ligne"})
    with essaim.db.read() as session:
        lines = session.execute(select(Item.line).order_by(Item.id).limit(3)).scalars().all()
    assert lines == [2, 4, 6]  # each row spans two physical lines


ids = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
              min_size=1, max_size=30).filter(lambda s: s.strip())  # fmt: skip
texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                min_size=1, max_size=60).filter(lambda s: s.strip())  # fmt: skip
_projects = itertools.count()


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.tuples(ids, texts), min_size=1, max_size=6,
                     unique_by=lambda row: row[0].strip()),
       jsonl=st.booleans())  # fmt: skip
def test_any_ids_and_texts_round_trip_through_the_database(essaim, rows, jsonl):
    slug = f"p{next(_projects)}"
    make_project(essaim, slug=slug)
    if jsonl:
        data = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in rows).encode()
        name = "rows.jsonl"
    else:
        import csv

        buffer = io.StringIO()
        csv.writer(buffer).writerows([("id", "text"), *rows])
        data, name = buffer.getvalue().encode(), "rows.csv"
    _ingest(essaim, name, data, slug=slug)
    assert _items(essaim.db, slug) == [(i.strip(), {"text": t}) for i, t in rows]
