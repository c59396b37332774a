"""Message catalogs: every text a bot says, by key, in each language.

Catalogs are TOML files in ``bots/locales/<code>.toml``; tables nest keys (``[task]`` then
``skip = "Skip"`` is the key ``task.skip``). Texts are plain (no markup) with ``str.format``
named placeholders (``{project}``); adapters format, then escape for their platform. English
is the reference: a key missing in another language falls back to it.

The shared catalog words things for no platform in particular. An adapter overlays its own
folder (``bots/<adapter>/locales``, same format) with `Catalog.overlay`: the help naming its
commands, its prompts, and texts only it says are looked up there first.
"""

from __future__ import annotations

import string
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from bots.core.replies import Label, Msg

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
def read_catalog(path: Path) -> dict[str, str]:
    """The flat ``key -> text`` of one TOML file, read once; empty when there is none."""
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        return _flatten(tomllib.load(handle))


def catalog(lang: str, folder: Path = LOCALES) -> dict[str, str]:
    """The flat catalog of ``lang`` in ``folder`` (the shared one by default)."""
    return read_catalog(folder / f"{lang}.toml")


@cache
def languages() -> tuple[str, ...]:
    """The language codes that have a shared catalog, English first."""
    codes = sorted(path.stem for path in LOCALES.glob("*.toml"))
    return tuple(sorted(codes, key=lambda code: code != FALLBACK))


def placeholders(text: str) -> set[str]:
    """The named placeholders of a catalog text (for the catalogs' parity test)."""
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


class _Keep(dict[str, Any]):
    """Leave an unknown placeholder visible rather than failing in front of a user."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Catalog:
    """Catalog folders looked up in order: an adapter's overlay, then the shared one.

    A key is taken from the first folder that has it (in the language, else in English),
    so an adapter's English help wins over the shared French one it was written to replace.
    """

    def __init__(self, *folders: Path) -> None:
        self.folders = folders

    def overlay(self, folder: Path) -> Catalog:
        """This catalog with ``folder`` looked up first."""
        return Catalog(folder, *self.folders)

    def text(self, lang: str | None, key: str) -> str | None:
        """The unfilled text of ``key`` (``None`` when no folder has it)."""
        code = lang if lang in languages() else FALLBACK
        for folder in self.folders:
            found = catalog(code, folder).get(key) or catalog(FALLBACK, folder).get(key)
            if found is not None:
                return found
        return None

    def defines(self, lang: str, key: str) -> bool:
        """Whether some folder has ``key`` in ``lang`` itself (not through English)."""
        return any(key in catalog(lang, folder) for folder in self.folders)

    def translate(self, lang: str | None, key: str, /, **params: Any) -> str:
        """The text of ``key`` in ``lang`` (else English, else the key itself), filled in."""
        text = self.text(lang, key)
        return key if text is None else text.format_map(_Keep(params))

    def say(self, lang: str | None, label: Label) -> str:
        """The plain text of a message or label; nested messages are resolved."""
        if isinstance(label, str):
            return label
        lang = label.params.get("_lang", lang)  # a text shown in a given language (its name)
        params = {
            k: self.say(lang, v) if isinstance(v, Msg) else v for k, v in label.params.items()
        }
        return self.translate(lang, label.key, **params)


SHARED = Catalog(LOCALES)
"""The shared catalog alone; adapters use ``SHARED.overlay(their folder)``."""


def translate(lang: str | None, key: str, /, **params: Any) -> str:
    """`Catalog.translate` of the shared catalog."""
    return SHARED.translate(lang, key, **params)


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
