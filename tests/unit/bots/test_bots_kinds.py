"""What things are: each payload's kind, owner and form, and the buttons built from them."""

import random

import pytest

from bots.core import payload as p
from bots.core.payload import Form, Kind, TextRef
from bots.core.render import read_more_button, render_review, render_task
from bots.core.replies import Button, button
from engine.services.dto import ReviewAnswer, ReviewItem
from tests.unit.bots.test_bots_payload import random_payloads
from tests.unit.bots.test_bots_render import labeling, offer

pytestmark = pytest.mark.unit

ANSWER, REVIEW = TextRef("answer", 41), TextRef("review", 9)


def buttons_of(keyboard) -> list[Button]:
    return [b for row in keyboard for b in row]


@pytest.mark.parametrize(
    ("payload", "kind", "owner", "form"),
    [
        (p.Answer(41, "pos"), Kind.CHOICE, ANSWER, None),
        (p.AnswerIndex(41, 2), Kind.CHOICE, ANSWER, None),
        (p.MultiToggle(41, 3), Kind.TOGGLE, ANSWER, None),
        (p.MultiSubmit(41, 3), Kind.SUBMIT, ANSWER, None),
        (p.Skip(41), Kind.TOOL, ANSWER, None),
        (p.Report(41), Kind.TOOL, ANSWER, Form.REASON),
        (p.WriteAnswer(41), Kind.TOOL, ANSWER, Form.TEXT),
        (p.ReadMore(41, 1), Kind.TOOL, ANSWER, None),
        (p.Next(), Kind.SUBMIT, None, None),
        (p.ReviewPick(9, 0), Kind.CHOICE, REVIEW, None),
        (p.ReviewDiscard(9), Kind.DANGER, REVIEW, None),
        (p.ReviewWrite(9), Kind.TOOL, REVIEW, Form.TEXT),
        (p.ForgetConfirm(), Kind.DANGER, None, None),
        (p.ForgetCancel(), Kind.TOOL, None, None),
        (p.Language("fr"), Kind.TOOL, None, None),
    ],
)
def test_each_payload_says_what_it_is(payload, kind, owner, form):
    assert (payload.kind, payload.owner, payload.form) == (kind, owner, form)
    assert button("label", payload) == Button("label", p.encode(payload), kind, owner)


def test_what_a_payload_is_survives_its_string():
    """A press is judged by the parsed payload: the same kind, owner and form as sent."""
    for payload in random_payloads(random.Random(5), n=50):
        back = p.parse(p.encode(payload))
        assert back is not None
        assert (back.kind, back.owner, back.form) == (payload.kind, payload.owner, payload.form)


def test_only_typed_answers_and_reports_ask_for_text():
    forms = {type(x).__name__ for x in random_payloads(random.Random(1), 5) if x.form}
    assert forms == {"Report", "WriteAnswer", "ReviewWrite"}


def test_a_prompt_is_asked_again_by_its_write_button():
    assert p.asking(ANSWER) == p.WriteAnswer(41)
    assert p.asking(REVIEW) == p.ReviewWrite(9)


def test_a_task_cards_buttons_are_choices_then_tools_of_its_assignment():
    view = render_task(offer(labeling([("pos", "Positive"), ("neg", "Negative")])))
    built = buttons_of(view.buttons)
    assert [b.kind for b in built] == [Kind.CHOICE, Kind.CHOICE, Kind.TOOL, Kind.TOOL]
    assert {b.owner for b in built} == {ANSWER}


def test_numbered_and_by_index_choices_are_still_choices():
    long = [(f"v{i}", "A rather long label that does not fit, number " + str(i)) for i in range(3)]
    numbered = buttons_of(render_task(offer(labeling(long))).buttons)
    assert [b.kind for b in numbered[:3]] == [Kind.CHOICE] * 3
    by_index = buttons_of(render_task(offer(labeling([("x" * 70, "X")]))).buttons)
    assert isinstance(p.parse(by_index[0].payload), p.AnswerIndex)
    assert (by_index[0].kind, by_index[0].owner) == (Kind.CHOICE, ANSWER)


def test_multi_choice_toggles_and_done():
    prompt = labeling([("a", "A"), ("b", "B")], input="multi_choice")
    built = buttons_of(render_task(offer(prompt)).buttons)
    assert [b.kind for b in built] == [Kind.TOGGLE, Kind.TOGGLE, Kind.SUBMIT, Kind.TOOL, Kind.TOOL]
    assert {b.owner for b in built} == {ANSWER}


def test_a_typed_answer_and_a_long_text_add_tools():
    prompt = labeling([("pos", "Positive")], input="choice_or_text")
    built = buttons_of(render_task(offer(prompt)).buttons)
    assert [p.parse(b.payload) for b in built if b.kind is Kind.TOOL] == [
        p.WriteAnswer(41),
        p.Skip(41),
        p.Report(41),
    ]
    more = read_more_button(41, 2)
    assert (more.kind, more.owner) == (Kind.TOOL, ANSWER)


def test_a_review_cards_picks_are_choices_and_discard_is_danger():
    prompt = labeling([("pos", "Positive"), ("neg", "Negative")])
    item = ReviewItem(9, "row-1", "proj", prompt, (ReviewAnswer("pos", 2, (0.9,)),), 0.5, 2)
    built = buttons_of(render_review(item).buttons)
    assert [b.kind for b in built] == [Kind.CHOICE, Kind.TOOL, Kind.DANGER]
    assert {b.owner for b in built} == {REVIEW}
