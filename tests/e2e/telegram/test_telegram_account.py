"""Consent, languages, stats, forgetting and linking, through the real Application."""

import pytest

from engine import services
from engine.actors import OPERATOR
from tests.e2e.builders import make_project
from tests.e2e.telegram.tg_harness import ALICE, BRUNO, MOOD, MOOD_CSV, Bot

pytestmark = pytest.mark.e2e


def test_start_tells_what_is_stored_in_the_users_language(bot: Bot):
    english = bot.texts(bot.say(ALICE, "/start"))[0]
    french = bot.texts(bot.say(BRUNO, "/start"))[0]
    assert "What we store" in english and "/forget" in english
    assert "Ce que nous conservons" in french and "/forget" in french


def test_start_shows_the_persistent_next_button_and_it_works(bot: Bot):
    make_project(bot.essaim, MOOD, "mood.csv", MOOD_CSV)
    calls = bot.say(ALICE, "/start")
    keyboard = calls[-1].params["reply_markup"]["keyboard"]
    assert keyboard == [[{"text": "Next task"}]]
    assert bot.task_cards(bot.say(ALICE, "Next task"))


def test_lang_switches_every_following_message(bot: Bot):
    calls = bot.say(ALICE, "/lang")
    menu = calls[-1]
    assert bot.payloads(menu) == ["l:en", "l:fr"]
    calls = bot.press(ALICE, bot.message_of(menu), "l:fr")
    assert any("maintenant le français" in t for t in bot.texts(calls))
    assert "Commandes" in bot.texts(bot.say(ALICE, "/help"))[0]
    assert services.get_contributor(bot.essaim.db, 1).language == "fr"


def test_unknown_deep_link_project_is_explained(bot: Bot):
    text = bot.texts(bot.say(ALICE, "/start nope"))[0]
    assert "There is no project called “nope”" in text


def test_stats_after_answers(bot: Bot):
    make_project(bot.essaim, MOOD, "mood.csv", MOOD_CSV)
    card = bot.task_cards(bot.say(ALICE, "/next mood"))[0]
    bot.press(ALICE, bot.message_of(card), bot.payloads(card)[0])
    text = bot.texts(bot.say(ALICE, "/stats"))[0]
    assert "answers: 1" in text
    board = bot.texts(bot.say(ALICE, "/leaderboard"))[0]
    assert "1. Alice" in board and "(you)" in board


def test_forget_asks_first_and_then_deletes(bot: Bot):
    bot.say(ALICE, "/start")
    ask = bot.say(ALICE, "/forget")[-1]
    assert bot.payloads(ask) == ["fc", "fx"]
    bot.press(ALICE, bot.message_of(ask), "fx")
    assert services.identities_of(bot.essaim.db, 1) == [("telegram", str(ALICE.id))]
    calls = bot.press(ALICE, bot.message_of(ask), "fc")
    assert services.identities_of(bot.essaim.db, 1) == []
    assert any(
        "personal data is deleted" in c.params["text"]
        for c in calls
        if c.method == "editMessageText"
    )


def test_link_gives_a_code_that_links_another_identity(bot: Bot):
    text = bot.texts(bot.say(ALICE, "/link"))[0]
    code = text.split("code: ")[1].split(" ")[0]
    linked = services.redeem_link_code(bot.essaim.db, code, "discord", "42")
    assert linked.id == services.identify(bot.essaim.db, "telegram", str(ALICE.id)).id
    assert "La liaison a échoué" in bot.texts(bot.say(BRUNO, "/link WRONGCODE"))[0]


def test_pause_and_resume(bot: Bot):
    bot.say(ALICE, "/pause")
    assert services.get_contributor(bot.essaim.db, 1).notifications is False
    bot.say(ALICE, "/resume")
    assert services.get_contributor(bot.essaim.db, 1).notifications is True


def test_help_names_telegrams_own_commands(bot: Bot):
    services.grant_role(bot.essaim.db, f"telegram:{ALICE.id}", "requester", actor_id=OPERATOR)
    text = "\n".join(bot.texts(bot.say(ALICE, "/help")))
    assert "/next — your next task" in text and "/pause, /resume" in text
    assert "with the caption /upload &lt;project&gt;" in text
    assert "/task" not in text
