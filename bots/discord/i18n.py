"""The Discord catalog: texts only this adapter says, and overrides of the shared ones.

``bots/discord/locales/<code>.toml`` has the same format as ``bots/locales``. A key found
there wins (``help.contributor`` names Discord's slash commands); any other key is the
shared catalog's, through `bots.core.i18n.translate`.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from bots.core.i18n import FALLBACK, translate
from bots.core.replies import Label, Msg

LOCALES = Path(__file__).resolve().parent / "locales"


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


@cache
def catalog(lang: str) -> dict[str, str]:
    """This adapter's ``key -> text`` for ``lang`` (empty when it has no file)."""
    path = LOCALES / f"{lang}.toml"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        return _flatten(tomllib.load(handle))


def t(lang: str | None, key: str, /, **params: Any) -> str:
    """The text of ``key``: this adapter's catalog first (``lang``, then English), else shared."""
    code = lang or FALLBACK
    text = catalog(code).get(key) or catalog(FALLBACK).get(key)
    if text is None:
        return translate(code, key, **params)
    return text.format_map(_Keep(params))


class _Keep(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def say(lang: str | None, label: Label) -> str:
    """Like `bots.core.replies.say`, with this adapter's overrides (plain, unescaped)."""
    if isinstance(label, str):
        return label
    lang = label.params.get("_lang", lang)
    params = {k: say(lang, v) if isinstance(v, Msg) else v for k, v in label.params.items()}
    return t(lang, label.key, **params)
