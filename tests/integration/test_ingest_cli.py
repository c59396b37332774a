"""`essaim batch add` as a user runs it: encoding said, every error printed, doubles refused."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from engine.cli import app

pytestmark = pytest.mark.integration

SPEC = 'name = "Animals"\nslug = "animals"\nkind = "labeling"\nlabels = ["cat", "dog"]\n'


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.delenv("ESSAIM_REDIS_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path}/cli.db"
    runner = CliRunner()

    def run(*args: str, ok: bool = True):
        result = runner.invoke(app, ["--database-url", url, *args])
        if ok:
            assert result.exit_code == 0, (result.output, result.exception)
        return result

    (tmp_path / "animals.toml").write_text(SPEC)
    run("project", "create", str(tmp_path / "animals.toml"))
    return run


def test_the_encoding_used_is_reported(cli, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("id;text\r\n1;Déjà vu\r\n".encode("cp1252"))
    assert "read as Windows-1252" in cli("batch", "add", "animals", str(path)).stdout
    path.write_bytes("id;text\r\n2;Déjà vu\r\n".encode("cp1252"))
    report = json.loads(cli("batch", "add", "animals", str(path), "--json").stdout)
    assert report["encoding"] == "cp1252" and report["n_items"] == 1
    path.write_bytes("id;text\r\n3;Déjà vu\r\n".encode("cp1252"))
    report = json.loads(cli("batch", "add", "animals", str(path), "--json", "--encoding",
                            "latin-1").stdout)  # fmt: skip
    assert report["encoding"] == "iso8859-1"


def test_every_error_is_printed_and_nothing_stored(cli, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("id,text\n" + "".join(f"x{n},\n" for n in range(60)))
    result = cli("batch", "add", "animals", str(path), ok=False)
    assert result.exit_code == 1
    output = result.output.splitlines()
    start = next(i for i, line in enumerate(output) if line.startswith("error:"))
    lines = output[start : start + 51]  # one error: line, every other problem indented below
    assert [line for line in output if line.startswith("error:")] == [lines[0]]
    assert lines[0] == "error: bad.csv:2: field 'text': is missing or empty"
    assert all(line.startswith("  bad.csv:") for line in lines[1:50])
    assert lines[-1] == "  and 10 more errors"
    assert "Traceback" not in result.output
    assert json.loads(cli("status", "animals", "--json").stdout)["items"] == 0


def test_doubles_refused_and_the_flags_that_allow_them(cli, tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("id,text\na,one\nb,two\n")
    cli("batch", "add", "animals", str(path))
    again = cli("batch", "add", "animals", str(path), ok=False)
    assert again.exit_code == 1 and "--force" in again.output
    repeated = cli("batch", "add", "animals", str(path), "--force", ok=False)
    assert "--allow-repeated-ids" in repeated.output and "'a'" in repeated.output
    done = cli("batch", "add", "animals", str(path), "--force", "--allow-repeated-ids")
    assert "2 items have ids that earlier batches" in done.output
    assert json.loads(cli("status", "animals", "--json").stdout)["items"] == 4


def test_the_row_limit_is_an_option(cli, tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("text\n" + "".join(f"row {n}\n" for n in range(5)))
    result = cli("batch", "add", "animals", str(path), "--max-rows", "4", ok=False)
    assert "rows.csv:6: more than 4 rows" in result.output
    assert "5 items" in cli("batch", "add", "animals", str(path), "--max-rows", "5").stdout
