"""Pure functions of the Discord adapter: escaping, splitting, custom ids, layout, styles."""

import asyncio
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import discord
import pytest

from bots.core import payload as p
from bots.core.payload import Kind
from bots.core.replies import Button, button, msg
from bots.discord import components, ids, items, presses
from bots.discord.layout import layout
from bots.discord.markdown import escape, split_message
from bots.discord.modals import submitted_values

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("@everyone and @here", "@\u200beveryone and @\u200bhere"),
        ("<@123> <@!123> <@&9> <#5>", "\\<@123> \\<@!123> \\<@&9> \\<#5>"),
        ("</task:1> <t:1700000000>", "\\</task:1> \\<t:1700000000>"),
        ("[click](https://evil.example)", "\\[click](https://evil.example)"),
    ],
)
def test_escape_neutralises_mentions_and_links(raw: str, shown: str):
    assert escape(raw) == shown


def test_escape_neutralises_every_markdown_marker():
    escaped = escape("**b** _i_ `c` ~~s~~ ||x||")
    assert escaped == "\\*\\*b\\*\\* \\_i\\_ \\`c\\` \\~\\~s\\~\\~ \\|\\|x\\|\\|"
    assert escape("# title").startswith("\\#")
    assert escape("> quote").startswith("\\>")


def test_short_messages_are_not_split():
    assert split_message("hello") == ["hello"]


def test_split_prefers_paragraphs_and_keeps_every_word():
    text = "\n\n".join(f"paragraph {i} " + "x" * 300 for i in range(20))
    parts = split_message(text)
    assert all(len(part) <= 2000 for part in parts)
    assert all(part.startswith("paragraph") for part in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")


def test_split_never_separates_an_escape_from_its_character():
    text = escape("*" * 3000)  # "\*" pairs
    parts = split_message(text)
    assert all(len(part) <= 2000 for part in parts)
    assert all(not part.endswith("\\") or part.endswith("\\\\") for part in parts)
    assert all(part.startswith("\\*") for part in parts)
    assert "".join(parts) == text


def test_split_closes_and_reopens_a_code_block():
    text = "intro\n```py\n" + "\n".join(f"line = {i}" for i in range(400)) + "\n```\nend"
    parts = split_message(text)
    assert len(parts) > 1 and all(len(part) <= 2000 for part in parts)
    for part in parts:
        assert part.count("```") % 2 == 0, part[-40:]
    assert parts[1].startswith("```py\n")


def test_split_does_not_cut_inside_an_inline_code_span():
    text = "a" * 1900 + " `" + "b" * 200 + "` tail"
    parts = split_message(text)
    assert all(part.count("`") % 2 == 0 for part in parts)


def test_split_carries_a_quote_on():
    text = "> " + " ".join(["word"] * 800)
    parts = split_message(text)
    assert len(parts) > 1 and all(part.startswith("> ") for part in parts)


def test_custom_ids_namespaces_and_modal_parsing():
    assert ids.button("a:12:positive") == "essaim:a:12:positive"
    assert ids.parse_modal("essaim-modal:w:12") == p.WriteAnswer(12)
    assert ids.parse_modal("essaim-modal:zz") is None
    assert ids.parse_modal("other:w:12") is None
    assert len(ids.button("a:1:" + "x" * 58)) <= ids.MAX_CUSTOM_ID


def answers(n: int, aid: int = 3) -> tuple[tuple[Button, ...], ...]:
    choices = tuple(button(f"l{i}", p.Answer(aid, f"l{i}")) for i in range(n))
    tools = (button(msg("button.skip"), p.Skip(aid)),)
    return ((*choices,), tools)


def test_up_to_five_choices_stay_buttons_within_discords_limits():
    built = layout(answers(5))
    assert built.select is None
    assert len(built.rows) <= 5 and all(len(row) <= 5 for row in built.rows)
    assert [b.payload for b in built.rows[-1]] == ["s:3"]


def test_six_choices_become_a_select_and_thirty_are_paged():
    built = layout(answers(6))
    assert built.select is not None and len(built.select.options) == 6
    assert built.pager is None
    paged = layout(answers(30), page=1)
    assert paged.select is not None
    assert [o.value for o in paged.select.options] == [f"a:3:l{i}" for i in range(25, 30)]
    assert paged.pager is not None and (paged.pager.previous, paged.pager.next) == (0, None)


def test_a_submitted_form_is_read_in_rows_and_labels():
    rows = [{"type": 1, "components": [{"type": 4, "custom_id": "text", "value": "A"}]}]
    labels = [{"type": 18, "component": {"type": 4, "custom_id": "text", "value": "B"}}]
    assert submitted_values(rows) == {"text": "A"}
    assert submitted_values(labels) == {"text": "B"}


def test_layout_places_buttons_by_kind_and_owner_not_by_payload_string():
    owner = p.TextRef("answer", 3)
    choices = tuple(Button(f"l{i}", f"opaque-{i}", Kind.CHOICE, owner) for i in range(6))
    looks_like_an_answer = Button("x", "a:3:x")  # a tool by kind, whatever its payload says
    built = layout((choices, (looks_like_an_answer,)))
    assert built.select is not None and built.select.owner == 3
    assert [o.value for o in built.select.options] == [f"opaque-{i}" for i in range(6)]
    assert built.rows == ((looks_like_an_answer,),)


def test_a_reviews_picks_make_a_menu_without_a_task_pager():
    picks = tuple(button(str(i), p.ReviewPick(9, i)) for i in range(30))
    built = layout((picks,))
    assert built.select is not None and built.select.owner == 9
    assert built.pager is None


def test_a_multi_select_keeps_done_out_of_the_rows():
    toggles = tuple(button(f"c{i}", p.MultiToggle(4, 1 << i)) for i in range(6))
    done, skip = button("done", p.MultiSubmit(4, 0)), button("skip", p.Skip(4))
    built = layout((toggles, (done, skip)))
    assert built.select is not None and built.select.multi and built.select.owner == 4
    assert built.rows == ((skip,),)


def test_a_buttons_style_is_its_kind():
    styles = {
        kind: components.payload_button("en", Button("x", "n", kind)).item.style for kind in Kind
    }
    assert styles == {
        Kind.CHOICE: discord.ButtonStyle.primary,
        Kind.SUBMIT: discord.ButtonStyle.primary,
        Kind.DANGER: discord.ButtonStyle.danger,
        Kind.TOGGLE: discord.ButtonStyle.secondary,
        Kind.TOOL: discord.ButtonStyle.secondary,
    }


def test_a_press_calls_the_flow_directly(monkeypatch):
    seen = []

    async def press(interaction, data):
        seen.append((interaction, data))

    class Client:
        def dispatch(self, *args):
            raise AssertionError("a press is no bot event")

    monkeypatch.setattr(presses, "press", press)
    interaction = SimpleNamespace(client=Client())
    asyncio.run(items.PayloadButton("s:3").callback(interaction))
    assert seen == [(interaction, "s:3")]


@pytest.mark.parametrize("module", ["items", "presses", "flow", "send", "components"])
def test_the_modules_a_press_goes_through_import_in_any_order(module):
    """A press leads from the items to the flow and back to the items that draw a reply."""
    root = Path(__file__).resolve().parents[3]
    subprocess.run([sys.executable, "-c", f"import bots.discord.{module}"], cwd=root, check=True)
