"""The "report a problem" button of a task one does not hold reports nothing, and says so."""

import pytest

from tests.e2e.builders import (
    REPORT_NOT_YOURS,
    REPORT_PAS_LE_VOTRE,
    make_project,
    reports,
    statuses,
)
from tests.e2e.telegram.tg_harness import ALICE, BRUNO, MOOD, MOOD_CSV, Bot

pytestmark = pytest.mark.e2e


def report_button(bot: Bot, card) -> str:
    return next(p for p in bot.payloads(card) if p.startswith("r:"))


def test_someone_elses_report_button_reports_nothing_and_shows_your_task(bot: Bot):
    make_project(bot.essaim, MOOD, "mood.csv", MOOD_CSV)
    alices = bot.task_cards(bot.say(ALICE, "/next mood"))[0]
    brunos = bot.task_cards(bot.say(BRUNO, "/next mood"))[0]
    calls = bot.press(BRUNO, bot.message_of(brunos), report_button(bot, alices))  # forged
    assert bot.texts(calls)[0] == REPORT_PAS_LE_VOTRE
    assert [bot.payloads(c) for c in bot.task_cards(calls)] == [bot.payloads(brunos)]
    assert not any("signalé aux modérateurs" in t for t in bot.texts(calls, "editMessageText"))
    assert reports(bot.essaim) == 0 and statuses(bot.essaim) == ["leased", "leased"]


def test_an_old_cards_report_button_after_answering_reports_nothing(bot: Bot):
    make_project(bot.essaim, MOOD, "mood.csv", MOOD_CSV)
    first = bot.task_cards(bot.say(ALICE, "/next mood"))[0]
    second = bot.task_cards(bot.press(ALICE, bot.message_of(first), bot.payloads(first)[0]))[0]
    calls = bot.press(ALICE, bot.message_of(first), report_button(bot, first))
    assert bot.texts(calls)[0] == REPORT_NOT_YOURS
    assert [bot.payloads(c) for c in bot.task_cards(calls)] == [bot.payloads(second)]
    # no second lease
    assert reports(bot.essaim) == 0 and statuses(bot.essaim) == ["answered", "leased"]


def test_your_own_report_button_still_reports(bot: Bot):
    make_project(bot.essaim, MOOD, "mood.csv", MOOD_CSV)
    card = bot.task_cards(bot.say(ALICE, "/next mood"))[0]
    calls = bot.press(ALICE, bot.message_of(card), report_button(bot, card))
    said = " ".join(bot.texts(calls, "editMessageText") + bot.texts(calls))
    assert "the problem was reported to the moderators" in said and REPORT_NOT_YOURS not in said
    assert reports(bot.essaim) == 1 and statuses(bot.essaim)[0] == "skipped"
