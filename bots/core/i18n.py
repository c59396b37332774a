"""Message catalogs: every text a bot says, by key, in each language.

Catalogs are TOML files in ``bots/locales/<code>.toml``; tables nest keys (``[task]`` then
``skip = "Skip"`` is the key ``task.skip``). Texts are plain (no markup) with ``str.format``
named placeholders (``{project}``); adapters format, then escape for their platform. English
is the reference: a key missing in another language falls back to it.
"""

from __future__ import annotations

import string
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

LOCALES = Path(__file__).resolve().parent.parent / "locales"
FALLBACK = "en"


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        elif isinstance(value, str):
            flat[name] = value
        else:
            raise ValueError(f"catalog entry {name!r} must be a text")
    return flat


@cache
def catalog(lang: str) -> dict[str, str]:
    """The flat ``key -> text`` catalog of ``lang`` (read once)."""
    path = LOCALES / f"{lang}.toml"
    with path.open("rb") as handle:
        return _flatten(tomllib.load(handle))


@cache
def languages() -> tuple[str, ...]:
    """The language codes that have a catalog, English first."""
    codes = sorted(path.stem for path in LOCALES.glob("*.toml"))
    return tuple(sorted(codes, key=lambda code: code != FALLBACK))


def placeholders(text: str) -> set[str]:
    """The named placeholders of a catalog text (for the catalogs' parity test)."""
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


class _Keep(dict[str, Any]):
    """Leave an unknown placeholder visible rather than failing in front of a user."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def translate(lang: str | None, key: str, /, **params: Any) -> str:
    """The text of ``key`` in ``lang`` (else English, else the key itself), filled in."""
    code = lang if lang in languages() else FALLBACK
    text = catalog(code).get(key) or catalog(FALLBACK).get(key)
    if text is None:
        return key
    return text.format_map(_Keep(params))


def has_key(key: str) -> bool:
    """Whether the reference catalog knows ``key`` (codes may be newer than catalogs)."""
    return key in catalog(FALLBACK)


def normalise_language(code: str | None) -> str | None:
    """``"fr-FR"`` or ``"fr_CA"`` → ``"fr"`` when there is a catalog for it, else ``None``."""
    if not code:
        return None
    base = code.strip().replace("_", "-").split("-")[0].lower()
    return base if base in languages() else None


def pick_language(stored: str | None, platform_code: str | None, default: str = FALLBACK) -> str:
    """The user's stored choice, else their app's language, else the default."""
    return (
        normalise_language(stored)
        or normalise_language(platform_code)
        or normalise_language(default)
        or FALLBACK
    )
