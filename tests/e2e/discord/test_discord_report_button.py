"""The "report a problem" button of a task one does not hold opens no form, reports nothing."""

import pytest

from tests.e2e.builders import (
    REPORT_NOT_YOURS,
    REPORT_PAS_LE_VOTRE,
    make_project,
    reports,
    statuses,
)
from tests.e2e.discord.dc_harness import ALICE, BRUNO, MOOD, MOOD_CSV, Discord, custom_ids

pytestmark = pytest.mark.e2e


def report_id(card) -> str:
    return next(i for i in custom_ids(card.data) if i.startswith("essaim:r:"))


def test_someone_elses_report_button_opens_no_form_and_reports_nothing(dc: Discord):
    make_project(dc.essaim, MOOD, "mood.csv", MOOD_CSV)
    alices = dc.cards(dc.command(ALICE, "task", project="mood"))[0]
    brunos = dc.cards(dc.command(BRUNO, "task", project="mood"))[0]
    calls = dc.press(BRUNO, alices.message, report_id(alices))  # a forged press
    assert dc.modals(calls) == []
    assert dc.texts(calls)[0] == REPORT_PAS_LE_VOTRE
    assert [custom_ids(c.data) for c in dc.cards(calls)] == [custom_ids(brunos.data)]
    assert reports(dc.essaim) == 0 and statuses(dc.essaim) == ["leased", "leased"]


def test_a_form_submitted_for_someone_elses_task_reports_nothing(dc: Discord):
    """The form's id can be forged too: the submission is judged again."""
    make_project(dc.essaim, MOOD, "mood.csv", MOOD_CSV)
    alices = dc.cards(dc.command(ALICE, "task", project="mood"))[0]
    dc.cards(dc.command(BRUNO, "task", project="mood"))
    form = "essaim-modal:" + report_id(alices).removeprefix("essaim:")
    calls = dc.submit(BRUNO, form, "spam", message=alices.message)
    assert REPORT_PAS_LE_VOTRE in dc.texts(calls)
    assert reports(dc.essaim) == 0 and statuses(dc.essaim) == ["leased", "leased"]


def test_an_old_cards_report_button_after_answering_reports_nothing(dc: Discord):
    make_project(dc.essaim, MOOD, "mood.csv", MOOD_CSV)
    first = dc.cards(dc.command(ALICE, "task", project="mood"))[0]
    answer = next(i for i in custom_ids(first.data) if i.startswith("essaim:a"))
    second = dc.cards(dc.press(ALICE, first.message, answer))[0]
    calls = dc.press(ALICE, first.message, report_id(first))
    assert dc.modals(calls) == [] and dc.texts(calls)[0] == REPORT_NOT_YOURS
    assert [custom_ids(c.data) for c in dc.cards(calls)] == [custom_ids(second.data)]
    assert reports(dc.essaim) == 0 and statuses(dc.essaim) == ["answered", "leased"]


def test_your_own_report_button_still_opens_the_form(dc: Discord):
    make_project(dc.essaim, MOOD, "mood.csv", MOOD_CSV)
    card = dc.cards(dc.command(ALICE, "task", project="mood"))[0]
    opened = dc.press(ALICE, card.message, report_id(card))
    assert [form["custom_id"] for form in dc.modals(opened)] == [
        "essaim-modal:" + report_id(card).removeprefix("essaim:")
    ]
    dc.submit(ALICE, dc.modals(opened)[0]["custom_id"], "cut text", message=card.message)
    assert reports(dc.essaim) == 1
