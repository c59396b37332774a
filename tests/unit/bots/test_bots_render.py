"""Rendering a task offer into a neutral view: buttons, rows, payloads, texts kept raw."""

from datetime import UTC, datetime

import pytest

from bots.core import payload as p
from bots.core.render import render_review, render_task, rows, selected_values
from bots.core.replies import Button, Msg
from engine.services.dto import ReviewAnswer, ReviewItem, TaskOffer
from tasks.base import Choice, Prompt

pytestmark = pytest.mark.unit


def offer(prompt: Prompt, aid: int = 41) -> TaskOffer:
    return TaskOffer(aid, 7, "proj", "Project <b>", datetime(2030, 1, 1, tzinfo=UTC), prompt)


def labeling(labels, **kw) -> Prompt:
    return Prompt(
        kind="labeling",
        stage="answer",
        text="I <3 this & that",
        instructions="Pick",
        input=kw.pop("input", "choice"),
        choices=tuple(Choice(v, lbl) for v, lbl in labels),
        **kw,
    )


def payloads(view):
    return [p.parse(b.payload) for row in view.buttons for b in row]


def test_choice_buttons_answer_by_value_and_end_with_skip_and_report():
    view = render_task(offer(labeling([("pos", "Positive"), ("neg", "Negative")])))
    assert view.text == "I <3 this & that"  # raw: escaping is the adapter's job
    assert view.project_name == "Project <b>"
    assert payloads(view) == [p.Answer(41, "pos"), p.Answer(41, "neg"), p.Skip(41), p.Report(41)]
    assert view.reply is None
    assert [b.label for b in view.buttons[-1]] == [Msg("button.skip"), Msg("button.report")]


def test_many_labels_take_several_rows():
    labels = [(f"v{i}", f"Label number {i}") for i in range(9)]
    view = render_task(offer(labeling(labels)))
    choice_rows = view.buttons[:-1]
    assert len(choice_rows) >= 3
    assert sum(len(r) for r in choice_rows) == 9
    assert all(len(r) <= 4 for r in choice_rows)


def test_rows_pack_short_labels_together_and_long_ones_alone():
    short = [Button(str(i), "n") for i in range(6)]
    assert [len(r) for r in rows(short)] == [4, 2]
    long = [Button("x" * 30, "n"), Button("y" * 30, "n")]
    assert [len(r) for r in rows(long)] == [1, 1]
    assert rows([]) == ()


def test_long_labels_are_listed_and_pressed_by_number():
    prompt = Prompt(
        kind="proofreading",
        stage="vote",
        text="s",
        instructions="Vote",
        input="choice",
        choices=(Choice("c0", "A" * 50), Choice("c1", "B" * 50), Choice("none", "None is right")),
    )
    view = render_task(offer(prompt))
    assert view.options == ("A" * 50, "B" * 50)
    labels = [b.label for row in view.buttons[:-1] for b in row]
    assert labels == ["1", "2", Msg("choice.none_right")]
    assert payloads(view)[:3] == [p.Answer(41, "c0"), p.Answer(41, "c1"), p.Answer(41, "none")]


def test_a_value_too_long_for_a_payload_is_sent_by_index():
    value = "v" * 60
    view = render_task(offer(labeling([(value, "Long"), ("b", "B")])))
    assert payloads(view)[:2] == [p.AnswerIndex(41, 0), p.Answer(41, "b")]


def test_proofreading_has_no_error_button_a_code_block_and_a_reply_prompt():
    prompt = Prompt(
        kind="proofreading",
        stage="answer",
        text="Teh cat.",
        instructions="Fix",
        input="choice_or_text",
        choices=(Choice("no_error", "No error"),),
        default_text="Teh cat.",
        placeholder="Corrected sentence",
        context_before="Before.",
        context_after="After.",
    )
    view = render_task(offer(prompt))
    assert view.code
    no_error = Button(
        Msg("choice.no_error"), "a:41:no_error", p.Kind.CHOICE, p.TextRef("answer", 41)
    )
    assert view.buttons[0] == (no_error,)
    assert p.parse(view.buttons[-1][0].payload) == p.WriteAnswer(41)
    assert view.reply is not None
    assert view.reply.ref == "#41" and view.reply.target == p.TextRef("answer", 41)
    assert view.reply.default_text == "Teh cat."
    assert view.reply.placeholder == Msg("placeholder.correction")
    assert (view.context_before, view.context_after) == ("Before.", "After.")


def test_multi_choice_toggles_carry_the_next_selection():
    prompt = labeling([("a", "A"), ("b", "B"), ("c", "C")], input="multi_choice")
    view = render_task(offer(prompt), selected=0b010)
    toggles = [b for row in view.buttons[:-2] for b in row]
    assert [p.parse(b.payload) for b in toggles] == [
        p.MultiToggle(41, 0b011),
        p.MultiToggle(41, 0b000),
        p.MultiToggle(41, 0b110),
    ]
    assert [b.label.params["mark"] for b in toggles] == ["☐", "☑", "☐"]
    assert p.parse(view.buttons[-2][0].payload) == p.MultiSubmit(41, 0b010)
    assert selected_values(prompt, 0b101) == ["a", "c"]


def test_review_view_lists_answers_with_pick_write_discard():
    prompt = labeling([("pos", "Positive"), ("neg", "Negative")])
    item = ReviewItem(
        9,
        "row-1",
        "proj",
        prompt,
        (ReviewAnswer("pos", 2, (0.9, 0.7)), ReviewAnswer("neg", 2, (0.6, 0.5))),
        0.33,
        4,
    )
    view = render_review(item, remaining=3)
    assert [line.value for line in view.answers] == ["Positive", "Negative"]
    assert [p.parse(b.payload) for row in view.buttons for b in row] == [
        p.ReviewPick(9, 0),
        p.ReviewPick(9, 1),
        p.ReviewWrite(9),
        p.ReviewDiscard(9),
    ]
    assert view.remaining == 3
