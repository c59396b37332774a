"""Telegram HTML: escaping, and splitting long messages without breaking tags or entities."""

import random
import re
from datetime import UTC, datetime

import pytest

from bots.core.render import render_task
from bots.telegram.html import escape, split_message, visible_length
from bots.telegram.views import keyboard, task_text
from engine.services.dto import TaskOffer
from tasks.base import Choice, Prompt

pytestmark = pytest.mark.unit

TAG = re.compile(r"<(/?)(\w+)[^>]*>")


def balanced(markup: str) -> bool:
    stack = []
    for closing, name in TAG.findall(markup):
        if not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            return False
    return not stack


def test_escape_covers_markup_characters():
    assert escape('<b>Tom & "Jerry"</b>') == '&lt;b&gt;Tom &amp; "Jerry"&lt;/b&gt;'


def test_short_messages_are_left_alone():
    assert split_message("<b>hi</b>") == ["<b>hi</b>"]


def test_long_messages_split_under_the_limit_with_balanced_tags():
    rng = random.Random(1)
    words = ["<b>bold</b>", "&amp;", "plain", "<i>it <code>x &lt; y</code></i>", "\n", "é😀"]
    markup = "<blockquote>" + " ".join(rng.choice(words) for _ in range(3000)) + "</blockquote>"
    parts = split_message(markup, 500)
    assert len(parts) > 5
    for part in parts:
        assert visible_length(part) <= 500
        assert balanced(part), part[:80]
        assert not re.search(r"&[a-z]*$", part)  # never inside an entity
        assert not re.search(r"<[^>]*$", part)  # never inside a tag
    text = lambda m: re.sub(r"<[^>]*>", "", m)  # noqa: E731
    assert "".join(text(p) for p in parts) == text(markup)


def test_a_single_huge_word_is_still_cut():
    parts = split_message("<code>" + "x" * 10_000 + "</code>", 4096)
    assert [visible_length(p) for p in parts] == [4096, 4096, 1808]
    assert all(p.startswith("<code>") and p.endswith("</code>") for p in parts)


def test_task_card_escapes_every_outside_text():
    prompt = Prompt(
        kind="labeling",
        stage="answer",
        text="<script>x</script> & co",
        instructions="Pick <one>",
        input="choice",
        choices=(Choice("a", "<A>"), Choice("b", "B & b")),
        details=(("<k>", "<v>"),),
        context_before="<i>",
    )
    view = render_task(TaskOffer(3, 4, "p", "P&<", datetime.now(UTC), prompt))
    card = task_text("en", view)
    for raw in ("<script>", "<one>", "<k>", "<v>", "P&<"):
        assert raw not in card
    assert "&lt;script&gt;x&lt;/script&gt; &amp; co" in card
    assert balanced(card)
    buttons = keyboard("en", view.buttons)
    assert buttons is not None
    # Button labels are plain text in Telegram: kept as written.
    assert buttons.inline_keyboard[0][0].text == "<A>"
    assert buttons.inline_keyboard[-1][0].text == "Skip"
