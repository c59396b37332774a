"""The settings' reader of record: pydantic-settings, over the fields of `engine.config.Settings`.

Imported only when the plain reading of `engine.config` cannot be sure of a value (a `.env`
file, a number written otherwise than in plain digits, a bad value): this module reads the
environment and `.env` again and gives the values, or refuses them with pydantic's
``ValidationError`` (titled ``Settings``, which the command line turns into one
``invalid setting ESSAIM_...`` line).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, get_type_hints

from pydantic import Field, create_model, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from engine.config import (
    BOUNDS,
    ENV_FILE,
    ENV_PREFIX,
    Settings,
    admin_pairs,
    database_driver,
    empty_is_none,
)


class _Reader(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=ENV_FILE, env_file_encoding="utf-8", extra="ignore"
    )

    @field_validator("database_url", check_fields=False)
    @classmethod
    def _psycopg_driver(cls, url: str) -> str:
        return database_driver(url)

    @field_validator("redis_url", check_fields=False)
    @classmethod
    def _empty_is_none(cls, url: str | None) -> str | None:
        return empty_is_none(url)

    @field_validator("admins", check_fields=False)
    @classmethod
    def _admins_are_identities(cls, admins: str) -> str:
        admin_pairs(admins)
        return admins


def _field(name: str, default: Any) -> Any:
    low, high = BOUNDS.get(name, (None, None))
    return Field(default=default, ge=low, le=high)


_HINTS = get_type_hints(Settings)
_Model: Any = create_model(  # type: ignore[call-overload]
    "Settings",
    __base__=_Reader,
    **{f.name: (_HINTS[f.name], _field(f.name, f.default)) for f in fields(Settings)},
)


def validated(overrides: dict[str, Any]) -> dict[str, Any]:
    """Every setting's value, read by pydantic-settings with ``overrides`` winning."""
    return dict(_Model(**overrides).model_dump())
