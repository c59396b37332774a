"""Requesters upload and follow projects; moderators decide what the crowd could not."""

import pytest

from engine import services
from engine.actors import OPERATOR
from engine.spec import parse_spec
from tests.e2e.builders import make_project
from tests.e2e.telegram.tg_harness import ALICE, BRUNO, MOOD, MOOD_CSV, MOSES, RITA, Bot

pytestmark = pytest.mark.e2e


def grant(bot: Bot, person, role: str) -> None:
    services.grant_role(bot.essaim.db, f"telegram:{person.id}", role, actor_id=OPERATOR)


def test_a_requester_uploads_a_document_and_html_in_it_arrives_escaped(bot: Bot):
    services.create_project(bot.essaim.db, parse_spec(MOOD), actor_id=OPERATOR)
    grant(bot, RITA, "requester")
    data = b'id,text\nx1,"<b>bold</b> & <script>alert(1)</script>"\nx2,fine\n'
    calls = bot.upload(RITA, "comments.csv", data, "/upload mood")
    assert [c.method for c in calls][:1] == ["getFile"]
    summary = bot.texts(calls)[-1]
    assert "is ready: comments.csv, 2 items, 2 tasks" in summary
    status = services.project_status(bot.essaim.db, "mood", actor_id=OPERATOR)
    assert status.items == 2 and status.batches[0]["filename"] == "comments.csv"
    card = bot.task_cards(bot.say(ALICE, "/next mood"))[0].params["text"]
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;" in card
    assert "<script>" not in card and "<b>bold" not in card


def test_upload_errors_name_the_line(bot: Bot):
    services.create_project(bot.essaim.db, parse_spec(MOOD), actor_id=OPERATOR)
    grant(bot, RITA, "requester")
    calls = bot.upload(RITA, "bad.csv", b"id,text\nx1,ok\nx2,\n", "/upload mood")
    assert "bad.csv:3" in bot.texts(calls)[-1]
    assert services.project_status(bot.essaim.db, "mood", actor_id=OPERATOR).items == 0


def test_a_contributor_cannot_upload(bot: Bot):
    services.create_project(bot.essaim.db, parse_spec(MOOD), actor_id=OPERATOR)
    calls = bot.upload(ALICE, "comments.csv", MOOD_CSV, "/upload mood")
    assert "needs the requester role" in bot.texts(calls)[-1]
    assert services.project_status(bot.essaim.db, "mood", actor_id=OPERATOR).items == 0
    calls = bot.upload(BRUNO, "comments.csv", MOOD_CSV, "/upload mood")
    assert "il faut le rôle demandeur" in bot.texts(calls)[-1]


def test_a_document_without_the_upload_caption_gets_the_usage(bot: Bot):
    services.create_project(bot.essaim.db, parse_spec(MOOD), actor_id=OPERATOR)
    grant(bot, RITA, "requester")
    calls = bot.upload(RITA, "comments.csv", MOOD_CSV, "here you go")
    assert "/upload &lt;project&gt;" in bot.texts(calls)[-1]
    assert services.project_status(bot.essaim.db, "mood", actor_id=OPERATOR).items == 0


def test_status_sends_progress_and_the_quality_chart(bot: Bot):
    make_project(bot.essaim, MOOD, "mood.csv", MOOD_CSV)
    grant(bot, RITA, "requester")
    calls = bot.say(RITA, "/status mood")
    assert "completion: 0%" in bot.texts(calls)[0]
    photos = [c for c in calls if c.method == "sendPhoto"]
    assert len(photos) == 1
    assert "Krippendorff" in photos[0].params["caption"]
    unknown = bot.texts(bot.say(RITA, "/status nope"))
    assert unknown == ["Not found: project “nope”."]
    refused = bot.say(ALICE, "/status mood")
    assert "needs the requester role" in bot.texts(refused)[0]
    assert not [c for c in refused if c.method == "sendPhoto"]


def test_the_uploader_hears_when_the_batch_is_complete(bot: Bot):
    services.create_project(bot.essaim.db, parse_spec(MOOD), actor_id=OPERATOR)
    grant(bot, RITA, "requester")
    bot.upload(RITA, "one.csv", b"id,text\nz1,I love it\n", "/upload mood")
    calls = bot.press(
        ALICE, bot.message_of(bot.task_cards(bot.say(ALICE, "/next mood"))[0]), "a:1:positive"
    )
    assert not [c for c in calls if c.params.get("chat_id") == RITA.id]
    calls = bot.press(
        BRUNO, bot.message_of(bot.task_cards(bot.say(BRUNO, "/next mood"))[0]), "a:2:positive"
    )
    assert not bot.sent_to(calls, RITA)  # the outbox tells her, not the answer's reply
    to_rita = bot.sent_to(bot.drain(), RITA)
    assert len(to_rita) == 1
    assert "one.csv" in to_rita[0] and "complete" in to_rita[0]


def disagree(bot: Bot) -> None:
    """Alice and Bruno disagree on both tasks at the maximum overlap: both go to review."""
    for person, label in ((ALICE, "positive"), (BRUNO, "negative")):
        calls = bot.say(person, "/next mood")
        while cards := bot.task_cards(calls):
            payload = next(p for p in bot.payloads(cards[-1]) if p.endswith(label))
            calls = bot.press(person, bot.message_of(cards[-1]), payload)


def test_a_moderator_picks_writes_and_discards(bot: Bot):
    make_project(bot.essaim, MOOD, "mood.csv", MOOD_CSV)
    disagree(bot)
    assert services.project_status(bot.essaim.db, "mood", actor_id=OPERATOR).tasks["review"] == 2
    refused = bot.say(ALICE, "/review mood")
    assert "needs the moderator role" in bot.texts(refused)[0]
    grant(bot, MOSES, "moderator")
    calls = bot.say(MOSES, "/review mood")
    item = calls[-1]
    text = item.params["text"]
    assert "1. positive — 1×" in text and "2. negative — 1×" in text
    picks = bot.payloads(item)
    assert picks[:2] == [f"v:{picks[0].split(':')[1]}:0", f"v:{picks[0].split(':')[1]}:1"]
    # A forged pick by a contributor changes nothing.
    bot.press(ALICE, bot.message_of(item), picks[1])
    assert services.project_status(bot.essaim.db, "mood", actor_id=OPERATOR).tasks["review"] == 2
    calls = bot.press(MOSES, bot.message_of(item), picks[1])
    assert services.project_status(bot.essaim.db, "mood", actor_id=OPERATOR).tasks["resolved"] == 1
    second = [c for c in calls if bot.payloads(c) and bot.payloads(c)[0].startswith("v:")][-1]
    write = next(p for p in bot.payloads(second) if p.startswith("vw:"))
    calls = bot.press(MOSES, bot.message_of(second), write)
    prompt = bot.prompts(calls)[-1]
    assert prompt.params["text"].endswith(f"#R{write.split(':')[1]}</i>")
    calls = bot.say(MOSES, "neutral", reply_to=bot.message_of(prompt))
    status = services.project_status(bot.essaim.db, "mood", actor_id=OPERATOR)
    assert status.tasks["resolved"] == 2 and status.tasks["review"] == 0
    assert any("Nothing to review" in t for t in bot.texts(calls))
    values = {row["id"]: row for row in services.export_items(bot.essaim.db, "mood")}
    assert sorted(str(v) for v in values.values()).__len__() == 2
    # Pressing the first item's button again: it is already decided.
    again = bot.press(MOSES, bot.message_of(item), picks[0])
    assert any("already decided" in t for t in bot.texts(again))
