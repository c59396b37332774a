"""Commands the chat adapters add to `essaim` (through the ``essaim.cli`` entry point).

Each adapter package has a ``cli`` module with ``add_commands(app, run_app)``; ``run_app`` is
the ``essaim run`` group (``essaim run telegram``, ``essaim run discord``).
"""

from __future__ import annotations

import importlib

import typer

ADAPTERS = ("bots.telegram.cli", "bots.discord.cli", "bots.console.cli")


def register(app: typer.Typer) -> None:
    run_app = typer.Typer(help="Run a chat bot.", no_args_is_help=True)
    app.add_typer(run_app, name="run")
    for name in ADAPTERS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and name.startswith(exc.name):
                continue  # that adapter is not part of this installation
            raise
        module.add_commands(app, run_app)
