"""Slash command descriptions from the Discord catalog, in every language it has.

A description is a `locale_str` whose English text is the catalog's and whose ``key`` names
the entry; Discord shows each user the description in their client's language.
"""

from __future__ import annotations

from discord import Locale, app_commands

from bots.core.i18n import FALLBACK, normalise_language
from bots.discord.views import TEXTS


def describe(key: str) -> app_commands.locale_str:
    """The description ``describe.<key>`` (English text, translated at sync time)."""
    full = f"describe.{key}"
    return app_commands.locale_str(TEXTS.translate(FALLBACK, full), key=full)


class CatalogTranslator(app_commands.Translator):
    """Translates descriptions made by `describe`; names and anything else stay as they are."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        key = string.extras.get("key")
        lang = normalise_language(locale.value)
        if not key or lang is None or lang == FALLBACK or not TEXTS.defines(lang, key):
            return None
        return TEXTS.translate(lang, key)
