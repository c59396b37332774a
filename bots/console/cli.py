"""`essaim chat`: answer tasks in the terminal (no token; the database of the settings)."""

from __future__ import annotations

import getpass
import os

import typer

from engine.cli.context import state


def add_commands(app: typer.Typer, run_app: typer.Typer) -> None:
    """Add ``essaim chat`` to the root (``run_app`` unused: the console is not a server)."""

    @app.command("chat")
    def chat(
        project: str | None = typer.Option(None, "--project", "-p", help="Join this project."),
        name: str | None = typer.Option(
            None, "--name", "-n", help="Who you are here (default: your system user name)."
        ),
    ) -> None:
        """Answer tasks in this terminal, as a contributor (numbers, text; help for keys)."""
        from bots.console.session import PLATFORM, ConsoleSession
        from bots.core import Chat, User

        who = name or getpass.getuser()
        language = os.environ.get("LC_ALL") or os.environ.get("LANG")
        user = User(PLATFORM, who, who, language)
        session = ConsoleSession(
            Chat(state.essaim()),
            user,
            read=input,
            write=lambda text: typer.echo(text + "\n"),
            project=project,
        )
        session.run()
