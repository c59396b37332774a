"""The message catalogs: same keys and placeholders in every language, language choice."""

from pathlib import Path

import pytest

from bots.core.i18n import (
    LOCALES,
    SHARED,
    Catalog,
    catalog,
    languages,
    normalise_language,
    pick_language,
    placeholders,
    translate,
)
from bots.core.replies import msg, say
from engine.statuses import NextStatus, SubmitStatus

pytestmark = pytest.mark.unit

INVALID_CODES = [
    "not_a_choice",
    "empty",
    "single_choice",
    "cant_tell_exclusive",
    "not_text",
    "too_long",
    "unchanged_translation",
]


def test_english_and_french_exist():
    assert languages()[0] == "en"
    assert "fr" in languages()


@pytest.mark.parametrize("lang", [code for code in languages() if code != "en"])
def test_catalogs_have_the_same_keys_and_placeholders(lang):
    reference, other = catalog("en"), catalog(lang)
    assert set(other) == set(reference), set(other) ^ set(reference)
    for key, text in reference.items():
        assert placeholders(other[key]) == placeholders(text), key


BOTS = Path(__file__).resolve().parents[3] / "bots"
OVERLAYS = [BOTS / adapter / "locales" for adapter in ("telegram", "discord", "console")]


@pytest.mark.parametrize("folder", OVERLAYS, ids=lambda folder: folder.parent.name)
def test_each_adapter_overlay_has_the_same_keys_and_placeholders(folder):
    reference = catalog("en", folder)
    assert reference, folder
    for lang in languages():
        other = catalog(lang, folder)
        assert set(other) == set(reference), (lang, set(other) ^ set(reference))
        for key, text in reference.items():
            assert placeholders(other[key]) == placeholders(text), (lang, key)
        for key in set(other) & set(catalog(lang)):  # an override keeps the shared placeholders
            assert placeholders(other[key]) == placeholders(catalog(lang)[key]), (lang, key)


def test_an_overlay_is_looked_up_first_and_falls_back_to_the_shared_catalog(tmp_path):
    (tmp_path / "en.toml").write_text('[help]\ncontributor = "Mine: {x}"\n[only]\nhere = "E"\n')
    (tmp_path / "fr.toml").write_text('[only]\nhere = "F"\n')
    texts = SHARED.overlay(tmp_path)
    assert isinstance(texts, Catalog) and texts.folders == (tmp_path, LOCALES)
    assert texts.translate("en", "help.contributor", x=1) == "Mine: 1"
    # The overlay's English wins over the shared French it was written to replace.
    assert texts.translate("fr", "help.contributor", x=1) == "Mine: 1"
    assert texts.translate("fr", "only.here") == "F" and texts.translate("de", "only.here") == "E"
    assert texts.translate("fr", "start.joined", project="p") == translate(
        "fr", "start.joined", project="p"
    )
    assert texts.defines("fr", "only.here") and not texts.defines("de", "only.here")
    assert texts.say("en", msg("error.permission", role=msg("role.admin"))).endswith(
        "administrator role."
    )
    assert texts.translate("en", "no.such.key") == "no.such.key"


def test_each_adapter_says_its_own_help():
    from bots.console.render import TEXTS as CONSOLE
    from bots.discord.views import TEXTS as DISCORD
    from bots.telegram.views import TEXTS as TELEGRAM

    for lang in languages():
        helps = {t.translate(lang, "help.contributor") for t in (TELEGRAM, DISCORD, CONSOLE)}
        assert len(helps | {translate(lang, "help.contributor")}) == 4, lang
        assert "/next" in TELEGRAM.translate(lang, "help.contributor")
        assert "/task" in DISCORD.translate(lang, "help.contributor")
        assert "/" not in translate(lang, "help.contributor")  # the shared one names none


@pytest.mark.parametrize("lang", languages())
def test_every_engine_code_and_status_is_translated(lang):
    texts = catalog(lang)
    for code in INVALID_CODES:
        assert f"invalid.{code}" in texts
    for status in SubmitStatus:
        assert f"submit.{status}" in texts
    for status in NextStatus:
        assert f"next.{status}" in texts


def test_translate_fills_placeholders_and_falls_back():
    assert translate("fr", "start.joined", project="p1") == "Vous avez rejoint le projet « p1 »."
    assert translate("de", "start.joined", project="p1") == "You joined the project “p1”."
    assert translate("en", "no.such.key") == "no.such.key"
    assert translate("en", "start.joined") == "You joined the project “{project}”."


def test_nested_messages_and_own_language_names():
    assert say("fr", msg("error.permission", role=msg("role.moderator"))).endswith(
        "modérateur pour cela."
    )
    assert say("en", msg("meta.language_name", _lang="fr")) == "Français"


@pytest.mark.parametrize(
    ("stored", "platform", "expected"),
    [
        ("fr", "en-US", "fr"),
        (None, "fr-FR", "fr"),
        (None, "fr_CA", "fr"),
        (None, "de", "en"),
        (None, None, "en"),
        ("xx", "FR", "fr"),
    ],
)
def test_language_is_the_stored_one_else_the_platform_one_else_english(stored, platform, expected):
    assert pick_language(stored, platform) == expected


def test_normalise_language():
    assert normalise_language("fr-FR") == "fr"
    assert normalise_language("pt-BR") is None
    assert normalise_language("") is None


def test_every_key_the_bots_use_is_in_the_catalog():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[3] / "bots"
    used = set()
    for path in root.rglob("*.py"):
        used |= set(re.findall(r"""msg\(\s*["']([a-z_]+\.[a-z_.]+)["']""", path.read_text()))
    assert len(used) > 50
    missing = sorted(key for key in used if key not in catalog("en"))
    assert not missing
