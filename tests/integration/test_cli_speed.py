"""The mechanisms that keep the command line quick (not the machine's speed: see
benchmarks/cli_speed.py for the figures).

- ``essaim --help`` and a command's ``--help`` import no database, numpy or bot library;
- ``essaim status`` imports the database but no numpy, sentence splitter, pyarrow, bot
  library or alembic: the services load by name, the unit of work without the quality package;
- the status counts come from one pass over the tasks and still count every kind exactly;
- the table of lazily loaded commands says what the modules really register;
- the schema check at start-up reads one row, and agrees with alembic on the head revision.
"""

from __future__ import annotations

import gc
import importlib
import json
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import typer
from sqlalchemy import insert

from engine import services
from engine.actors import OPERATOR
from engine.cli import COMMANDS, command
from engine.db import Database
from engine.migrate import MIGRATIONS, current_revision, head_revision, is_current
from engine.models import Answer, Assignment, Batch, Contributor, Item, Task
from engine.spec import parse_spec
from tests.integration.helpers import run_essaim

pytestmark = pytest.mark.integration

HEAVY = ("sqlalchemy", "numpy", "telegram", "discord", "alembic", "engine.services", "pyarrow")
"""What a ``--help`` must not import (a root package, or ``engine.services`` itself)."""

STATUS_FORBIDDEN = ("numpy", "pysbd", "pyarrow", "telegram", "discord", "alembic")
"""What ``essaim status`` has no use for: numpy and pysbd come with the answer path and the
splitters, pyarrow with answer files, the bot libraries with ``run``, alembic with upgrades."""


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
    stdout, report = run_essaim(*args, watched=HEAVY)
    assert report["code"] in (0, 2), stdout  # no arguments: help and usage code 2 (click)
    assert "Usage" in stdout
    assert report["heavy"] == [], f"essaim {' '.join(args)} imported {report['heavy']}"


def test_root_help_lists_every_command_with_its_own_help():
    stdout, _ = run_essaim("--help", watched=HEAVY)
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


def _project_with_every_kind_of_task(db: Database) -> tuple[str, list[dict[str, object]]]:
    """A project whose tasks mix statuses, gold and vote stages, with answers by three
    people (one of them twice): the task rows as inserted, and the project's slug."""
    spec = {"name": "Counts [/]", "slug": "counts", "kind": "labeling",
            "labels": ["a", "b"]}  # fmt: skip
    project_id = services.create_project(db, parse_spec(spec), actor_id=OPERATOR).id
    kinds = [
        ("open", False, "answer"), ("open", False, "answer"), ("complete", False, "answer"),
        ("review", False, "answer"), ("resolved", False, "answer"), ("voting", False, "answer"),
        ("open", True, "answer"), ("complete", True, "answer"), ("open", False, "vote"),
        ("complete", False, "vote"), ("paused-by-hand", False, "answer"),
    ]  # fmt: skip
    now = datetime.now(UTC)
    with db.write() as session:
        batch = session.execute(
            insert(Batch).values(project_id=project_id, filename="c.csv", status="done",
                                 n_items=len(kinds), n_tasks=len(kinds)).returning(Batch.id)
        ).scalar_one()  # fmt: skip
        people = session.execute(
            insert(Contributor).returning(Contributor.id, sort_by_parameter_order=True),
            [{"display_name": f"p{i}"} for i in range(3)],
        ).scalars().all()  # fmt: skip
        items = session.execute(
            insert(Item).returning(Item.id, sort_by_parameter_order=True),
            [{"project_id": project_id, "batch_id": batch, "external_id": f"i{n}",
              "line": n + 2, "payload": {"text": f"t{n}"}} for n in range(len(kinds))],
        ).scalars().all()  # fmt: skip
        rows = [{"project_id": project_id, "item_id": item, "batch_id": batch, "status": status,
                 "is_gold": gold, "stage": stage, "payload": {"text": "t"}, "target": 3}
                for item, (status, gold, stage) in zip(items, kinds, strict=True)]  # fmt: skip
        tasks = session.execute(
            insert(Task).returning(Task.id, sort_by_parameter_order=True), rows
        ).scalars().all()  # fmt: skip
        answered = [(tasks[2], people[0]), (tasks[2], people[1]), (tasks[3], people[1]),
                    (tasks[7], people[2])]  # fmt: skip
        leases = session.execute(
            insert(Assignment).returning(Assignment.id, sort_by_parameter_order=True),
            [{"task_id": t, "contributor_id": c, "project_id": project_id, "status": "answered",
              "leased_at": now, "expires_at": now + timedelta(minutes=10)} for t, c in answered],
        ).scalars().all()  # fmt: skip
        session.execute(insert(Answer), [
            {"assignment_id": lease, "task_id": t, "contributor_id": c, "value": "a", "key": "a",
             "seconds": 2.0, "counted": True, "flags": {}, "created_at": now}
            for lease, (t, c) in zip(leases, answered, strict=True)
        ])  # fmt: skip
    return "counts", rows


