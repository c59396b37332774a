"""Notices from the engine's outbox: batch reports and completions reach the uploader once,
on Telegram and on a linked Discord account, whichever platform the answers came from."""

import asyncio
from collections.abc import Iterator

import pytest

from bots.core import Chat, Reply, User
from bots.core.notices import drain
from engine import services
from engine.actors import OPERATOR
from engine.queue import JobHandle
from engine.spec import parse_spec
from tests.e2e.discord.dc_harness import Discord, Person, custom_ids, start_bot
from tests.e2e.telegram.tg_harness import ALICE, BRUNO, MOOD, MOOD_CSV, RITA, Bot

pytestmark = pytest.mark.e2e

DC_ALICE = Person(280000000000000011, "alice")
DC_BRUNO = Person(280000000000000012, "bruno")
DC_RITA = Person(280000000000000013, "rita")


def requester(bot: Bot, person=RITA) -> None:
    services.create_project(bot.essaim.db, parse_spec(MOOD), actor_id=OPERATOR)
    services.grant_role(bot.essaim.db, f"telegram:{person.id}", "requester", actor_id=OPERATOR)


def test_an_inline_upload_is_acknowledged_then_reported_once(bot: Bot):
    requester(bot)
    calls = bot.upload(RITA, "comments.csv", MOOD_CSV, "/upload mood")
    received, report = bot.sent_to(calls, RITA)
    assert "comments.csv was received for “mood”" in received
    assert "Batch 1 of “mood” is ready: comments.csv, 2 items, 2 tasks" in report
    assert not bot.drain() and not bot.drain()


def test_a_failed_upload_is_reported_once_naming_file_and_line(bot: Bot):
    requester(bot)
    calls = bot.upload(RITA, "bad.csv", b"id,text\nx1,ok\nx2,\n", "/upload mood")
    received, refused = bot.sent_to(calls, RITA)
    assert "bad.csv was received" in received
    assert "Batch 1 of “mood” (bad.csv) was refused: bad.csv:3" in refused
    assert not bot.drain()
    assert services.project_status(bot.essaim.db, "mood", actor_id=OPERATOR).items == 0


def test_a_queued_upload_is_reported_when_the_worker_has_ingested_it(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
):
    """With Redis the job runs later in a worker: the reply only says "received"."""
    requester(bot)
    queued: list[int] = []

    def enqueue(_func, batch_id: int) -> JobHandle:
        queued.append(batch_id)
        return JobHandle("job-1", "queued")

    monkeypatch.setattr(bot.essaim.queue, "enqueue", enqueue)
    calls = bot.upload(RITA, "comments.csv", MOOD_CSV, "/upload mood")
    assert len(bot.sent_to(calls, RITA)) == 1 and not bot.drain()
    services.ingest_batch(bot.essaim.db, queued[0])  # what the worker does
    (report,) = bot.sent_to(bot.drain(), RITA)
    assert "is ready: comments.csv, 2 items" in report
    assert not bot.drain()


def test_notices_are_in_the_uploaders_language(bot: Bot):
    requester(bot, BRUNO)
    bot.say(BRUNO, "/lang fr")
    calls = bot.upload(BRUNO, "c.csv", MOOD_CSV, "/upload mood")
    assert "Le lot 1 de « mood » est prêt" in bot.sent_to(calls, BRUNO)[-1]


def test_completion_by_contributors_on_another_platform(bot: Bot):
    requester(bot)
    bot.upload(RITA, "one.csv", b"id,text\nz1,I love it\n", "/upload mood")
    for name in ("ana", "ben"):
        contributor = services.identify(bot.essaim.db, "discord", name).id
        offer = services.next_task(bot.essaim.db, contributor, "mood").offer
        assert offer is not None
        bot.essaim.submit_answer(contributor, offer.assignment_id, "positive")
    first = bot.drain()
    (done,) = bot.sent_to(first, RITA)
    assert "Your batch 1 (one.csv, 1 items) of “mood” is complete" in done
    assert not bot.drain()


@pytest.fixture
def dc_runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as runner:
        yield runner


