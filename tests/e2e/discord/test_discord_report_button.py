"""The "report a problem" button of a task one does not hold opens no form, reports nothing."""

import pytest
from sqlalchemy import func, select

from engine.models import Assignment, TaskReport
from tests.e2e.builders import make_project
from tests.e2e.discord.dc_harness import ALICE, BRUNO, MOOD, MOOD_CSV, Discord, custom_ids

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


def reports(dc: Discord) -> int:
    with dc.essaim.db.read() as session:
        return session.execute(select(func.count()).select_from(TaskReport)).scalar_one()


def statuses(dc: Discord) -> list[str]:
    with dc.essaim.db.read() as session:
        return list(session.execute(select(Assignment.status).order_by(Assignment.id)).scalars())


def report_id(card) -> str:
    return next(i for i in custom_ids(card.data) if i.startswith("essaim:r:"))


def test_someone_elses_report_button_opens_no_form_and_reports_nothing(dc: Discord):
    make_project(dc.essaim, MOOD, "mood.csv", MOOD_CSV)
    alices = dc.cards(dc.command(ALICE, "task", project="mood"))[0]
    brunos = dc.cards(dc.command(BRUNO, "task", project="mood"))[0]
    calls = dc.press(BRUNO, alices.message, report_id(alices))  # a forged press
    assert dc.modals(calls) == []
    assert dc.texts(calls)[0] == PAS_LE_VOTRE
    assert [custom_ids(c.data) for c in dc.cards(calls)] == [custom_ids(brunos.data)]
    assert reports(dc) == 0 and statuses(dc) == ["leased", "leased"]


def test_a_form_submitted_for_someone_elses_task_reports_nothing(dc: Discord):
    """The form's id can be forged too: the submission is judged again."""
    make_project(dc.essaim, MOOD, "mood.csv", MOOD_CSV)
    alices = dc.cards(dc.command(ALICE, "task", project="mood"))[0]
    dc.cards(dc.command(BRUNO, "task", project="mood"))
    form = "essaim-modal:" + report_id(alices).removeprefix("essaim:")
    calls = dc.submit(BRUNO, form, "spam", message=alices.message)
    assert PAS_LE_VOTRE in dc.texts(calls)
    assert reports(dc) == 0 and statuses(dc) == ["leased", "leased"]


def test_an_old_cards_report_button_after_answering_reports_nothing(dc: Discord):
    make_project(dc.essaim, MOOD, "mood.csv", MOOD_CSV)
    first = dc.cards(dc.command(ALICE, "task", project="mood"))[0]
    answer = next(i for i in custom_ids(first.data) if i.startswith("essaim:a"))
    second = dc.cards(dc.press(ALICE, first.message, answer))[0]
    calls = dc.press(ALICE, first.message, report_id(first))
    assert dc.modals(calls) == [] and dc.texts(calls)[0] == NOT_YOURS
    assert [custom_ids(c.data) for c in dc.cards(calls)] == [custom_ids(second.data)]
    assert reports(dc) == 0 and statuses(dc) == ["answered", "leased"]


def test_your_own_report_button_still_opens_the_form(dc: Discord):
    make_project(dc.essaim, MOOD, "mood.csv", MOOD_CSV)
    card = dc.cards(dc.command(ALICE, "task", project="mood"))[0]
    opened = dc.press(ALICE, card.message, report_id(card))
    assert [form["custom_id"] for form in dc.modals(opened)] == [
        "essaim-modal:" + report_id(card).removeprefix("essaim:")
    ]
    dc.submit(ALICE, dc.modals(opened)[0]["custom_id"], "cut text", message=card.message)
    assert reports(dc) == 1
