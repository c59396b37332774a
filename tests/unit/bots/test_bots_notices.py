"""Outbox notices → messages: each kind the engine writes has its text in every language."""

import pytest

from bots.core.i18n import languages
from bots.core.notices import KINDS, notice_line
from bots.core.replies import say

pytestmark = pytest.mark.unit

REPORT = {
    "batch_id": 7,
    "project_slug": "mood",
    "filename": "m.csv",
    "status": "open",
    "n_items": 3,
    "n_tasks": 6,
    "n_gold": 1,
    "error": None,
}
FAILED = dict(REPORT, status="failed", n_items=0, n_tasks=0, n_gold=0, error="m.csv:4: empty text")
COMPLETE = {"batch_id": 7, "project_slug": "mood", "filename": "m.csv", "n_items": 3}


def test_the_engine_kinds_are_known():
    assert set(KINDS) == {"batch.ingested", "batch.failed", "batch.complete"}


def test_each_kind_in_english():
    assert say("en", notice_line("batch.ingested", REPORT)) == (
        "Batch 7 of “mood” is ready: m.csv, 3 items, 6 tasks (1 control tasks)."
    )
    assert say("en", notice_line("batch.failed", FAILED)) == (
        "Batch 7 of “mood” (m.csv) was refused: m.csv:4: empty text"
    )
    assert say("en", notice_line("batch.complete", COMPLETE)).startswith(
        "Your batch 7 (m.csv, 3 items) of “mood” is complete."
    )


@pytest.mark.parametrize("lang", languages())
@pytest.mark.parametrize(
    ("kind", "data"),
    [("batch.ingested", REPORT), ("batch.failed", FAILED), ("batch.complete", COMPLETE)],
)
def test_every_kind_is_filled_in_every_language(lang, kind, data):
    text = say(lang, notice_line(kind, data))
    assert "{" not in text and "m.csv" in text and "mood" in text


def test_a_kind_newer_than_the_bots_has_no_message():
    assert notice_line("batch.archived", COMPLETE) is None
