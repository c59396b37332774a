"""`essaim`: the command line (typer + rich). Human output by default, ``--json`` on reads.

Commands of other packages (the chat bots) plug in through the ``essaim.cli`` entry point
group, so the engine never imports them.
"""

from __future__ import annotations

from importlib.metadata import entry_points

import typer

from engine.cli import crowd, data, operations, quality_cmds
from engine.cli.context import state

app = typer.Typer(
    name="essaim",
    help="Essaim: micro-task crowdsourcing through chat bots.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def root(
    database_url: str | None = typer.Option(
        None, "--database-url", envvar="ESSAIM_DATABASE_URL", help="Database URL."
    ),
) -> None:
    """Micro-task crowdsourcing through chat bots; see `essaim COMMAND --help`."""
    state.use(database_url)


for module in (operations, data, crowd, quality_cmds):
    module.register(app)


def _load_plugins() -> None:
    for entry in entry_points(group="essaim.cli"):
        entry.load()(app)


def main() -> None:
    _load_plugins()
    app()
