"""Settings read from the environment and `.env` (prefix ``ESSAIM_``).

Nothing here connects to anything: a `Settings` object only carries URLs and tokens, and the
database or Redis connections are built from it explicitly at start-up.
"""

from __future__ import annotations

from functools import cached_property

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///essaim.db"
TELEGRAM_API_URL = "https://api.telegram.org/bot"


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
    max_upload_rows: int = Field(default=5_000_000, ge=1)
    max_upload_bytes: int = Field(default=1024 * 1024 * 1024, ge=1)

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

    @cached_property
    def admin_identities(self) -> frozenset[tuple[str, str]]:
        """The ``(platform, external_id)`` pairs that are admins from the first message."""
        pairs = set()
        for entry in self.admins.split(","):
            entry = entry.strip()
            if not entry:
                continue
            platform, sep, external_id = entry.partition(":")
            if not sep or not external_id:
                raise ValueError(f"ESSAIM_ADMINS: {entry!r} is not of the form platform:id")
            pairs.add((platform.strip().lower(), external_id.strip()))
        return frozenset(pairs)


def load_settings(**overrides: object) -> Settings:
    """Read the settings now (not at import), with explicit overrides winning."""
    return Settings(**overrides)  # type: ignore[arg-type]
