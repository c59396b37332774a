"""Multi-label tasks (toggle then submit) and discarding an item in review."""

import pytest

from engine import services
from engine.actors import OPERATOR
from tests.e2e.builders import make_project
from tests.e2e.telegram.tg_harness import ALICE, BRUNO, MOOD, MOOD_CSV, MOSES, Bot

pytestmark = pytest.mark.e2e

TOPICS = {
    "name": "Topics",
    "slug": "topics",
    "kind": "labeling",
    "multi": True,
    "labels": ["sport", "politics", "culture"],
    "overlap": {"min": 1, "max": 1},
    "confidence": 0.5,
}


def test_toggling_redraws_in_place_and_done_submits_the_selection(bot: Bot):
    make_project(bot.essaim, TOPICS, "t.csv", b"id,text\nt1,Match and election\n")
    card = bot.task_cards(bot.say(ALICE, "/next topics"))[0]
    toggles = bot.payloads(card)
    assert toggles[:3] == ["m:1:1", "m:1:2", "m:1:4"] and toggles[3] == "ms:1:0"
    calls = bot.press(ALICE, bot.message_of(card), "m:1:1")
    redraw = next(c for c in calls if c.method == "editMessageText")
    assert bot.payloads(redraw)[:4] == ["m:1:0", "m:1:3", "m:1:5", "ms:1:1"]
    assert redraw.params["reply_markup"]["inline_keyboard"][0][0]["text"].startswith("☑")
    calls = bot.press(ALICE, bot.message_of(redraw), "m:1:3")
    redraw = next(c for c in calls if c.method == "editMessageText")
    calls = bot.press(ALICE, bot.message_of(redraw), bot.payloads(redraw)[3])  # ms:1:3
    assert any(
        "sport, politics" in c.params["text"] for c in calls if c.method == "editMessageText"
    )
    row = next(services.export_answers(bot.essaim.db, "topics"))
    assert set(row["label"].split("|")) == {"sport", "politics"}


def test_a_moderator_discards_an_item(bot: Bot):
    make_project(bot.essaim, MOOD, "mood.csv", MOOD_CSV)
    for person, label in ((ALICE, "positive"), (BRUNO, "negative")):
        calls = bot.say(person, "/next mood")
        while cards := bot.task_cards(calls):
            payload = next(p for p in bot.payloads(cards[-1]) if p.endswith(label))
            calls = bot.press(person, bot.message_of(cards[-1]), payload)
    services.grant_role(bot.essaim.db, f"telegram:{MOSES.id}", "moderator", actor_id=OPERATOR)
    item = bot.say(MOSES, "/review mood")[-1]
    discard = next(p for p in bot.payloads(item) if p.startswith("vd:"))
    calls = bot.press(MOSES, bot.message_of(item), discard)
    assert any("Discarded." in c.params["text"] for c in calls if c.method == "editMessageText")
    status = services.project_status(bot.essaim.db, "mood", actor_id=OPERATOR)
    assert status.tasks["review"] == 1 and status.tasks["resolved"] == 1
