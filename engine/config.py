"""Settings read from the environment and `.env` (prefix ``ESSAIM_``).

Nothing here connects to anything: a `Settings` object only carries URLs and tokens, and the
database or Redis connections are built from it explicitly at start-up.
"""

from __future__ import annotations

from functools import cached_property

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from engine.identities import BadIdentity, split_identity

DEFAULT_DATABASE_URL = "sqlite:///essaim.db"
TELEGRAM_API_URL = "https://api.telegram.org/bot"
MAX_UPLOAD_ROWS = 2**31 - 1
"""The highest row limit: ``batch.max_rows`` is a 32-bit INTEGER on PostgreSQL."""
MAX_UPLOAD_BYTES = 2**63 - 1
"""The highest byte limit: ``batch.n_bytes`` is a 64-bit BIGINT."""


class Settings(BaseSettings):
    """Every knob of a running Essaim; see the configuration table in the README."""

    model_config = SettingsConfigDict(
        env_prefix="ESSAIM_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    queue_name: str = "essaim"
    admins: str = Field(default="", description="Comma-separated platform:id list made admins.")
    telegram_token: str | None = None
    telegram_api_url: str = TELEGRAM_API_URL
    discord_token: str | None = None
    default_language: str = "en"
    skill_refit_every: int = Field(default=200, ge=1)
    max_upload_rows: int = Field(default=5_000_000, ge=1, le=MAX_UPLOAD_ROWS)
    max_upload_bytes: int = Field(default=1024 * 1024 * 1024, ge=1, le=MAX_UPLOAD_BYTES)

    @field_validator("database_url")
    @classmethod
    def _psycopg_driver(cls, url: str) -> str:
        """Accept plain ``postgresql://`` URLs and route them through psycopg 3."""
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @field_validator("redis_url")
    @classmethod
    def _empty_is_none(cls, url: str | None) -> str | None:
        return url or None

    @field_validator("admins")
    @classmethod
    def _admins_are_identities(cls, admins: str) -> str:
        """Checked when the settings are read: a bad entry stops the command at start-up,
        naming itself, rather than failing at the first chat message or never matching."""
        admin_pairs(admins)
        return admins

    @cached_property
    def admin_identities(self) -> frozenset[tuple[str, str]]:
        """The ``(platform, external_id)`` pairs that are admins from the first message."""
        return admin_pairs(self.admins)


def admin_pairs(admins: str) -> frozenset[tuple[str, str]]:
    """The identities of a comma-separated ``platform:id`` list, each checked as the role
    commands check one (`engine.identities`); space around an entry is ignored."""
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


def load_settings(**overrides: object) -> Settings:
    """Read the settings now (not at import), with explicit overrides winning."""
    return Settings(**overrides)  # type: ignore[arg-type]
