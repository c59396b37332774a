"""Replies that used to mislead, long texts in pages, and caps, through the real Telegram app."""

import pytest
from sqlalchemy import select

from engine.actors import OPERATOR
from engine.models import Assignment
from tests.e2e.builders import PROOF, make_project
from tests.e2e.telegram.tg_harness import ALICE, BRUNO, MOOD, MOOD_CSV, Bot, plain

pytestmark = pytest.mark.e2e

NNBSP = "\u202f"


def statuses(bot: Bot) -> list[str]:
    with bot.essaim.db.read() as session:
        return list(session.execute(select(Assignment.status).order_by(Assignment.id)).scalars())


# --- /upload without a document ----------------------------------------------------------


def test_upload_typed_without_a_document_says_how_to_attach_it(bot: Bot):
    assert bot.texts(bot.say(ALICE, "/upload mood")) == [
        "/upload needs a file: attach the file (CSV, JSONL, TXT or MD) to a message, with "
        "/upload &lt;project&gt; as its caption."
    ]
    assert bot.texts(bot.say(BRUNO, "/upload")) == [
        f"/upload a besoin d’un fichier{NNBSP}: joignez le fichier (CSV, JSONL, TXT ou MD) à un "
        "message, avec la légende /upload &lt;projet&gt;."
    ]


# --- /next with a project that does not exist -------------------------------------------


def test_next_with_an_unknown_project_says_it_does_not_exist(bot: Bot):
    make_project(bot.essaim, MOOD, "mood.csv", MOOD_CSV)
    calls = bot.say(ALICE, "/next moood")
    assert bot.texts(calls) == [
        "There is no project called “moood”. Check its name, or press “Next task” for a task "
        "from any open project."
    ]
    assert bot.texts(bot.say(BRUNO, "/next moood")) == [
        f"Il n’y a pas de projet appelé «{NNBSP}moood{NNBSP}». Vérifiez son nom, ou appuyez sur "
        f"«{NNBSP}Tâche suivante{NNBSP}» pour une tâche d’un projet ouvert."
    ]
    assert bot.task_cards(bot.say(ALICE, "/next mood"))  # the real name still works


# --- a skip button that is not yours ------------------------------------------------------

NOT_YOURS = (
    "This skip button is not for a task you hold (someone else’s, or an old card): nothing "
    "was skipped. Here is your current task."
)


def test_pressing_someone_elses_skip_shows_your_own_task_and_skips_nothing(bot: Bot):
    make_project(bot.essaim, MOOD, "mood.csv", MOOD_CSV)
    alices = bot.task_cards(bot.say(ALICE, "/next mood"))[0]
    brunos = bot.task_cards(bot.say(BRUNO, "/next mood"))[0]
    skip = next(p for p in bot.payloads(alices) if p.startswith("s:"))
    calls = bot.press(BRUNO, bot.message_of(brunos), skip)
    assert bot.texts(calls)[0] == (
        f"Ce bouton «{NNBSP}Passer{NNBSP}» ne correspond pas à une tâche que vous avez (celle de "
        f"quelqu’un d’autre, ou une ancienne carte){NNBSP}: rien n’a été passé. Voici votre "
        "tâche en cours."
    )
    shown = bot.task_cards(calls)
    assert [bot.payloads(c) for c in shown] == [bot.payloads(brunos)]  # the same task again
    assert statuses(bot) == ["leased", "leased"]  # neither lease was skipped


def test_an_old_cards_skip_after_answering_shows_the_current_task(bot: Bot):
    make_project(bot.essaim, MOOD, "mood.csv", MOOD_CSV)
    first = bot.task_cards(bot.say(ALICE, "/next mood"))[0]
    answer = bot.payloads(first)[0]
    second = bot.task_cards(bot.press(ALICE, bot.message_of(first), answer))[0]
    old_skip = next(p for p in bot.payloads(first) if p.startswith("s:"))
    calls = bot.press(ALICE, bot.message_of(first), old_skip)
    assert bot.texts(calls)[0] == NOT_YOURS
    assert [bot.payloads(c) for c in bot.task_cards(calls)] == [bot.payloads(second)]
    assert statuses(bot) == ["answered", "leased"]  # no second lease, nothing skipped


# --- a long text: one card, then pages on demand -----------------------------------------


def long_item(characters: int) -> str:
    words, size = [], 0
    while size < characters:
        word = f"w{len(words)}<&>"
        words.append(word)
        size += len(word) + 1
    return " ".join(words)[:characters].rstrip()


