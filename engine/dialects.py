"""The SQL dialects' own constructs (``INSERT ... ON CONFLICT``), imported on first use.

``from sqlalchemy.dialects import postgresql`` loads the whole PostgreSQL dialect with its
asyncpg driver module, a twentieth of a short command on SQLite such as ``essaim status``
(on PostgreSQL the driver loads it anyway): a module that only needs ``postgresql.insert``
in a function imports these names instead.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any


class LazyDialect:
    """``sqlalchemy.dialects.<name>``, imported when one of its names is first read."""

    def __init__(self, name: str) -> None:
        self._module = f"sqlalchemy.dialects.{name}"

    def __getattr__(self, name: str) -> Any:
        return getattr(import_module(self._module), name)


postgresql = LazyDialect("postgresql")
sqlite = LazyDialect("sqlite")
