"""The message catalogs: same keys and placeholders in every language, language choice."""

import pytest

from bots.core.i18n import (
    catalog,
    languages,
    normalise_language,
    pick_language,
    placeholders,
    translate,
)
from bots.core.replies import msg, say

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
SUBMIT = ["accepted", "duplicate", "expired", "not_yours", "unknown", "invalid", "suspended"]
NEXT = ["task", "none", "suspended", "closed", "no_project"]


def test_english_and_french_exist():
    assert languages()[0] == "en"
    assert "fr" in languages()


@pytest.mark.parametrize("lang", [code for code in languages() if code != "en"])
def test_catalogs_have_the_same_keys_and_placeholders(lang):
    reference, other = catalog("en"), catalog(lang)
    assert set(other) == set(reference), set(other) ^ set(reference)
    for key, text in reference.items():
        assert placeholders(other[key]) == placeholders(text), key


@pytest.mark.parametrize("lang", languages())
def test_every_engine_code_and_status_is_translated(lang):
    texts = catalog(lang)
    for code in INVALID_CODES:
        assert f"invalid.{code}" in texts
    for status in SUBMIT:
        assert f"submit.{status}" in texts
    for status in NEXT:
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
