"""What every command shares: the lazily built engine, output in rich or JSON, errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import typer
from rich.console import Console

from engine.app import Essaim
from engine.config import Settings, load_settings
from engine.errors import EssaimError
from tasks.base import TaskError

console = Console()
errors = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])


class State:
    """Options of the root command; the engine is built on first use, never at import."""

    database_url: str | None = None
    _essaim: Essaim | None = None

    def use(self, database_url: str | None) -> None:
        """Start a command: forget any engine built for another invocation."""
        if self._essaim is not None:
            self._essaim.close()
        self.database_url = database_url
        self._essaim = None

    def settings(self) -> Settings:
        overrides = {"database_url": self.database_url} if self.database_url else {}
        return load_settings(**overrides)

    def essaim(self) -> Essaim:
        if self._essaim is None:
            self._essaim = Essaim.from_settings(self.settings())
        return self._essaim


state = State()


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {message}", markup=True, highlight=False)
    return typer.Exit(code)


def handles_errors(command: F) -> F:
    """Turn the errors a user can cause into one red line and exit code 1."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (EssaimError, TaskError) as exc:
            raise fail(str(exc)) from None

    return wrapper  # type: ignore[return-value]
