"""What goes in comes out: ids, texts and every uploaded field, through every export.

Uploads go through the public `Essaim.add_batch`; exports are read back with the csv and json
modules, as a requester's script would.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from engine.actors import OPERATOR
from engine.cli import app
from engine.document_export import write_documents
from engine.errors import NotFound
from engine.exporting import ExportError, guard_formula, write_export
from tests.integration.helpers import answer_task, make_project, person, tasks_of

pytestmark = pytest.mark.integration

_slugs = itertools.count()
_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
_SPECIAL = ["007", "7", "1_10", "11_0", "=1+1", "-5", "+3.2", "@SUM(A1)", "a,b", "a;b|c\td",
            'say "hi"', "line\nbreak", "cr\rinside", "é€😀", "sep\u2028inside"]  # fmt: skip


def _trimmed(max_size: int) -> st.SearchStrategy[str]:
    """Texts with nothing for an upload to trim at either end, special cases mixed in."""
    drawn = st.text(_CHARS, min_size=1, max_size=max_size).map(str.strip).filter(bool)
    return st.one_of(st.sampled_from(_SPECIAL), drawn)


RECORDS = st.lists(
    st.tuples(_trimmed(40), _trimmed(80), st.text(_CHARS, max_size=30)),
    min_size=1,
    max_size=8,
    unique_by=lambda record: record[0],
)
HYPOTHESIS = settings(max_examples=20, deadline=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip


def _new_project(essaim: Any, kind: str = "labeling", **overrides: Any) -> str:
    slug = f"p{next(_slugs)}"
    if kind == "labeling":
        make_project(essaim, slug=slug, **overrides)
    else:
        make_project(essaim, slug=slug, kind=kind, labels=None, overlap={"min": 1, "max": 1},
                     candidates=1, **overrides)  # fmt: skip
    return slug


def _csv_upload(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([header, *rows])
    return buffer.getvalue().encode("utf-8")


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == ""
    return [json.loads(line) for line in lines[:-1]]


def _export_all(essaim: Any, slug: str, folder: Path) -> dict[str, Path]:
    paths = {name: folder / f"{slug}-{name}" for name in ("keep.csv", "escape.csv", "jsonl")}
    write_export(essaim.db, slug, paths["keep.csv"], formulas="keep")
    write_export(essaim.db, slug, paths["escape.csv"])
    write_export(essaim.db, slug, paths["jsonl"], fmt="jsonl")
    return paths


@HYPOTHESIS
@given(records=RECORDS)
def test_csv_upload_round_trips_through_every_export(essaim, tmp_path, records):
    slug = _new_project(essaim)
    # "answer" and "status" are also result columns: as inputs they are input.answer, ...
    header = ["id", "text", "answer", "status"]
    rows = [[rid, text, note, "=" + note] for rid, text, note in records]
    handle = essaim.add_batch(slug, "upload.csv", _csv_upload(header, rows), actor_id=OPERATOR)
    assert handle.status == "finished", handle.error
    paths = _export_all(essaim, slug, tmp_path)

    expected = [dict(zip(header, row, strict=True)) for row in rows]
    kept = _read_csv(paths["keep.csv"])
    assert [r["id"] for r in kept] == [e["id"] for e in expected]
    for got, want in zip(kept, expected, strict=True):
        assert (got["input.text"], got["input.answer"], got["input.status"]) == (
            want["text"], want["answer"], want["status"])  # fmt: skip
        assert (got["answer"], got["status"]) == ("", "open")  # the results, not the inputs
    escaped = _read_csv(paths["escape.csv"])
    for got, want in zip(escaped, expected, strict=True):
        assert got["id"] == guard_formula(want["id"])
        assert got["input.text"] == guard_formula(want["text"])
        assert got["input.status"] == "'=" + want["answer"]
    lines = _read_jsonl(paths["jsonl"])
    assert [(r["id"], r["input"]) for r in lines] == [
        (e["id"], {"text": e["text"], "answer": e["answer"], "status": e["status"]})
        for e in expected
    ]


@HYPOTHESIS
@given(records=RECORDS)
def test_jsonl_upload_keeps_ids_and_texts_and_a_renamed_text_field(essaim, tmp_path, records):
    slug = _new_project(essaim, text_field="body")
    lines = [json.dumps({"id": rid, "body": text, "extra": note}, ensure_ascii=False)
             for rid, text, note in records]  # fmt: skip
    handle = essaim.add_batch(
        slug, "upload.jsonl", ("\n".join(lines) + "\n").encode(), actor_id=OPERATOR
    )
    assert handle.status == "finished", handle.error
    paths = _export_all(essaim, slug, tmp_path)
    kept = _read_csv(paths["keep.csv"])
    assert [(r["id"], r["input.body"], r["input.extra"]) for r in kept] == records
    assert [(r["id"], r["input"]) for r in _read_jsonl(paths["jsonl"])] == [
        (rid, {"body": text, "extra": note}) for rid, text, note in records
    ]


def test_ids_are_trimmed_only_around_and_gold_is_never_an_input(essaim, tmp_path):
    slug = _new_project(essaim)
    data = _csv_upload(["id", "text", "gold", "media_url"],
                       [[" 007 ", " two  spaces ", "cat", "https://x/1.png"], ["7", "b", "", ""],
                        ["1_10", "c", "", ""], ["11_0", "d", "", ""]])  # fmt: skip
    assert essaim.add_batch(slug, "g.csv", data, actor_id=OPERATOR).status == "finished"
    paths = _export_all(essaim, slug, tmp_path)
    rows = _read_csv(paths["keep.csv"])
    assert [r["id"] for r in rows] == ["007", "7", "1_10", "11_0"]
    assert list(rows[0]) == ["id", "answer", "confidence", "n_answers", "status",
                             "input.media_url", "input.text"]  # fmt: skip
    assert (rows[0]["status"], rows[0]["answer"]) == ("gold", "cat")
    assert (rows[0]["input.text"], rows[0]["input.media_url"]) == (" two  spaces ",
                                                                   "https://x/1.png")  # fmt: skip
    assert _read_jsonl(paths["jsonl"])[1]["input"] == {"media_url": "", "text": "b"}


def test_raw_export_keeps_item_ids_and_escapes_labels(essaim, tmp_path):
    slug = _new_project(essaim, labels=["=cmd", "-1", "ok"], overlap={"min": 1, "max": 1})
    assert essaim.add_batch(
        slug, "r.csv", _csv_upload(["id", "text"], [["0042", "x"]]), actor_id=OPERATOR
    ).status
    (task,) = tasks_of(essaim.db, slug)
    answer_task(essaim, person(essaim, "ada"), slug, task.id, "=cmd", chain_next=False)
    write_export(essaim.db, slug, tmp_path / "raw.csv", raw=True)
    (row,) = _read_csv(tmp_path / "raw.csv")
    assert (row["item"], row["label"]) == ("0042", "'=cmd")
    write_export(essaim.db, slug, tmp_path / "raw.jsonl", raw=True, fmt="jsonl")
    assert _read_jsonl(tmp_path / "raw.jsonl")[0]["label"] == "=cmd"


def test_a_failed_export_leaves_the_previous_file(essaim, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "out.csv"
    target.write_text("previous\n")
    with pytest.raises(ExportError, match="is a folder"):
        write_export(essaim.db, "nope", folder)
    with pytest.raises(NotFound):
        write_export(essaim.db, "nope", target, fmt="jsonl")
    assert target.read_text() == "previous\n"
    assert [p.name for p in folder.iterdir()] == ["out.csv"]  # no .part left behind


# --- documents ----------------------------------------------------------------------------

DOCUMENT = "# Titre\r\n\r\nUne frase fausse. Une phrase juste.\r\n\r\n- point « un »\r\n"


def test_an_unanswered_document_comes_out_byte_for_byte(essaim, tmp_path):
    slug = _new_project(essaim, "proofreading", language="fr")
    assert (
        essaim.add_batch(slug, "notice.md", DOCUMENT.encode(), actor_id=OPERATOR).status
        == "finished"
    )
    written = write_documents(essaim.db, slug, tmp_path / "one.md")
    assert (tmp_path / "one.md").read_bytes() == DOCUMENT.encode()
    assert written.paths == [str(tmp_path / "one.md")]
    assert written.undecided == len(tasks_of(essaim.db, slug))


def test_documents_into_a_folder_with_corrections(essaim, tmp_path):
    slug = _new_project(essaim, "proofreading", language="fr")
    assert (
        essaim.add_batch(slug, "notice.md", DOCUMENT.encode(), actor_id=OPERATOR).status
        == "finished"
    )
    data = _csv_upload(["id", "text"], [["a/b", "Deux mots."], ["a_b", "Trois mots ici."]])
    assert essaim.add_batch(slug, "rows.csv", data, actor_id=OPERATOR).status == "finished"
    first = min(tasks_of(essaim.db, slug), key=lambda task: task.id)
    answer_task(essaim, person(essaim, "ada"), slug, first.id, "Titre corrigé", chain_next=False)
    with pytest.raises(ExportError, match="several documents; give a folder"):
        write_documents(essaim.db, slug, tmp_path / "one.md")
    written = write_documents(essaim.db, slug, f"{tmp_path}/docs/")
    names = sorted(p.name for p in (tmp_path / "docs").iterdir())
    assert names == ["a_b-2.corrected.txt", "a_b.corrected.txt", "notice.corrected.md"]
    assert len(written.paths) == 3
    corrected = (tmp_path / "docs" / "notice.corrected.md").read_bytes()
    assert corrected == DOCUMENT.replace("# Titre", "# Titre corrigé", 1).encode()
    assert (tmp_path / "docs" / "a_b.corrected.txt").read_text() == "Deux mots."


def test_a_translation_is_named_after_its_target_language(essaim, tmp_path):
    slug = _new_project(essaim, "translation", source_language="en", target_language="fr")
    assert (
        essaim.add_batch(slug, "notice.txt", b"Hello there.\n", actor_id=OPERATOR).status
        == "finished"
    )
    (task,) = tasks_of(essaim.db, slug)
    answer_task(essaim, person(essaim, "ada"), slug, task.id, "Bonjour.", chain_next=False)
    written = write_documents(essaim.db, slug, tmp_path)
    assert written.paths == [str(tmp_path / "notice.fr.txt")]
    assert (tmp_path / "notice.fr.txt").read_text() == "Bonjour.\n"
    assert written.undecided == 0


def test_a_labeling_project_has_no_document(essaim, tmp_path):
    slug = _new_project(essaim)
    with pytest.raises(ExportError, match="is a labeling project; --document is for"):
        write_documents(essaim.db, slug, tmp_path)


# --- the command line ---------------------------------------------------------------------


@pytest.fixture
def cli(db, monkeypatch, tmp_path):
    monkeypatch.delenv("ESSAIM_REDIS_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["--database-url", db.url, *args])


def test_cli_errors_are_one_line(essaim, cli, tmp_path):
    slug = _new_project(essaim)
    assert essaim.add_batch(
        slug, "c.csv", _csv_upload(["id", "text"], [["=x", "y"]]), actor_id=OPERATOR
    ).status
    for args, message in [
        (["export", slug, "-o", str(tmp_path)], "is a folder"),
        (["export", slug, "--document"], "is a labeling project"),
        (["export", slug, "--formulas", "maybe"], "--formulas must be one of escape, keep"),
        (["export", slug, "--document", "--raw"], "drop --raw and --format"),
    ]:
        result = cli(*args)
        assert result.exit_code == 1, result.output
        assert isinstance(result.exception, SystemExit), result.exception  # no other error
        assert "Traceback" not in result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], result.output


def test_cli_exports_documents_and_formulas_keep(essaim, cli, tmp_path):
    slug = _new_project(essaim, "proofreading", language="fr")
    assert (
        essaim.add_batch(slug, "notice.md", DOCUMENT.encode(), actor_id=OPERATOR).status
        == "finished"
    )
    result = cli("export", slug, "--document", "-o", "out/")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "notice.corrected.md").read_bytes() == DOCUMENT.encode()
    assert "1 documents written" in result.output
    labels = _new_project(essaim)
    assert essaim.add_batch(
        labels, "c.csv", _csv_upload(["id", "text"], [["=x", "-y"]]), actor_id=OPERATOR
    ).status
    assert cli("export", labels, "--formulas", "keep", "-o", "k.csv").exit_code == 0
    assert _read_csv(tmp_path / "k.csv")[0]["id"] == "=x"
    assert cli("export", labels, "-o", "e.csv").exit_code == 0
    assert _read_csv(tmp_path / "e.csv")[0]["input.text"] == "'-y"
