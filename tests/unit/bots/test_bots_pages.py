"""Long task texts: pages that join back exactly, and cards within every platform's limit."""

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bots.console import render as console
from bots.core import payload as p
from bots.core.render import PAGE, page_of, render_task
from bots.core.replies import msg
from bots.discord import views as discord_views
from bots.discord.markdown import split_message as discord_split
from bots.telegram import views as telegram_views
from bots.telegram.html import split_message as telegram_split
from bots.telegram.html import visible_length
from engine.services.dto import TaskOffer
from tasks.base import Choice, Prompt

pytestmark = pytest.mark.unit


def all_pages(text: str) -> list[str]:
    first, pages = page_of(text, 0)
    return [first, *(page_of(text, page)[0] for page in range(1, pages))]


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=0, max_size=4_000), st.integers(min_value=5, max_value=300))
def test_pages_join_back_exactly_and_none_is_too_long(text: str, size: int):
    first, pages = page_of(text, 0, size)
    parts = [first, *(page_of(text, page, size)[0] for page in range(1, pages))]
    assert "".join(parts) == text
    assert all(0 < len(part) <= size for part in parts) or text == ""
    assert page_of(text, pages, size) == ("", pages)  # past the end: nothing
    assert page_of(text, -1, size) == ("", pages)


def test_pages_end_after_a_space_so_words_stay_whole():
    text = " ".join(f"word{n}" for n in range(1_000))
    pages = all_pages(text)
    assert len(pages) > 5
    assert all(page.endswith(" ") for page in pages[:-1])
    assert "".join(pages) == text


def long_offer(text: str, *, worst: bool = False) -> TaskOffer:
    """A task whose text is ``text``; with ``worst``, every other field at its longest too."""
    long = "*<&>_ " * 5_000 if worst else ""
    prompt = Prompt(
        kind="labeling",
        stage="answer",
        text=text,
        instructions=long or "Choose the label that fits best.",
        input="choice",
        context_before=long,
        context_after=long,
        choices=(Choice("pos", "Positive"), Choice("neg", "Negative")),
        details=tuple((f"field{n}", long) for n in range(30)) if worst else (("source", "web"),),
    )
    return TaskOffer(41, 7, "proj", "Project", datetime(2030, 1, 1, tzinfo=UTC), prompt)


def test_a_long_text_has_a_first_page_a_marker_and_read_more():
    view = render_task(long_offer("x" * 220_000))
    assert view.text == "x" * PAGE and view.text_pages == 245
    buttons = [p.parse(b.payload) for row in view.buttons for b in row]
    assert p.ReadMore(41, 1) in buttons
    card = telegram_views.task_text("en", view)
    assert "(page 1 of 245: press “Read more” for the rest)" in card


def test_a_short_text_has_no_read_more():
    view = render_task(long_offer("Short."))
    assert view.text == "Short." and view.text_pages == 1
    assert not any(isinstance(p.parse(b.payload), p.ReadMore) for r in view.buttons for b in r)


HARD_TEXTS = ["<" * 220_000, "*_" * 110_000, "😀" * 3_000, "é\n" * 5_000]
"""Escaped characters ("&lt;", "\\*"), two UTF-16 units each, a line per character."""


@pytest.mark.parametrize("text", HARD_TEXTS)
def test_a_long_text_card_and_its_pages_are_one_message_each(text: str):
    view = render_task(long_offer(text))
    assert visible_length(telegram_views.task_text("en", view)) <= 4096
    assert len(discord_views.task_card("en", view)) <= 2000
    for page in (1, view.text_pages - 1):
        shown = msg("task.page", page=page + 1, pages=view.text_pages, text=page_of(text, page)[0])
        assert visible_length(telegram_views.lines("en", [shown])) <= 4096
        assert len(discord_views.lines("en", [shown])) <= 2000


@pytest.mark.parametrize("text", HARD_TEXTS)
def test_even_the_worst_card_is_two_messages_at_most(text: str):
    view = render_task(long_offer(text, worst=True))
    assert len(telegram_split(telegram_views.task_text("en", view))) <= 2
    assert len(discord_split(discord_views.task_card("en", view))) <= 2


def test_the_console_shows_one_screen_and_tells_how_to_read_on():
    view = render_task(long_offer("word " * 20_000))
    screen = console.task_text("en", view)
    assert "(page 1 of 112: type m for the rest)" in screen
    assert "m = read more" in screen
    assert len(screen) < 2_000  # the full text would be 100,000 characters
