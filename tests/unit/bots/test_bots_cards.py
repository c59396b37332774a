"""The task and review cards, laid out once, escaped by each platform's markup."""

from datetime import UTC, datetime

import pytest

from bots.console.render import task_text as console_card
from bots.core.render import render_review, render_task
from bots.discord.views import review_card as discord_review
from bots.discord.views import task_card as discord_card
from bots.telegram.views import review_text as telegram_review
from bots.telegram.views import task_text as telegram_card
from engine.services.dto import ReviewAnswer, ReviewItem, TaskOffer
from tasks.base import Choice, Prompt

pytestmark = pytest.mark.unit


def prompt(instructions: str = "Pick *one* <now>") -> Prompt:
    return Prompt(
        kind="labeling",
        stage="answer",
        text="I <3 **this** @everyone\nsecond line",
        instructions=instructions,
        input="choice",
        choices=(Choice("a", "A"), Choice("b", "B")),
        details=(("<k>", "_v_"),),
        context_before="before <i>",
    )


def task(instructions: str = "Pick *one* <now>"):
    return render_task(TaskOffer(3, 4, "p", "P <&>", datetime.now(UTC), prompt(instructions)))


def review():
    answers = (ReviewAnswer("a", 2, (0.9, 0.7)), ReviewAnswer("<b>", 1, (0.5,)))
    return render_review(ReviewItem(9, "row-1", "p", prompt(), answers, 0.5, 3), remaining=2)


def test_telegram_cards_are_html_with_every_outside_text_escaped():
    card = telegram_card("en", task())
    assert card.startswith("<b>Task — P &lt;&amp;&gt;</b>\n\n<i>Pick *one* &lt;now&gt;</i>")
    assert "<blockquote>I &lt;3 **this** @everyone\nsecond line</blockquote>" in card
    assert "<b>&lt;k&gt;</b>: _v_" in card
    assert "&lt;b&gt;" in telegram_review("en", review())


def test_discord_cards_escape_markdown_and_mentions():
    card = discord_card("en", task())
    assert card.startswith("**Task — P <&>**\n\n*Pick \\*one\\* <now>*")
    assert "> I <3 \\*\\*this\\*\\* @\u200beveryone\n> second line" in card
    assert "**<k>**: \\_v\\_" in card
    assert "@everyone" not in discord_review("en", review())


def test_the_console_card_is_plain_text():
    card = console_card("en", task())
    assert card.startswith("== Task — P <&> ==\n\nPick *one* <now>")
    assert "  | I <3 **this** @everyone\n  | second line" in card
    assert "<k>: _v_" in card


def test_no_instructions_leave_no_empty_paragraph():
    """Deliberate: Telegram used to send an empty ``<i></i>`` paragraph here."""
    card = telegram_card("en", task(instructions=""))
    assert "<i></i>" not in card
    assert card.startswith("<b>Task — P &lt;&amp;&gt;</b>\n\nBefore: <i>before &lt;i&gt;</i>")
