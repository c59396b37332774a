"""Settings read from the environment and `.env` (prefix ``ESSAIM_``).

Nothing here connects to anything: a `Settings` object only carries URLs and tokens, and the
database or Redis connections are built from it explicitly at start-up.

pydantic-settings is the reader of record (`engine.settings_check`): it reads a `.env` file,
and its refusals are the messages users see. Importing it and pydantic is a sixth of a short
command such as ``essaim status``, though, so `load_settings` first tries a reading that
needs neither, and takes it only where it gives the very same settings: no `.env` file, and
every value one whose meaning is beyond doubt (a text for a text, digits within the bounds
for a number, an admin list that parses). Anything else goes to pydantic-settings, which
then reads everything again, or refuses it with its own message.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields
from functools import cached_property
from typing import Any

from engine.identities import BadIdentity, split_identity

DEFAULT_DATABASE_URL = "sqlite:///essaim.db"
TELEGRAM_API_URL = "https://api.telegram.org/bot"
MAX_UPLOAD_ROWS = 2**31 - 1
"""The highest row limit: ``batch.max_rows`` is a 32-bit INTEGER on PostgreSQL."""
MAX_UPLOAD_BYTES = 2**63 - 1
"""The highest byte limit: ``batch.n_bytes`` is a 64-bit BIGINT."""
ENV_PREFIX = "ESSAIM_"
ENV_FILE = ".env"


@dataclass(frozen=True)
class Settings:
    """Every knob of a running Essaim; see the configuration table in the README."""

    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    queue_name: str = "essaim"
    admins: str = ""
    """Comma-separated platform:id list made admins."""
    telegram_token: str | None = None
    telegram_api_url: str = TELEGRAM_API_URL
    discord_token: str | None = None
    default_language: str = "en"
    skill_refit_every: int = 200
    max_upload_rows: int = 5_000_000
    max_upload_bytes: int = 1024 * 1024 * 1024

    @cached_property
    def admin_identities(self) -> frozenset[tuple[str, str]]:
        """The ``(platform, external_id)`` pairs that are admins from the first message."""
        return admin_pairs(self.admins)


BOUNDS: dict[str, tuple[int, int | None]] = {
    "skill_refit_every": (1, None),
    "max_upload_rows": (1, MAX_UPLOAD_ROWS),
    "max_upload_bytes": (1, MAX_UPLOAD_BYTES),
}
"""The lowest and highest value of each number."""


def database_driver(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and route them through psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def empty_is_none(url: str | None) -> str | None:
    return url or None


def admin_pairs(admins: str) -> frozenset[tuple[str, str]]:
    """The identities of a comma-separated ``platform:id`` list, each checked as the role
    commands check one (`engine.identities`); space around an entry is ignored.

    Checked when the settings are read: a bad entry stops the command at start-up, naming
    itself, rather than failing at the first chat message or never matching."""
    pairs = set()
    for entry in admins.split(","):
        entry = entry.strip()
        if not entry:
            continue
        try:
            pairs.add(split_identity(entry))
        except BadIdentity as exc:
            raise ValueError(f"entry {entry!r}: {exc}") from None
    return frozenset(pairs)


def load_settings(**overrides: Any) -> Settings:
    """Read the settings now (not at import), with explicit overrides winning.

    A setting pydantic-settings would refuse raises its ``ValidationError``.
    """
    values = plain_values(overrides)
    if values is None:
        from engine.settings_check import validated

        values = validated(overrides)
    return Settings(**values)


_KINDS = {f.name: str(f.type) for f in fields(Settings)}
"""Each field's annotation as written: ``str``, ``str | None`` or ``int``."""
_DIGITS = re.compile(r"[1-9][0-9]{0,17}")
"""A number written as every reader reads it (no sign, space, underscore or leading 0)."""


def plain_values(overrides: dict[str, Any]) -> dict[str, Any] | None:
    """The settings' values as pydantic-settings would give them, or None where the plain
    reading cannot be sure of that (see the module docstring)."""
    if os.path.lexists(ENV_FILE) or not overrides.keys() <= _KINDS.keys():
        return None
    # pydantic-settings' own matching: every variable's name lowered, the last one winning.
    environ = {name.lower(): value for name, value in os.environ.items()}
    values: dict[str, Any] = {}
    for name, kind in _KINDS.items():
        value = overrides[name] if name in overrides else environ.get(f"{ENV_PREFIX}{name}".lower())
        if value is None and name not in overrides:
            continue  # the default
        if kind == "int":
            if type(value) is str and _DIGITS.fullmatch(value):
                value = int(value)
            low, high = BOUNDS[name]
            if type(value) is not int or value < low or (high is not None and value > high):
                return None
        elif type(value) is not str and not (value is None and kind == "str | None"):
            return None
        values[name] = value
    if "database_url" in values:
        values["database_url"] = database_driver(values["database_url"])
    if "redis_url" in values:
        values["redis_url"] = empty_is_none(values["redis_url"])
    try:
        admin_pairs(values.get("admins", ""))
    except ValueError:
        return None
    return values