def answer_all(dc: Discord, person: Person) -> None:
    calls = dc.command(person, "task")
    while cards := dc.cards(calls):
        calls = dc.press(person, cards[-1].message, custom_ids(cards[-1].data)[0])


def test_uploaded_on_telegram_completed_on_discord_told_on_both(
    bot: Bot, dc_runner: asyncio.Runner
):
    """Both real bots on one database; Rita's Telegram and Discord accounts are linked."""
    dc = start_bot(bot.essaim, dc_runner)
    requester(bot)
    code = bot.texts(bot.say(RITA, "/link"))[0].split("link code: ")[1].split(" ")[0]
    assert any("Linked" in t for t in dc.texts(dc.command(DC_RITA, "link", code=code)))
    calls = bot.upload(RITA, "mood.csv", MOOD_CSV, "/upload mood")
    assert "is ready" in bot.sent_to(calls, RITA)[-1]
    for person in (DC_ALICE, DC_BRUNO):
        answer_all(dc, person)
    assert services.project_status(bot.essaim.db, "mood", actor_id=OPERATOR).completion == 1.0
    (done,) = bot.sent_to(bot.drain(), RITA)
    assert "Your batch 1 (mood.csv, 2 items) of “mood” is complete" in done
    dms = dc.dms(dc.drain())  # the Discord bot had not drained since the upload
    assert ["is ready" in m.content for m in dms] == [True, False]
    assert "is complete" in dms[1].content
    assert dc.dm_recipients(dc.recorder.calls) == [DC_RITA.id]
    assert all(m.allowed_mentions == {"parse": []} for m in dms)
    assert not bot.drain() and not dc.drain()
    assert not bot.sent_to(bot.request.calls, ALICE)  # nobody else was told


def test_a_notice_that_cannot_be_sent_does_not_lose_the_others(bot: Bot):
    requester(bot)
    chat, rita = Chat(bot.essaim), User("telegram", str(RITA.id))
    for name in ("a.csv", "b.csv"):  # ids of their own: the same file twice is refused
        data = MOOD_CSV.replace(b"\nc", f"\n{name}-c".encode())
        chat.upload(rita, "mood", name, data)  # the use case alone: nothing drained yet
    sent: list[str] = []

    async def send(_external_id: str, reply: Reply) -> None:
        if not sent:
            sent.append("lost")
            raise ConnectionError("Telegram is unreachable")
        sent.append(reply.lines[0].params["filename"])

    assert bot.runner.run(drain(chat, "telegram", send)) == 2
    assert sent == ["lost", "b.csv"] and not bot.drain()


def test_a_refused_upload_lists_every_error_up_to_fifty_in_chat(bot: Bot):
    """Sixty bad lines: the requester reads the first fifty, each with its line, and how many
    more there are; the encoding the file was read with is said on receipt."""
    requester(bot)
    bad = "".join(f"x{i},\n" for i in range(60))
    data = ("id,text\n" + bad).encode("cp1252")
    calls = bot.upload(RITA, "bad.csv", data, "/upload mood")
    received, refused = bot.sent_to(calls, RITA)
    assert "It is read as UTF-8 text." in received
    assert "Batch 1 of “mood” (bad.csv) was refused: " in refused
    for line in (2, 30, 51):
        assert f"bad.csv:{line}: field 'text'" in refused
    assert "bad.csv:52:" not in refused
    assert "and 10 more errors" in refused
    assert services.project_status(bot.essaim.db, "mood", actor_id=OPERATOR).items == 0


def test_a_french_excel_file_is_read_and_its_encoding_named(bot: Bot):
    requester(bot)
    data = "id;text\nc1;Très bien, merci à vous\nc2;Ça coûte 5 €\n".encode("cp1252")
    received, report = bot.sent_to(bot.upload(RITA, "excel.csv", data, "/upload mood"), RITA)
    assert "It is read as Windows-1252 text." in received
    assert "2 items, 2 tasks" in report
    texts = sorted(item["input"]["text"] for item in services.export_items(bot.essaim.db, "mood"))
    assert texts == ["Très bien, merci à vous", "Ça coûte 5 €"]
