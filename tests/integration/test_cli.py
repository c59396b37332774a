"""The command line as a user runs it: real SQLite file, real files in and out."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from engine.cli import _load_plugins, app

pytestmark = pytest.mark.integration

BLUEBIRDS = Path(__file__).resolve().parents[1] / "fixtures" / "bluebirds"
SPEC = """
name = "Animals"
slug = "animals"
kind = "labeling"
labels = ["cat", "dog", "bird"]
overlap = { min = 3, max = 5 }
confidence = 0.9
gold_rate = 0.2
"""


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.delenv("ESSAIM_REDIS_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path}/cli.db"
    runner = CliRunner()

    def run(*args: str, ok: bool = True) -> object:
        result = runner.invoke(app, ["--database-url", url, *args])
        if ok:
            assert result.exit_code == 0, (result.output, result.exception)
        return result

    return run


@pytest.fixture
def project(cli, tmp_path):
    spec = tmp_path / "animals.toml"
    spec.write_text(SPEC)
    assert cli("project", "create", str(spec)).stdout.strip() == "animals"
    rows = ["id,text,gold"] + [f"a{i},animal number {i}," for i in range(20)]
    rows += [f"g{i},gold animal {i},cat" for i in range(4)]
    (tmp_path / "batch.csv").write_text("\n".join(rows) + "\n")
    result = cli("batch", "add", "animals", str(tmp_path / "batch.csv"), "--json")
    report = json.loads(result.stdout)
    assert (report["n_items"], report["n_tasks"], report["n_gold"]) == (24, 24, 4)
    return "animals"


def test_db_upgrade_and_project_list(cli, project):
    assert "newest revision" in cli("db", "upgrade").stdout
    listed = json.loads(cli("project", "list", "--json").stdout)
    assert [p["slug"] for p in listed] == ["animals"]


def test_sweep_closes_a_batch_whose_tasks_were_all_decided(cli, project, tmp_path):
    assert json.loads(cli("sweep", "--json").stdout) == {"leases_released": 0,
                                                         "batches_closed": []}  # fmt: skip
    engine = create_engine(f"sqlite:///{tmp_path}/cli.db")
    with engine.begin() as connection:  # as two decisions at the same moment would leave it
        connection.execute(text("UPDATE task SET status = 'complete' WHERE NOT is_gold"))
    engine.dispose()
    assert json.loads(cli("sweep", "--json").stdout)["batches_closed"] == [1]
    assert "batches closed: none" in cli("sweep").stdout


def test_bad_spec_names_the_field(cli, tmp_path):
    spec = tmp_path / "bad.toml"
    spec.write_text('name = "Xylo"\nkind = "labeling"\nlabels = ["a", "b"]\nconfidence = 2\n')
    result = cli("project", "create", str(spec), ok=False)
    assert result.exit_code == 1
    assert "confidence" in result.output and "bad.toml" in result.output


def test_bad_batch_names_file_and_line_and_leaves_nothing(cli, project, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,text\nx1,fine\nx2,\nx3,fine too\n")
    result = cli("batch", "add", project, str(bad), ok=False)
    assert result.exit_code == 1
    assert "bad.csv:3" in result.output and "text" in result.output
    status = json.loads(cli("status", project, "--json").stdout)
    assert status["items"] == 24


def test_status_simulate_export_quality(cli, project, tmp_path):
    status = json.loads(cli("status", project, "--json").stdout)
    assert {"items", "tasks", "answers", "contributors", "completion"} <= set(status)
    assert status["completion"] == 0.0
    report = json.loads(cli("simulate", project, "--contributors", "8", "--accuracy", "0.9",
                            "--seed", "3", "--json").stdout)  # fmt: skip
    assert report["answers"] > 0 and report["accuracy"] > 0.8
    status = json.loads(cli("status", project, "--json").stdout)
    assert status["completion"] > 0.8 and status["contributors"] == 8
    out = tmp_path / "results.csv"
    cli("export", project, "-o", str(out))
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 24
    assert {"id", "answer", "confidence", "n_answers", "status"} <= set(rows[0])
    gold_rows = [r for r in rows if r["id"].startswith("g")]
    assert all(r["status"] == "gold" and r["answer"] == "cat" for r in gold_rows)
    raw = tmp_path / "raw.jsonl"
    cli("export", project, "--raw", "--format", "jsonl", "-o", str(raw))
    answers = [json.loads(line) for line in raw.read_text().splitlines()]
    assert len(answers) == report["answers"]
    assert {"task", "worker", "label", "seconds"} <= set(answers[0])
    chart = tmp_path / "quality.png"
    quality = json.loads(cli("quality", project, "--json", "--chart", str(chart)).stdout)
    assert quality["level"] == "nominal" and quality["alpha"] > 0.5
    assert len(quality["workers"]) == 8
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_review_role_and_import(cli, project, tmp_path):
    answers = tmp_path / "answers.csv"
    answers.write_text("task,worker,label\na0,w1,cat\na0,w2,dog\na0,w3,bird\n"
                       "a0,w4,cat\na0,w5,dog\na1,w1,dog\na1,w2,dog\na1,w3,dog\n")  # fmt: skip
    imported = json.loads(cli("answers", "import", project, str(answers), "--json").stdout)
    assert imported["imported"] == 8 and imported["tasks_completed"] == 1
    again = json.loads(cli("answers", "import", project, str(answers), "--json").stdout)
    assert again["imported"] == 0 and again["already_there"] == 8
    queue = json.loads(cli("review", "list", project, "--json").stdout)
    assert [item["item"] for item in queue] == ["a0"]
    task = str(queue[0]["task"])
    assert "resolved" in cli("review", "resolve", project, task, "cat").stdout
    assert json.loads(cli("review", "list", project, "--json").stdout) == []
    assert "moderator" in cli("role", "grant", "telegram:42", "moderator").stdout
    bad = cli("role", "grant", "telegram:42", "overlord", ok=False)
    assert bad.exit_code == 1 and "unknown role" in bad.output


def test_aggregate_bluebirds(cli, tmp_path):
    out = tmp_path / "ds.csv"
    result = cli("aggregate", str(BLUEBIRDS / "answers.csv"), "--method", "ds", "-o", str(out),
                 "--json")  # fmt: skip
    summary = json.loads(result.stdout)
    assert summary["tasks"] == 108 and summary["workers"] == 39 and summary["answers"] == 4212
    truth = {r["task"]: r["label"] for r in csv.DictReader((BLUEBIRDS / "truth.csv").open())}
    labels = {r["task"]: r["label"] for r in csv.DictReader(out.open())}
    accuracy = sum(labels[t] == truth[t] for t in truth) / len(truth)
    assert accuracy > 0.85
    mv = tmp_path / "mv.csv"
    cli("aggregate", str(BLUEBIRDS / "answers.csv"), "--method", "mv", "-o", str(mv))
    mv_labels = {r["task"]: r["label"] for r in csv.DictReader(mv.open())}
    assert sum(mv_labels[t] == truth[t] for t in truth) / len(truth) < accuracy - 0.05


def test_replay_bluebirds(cli, tmp_path):
    spec = tmp_path / "birds.toml"
    spec.write_text('name = "Birds"\nslug = "birds"\nkind = "labeling"\nlabels = ["0", "1"]\n'
                    "overlap = { min = 3, max = 9 }\nconfidence = 0.9\n")  # fmt: skip
    cli("project", "create", str(spec))
    tasks = [r["task"] for r in csv.DictReader((BLUEBIRDS / "truth.csv").open())]
    (tmp_path / "birds.csv").write_text("id,text\n" + "".join(f"{t},bird {t}\n" for t in tasks))
    cli("batch", "add", "birds", str(tmp_path / "birds.csv"))
    report = json.loads(cli("simulate", "birds", "--replay", str(BLUEBIRDS / "answers.csv"),
                            "--truth", str(BLUEBIRDS / "truth.csv"), "--json").stdout)  # fmt: skip
    assert report["recorded_answers"] == 4212
    assert 0 < report["answers_used"] < 4212 and report["saved_share"] > 0.5
    assert report["items_with_truth"] > 90 and report["accuracy"] is not None


def test_demo_runs_on_the_embedded_default(cli, tmp_path):
    result = cli("demo", "--dir", str(tmp_path / "demo"), "--contributors", "9")
    assert "Simulated crowd results" in result.stdout
    corrected = (tmp_path / "demo" / "relecture_corrected.md").read_text()
    assert "pommes de terre " in corrected
    assert (tmp_path / "demo" / "sentiment.csv").is_file()
    assert (tmp_path / "demo" / "translation_fr.txt").read_text().startswith("Bienvenue")


def test_bots_add_their_commands():
    _load_plugins()
    result = CliRunner().invoke(app, ["run", "--help"])
    assert result.exit_code == 0 and "telegram" in result.stdout
