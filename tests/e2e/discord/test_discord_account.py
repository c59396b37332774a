"""Linking Telegram and Discord, reporting, language, and the uploader's notice by DM."""

import pytest

from bots.core import Chat, User
from engine import services
from engine.actors import OPERATOR
from engine.spec import parse_spec
from tests.e2e.builders import make_project
from tests.e2e.discord.dc_harness import ALICE, BRUNO, MOOD, MOOD_CSV, RITA, Discord, custom_ids

pytestmark = pytest.mark.e2e

TOM = User("telegram", "555001", "Tom", "en")


def test_linking_shares_one_history_and_the_no_repeat_rule(dc: Discord):
    make_project(dc.essaim, MOOD, "mood.csv", MOOD_CSV)
    chat = Chat(dc.essaim)
    code = chat.link(TOM).lines[0].params["code"]
    linked = dc.command(ALICE, "link", code=code)
    assert any("Linked" in t for t in dc.texts(linked))
    on_telegram = chat.next(TOM, "mood").task
    assert on_telegram is not None
    chat.answer(TOM, on_telegram.assignment_id, "positive")
    calls = dc.command(ALICE, "task", project="mood")
    card = dc.cards(calls)[0]
    other = "Terrible service" if "love" in on_telegram.text else "I love it"
    assert other in card.content and on_telegram.text not in card.content
    calls = dc.press(ALICE, card.message, custom_ids(card.data)[0])
    assert any("No task left" in t for t in dc.texts(calls))  # both items done by this person
    stats = dc.command(ALICE, "stats")
    assert any("answers: 2" in t for t in dc.texts(stats))


def test_a_wrong_link_code_is_refused(dc: Discord):
    calls = dc.command(ALICE, "link", code="NOTACODE")
    assert any("Linking failed" in t for t in dc.texts(calls))


def test_report_asks_a_reason_in_a_form(dc: Discord):
    make_project(dc.essaim, MOOD, "mood.csv", MOOD_CSV)
    card = dc.cards(dc.command(ALICE, "task"))[0]
    opened = dc.press(ALICE, card.message, "essaim:r:1")
    form = dc.modals(opened)[0]
    assert form["custom_id"] == "essaim-modal:r:1"
    calls = dc.submit(ALICE, "essaim-modal:r:1", "the text is cut", message=card.message)
    assert "reported to the moderators" in next(c for c in calls if c.kind == "edit").content
    assert dc.cards(calls)  # and the next task


def test_language_buttons_and_the_language_option(dc: Discord):
    menu = dc.command(ALICE, "lang")
    message = next(c for c in menu if custom_ids(c.data))
    assert custom_ids(message.data) == ["essaim:l:en", "essaim:l:fr"]
    calls = dc.press(ALICE, message.message, "essaim:l:fr")
    assert any("français" in t for t in dc.texts(calls))
    calls = dc.command(ALICE, "lang", language="en")
    assert any("English" in t for t in dc.texts(calls))


def test_the_uploader_is_told_by_dm_when_the_batch_is_complete(dc: Discord):
    services.create_project(dc.essaim.db, parse_spec(MOOD), actor_id=OPERATOR)
    services.grant_role(dc.essaim.db, f"discord:{RITA.id}", "requester", actor_id=OPERATOR)
    dc.command(RITA, "upload", file=("mood.csv", MOOD_CSV), project="mood")
    answers = []
    for person in (ALICE, BRUNO):
        calls = dc.command(person, "task")
        while cards := dc.cards(calls):
            calls = dc.press(person, cards[-1].message, custom_ids(cards[-1].data)[0])
            answers += calls
    assert not dc.dms(answers)  # the outbox tells her, not the answer's reply
    drained = dc.drain()
    dms = dc.dms(drained)
    assert len(dms) == 1 and "is complete" in dms[0].content
    assert dms[0].allowed_mentions == {"parse": []}
    assert dc.dm_recipients(dc.recorder.calls) == [RITA.id]  # opened for the upload's report
    assert not dc.drain()


def test_help_names_discords_own_commands(dc: Discord):
    services.grant_role(dc.essaim.db, f"discord:{ALICE.id}", "requester", actor_id=OPERATOR)
    text = "\n".join(dc.texts(dc.command(ALICE, "help")))
    assert "/task — your next task" in text and "/upload — send a file" in text
    assert "/next" not in text and "/pause" not in text and "caption" not in text
