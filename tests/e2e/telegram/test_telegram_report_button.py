"""The "report a problem" button of a task one does not hold reports nothing, and says so."""

import pytest
from sqlalchemy import func, select

from engine.models import Assignment, TaskReport
from tests.e2e.builders import make_project
from tests.e2e.telegram.tg_harness import ALICE, BRUNO, MOOD, MOOD_CSV, Bot

pytestmark = pytest.mark.e2e

NNBSP = "\u202f"
NOT_YOURS = (
    "This report button is not for a task you hold (someone else’s, or an old card): nothing "
    "was reported. Here is your current task."
)
PAS_LE_VOTRE = (
    f"Ce bouton «{NNBSP}Signaler un problème{NNBSP}» ne correspond pas à une tâche que vous "
    f"avez (celle de quelqu’un d’autre, ou une ancienne carte){NNBSP}: rien n’a été signalé. "
    "Voici votre tâche en cours."
)


def reports(bot: Bot) -> int:
    with bot.essaim.db.read() as session:
        return session.execute(select(func.count()).select_from(TaskReport)).scalar_one()


def statuses(bot: Bot) -> list[str]:
    with bot.essaim.db.read() as session:
        return list(session.execute(select(Assignment.status).order_by(Assignment.id)).scalars())


def report_button(bot: Bot, card) -> str:
    return next(p for p in bot.payloads(card) if p.startswith("r:"))


def test_someone_elses_report_button_reports_nothing_and_shows_your_task(bot: Bot):
    make_project(bot.essaim, MOOD, "mood.csv", MOOD_CSV)
    alices = bot.task_cards(bot.say(ALICE, "/next mood"))[0]
    brunos = bot.task_cards(bot.say(BRUNO, "/next mood"))[0]
    calls = bot.press(BRUNO, bot.message_of(brunos), report_button(bot, alices))  # forged
    assert bot.texts(calls)[0] == PAS_LE_VOTRE
    assert [bot.payloads(c) for c in bot.task_cards(calls)] == [bot.payloads(brunos)]
    assert not any("signalé aux modérateurs" in t for t in bot.texts(calls, "editMessageText"))
    assert reports(bot) == 0 and statuses(bot) == ["leased", "leased"]


def test_an_old_cards_report_button_after_answering_reports_nothing(bot: Bot):
    make_project(bot.essaim, MOOD, "mood.csv", MOOD_CSV)
    first = bot.task_cards(bot.say(ALICE, "/next mood"))[0]
    second = bot.task_cards(bot.press(ALICE, bot.message_of(first), bot.payloads(first)[0]))[0]
    calls = bot.press(ALICE, bot.message_of(first), report_button(bot, first))
    assert bot.texts(calls)[0] == NOT_YOURS
    assert [bot.payloads(c) for c in bot.task_cards(calls)] == [bot.payloads(second)]
    assert reports(bot) == 0 and statuses(bot) == ["answered", "leased"]  # no second lease


def test_your_own_report_button_still_reports(bot: Bot):
    make_project(bot.essaim, MOOD, "mood.csv", MOOD_CSV)
    card = bot.task_cards(bot.say(ALICE, "/next mood"))[0]
    calls = bot.press(ALICE, bot.message_of(card), report_button(bot, card))
    said = " ".join(bot.texts(calls, "editMessageText") + bot.texts(calls))
    assert "the problem was reported to the moderators" in said and NOT_YOURS not in said
    assert reports(bot) == 1 and statuses(bot)[0] == "skipped"
