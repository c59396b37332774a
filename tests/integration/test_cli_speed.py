"""The mechanisms that keep the command line quick (not the machine's speed: see
benchmarks/cli_speed.py for the figures).

- ``essaim --help`` and a command's ``--help`` import no database, numpy or bot library;
- the table of lazily loaded commands says what the modules really register;
- the schema check at start-up reads one row, and agrees with alembic on the head revision.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
import typer

from engine.cli import COMMANDS, command
from engine.db import Database
from engine.migrate import MIGRATIONS, current_revision, head_revision, is_current

pytestmark = pytest.mark.integration

HEAVY = ("sqlalchemy", "numpy", "telegram", "discord", "alembic", "engine.services", "pyarrow")

RUNNER = textwrap.dedent(
    """
    import json, sys
    sys.argv = ["essaim", *json.loads(sys.argv[1])]
    from engine.cli import main
    try:
        main()
    except SystemExit as exit:
        code = exit.code
    else:
        code = 0
    heavy = sorted(m for m in sys.modules if m.split(".")[0] in {0} or m == "engine.services")
    sys.stderr.write("\\n" + json.dumps({{"code": code, "heavy": heavy}}) + "\\n")
    """
).format(repr({name.split(".")[0] for name in HEAVY if name != "engine.services"}))


def _run(*args: str) -> tuple[str, dict[str, object]]:
    done = subprocess.run([sys.executable, "-c", RUNNER, json.dumps(args)],
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return done.stdout, report


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        (),
        ("status", "--help"),
        ("db", "--help"),
        ("project", "create", "--help"),
        ("role", "grant", "--help"),
        ("run", "--help"),
        ("run", "telegram", "--help"),
        ("run", "discord", "--help"),
        ("chat", "--help"),
    ],
)
def test_help_imports_no_database_numpy_or_bot_library(args):
    stdout, report = _run(*args)
    assert report["code"] in (0, 2), stdout  # no arguments: help and usage code 2 (click)
    assert "Usage" in stdout
    assert report["heavy"] == [], f"essaim {' '.join(args)} imported {report['heavy']}"


def test_root_help_lists_every_command_with_its_own_help():
    stdout, _ = _run("--help")
    for name in COMMANDS:
        assert f" {name} " in stdout
    assert " run " in stdout and " chat " in stdout  # the bots' plugin, registered cheaply


def test_the_table_of_commands_is_what_the_modules_register():
    """A command added to a module without its line in COMMANDS would be missing from
    ``essaim --help``; a stale help line would lie."""
    import importlib

    for module_name in {entry.module for entry in COMMANDS.values()}:
        registrar = typer.Typer()
        importlib.import_module(module_name).register(registrar)
        registered = typer.main.get_group(registrar).commands
        listed = {name for name, entry in COMMANDS.items() if entry.module == module_name}
        assert set(registered) == listed, module_name
        for name, real in registered.items():
            first_line = (real.help or "").strip().splitlines()[0]
            assert COMMANDS[name].help == first_line, name


def test_a_command_runs_after_lazy_loading_and_an_unknown_one_suggests():
    from click.testing import CliRunner

    result = CliRunner().invoke(command(), ["stauts", "x"])
    assert result.exit_code == 2 and "status" in result.output
    result = CliRunner().invoke(command(), ["db", "--help"])
    assert result.exit_code == 0 and "upgrade" in result.output


def test_head_revision_agrees_with_alembic():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert head_revision() == ScriptDirectory.from_config(config).get_current_head()


def test_a_forked_history_is_refused(tmp_path):
    for name, revision, down in (("a", "1", "None"), ("b", "2", '"1"'), ("c", "3", '"1"')):
        (tmp_path / f"{name}.py").write_text(
            f'revision: str = "{revision}"\ndown_revision: str | None = {down}\n'
        )
    with pytest.raises(RuntimeError, match="one head"):
        head_revision(tmp_path)


def test_schema_check_without_alembic(db: Database, tmp_path):
    assert current_revision(db) == head_revision() and is_current(db)
    empty = Database(f"sqlite:///{tmp_path}/empty.db")
    assert current_revision(empty) is None and not is_current(empty)
    empty.dispose()
