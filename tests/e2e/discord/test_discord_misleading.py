"""Replies that used to mislead, and long texts in pages, through the real discord.py app."""

import pytest
from sqlalchemy import select

from engine.models import Assignment
from tests.e2e.builders import make_project
from tests.e2e.discord.dc_harness import ALICE, BRUNO, MOOD, MOOD_CSV, Discord, custom_ids

pytestmark = pytest.mark.e2e

NNBSP = "\u202f"


def statuses(dc: Discord) -> list[str]:
    with dc.essaim.db.read() as session:
        return list(session.execute(select(Assignment.status).order_by(Assignment.id)).scalars())


def test_task_with_an_unknown_project_says_it_does_not_exist(dc: Discord):
    make_project(dc.essaim, MOOD, "mood.csv", MOOD_CSV)
    assert dc.texts(dc.command(ALICE, "task", project="moood")) == [
        "There is no project called “moood”. Check its name, or press “Next task” for a task "
        "from any open project."
    ]
    assert dc.texts(dc.command(BRUNO, "task", project="moood")) == [
        f"Il n’y a pas de projet appelé «{NNBSP}moood{NNBSP}». Vérifiez son nom, ou appuyez sur "
        f"«{NNBSP}Tâche suivante{NNBSP}» pour une tâche d’un projet ouvert."
    ]


def test_someone_elses_skip_button_skips_nothing_and_shows_your_task(dc: Discord):
    make_project(dc.essaim, MOOD, "mood.csv", MOOD_CSV)
    alices = dc.cards(dc.command(ALICE, "task", project="mood"))[0]
    brunos = dc.cards(dc.command(BRUNO, "task", project="mood"))[0]
    skip = next(i for i in custom_ids(alices.data) if i.startswith("essaim:s:"))
    calls = dc.press(BRUNO, alices.message, skip)  # a forged press on Alice's card
    texts = dc.texts(calls)
    assert texts[0] == (
        f"Ce bouton «{NNBSP}Passer{NNBSP}» ne correspond pas à une tâche que vous avez (celle de "
        f"quelqu’un d’autre, ou une ancienne carte){NNBSP}: rien n’a été passé. Voici votre "
        "tâche en cours."
    )
    again = dc.cards(calls)
    assert [custom_ids(c.data) for c in again] == [custom_ids(brunos.data)]
    assert statuses(dc) == ["leased", "leased"]


def test_a_long_text_card_stays_under_2000_with_read_more(dc: Discord):
    text = " ".join(f"**w{n}** <@1>" for n in range(2_000))  # markdown and mentions too
    make_project(dc.essaim, MOOD, "mood.csv", f"id,text\nl1,{text}\n".encode())
    calls = [c for c in dc.command(ALICE, "task") if c.message is not None]
    assert len(calls) == 1 and len(calls[0].content) <= 2000
    assert "(page 1 of " in calls[0].content and "**w0**" not in calls[0].content  # escaped
    more = next(i for i in custom_ids(calls[0].data) if i.startswith("essaim:t:"))
    page = [c for c in dc.press(ALICE, calls[0].message, more) if c.message is not None]
    assert len(page) == 1 and len(page[0].content) <= 2000
    assert page[0].content.startswith("Page 2 of ")
    assert any(i.endswith(":2") for i in custom_ids(page[0].data) if i.startswith("essaim:t:"))
