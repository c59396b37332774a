"""Past five choices, a select menu (paged by 25); past five labels of a multi-label task,
a multi-select."""

import pytest

from engine import services
from tests.e2e.builders import make_project
from tests.e2e.discord.dc_harness import ALICE, Discord, custom_ids, options_of

pytestmark = pytest.mark.e2e


def labels(n: int) -> list[str]:
    return [f"label{i:02d}" for i in range(n)]


def project(n: int, *, multi: bool = False) -> dict:
    spec = {
        "name": "Many",
        "slug": "many",
        "kind": "labeling",
        "labels": labels(n),
        "overlap": {"min": 1, "max": 1},
        "confidence": 0.5,
    }
    if multi:
        spec["multi"] = True
    return spec


def test_more_than_five_labels_come_in_a_select_menu(dc: Discord):
    make_project(dc.essaim, project(7), "m.csv", b"id,text\nx1,Something\n")
    card = dc.cards(dc.command(ALICE, "task"), "essaim-ui:sel")[0]
    options = options_of(card.data)
    assert [o["label"] for o in options] == labels(7)
    assert options[3]["value"] == "a:1:label03"
    assert custom_ids(card.data) == ["essaim-ui:sel:1:0", "essaim:s:1", "essaim:r:1"]
    calls = dc.press(ALICE, card.message, "essaim-ui:sel:1:0", values=["a:1:label03"])
    assert "Your answer: label03" in next(c for c in calls if c.kind == "edit").content
    row = next(services.export_answers(dc.essaim.db, "many"))
    assert row["label"] == "label03"


def test_a_long_menu_is_paged_by_25(dc: Discord):
    make_project(dc.essaim, project(30), "m.csv", b"id,text\nx1,Something\n")
    card = dc.cards(dc.command(ALICE, "task"), "essaim-ui:sel")[0]
    assert len(options_of(card.data)) == 25
    assert "essaim-ui:pg:1:1" in custom_ids(card.data)
    calls = dc.press(ALICE, card.message, "essaim-ui:pg:1:1")
    redraw = next(c for c in calls if c.kind == "edit")  # the same message, next page
    assert [o["label"] for o in options_of(redraw.data)] == labels(30)[25:]
    assert "essaim-ui:pg:1:0" in custom_ids(redraw.data)
    calls = dc.press(ALICE, redraw.message, "essaim-ui:sel:1:1", values=["a:1:label28"])
    assert next(services.export_answers(dc.essaim.db, "many"))["label"] == "label28"


def test_more_than_five_labels_of_a_multi_label_task_in_a_multi_select(dc: Discord):
    make_project(dc.essaim, project(6, multi=True), "m.csv", b"id,text\nx1,Something\n")
    card = dc.cards(dc.command(ALICE, "task"), "essaim-ui:multi")[0]
    select = card.data["components"][0]["components"][0]
    assert select["max_values"] == 6 and select["min_values"] == 1
    assert "essaim:ms:1:0" not in custom_ids(card.data)  # the menu submits the selection
    dc.press(ALICE, card.message, "essaim-ui:multi:1", values=["1", "4"])
    row = next(services.export_answers(dc.essaim.db, "many"))
    assert set(row["label"].split("|")) == {"label01", "label04"}