def test_a_long_text_is_one_card_with_read_more_pages(bot: Bot):
    text = long_item(99_000)
    make_project(bot.essaim, MOOD, "mood.csv", f"id,text\nl1,{text}\n".encode())
    calls = bot.say(ALICE, "/next mood")
    assert len([c for c in calls if c.method == "sendMessage"]) == 1  # not 25 messages
    card = bot.task_cards(calls)[0]
    shown = plain(card.params["text"])
    assert len(shown) < 4096 and "&lt;&amp;&gt;" in card.params["text"]
    assert "(page 1 of 111: press “Read more” for the rest)" in shown
    aid = next(p for p in bot.payloads(card) if p.startswith("s:")).split(":")[1]
    assert f"t:{aid}:1" in bot.payloads(card)

    pages = [shown]
    message = bot.message_of(card)
    for page in (1, 2):
        calls = bot.press(ALICE, message, f"t:{aid}:{page}")
        sent = [c for c in calls if c.method == "sendMessage"]
        assert len(sent) == 1 and bot.payloads(sent[0]) == [f"t:{aid}:{page + 1}"]
        assert plain(sent[0].params["text"]).startswith(f"Page {page + 1} of 111:\n")
        pages.append(plain(sent[0].params["text"]))
        message = bot.message_of(sent[0])
    last = [c for c in bot.press(ALICE, message, f"t:{aid}:110") if c.method == "sendMessage"]
    assert bot.payloads(last[0]) == []  # the last page has no "Read more"
    assert plain(last[0].params["text"]).endswith(text[-20:])
    past = bot.press(ALICE, message, f"t:{aid}:111")
    assert bot.texts(past) == ["That was the end of the text."]
    # Pages follow each other without losing or repeating a character.
    body = [page.split(":\n", 1)[1] for page in pages[1:]]
    assert text.startswith(pages[0].split("\n")[1][:50])
    assert "".join(body) in text and text.index(body[0]) > 0


def test_someone_else_cannot_read_the_pages_of_your_task(bot: Bot):
    make_project(bot.essaim, MOOD, "mood.csv", f"id,text\nl1,{long_item(5_000)}\n".encode())
    card = bot.task_cards(bot.say(ALICE, "/next mood"))[0]
    more = next(p for p in bot.payloads(card) if p.startswith("t:"))
    calls = bot.press(BRUNO, bot.message_of(card), more)
    assert "Cette tâche n'est plus la vôtre" in " ".join(bot.texts(calls))
    assert "w10&lt;" not in " ".join(bot.texts(calls))


# --- caps: refused with file, line and field ----------------------------------------------


@pytest.mark.parametrize(
    ("filename", "data", "where", "length"),
    [
        ("big.csv", f"id,text\nok,fine\nbig,{'x' * 120_000}\n".encode(), "big.csv:3", "120,000"),
        (
            "big.jsonl",
            (
                '{"id": "ok", "text": "fine"}\n{"id": "big", "text": "%s"}\n' % ("x" * 220_000)
            ).encode(),
            "big.jsonl:2",
            "220,000",
        ),
    ],
)
def test_an_item_text_over_the_cap_is_refused_naming_file_line_and_field(
    bot: Bot, filename: str, data: bytes, where: str, length: str
):
    from engine import services
    from engine.spec import parse_spec

    services.create_project(bot.essaim.db, parse_spec(MOOD), actor_id=OPERATOR)
    handle = bot.essaim.add_batch("mood", filename, data, actor_id=OPERATOR)
    error = str(handle.result.get("error") or handle.result)
    assert where in error and "field 'text'" in error, error
    assert f"is {length} characters long; at most 100,000 are allowed" in error
    assert (
        services.project_status(bot.essaim.db, "mood", actor_id=OPERATOR).items == 0
    )  # nothing stored


def test_a_document_over_max_sentences_is_refused_in_chat(bot: Bot):
    from engine import services
    from engine.spec import parse_spec

    services.create_project(
        bot.essaim.db, parse_spec({**PROOF, "max_sentences": 50}), actor_id=OPERATOR
    )
    services.grant_role(bot.essaim.db, f"telegram:{ALICE.id}", "requester", actor_id=OPERATOR)
    document = " ".join(f"Sentence {n} is here." for n in range(51)).encode()
    calls = bot.upload(ALICE, "long.md", document, "/upload proof")
    calls += bot.drain()
    said = " ".join(plain(t) for t in bot.texts(calls))
    assert "long.md:1" in said and "field 'text'" in said, said
    assert "has more than 50 sentences, the project's max_sentences" in said
    assert services.project_status(bot.essaim.db, "proof", actor_id=OPERATOR).items == 0
