"""What every command shares: the lazily built engine, output in rich or JSON, errors.

Importing this module must stay cheap (no SQLAlchemy, no services, no numpy): the chat
adapters import it to register their commands, and ``essaim --help`` pays for every import.
"""

from __future__ import annotations

import gc
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from engine.errors import EssaimError
from engine.terminal import printable
from tasks.base import TaskError

if TYPE_CHECKING:
    from engine.app import Essaim
    from engine.config import Settings

console = Console()
errors = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])
MAX_ID = 2**63 - 1
"""The largest row id the databases store (64-bit): a bound for id arguments."""
MAX_SEED = 2**32 - 1
"""The largest ``--seed``: a seed is a small number to repeat a run, not data."""
DEBUG_VARIABLE = "ESSAIM_DEBUG"
"""Set to 1 to let an error raise with its traceback instead of the one-line message."""


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
        from engine.config import load_settings

        overrides = {"database_url": self.database_url} if self.database_url else {}
        return load_settings(**overrides)

    def essaim(self) -> Essaim:
        if self._essaim is None:
            from engine.app import Essaim

            self._essaim = Essaim.from_settings(self.settings())
        return self._essaim


state = State()


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def shown(text: object) -> Text:
    """User text (names, task texts, answers, file names) for rich: no markup, no control
    characters, so ``[/]`` prints as itself and an escape sequence never reaches the terminal."""
    return Text(printable(str(text)))


def cell(text: object, width: int | None = None) -> Text:
    """User text for one table cell: on one line, cut to ``width`` characters."""
    flat = printable(str(text), keep_newlines=False)
    return Text(flat if width is None else flat[:width])


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one red ``error:`` line and return the exit to raise.

    A message listing several problems (every bad line of a file) keeps one per line, the
    ones after the first indented: still a single ``error:`` for scripts to look for.
    """
    first, *more = printable(message).strip().splitlines() or [""]
    line = Text("error:", style="bold red")
    line.append(" " + first)
    for problem in more:
        line.append("\n  " + problem)
    errors.print(line, highlight=False, soft_wrap=True)
    return typer.Exit(code)


def handles_errors(command: F) -> F:
    """Turn the errors a user can cause into one red line and exit code 1; anything else goes
    on to the root command, which names it an internal error."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except Exception as exc:
            message = user_error(exc)
            if message is None or os.environ.get(DEBUG_VARIABLE):
                raise
            raise fail(message) from None

    return wrapper  # type: ignore[return-value]


def report_unhandled(exc: Exception) -> int:
    """The root command's last word on an exception: one line, exit code 1."""
    message = user_error(exc)
    if message is None:
        message = (
            f"internal error ({type(exc).__name__}: {exc}); "
            f"run again with {DEBUG_VARIABLE}=1 to see the traceback"
        )
    fail(message)
    return 1


def user_error(exc: BaseException) -> str | None:
    """The one-line message of an error a user can cause (bad input, a file, a setting, an
    unreachable database); None for a bug. Libraries are only consulted when already
    imported: a command that never touched SQLAlchemy cannot have raised its errors."""
    if isinstance(exc, EssaimError | TaskError):
        return str(exc)
    if isinstance(exc, OSError) and not _is_network(exc):
        return _file_error(exc)
    if isinstance(exc, UnicodeDecodeError):
        byte = exc.object[exc.start : exc.start + 1]
        return f"not {exc.encoding} text: byte {byte!r} at offset {exc.start} ({exc.reason})"
    if isinstance(exc, RecursionError):
        return "input nested too deeply to read"
    for explain in (_settings_error, _database_error, _redis_error):
        message = explain(exc)
        if message is not None:
            return message
    csv_error = sys.modules.get("csv")
    if isinstance(exc, ValueError | OverflowError) or (
        csv_error is not None and isinstance(exc, csv_error.Error)
    ):  # int("9"*5000), a number out of range, a CSV field over the csv module's limit
        return str(exc) or type(exc).__name__
    return None


def _is_network(exc: OSError) -> bool:
    return isinstance(exc, ConnectionError | TimeoutError) and exc.filename is None


def _file_error(exc: OSError) -> str:
    name = exc.filename if exc.filename is not None else "file"
    if isinstance(exc, FileNotFoundError):
        return f"{name}: no such file or folder"
    if isinstance(exc, IsADirectoryError):
        return f"{name}: is a folder, expected a file"
    if isinstance(exc, NotADirectoryError):
        return f"{name}: a part of this path is a file, not a folder"
    if isinstance(exc, PermissionError):
        return f"{name}: permission denied"
    return f"{name}: {exc.strerror or exc}"


def _settings_error(exc: BaseException) -> str | None:
    pydantic = sys.modules.get("pydantic")
    if pydantic is None or not isinstance(exc, pydantic.ValidationError):
        return None
    settings = exc.title == "Settings"
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ())) or exc.title
        name = f"ESSAIM_{where.upper()}" if settings else where
        problems.append(f"{name}: {error.get('msg', 'invalid')}")
    return ("invalid setting " if settings else f"invalid {exc.title}: ") + "; ".join(problems)


def _database_error(exc: BaseException) -> str | None:
    sa = sys.modules.get("sqlalchemy.exc")
    if sa is None:
        return None
    if isinstance(exc, sa.ArgumentError | sa.NoSuchModuleError):
        return f"bad database URL: {exc}"
    if isinstance(exc, sa.DBAPIError):
        lines = str(exc.orig).strip().splitlines()
        detail = lines[0] if lines else type(exc.orig).__name__
        if isinstance(exc, sa.ProgrammingError | sa.OperationalError) and (
            "does not exist" in detail or "no such table" in detail
        ):
            return f"the database has no Essaim schema ({detail}): run `essaim db upgrade`"
        if isinstance(exc, sa.OperationalError | sa.InterfaceError):
            return f"cannot use the database (--database-url, ESSAIM_DATABASE_URL): {detail}"
        if isinstance(exc, sa.DataError):
            return f"the database refused a value: {detail}"
    return None


def _redis_error(exc: BaseException) -> str | None:
    redis_exc = sys.modules.get("redis.exceptions")
    if redis_exc is None or not isinstance(exc, redis_exc.ConnectionError | redis_exc.TimeoutError):
        return None
    return f"cannot reach Redis (ESSAIM_REDIS_URL): {exc}"


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a short command imports, reads and computes.

    Importing SQLAlchemy, numpy or pyarrow makes tens of thousands of objects the collector
    tracks, all living as long as the process, and a million answers make 200,000 more
    strings: the collector would traverse them again and again as they age (a sixth of
    ``essaim status``, a tenth of ``essaim aggregate``). What such a command allocates is
    bounded by its input and freed at exit, so nothing piles up; the collector is back on
    afterwards, as it was found. Not for long-running commands (bots, workers, chat).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
