"""Contributors answer with persistent buttons, menus and forms; the database says what happened."""

import pytest

from engine import services
from engine.actors import OPERATOR
from tests.e2e.builders import PROOF, PROOF_MD, make_project
from tests.e2e.discord.dc_harness import ALICE, BRUNO, MOOD, MOOD_CSV, Discord, custom_ids

pytestmark = pytest.mark.e2e


def mood_of(text: str) -> str:
    return "positive" if "love" in text else "negative"


def answer_all(dc: Discord, person, *, where: str = "dm") -> int:
    """Press the right label on every task offered until there is none; tasks answered."""
    calls = dc.command(person, "task", where=where, project="mood")
    answered = 0
    while cards := dc.cards(calls):
        card = cards[-1]
        label = mood_of(card.content)
        button = next(i for i in custom_ids(card.data) if i.endswith(f":{label}"))
        calls = dc.press(person, card.message, button, where=where)
        edits = [c for c in calls if c.kind == "edit"]
        assert edits and f": {label}" in edits[0].content.rsplit("\n\n", 2)[-2]
        assert edits[0].data["components"] == []  # the answered card has no buttons left
        answered += 1
    return answered


def test_two_contributors_complete_a_project_with_buttons(dc: Discord):
    make_project(dc.essaim, MOOD, "mood.csv", MOOD_CSV)
    first = dc.command(ALICE, "task", project="mood")
    assert first[0].callback_type == 5  # deferred ("thinking…") before the service is called
    card = dc.cards(first)[0]
    assert "**Task — Mood of comments**" in card.content
    ids = custom_ids(card.data)
    assert ids[:3] == ["essaim:a:1:positive", "essaim:a:1:negative", "essaim:a:1:neutral"]
    assert ids[3:] == ["essaim:s:1", "essaim:r:1"]
    assert answer_all(dc, ALICE) == 2
    assert answer_all(dc, BRUNO) == 2
    status = services.project_status(dc.essaim.db, "mood", actor_id=OPERATOR)
    assert status.tasks["complete"] == 2 and status.answers == 4 and status.completion == 1.0
    last = dc.command(BRUNO, "task", project="mood")
    assert any("Plus de tâche pour vous" in t for t in dc.texts(last))  # Bruno's client is French


def test_a_double_click_stores_one_answer(dc: Discord):
    make_project(dc.essaim, MOOD, "mood.csv", MOOD_CSV)
    card = dc.cards(dc.command(ALICE, "task"))[0]
    first = dc.press(ALICE, card.message, "essaim:a:1:positive")
    second = dc.press(ALICE, card.message, "essaim:a:1:positive")
    assert first[0].callback_type == 6 and second[0].callback_type == 6  # acknowledged at once
    assert "Already saved" in " ".join(dc.texts(second))
    assert not dc.cards(second)  # the second press shows no new task
    assert services.project_status(dc.essaim.db, "mood", actor_id=OPERATOR).answers == 1


def test_skip_gives_the_next_task(dc: Discord):
    make_project(dc.essaim, MOOD, "mood.csv", MOOD_CSV)
    card = dc.cards(dc.command(ALICE, "task"))[0]
    calls = dc.press(ALICE, card.message, "essaim:s:1")
    assert "Skipped." in next(c for c in calls if c.kind == "edit").content
    nxt = dc.cards(calls)
    assert nxt and "essaim:a:2:positive" in custom_ids(nxt[0].data)


def test_proofreading_through_a_prefilled_form(dc: Discord):
    make_project(dc.essaim, PROOF, "doc.md", PROOF_MD)
    calls = dc.command(ALICE, "task", project="proof")
    card = dc.cards(calls)[0]
    ids = custom_ids(card.data)
    assert ids[0].endswith(":no_error") and "essaim:w:1" in ids
    sentence = "Teh cat sat on the mat." if "Teh cat" in card.content else "The dog barks."
    opened = dc.press(ALICE, card.message, "essaim:w:1")
    form = dc.modals(opened)[0]
    assert opened[0].callback_type == 9  # the form is the first answer to the press
    assert form["custom_id"] == "essaim-modal:w:1"
    field = form["components"][0]["components"][0]
    assert field["value"] == sentence  # pre-filled with the sentence to correct
    corrected = "The cat sat on the mat." if sentence.startswith("Teh") else "The dog barks!"
    calls = dc.submit(ALICE, "essaim-modal:w:1", corrected, message=card.message)
    edit = next(c for c in calls if c.kind == "edit")
    assert f"Your answer: {corrected}" in edit.content
    row = next(services.export_answers(dc.essaim.db, "proof"))
    assert corrected in str(row)
    assert dc.cards(calls, "essaim:w:")  # the next sentence is offered


def test_buttons_keep_working_after_a_restart(dc: Discord, runner):
    from tests.e2e.discord.conftest import start_bot

    make_project(dc.essaim, MOOD, "mood.csv", MOOD_CSV)
    card = dc.cards(dc.command(ALICE, "task", where="guild"))[0]
    restarted = start_bot(dc.essaim, runner)  # a new process: no view, no memory
    calls = restarted.press(ALICE, card.message, "essaim:a:1:positive", where="guild")
    assert "Your answer: positive" in next(c for c in calls if c.kind == "edit").content
    assert services.project_status(dc.essaim.db, "mood", actor_id=OPERATOR).answers == 1


def test_sent_views_leave_no_state_that_could_time_out(dc: Discord):
    """Ephemeral views get a 15-minute timeout in discord.py; ours are fully dynamic, so the
    view store tracks nothing per message and only the templates dispatch."""
    make_project(dc.essaim, MOOD, "mood.csv", MOOD_CSV)
    card = dc.cards(dc.command(ALICE, "task", where="guild"))[0]
    store = dc.bot._connection._view_store
    assert store._views == {} and store.persistent_views == []
    assert len(store._dynamic_items) == 4
    dc.press(ALICE, card.message, "essaim:a:1:positive", where="guild")
    assert services.project_status(dc.essaim.db, "mood", actor_id=OPERATOR).answers == 1
