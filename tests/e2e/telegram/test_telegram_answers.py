"""Contributors answer through buttons and text replies; the database says what happened."""

import pytest

from engine import services
from engine.actors import OPERATOR
from tests.e2e.builders import PROOF, PROOF_MD, make_project
from tests.e2e.telegram.tg_harness import ALICE, BRUNO, MOOD, MOOD_CSV, Bot

pytestmark = pytest.mark.e2e


def answer_all_labels(bot: Bot, person, choose) -> int:
    """Press a label on every task offered until there is none; returns tasks answered."""
    calls = bot.say(person, "/next")
    answered = 0
    while cards := bot.task_cards(calls):
        card = cards[-1]
        label = choose(card.params["text"])
        payload = next(p for p in bot.payloads(card) if p.endswith(f":{label}"))
        calls = bot.press(person, bot.message_of(card), payload)
        edits = [c for c in calls if c.method == "editMessageText"]
        assert edits, "the answered task message is edited"
        answered += 1
    return answered


def mood_of(text: str) -> str:
    return "positive" if "love" in text else "negative"


def test_two_contributors_complete_a_labeling_project_with_buttons(bot: Bot):
    make_project(bot.essaim, MOOD, "mood.csv", MOOD_CSV)
    start = bot.say(ALICE, "/start mood")
    assert any("You joined the project" in t for t in bot.texts(start))
    assert answer_all_labels(bot, ALICE, mood_of) == 2
    assert services.project_status(bot.essaim.db, "mood", actor_id=OPERATOR).tasks["complete"] == 0
    assert answer_all_labels(bot, BRUNO, mood_of) == 2
    status = services.project_status(bot.essaim.db, "mood", actor_id=OPERATOR)
    assert status.tasks["complete"] == 2, status
    assert status.completion == 1.0
    assert status.answers == 4
    assert status.contributors == 2
    last = bot.say(BRUNO, "/next mood")
    assert any("Plus de tâche pour vous" in t for t in bot.texts(last))  # Bruno reads French


def test_every_text_from_outside_is_escaped(bot: Bot):
    make_project(bot.essaim, MOOD, "mood.csv", MOOD_CSV)
    calls = bot.say(ALICE, "/next mood")
    card = bot.task_cards(calls)[0].params["text"]
    assert "I love it &amp; more &lt;3" in card
    assert "Mood &lt;of&gt; comments" in card
    assert "<3" not in card


def test_proofreading_by_text_replies_and_no_error_button(bot: Bot):
    make_project(bot.essaim, PROOF, "doc.md", PROOF_MD)
    for person in (ALICE, BRUNO):
        calls = bot.say(person, "/next proof")
        for _ in range(2):
            card = bot.task_cards(calls)[-1]
            text = card.params["text"]
            assert "<code>" in text  # the sentence can be copied with one tap
            assert bot.payloads(card)[0].endswith(":no_error")
            prompt = bot.prompts(calls)[-1]
            assert prompt.params["reply_markup"]["input_field_placeholder"]
            if "Teh cat" in text:
                calls = bot.say(person, "The cat sat on the mat.", reply_to=bot.message_of(prompt))
                edits = [c for c in calls if c.method == "editMessageText"]
                assert "The cat sat on the mat." in edits[0].params["text"].split("#")[-1]
            else:
                calls = bot.press(person, bot.message_of(card), bot.payloads(card)[0])
        assert not bot.task_cards(calls)
    status = services.project_status(bot.essaim.db, "proof", actor_id=OPERATOR)
    assert status.tasks["complete"] == 2, status
    corrected = next(services.export_items(bot.essaim.db, "proof"))
    assert "The cat sat on the mat." in str(corrected)
