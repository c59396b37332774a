"""Paths and numbers the command line refuses itself, naming the option: a chart path that
is a folder, an upload that is a folder, integers beyond what the databases store."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from engine.cli import app, command
from engine.config import MAX_UPLOAD_ROWS
from tests.integration.helpers import add_rows, make_project

pytestmark = pytest.mark.integration

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _plain_env(monkeypatch, tmp_path):
    for variable in ("ESSAIM_REDIS_URL", "ESSAIM_TELEGRAM_TOKEN", "ESSAIM_DISCORD_TOKEN",
                     "ESSAIM_DEBUG", "ESSAIM_ADMINS", "ESSAIM_MAX_UPLOAD_ROWS"):  # fmt: skip
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.chdir(tmp_path)


def run(url: str, *args: str):
    command()  # the bots' plugin registered on the app
    return CliRunner().invoke(app, ["--database-url", url, *args], catch_exceptions=False)


def one_error(result) -> str:
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert result.exit_code == 1 and len(lines) == 1, result.output
    assert "Traceback" not in result.output
    return lines[0]


@pytest.fixture
def animals(essaim):
    make_project(essaim)
    add_rows(essaim, "animals", [{"id": "r1", "text": "a row"}])
    return essaim.db.url


# --- quality --chart ---------------------------------------------------------------------


def test_a_chart_path_that_is_a_folder_is_refused_and_nothing_is_written(animals, tmp_path):
    folder = tmp_path / "charts"
    folder.mkdir()
    line = one_error(run(animals, "quality", "animals", "--chart", str(folder)))
    assert f"{folder}: --chart is a folder" in line and str(folder / "quality.png") in line
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("charts")) == [
        "charts"
    ]  # no charts.png beside it
    assert list(folder.iterdir()) == []


def test_a_chart_name_without_png_is_refused(animals, tmp_path):
    line = one_error(run(animals, "quality", "animals", "--chart", str(tmp_path / "chart")))
    assert "--chart writes a PNG image; give a file name ending in .png" in line
    assert list(tmp_path.glob("chart*")) == []


def test_the_chart_is_the_very_file_named(animals, tmp_path):
    target = tmp_path / "new" / "folder" / "Quality.PNG"
    result = run(animals, "quality", "animals", "--chart", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_bytes()[:8] == PNG
    assert f"chart written to {target}" in result.output.replace("\n", "")
    assert [p.name for p in target.parent.iterdir()] == ["Quality.PNG"]


# --- batch add -----------------------------------------------------------------------------


def test_batch_add_of_a_folder_says_it_is_a_folder(animals, tmp_path):
    folder = tmp_path / "uploads"
    folder.mkdir()
    line = one_error(run(animals, "batch", "add", "animals", str(folder)))
    assert line == f"error: {folder}: is a folder; give the file to upload"
    missing = one_error(run(animals, "batch", "add", "animals", str(tmp_path / "none.csv")))
    assert missing.endswith("none.csv: no such file")


def _usage_error(result, option: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "Python int" not in result.output
    assert option in result.output, result.output


def test_max_rows_beyond_the_database_column_names_the_option(animals, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text("id,text\nn1,new\n")
    for value in (str(2**70), str(MAX_UPLOAD_ROWS + 1), "0"):
        _usage_error(run(animals, "batch", "add", "animals", str(rows), "--max-rows", value),
                     "--max-rows")  # fmt: skip
    accepted = run(animals, "batch", "add", "animals", str(rows), "--max-rows",
                   str(MAX_UPLOAD_ROWS))  # fmt: skip
    assert accepted.exit_code == 0, accepted.output  # the largest stores on both databases


def test_a_row_limit_setting_beyond_the_column_is_one_line(animals, monkeypatch, tmp_path):
    monkeypatch.setenv("ESSAIM_MAX_UPLOAD_ROWS", str(MAX_UPLOAD_ROWS + 1))
    rows = tmp_path / "rows.csv"
    rows.write_text("id,text\nn1,new\n")
    line = one_error(run(animals, "batch", "add", "animals", str(rows)))
    assert line.startswith("error: invalid setting ESSAIM_MAX_UPLOAD_ROWS")


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("simulate", "animals", "--seed", str(2**70)), "--seed"),
        (("simulate", "animals", "--seed", "-1"), "--seed"),
        (("demo", "--seed", str(2**32)), "--seed"),
        (("run", "telegram", "--port", "70000"), "--port"),
        (("run", "telegram", "--port", "0"), "--port"),
        (("run", "discord", "--guild", str(2**64)), "--guild"),
    ],
)
def test_other_integer_options_are_bounded(args, option, tmp_path):
    _usage_error(run(f"sqlite:///{tmp_path}/b.db", *args), option)


def test_every_integer_option_of_the_command_line_has_bounds():
    """A new integer option without ``min`` and ``max`` would reach a database or a library
    unchecked (as ``--max-rows`` did): the walk of the real command tree finds it."""
    from typer._click.core import Context

    from tests.integration.test_cli_hostile import _kind, _leaves

    root = command()
    root.load_all()
    integers = {
        f"{' '.join(path)} {param.name}": (getattr(param, "min", None), getattr(param, "max", None))
        for path, leaf in _leaves(root, Context(root))
        for param in leaf.params
        if _kind(param) is int
    }
    assert {"batch add max_rows", "simulate seed", "run telegram port"} <= set(integers)
    assert [name for name, bounds in integers.items() if None in bounds] == []
