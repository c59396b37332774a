"""Forged, stale and repeated button presses: refused politely, stored once, never a crash."""

import pytest
from sqlalchemy import func, select

from engine.models import Answer
from tests.e2e.builders import make_project
from tests.e2e.telegram.tg_harness import ALICE, BRUNO, MOOD, MOOD_CSV, Bot

pytestmark = pytest.mark.e2e


def answers(bot: Bot) -> int:
    with bot.essaim.db.read() as session:
        return session.execute(select(func.count()).select_from(Answer)).scalar_one()


def first_card(bot: Bot, person):
    calls = bot.say(person, "/next mood")
    return bot.task_cards(calls)[0]


def test_pressing_another_users_assignment_stores_nothing(bot: Bot):
    make_project(bot.essaim, MOOD, "mood.csv", MOOD_CSV)
    card = first_card(bot, ALICE)
    payload = bot.payloads(card)[0]  # a:<alice's assignment>:positive
    calls = bot.press(BRUNO, bot.message_of(card), payload)
    assert answers(bot) == 0
    assert next(c.method for c in calls) == "answerCallbackQuery"
    assert any("pas pour vous" in t for t in bot.texts(calls))  # Bruno reads French
    assert not [c for c in calls if c.method == "editMessageText"]
    # Alice's own press still works afterwards.
    calls = bot.press(ALICE, bot.message_of(card), payload)
    assert answers(bot) == 1


@pytest.mark.parametrize(
    "data",
    [
        "a:999999:positive",
        "a:1:",
        "zz",
        "a:abc:x",
        "v:1",
        "s:-1",
        "a:1:not-a-label",
        "l:xx",
        "ms:1:99999",
    ],
)
def test_nonsense_or_unknown_payloads_are_refused(bot: Bot, data: str):
    make_project(bot.essaim, MOOD, "mood.csv", MOOD_CSV)
    card = first_card(bot, ALICE)
    calls = bot.press(ALICE, bot.message_of(card), data)
    assert answers(bot) == 0
    assert calls[0].method == "answerCallbackQuery"
    assert not any("went wrong" in t for t in bot.texts(calls))


def test_a_double_tap_stores_one_answer_and_sends_one_next_task(bot: Bot):
    make_project(bot.essaim, MOOD, "mood.csv", MOOD_CSV)
    card = first_card(bot, ALICE)
    payload = bot.payloads(card)[0]
    first = bot.press(ALICE, bot.message_of(card), payload)
    second = bot.press(ALICE, bot.message_of(card), payload)
    assert answers(bot) == 1
    assert len(bot.task_cards(first)) == 1
    assert bot.task_cards(second) == []


def test_a_redelivered_update_stores_nothing_twice(bot: Bot):
    make_project(bot.essaim, MOOD, "mood.csv", MOOD_CSV)
    card = first_card(bot, ALICE)
    from tests.e2e.builders import fill
    from tests.e2e.telegram.tg_harness import template

    update = fill(
        template("callback_query.json"),
        update_id=77,
        query_id="q77",
        user_id=ALICE.id,
        first_name="Alice",
        language_code="en",
        message=bot.message_of(card),
        data=bot.payloads(card)[1],
    )
    bot.feed(update)
    bot.feed(update)
    assert answers(bot) == 1


def test_an_answer_after_a_restart_still_works(bot: Bot, tg_engine):
    """A new Application (a restarted bot) knows nothing in memory, and needs nothing."""
    import asyncio

    from bots.telegram.app import build_application
    from tests.e2e.telegram.tg_harness import RecordingRequest

    make_project(bot.essaim, MOOD, "mood.csv", MOOD_CSV)
    card = first_card(bot, ALICE)
    request = RecordingRequest()
    fresh = build_application(tg_engine.settings, tg_engine, request=request)
    with asyncio.Runner() as runner:
        runner.run(fresh.initialize())
        restarted = Bot(tg_engine, request, runner, fresh)
        calls = restarted.press(ALICE, bot.message_of(card), bot.payloads(card)[0])
        runner.run(fresh.shutdown())
    assert answers(bot) == 1
    assert [c for c in calls if c.method == "editMessageText"]
    assert restarted.task_cards(calls)
