"""Forged or replayed components change nothing; the services are the judges."""

import pytest

from engine import services
from engine.actors import OPERATOR
from tests.e2e.builders import make_project
from tests.e2e.discord.dc_harness import ALICE, BRUNO, MOOD, MOOD_CSV, Discord

pytestmark = pytest.mark.e2e


def test_someone_elses_assignment_is_refused_and_nothing_stored(dc: Discord):
    make_project(dc.essaim, MOOD, "mood.csv", MOOD_CSV)
    alice_card = dc.cards(dc.command(ALICE, "task"))[0]  # assignment 1 is Alice's
    dc.command(BRUNO, "task")
    calls = dc.press(BRUNO, alice_card.message, "essaim:a:1:negative")
    assert any("not for you" in t or "pas pour vous" in t for t in dc.texts(calls))
    assert services.project_status(dc.essaim.db, "mood", actor_id=OPERATOR).answers == 0


@pytest.mark.parametrize(
    "forged", ["essaim:zz:1", "essaim:a:0:positive", "essaim:a:99999:positive", "essaim:v:1:0"]
)
def test_garbage_and_unknown_ids_are_refused(dc: Discord, forged: str):
    make_project(dc.essaim, MOOD, "mood.csv", MOOD_CSV)
    card = dc.cards(dc.command(ALICE, "task"))[0]
    message = dict(card.message or {})
    message["components"] = [
        {"type": 1, "components": [{"type": 2, "style": 1, "label": "x", "custom_id": forged}]}
    ]
    calls = dc.press(ALICE, message, forged)
    assert calls and calls[0].callback_type == 6
    assert dc.texts(calls), "the user is told"
    assert not dc.cards(calls)
    assert services.project_status(dc.essaim.db, "mood", actor_id=OPERATOR).answers == 0


def test_a_forged_menu_value_is_refused(dc: Discord):
    make_project(dc.essaim, MOOD, "mood.csv", MOOD_CSV)
    dc.cards(dc.command(ALICE, "task"))
    bruno_card = dc.cards(dc.command(BRUNO, "task"))[0]  # assignment 2 is Bruno's
    message = dict(bruno_card.message or {})
    message["components"] = [
        {
            "type": 1,
            "components": [
                {
                    "type": 3,
                    "custom_id": "essaim-ui:sel:1:0",
                    "options": [{"label": "p", "value": "a:1:positive"}],
                }
            ],
        }
    ]
    dc.press(BRUNO, message, "essaim-ui:sel:1:0", values=["a:1:positive"])
    assert services.project_status(dc.essaim.db, "mood", actor_id=OPERATOR).answers == 0


def test_a_form_for_someone_elses_task_stores_nothing(dc: Discord):
    make_project(dc.essaim, MOOD, "mood.csv", MOOD_CSV)
    dc.command(ALICE, "task")
    calls = dc.submit(BRUNO, "essaim-modal:w:1", "positive")
    assert dc.texts(calls)
    assert services.project_status(dc.essaim.db, "mood", actor_id=OPERATOR).answers == 0
