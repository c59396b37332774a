"""`Chat` routes raw input: a typed message (to a review, to an assignment, or unclear) and a
submitted form (to what the press that opened it asks for)."""

import pytest

from bots.core import Chat, User
from bots.core import payload as p

pytestmark = pytest.mark.unit

ALICE = User("test", "1")


@pytest.fixture
def calls() -> list[tuple]:
    return []


@pytest.fixture
def chat(monkeypatch, calls) -> Chat:
    """A `Chat` whose use cases record their call: the router itself reads nothing."""
    chat = Chat(essaim=None)

    def answer(user, assignment_id, text, *, seconds=None):
        calls.append(("answer", assignment_id, text, seconds))

    monkeypatch.setattr(chat, "answer", answer)
    monkeypatch.setattr(
        chat, "review_write", lambda user, task, text: calls.append(("review", task, text))
    )
    monkeypatch.setattr(chat, "_unclear", lambda user: calls.append(("unclear",)))
    monkeypatch.setattr(
        chat, "report", lambda user, aid, reason: calls.append(("report", aid, reason))
    )
    monkeypatch.setattr(chat, "bad_button", lambda user: calls.append(("bad",)))
    return chat


def test_a_reply_to_a_review_prompt_decides_that_review(chat, calls):
    chat.text(ALICE, "mine", replied_to="Type the answer #R45", last_assignment=7)
    assert calls == [("review", 45, "mine")]


def test_a_reply_to_a_task_prompt_answers_that_task_not_the_last_one(chat, calls):
    chat.text(ALICE, "fixed", replied_to="Correct it #12", last_assignment=7, seconds=3.0)
    assert calls == [("answer", 12, "fixed", 3.0)]


def test_without_a_reference_the_last_text_task_is_answered(chat, calls):
    chat.text(ALICE, "fixed", replied_to="a message with no reference", last_assignment=7)
    chat.text(ALICE, "again", last_assignment=8)
    assert calls == [("answer", 7, "fixed", None), ("answer", 8, "again", None)]


def test_text_that_answers_nothing_is_unclear(chat, calls):
    chat.text(ALICE, "hello")
    chat.text(ALICE, "hello", replied_to="#0 is no reference")
    assert calls == [("unclear",), ("unclear",)]


def test_a_form_goes_where_the_press_that_opened_it_asks(chat, calls):
    """Each payload whose ``form`` is set has its text routed; anything else is refused."""
    for opener in (p.WriteAnswer(3), p.Report(3), p.ReviewWrite(9), p.Skip(3), None):
        chat.form(ALICE, opener, "words")
    assert calls == [
        ("answer", 3, "words", None),
        ("report", 3, "words"),
        ("review", 9, "words"),
        ("bad",),
        ("bad",),
    ]
