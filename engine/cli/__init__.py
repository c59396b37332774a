"""`essaim`: the command line (typer + rich). Human output by default, ``--json`` on reads.

Commands of other packages (the chat bots) plug in through the ``essaim.cli`` entry point
group, so the engine never imports them. The engine's own commands are listed in `COMMANDS`
and their modules imported only when they run (see `engine.cli.lazy`): ``essaim --help``
imports neither SQLAlchemy nor numpy nor a bot library.
"""

from __future__ import annotations

import gc
import sys
from importlib.metadata import entry_points
from typing import ClassVar

import typer

from engine.cli.context import state
from engine.cli.lazy import LazyCommand, LazyGroup

_OPERATIONS = "engine.cli.operations"
_DATA = "engine.cli.data"
_CROWD = "engine.cli.crowd"
_QUALITY = "engine.cli.quality_cmds"

COMMANDS: dict[str, LazyCommand] = {
    "db": LazyCommand(_OPERATIONS, "Database schema."),
    "project": LazyCommand(_OPERATIONS, "Create and list projects."),
    "role": LazyCommand(_OPERATIONS, "Grant roles."),
    "status": LazyCommand(
        _OPERATIONS,
        "Progress of a project: items, tasks by status, answers, contributors, completion.",
    ),
    "worker": LazyCommand(
        _OPERATIONS, "Run an RQ worker on the configured Redis (ESSAIM_REDIS_URL)."
    ),
    "sweep": LazyCommand(_OPERATIONS, "Free expired leases and close finished batches."),
    "batch": LazyCommand(_DATA, "Upload batches of work."),
    "answers": LazyCommand(_DATA, "Answers collected elsewhere."),
    "export": LazyCommand(
        _DATA,
        "Export results (one row per item with its inputs), raw answers, or the documents.",
    ),
    "review": LazyCommand(_CROWD, "Moderate what the crowd could not decide."),
    "simulate": LazyCommand(
        _CROWD, "Simulated contributors answer through the same services the bots call."
    ),
    "demo": LazyCommand(
        _CROWD, "Run sample projects end to end on the embedded default (SQLite, no Redis)."
    ),
    "quality": LazyCommand(
        _QUALITY, "Agreement (Krippendorff's alpha), workers, effort per task and review backlog."
    ),
    "aggregate": LazyCommand(
        _QUALITY, "Aggregate answers without a database; writes task,label,confidence."
    ),
}
"""The engine's commands: the module that registers each, and its help's first line."""


class EssaimGroup(LazyGroup):
    lazy: ClassVar[dict[str, LazyCommand]] = COMMANDS


app = typer.Typer(
    name="essaim",
    help="Essaim: micro-task crowdsourcing through chat bots.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=EssaimGroup,
)


_paused_by_main = False
"""Whether `main` paused the collector and `root` should turn it back on."""


@app.callback()
def root(
    database_url: str | None = typer.Option(
        None, "--database-url", envvar="ESSAIM_DATABASE_URL", help="Database URL."
    ),
) -> None:
    """Micro-task crowdsourcing through chat bots; see `essaim COMMAND --help`."""
    global _paused_by_main
    if _paused_by_main:  # paused by `main` while the command line was read (see there)
        _paused_by_main = False
        gc.enable()
    state.use(database_url)


_plugins_loaded = False


def _load_plugins() -> None:
    """Let the installed packages of the ``essaim.cli`` group add their commands (once)."""
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    for entry in entry_points(group="essaim.cli"):
        entry.load()(app)


def command(args: list[str] | None = None) -> EssaimGroup:
    """The whole command line as a click group, with the plugins' commands unless ``args``
    name one of the engine's own (reading the installed packages' entry points costs ~25 ms
    of a short command such as ``essaim status``)."""
    if args is None or _command_name(args) not in COMMANDS:
        _load_plugins()
    group = typer.main.get_command(app)
    assert isinstance(group, EssaimGroup)
    return group


def _command_name(args: list[str]) -> str | None:
    """The command word of a command line (the first argument that is not a root option)."""
    words = iter(args)
    for word in words:
        if word == "--database-url":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def main() -> None:
    # No cyclic collection while typer, pydantic and rich are imported and the command line
    # is parsed: tens of thousands of long-lived objects, traversed again and again for
    # nothing. Back on in `root`, before any command runs (short commands pause it again).
    global _paused_by_main
    _paused_by_main = gc.isenabled()
    gc.disable()
    try:
        command(sys.argv[1:])(prog_name="essaim")
    finally:
        # The process ends here: its objects need no last collection. Frozen, they are
        # skipped by the interpreter's final passes, which otherwise traverse everything
        # SQLAlchemy, pydantic and rich made (a fifth of a short command like `status`).
        gc.freeze()