def test_status_counts_every_kind_of_task_exactly(db: Database):
    """Answer-stage tasks that are not gold, by status (an unknown status kept); every gold
    task; vote tasks in neither: the one-pass query against a count of the rows."""
    slug, rows = _project_with_every_kind_of_task(db)
    report = services.project_status(db, slug, actor_id=OPERATOR)
    by_status = Counter(
        str(r["status"]) for r in rows if not r["is_gold"] and r["stage"] == "answer"
    )
    assert report.tasks == {"open": 2, "voting": 1, "review": 1, "complete": 1, "resolved": 1,
                            "paused-by-hand": 1}  # fmt: skip
    assert report.tasks == dict(by_status)
    assert report.gold_tasks == 2 == sum(1 for r in rows if r["is_gold"])
    assert report.items == len(rows) and report.answers == 4 and report.contributors == 3
    assert report.completion == pytest.approx(2 / 7)  # complete and resolved of seven


def test_status_imports_no_numpy_splitter_arrow_bot_or_alembic(db: Database):
    slug, _ = _project_with_every_kind_of_task(db)
    stdout, report = run_essaim("--database-url", db.url, "status", slug, watched=STATUS_FORBIDDEN)
    assert report["code"] == 0, stdout
    assert "items 11  answers 4  contributors 3  gold tasks 2" in stdout
    assert "Counts [/] (counts, labeling, active)" in stdout  # the name shown as text
    assert report["heavy"] == [], f"essaim status imported {report['heavy']}"
    stdout, report = run_essaim("--database-url", db.url, "status", slug, "--json",
                          watched=STATUS_FORBIDDEN)  # fmt: skip
    assert json.loads(stdout)["tasks"]["paused-by-hand"] == 1 and report["heavy"] == []


def test_status_leaves_the_collector_as_it_found_it(db: Database):
    """The command pauses garbage collection while it imports and reads, and only then."""
    from click.testing import CliRunner

    slug, _ = _project_with_every_kind_of_task(db)
    assert gc.isenabled()
    result = CliRunner().invoke(command(), ["--database-url", db.url, "status", slug])
    assert result.exit_code == 0, result.output
    assert gc.isenabled()
    gc.disable()
    try:
        result = CliRunner().invoke(command(), ["--database-url", db.url, "status", "nowhere"])
        assert result.exit_code == 1 and not gc.isenabled()  # an error: still as found
    finally:
        gc.enable()


def _loaded_by(module: str, condition: str) -> str:
    """The modules ``m`` meeting ``condition`` once a fresh interpreter imported ``module``."""
    code = f"import sys, {module}; print(sorted(m for m in sys.modules if {condition}))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)  # fmt: skip
    return done.stdout.strip()


def test_services_load_by_name(monkeypatch):
    """``engine.services`` imports no service module until a name is used; each name is the
    function of the module its table gives; a submodule still imports by name; a patched
    name is what callers of ``services.X`` get, until it is undone."""
    assert _loaded_by("engine.services", "m.startswith('engine.services.')") == "[]"
    table = services._MODULES
    assert sorted(name for names in table.values() for name in names) == sorted(services.__all__)
    for module, names in table.items():
        for name in names:
            assert getattr(services, name) is getattr(
                importlib.import_module(f"engine.services.{module}"), name
            ), name
    assert set(services.__all__) <= set(dir(services))
    with pytest.raises(AttributeError, match="no_such_service"):
        _ = services.no_such_service
    from engine.services import dto

    assert dto.ProjectStatus.__name__ == "ProjectStatus"
    original = services.list_projects
    with monkeypatch.context() as patched:
        patched.setattr(services, "list_projects", len)
        assert services.list_projects is len
    assert services.list_projects is original


def test_the_database_handle_imports_neither_models_nor_quality():
    """`engine.db` makes a `Work` for every write transaction; the counters' statement needs
    the models and the quality package only when a transaction has counters to write."""
    loaded = _loaded_by(
        "engine.db", "m.split('.')[0] in ('numpy', 'quality') or m == 'engine.models'"
    )
    assert loaded == "[]"


AGGREGATE_FORBIDDEN = ("pandas", "sqlalchemy", "telegram", "discord", "alembic", "pysbd")
"""What ``essaim aggregate`` has no use for: pandas alone costs a sixth of a second, and
pyarrow imports it behind `pa.array`, `pa.scalar` and `to_numpy`."""


def test_aggregate_imports_no_pandas_database_or_bot_library(tmp_path):
    answers = tmp_path / "answers.csv"
    answers.write_text("task,worker,label\n007,w1,a\n007,w2,b\n1_10,w1,a\n1_10,w2,a\n")
    out = tmp_path / "out.csv"
    stdout, report = run_essaim("aggregate", str(answers), "-o", str(out), "--method", "mv",
                          watched=AGGREGATE_FORBIDDEN)  # fmt: skip
    assert report["code"] == 0, stdout
    assert out.read_text().splitlines()[1:] == ["007,a,0.500000", "1_10,a,1.000000"]
    assert report["heavy"] == [], f"essaim aggregate imported {report['heavy']}"


def test_main_pauses_the_collector_only_until_a_command_runs(tmp_path):
    """`main` pauses collection while the command line is read; a command then runs with it
    on (a bot or a worker runs for days), unless it pauses it itself."""
    code = textwrap.dedent(
        """
        import gc, sys
        from engine import services
        seen = []
        real = services.sweep
        def sweep(db):
            seen.append(gc.isenabled())
            return real(db)
        services.sweep = sweep
        sys.argv = ["essaim", "--database-url", sys.argv[1], "sweep"]
        from engine.cli import main
        try:
            main()
        except SystemExit:
            pass
        print(seen)
        """
    )
    done = subprocess.run([sys.executable, "-c", code, f"sqlite:///{tmp_path}/g.db"],
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.stdout.strip().splitlines()[-1] == "[True]", done.stdout + done.stderr
