"""Requesters upload, moderators decide; private answers in guilds; nobody is mentioned."""

import pytest

from engine import services
from engine.actors import OPERATOR
from engine.spec import parse_spec
from tests.e2e.builders import make_project
from tests.e2e.discord.dc_harness import (
    ALICE,
    BRUNO,
    EPHEMERAL,
    MOOD,
    MOOD_CSV,
    MOSES,
    RITA,
    Discord,
    custom_ids,
)

pytestmark = pytest.mark.e2e

NO_MENTIONS = {"parse": []}


def test_an_uploaded_mention_stays_text(dc: Discord):
    services.create_project(dc.essaim.db, parse_spec(MOOD), actor_id=OPERATOR)
    services.grant_role(dc.essaim.db, f"discord:{RITA.id}", "requester", actor_id=OPERATOR)
    csv = b"id,text\nm1,@everyone look at <@123> and <@&456> **now**\n"
    calls = dc.command(RITA, "upload", file=("mentions.csv", csv), project="mood")
    assert any("is ready" in t for t in dc.texts(calls)), dc.texts(calls)
    card = dc.cards(dc.command(ALICE, "task"))[0]
    assert "@\u200beveryone" in card.content
    assert "\\<@123>" in card.content and "\\<@&456>" in card.content
    assert "\\*\\*now\\*\\*" in card.content
    sent = [c for c in dc.recorder.calls if c.content]
    assert sent and all(c.allowed_mentions == NO_MENTIONS for c in sent)


def test_a_contributor_cannot_upload(dc: Discord):
    services.create_project(dc.essaim.db, parse_spec(MOOD), actor_id=OPERATOR)
    calls = dc.command(ALICE, "upload", file=("m.csv", MOOD_CSV), project="mood")
    assert any("requester" in t for t in dc.texts(calls))
    assert services.project_status(dc.essaim.db, "mood", actor_id=OPERATOR).items == 0


def test_replies_in_a_guild_channel_are_ephemeral_and_in_a_dm_not(dc: Discord):
    make_project(dc.essaim, MOOD, "mood.csv", MOOD_CSV)
    in_guild = dc.command(ALICE, "task", where="guild")
    assert in_guild[0].data.get("flags") == EPHEMERAL  # "thinking…" is private already
    card = dc.cards(in_guild)[0]
    assert card.flags & EPHEMERAL
    pressed = dc.press(ALICE, card.message, "essaim:a:1:positive", where="guild")
    followups = [c for c in pressed if c.kind == "followup"]
    assert followups and all(c.flags & EPHEMERAL for c in followups)
    in_dm = dc.command(BRUNO, "task")
    assert not any(c.flags & EPHEMERAL for c in in_dm)


def _two_disagreeing_contributors(dc: Discord) -> None:
    """Alice says positive and Bruno negative to everything: the items go to review."""
    make_project(dc.essaim, MOOD, "mood.csv", MOOD_CSV)
    for person, label in ((ALICE, "positive"), (BRUNO, "negative")):
        calls = dc.command(person, "task")
        while cards := dc.cards(calls):
            button = next(i for i in custom_ids(cards[-1].data) if i.endswith(label))
            calls = dc.press(person, cards[-1].message, button)


def test_a_moderator_decides_an_item(dc: Discord):
    _two_disagreeing_contributors(dc)
    refused = dc.command(MOSES, "review", project="mood")
    assert any("moderator" in t for t in dc.texts(refused))
    services.grant_role(dc.essaim.db, f"discord:{MOSES.id}", "moderator", actor_id=OPERATOR)
    item = dc.cards(dc.command(MOSES, "review", project="mood"), "essaim:v:")[0]
    assert "Review — mood" in item.content
    pick = next(i for i in custom_ids(item.data) if i.startswith("essaim:v:"))
    calls = dc.press(MOSES, item.message, pick)
    assert "Decided: positive" in next(c for c in calls if c.kind == "edit").content
    status = services.project_status(dc.essaim.db, "mood", actor_id=OPERATOR)
    assert status.tasks["resolved"] == 1 and status.tasks["review"] == 1


def test_a_moderator_writes_the_answer_in_a_form(dc: Discord):
    _two_disagreeing_contributors(dc)
    services.grant_role(dc.essaim.db, f"discord:{MOSES.id}", "moderator", actor_id=OPERATOR)
    item = dc.cards(dc.command(MOSES, "review", project="mood"), "essaim:vw:")[0]
    write = next(i for i in custom_ids(item.data) if i.startswith("essaim:vw:"))
    form = dc.modals(dc.press(MOSES, item.message, write))[0]
    assert form["custom_id"] == f"essaim-modal:{write.removeprefix('essaim:')}"
    calls = dc.submit(MOSES, form["custom_id"], "neutral", message=item.message)
    assert "Decided: neutral" in next(c for c in calls if c.kind == "edit").content


def test_a_long_task_shows_one_card_and_its_pages_on_demand(dc: Discord):
    long_text = " ".join(f"word{i}" for i in range(600))  # about 4,300 characters
    make_project(dc.essaim, MOOD, "mood.csv", f"id,text\nl1,{long_text}\n".encode())
    calls = dc.command(ALICE, "task")
    parts = [c for c in calls if c.kind == "followup"]
    assert len(parts) == 1 and len(parts[0].content) <= 2000  # not the whole text at once
    card = parts[0]
    assert "essaim:a:1:positive" in custom_ids(card.data)
    assert "(page 1 of 6: press “Read more” for the rest)" in card.content
    shown = [card.content]
    more = "essaim:t:1:1"
    while more:
        assert more in custom_ids(card.data)
        page = [c for c in dc.press(ALICE, card.message, more) if c.message is not None][-1]
        assert len(page.content) <= 2000
        shown.append(page.content)
        card = page
        more = next((i for i in custom_ids(page.data) if i.startswith("essaim:t:")), "")
    assert len(shown) == 6 and shown[-1].startswith("Page 6 of 6:")
    text = " ".join(shown)
    assert all(f"word{i} " in text or text.endswith(f"word{i}") for i in range(600))
