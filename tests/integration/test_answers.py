"""Submitting answers: the path of one answer (engine/services/answers.py, completion.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import services
from engine.models import Answer, Assignment, Result, WorkerSkill
from tests.integration.helpers import (
    GOLD,
    NO_GOLD,
    add_rows,
    answer_task,
    assert_lease_counters,
    count,
    make_project,
    offer,
    person,
    skill_row,
    task_row,
    tasks_of,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def animals(essaim):
    project = make_project(essaim, overlap={"min": 3, "max": 5}, confidence=0.9)
    add_rows(essaim, project.slug, [{"id": f"r{i}", "text": f"thing {i}"} for i in range(3)])
    return project


def test_submit_stores_one_answer_and_duplicate_stores_nothing(essaim, animals):
    ada = person(essaim, "ada")
    task = offer(essaim, ada, animals.slug)
    first = services.submit_answer(essaim.db, ada, task.assignment_id, "cat", seconds=3.5)
    assert first.status == "accepted" and first.value == "cat"
    again = services.submit_answer(essaim.db, ada, task.assignment_id, "dog")
    assert again.status == "duplicate" and again.value == "cat"
    assert count(essaim.db, Answer) == 1
    (row,) = services.export_answers(essaim.db, animals.slug)
    assert (row["task"], row["worker"], row["label"], row["seconds"]) == (
        task.task_id, ada, "cat", 3.5,
    )  # fmt: skip
    assert task_row(essaim.db, task.task_id).n_answers == 1
    assert_lease_counters(essaim.db)


def test_another_contributors_assignment_is_not_yours(essaim, animals):
    ada, bob = person(essaim, "ada"), person(essaim, "bob")
    task = offer(essaim, ada, animals.slug)
    result = services.submit_answer(essaim.db, bob, task.assignment_id, "cat")
    assert result.status == "not_yours" and result.next is None
    assert count(essaim.db, Answer) == 0
    assert offer(essaim, ada, animals.slug).assignment_id == task.assignment_id


def test_unknown_assignment(essaim, animals):
    ada = person(essaim, "ada")
    assert services.submit_answer(essaim.db, ada, 987654, "cat").status == "unknown"
    assert count(essaim.db, Answer) == 0


def test_invalid_value_keeps_the_lease(essaim, animals):
    ada = person(essaim, "ada")
    task = offer(essaim, ada, animals.slug)
    result = services.submit_answer(essaim.db, ada, task.assignment_id, "horse")
    assert result.status == "invalid"
    assert result.error_code == "not_a_choice"
    assert result.error_params["choices"] == ["cat", "dog", "bird"]
    assert count(essaim.db, Answer) == 0
    with essaim.db.read() as session:
        status = session.execute(
            select(Assignment.status).where(Assignment.id == task.assignment_id)
        ).scalar_one()
    assert status == "leased"
    assert offer(essaim, ada, animals.slug).assignment_id == task.assignment_id
    # a typed label is accepted, case-insensitively
    ok = services.submit_answer(essaim.db, ada, task.assignment_id, " DOG ")
    assert ok.status == "accepted" and ok.value == "dog"


def test_three_agreeing_answers_complete_with_a_result(essaim, animals):
    first = tasks_of(essaim.db, animals.slug)[0].id
    people = [person(essaim, n) for n in ("ada", "bob", "cid")]
    results = [answer_task(essaim, p, animals.slug, first, "cat") for p in people]
    assert [r.task_status for r in results] == ["open", "open", "complete"]
    with essaim.db.read() as session:
        result = session.get_one(Result, first)
        session.expunge(result)
    assert result.value == "cat" and result.method == "dynamic_overlap"
    assert result.n_answers == 3 and result.agreement == 1.0
    assert result.confidence >= 0.9
    row = next(r for r in services.export_items(essaim.db, animals.slug) if r["id"] == "r0")
    assert (row["answer"], row["status"], row["n_answers"]) == ("cat", "complete", 3)
    assert row["confidence"] == pytest.approx(result.confidence)


def test_disagreement_asks_for_more_then_goes_to_review(essaim, animals):
    first = tasks_of(essaim.db, animals.slug)[0].id
    values = ["cat", "dog", "bird", "cat", "dog"]
    for i, value in enumerate(values):
        result = answer_task(essaim, person(essaim, f"p{i}"), animals.slug, first, value)
        task = task_row(essaim.db, first)
        if i < 2:
            assert task.target == 3
        elif i < 4:
            assert result.task_status == "open" and task.target == i + 2  # "more"
    assert result.task_status == "review"
    assert task_row(essaim.db, first).n_answers == 5
    assert count(essaim.db, Result) == 0
    # a sixth person is never offered a task in review
    sixth = person(essaim, "p6")
    assert offer(essaim, sixth, animals.slug).task_id != first


def test_gold_answer_gives_feedback_and_updates_accuracy(essaim):
    project = make_project(essaim, gold_rate=0.2)
    rows = [{"id": f"g{i}", "text": f"gold {i}", "gold": "dog"} for i in range(3)]
    add_rows(essaim, project.slug, [*rows, {"id": "r", "text": "row", "gold": ""}])
    ada = person(essaim, "ada")
    task = offer(essaim, ada, project.slug, rng=GOLD)
    wrong = services.submit_answer(essaim.db, ada, task.assignment_id, "cat", chain_next=False)
    assert wrong.feedback is not None
    assert (wrong.feedback.correct, wrong.feedback.expected) == (False, "dog")
    task = offer(essaim, ada, project.slug, rng=GOLD)
    right = services.submit_answer(essaim.db, ada, task.assignment_id, "dog", chain_next=False)
    assert (right.feedback.correct, right.feedback.expected) == (True, None)
    skill = skill_row(essaim.db, ada, project.slug)
    assert (skill.gold_seen, skill.gold_correct) == (2, 1)
    assert skill.accuracy == pytest.approx((0.5 + 1) / (1 + 2))
    # control tasks stay open, uncounted, for everyone
    gold = task_row(essaim.db, task.task_id)
    assert (gold.status, gold.n_answers, gold.n_leased) == ("open", 0, 0)
    stats = services.contributor_stats(essaim.db, ada, project.slug)
    assert (stats.gold_seen, stats.gold_correct, stats.answers) == (2, 1, 2)


def test_points_go_to_answers_that_agree(essaim):
    project = make_project(essaim, overlap={"min": 3, "max": 3}, confidence=0.5, points=5)
    add_rows(essaim, project.slug, [{"id": "r0", "text": "one"}, {"id": "r1", "text": "two"}])
    first, second = (t.id for t in tasks_of(essaim.db, project.slug))
    ada, bob, cid = (person(essaim, n) for n in ("ada", "bob", "cid"))
    for who, value in ((ada, "cat"), (bob, "cat"), (cid, "dog")):
        answer_task(essaim, who, project.slug, first, value)
    for who, value in ((ada, "dog"), (bob, "bird"), (cid, "bird")):
        answer_task(essaim, who, project.slug, second, value)
    stats = {p: services.contributor_stats(essaim.db, p, project.slug) for p in (ada, bob, cid)}
    assert [(stats[p].points, stats[p].decided, stats[p].agreed) for p in (ada, bob, cid)] == [
        (5, 2, 1), (10, 2, 2), (5, 2, 1),
    ]  # fmt: skip
    assert stats[bob].rank == 1 and stats[bob].agreement == 1.0
    assert stats[ada].rank == 2 and stats[cid].rank == 2
    board = services.leaderboard(essaim.db, project.slug)
    assert [(r.rank, r.contributor_id, r.points) for r in board] == [
        (1, bob, 10), (2, ada, 5), (3, cid, 5),
    ]  # fmt: skip
    assert board[0].display_name == "bob"
    with essaim.db.read() as session:
        points = dict(session.execute(select(WorkerSkill.contributor_id, WorkerSkill.points)).all())
    assert points == {ada: 5, bob: 10, cid: 5}


def test_next_task_is_chained_in_the_result(essaim, animals):
    ada = person(essaim, "ada")
    task = offer(essaim, ada, animals.slug)
    result = services.submit_answer(essaim.db, ada, task.assignment_id, "cat", rng=NO_GOLD)
    assert result.next is not None and result.next.status == "task"
    chained = result.next.offer
    assert chained.task_id != task.task_id
    assert offer(essaim, ada, animals.slug).assignment_id == chained.assignment_id
    assert chained.prompt.text.startswith("thing")
    assert [c.value for c in chained.prompt.choices] == ["cat", "dog", "bird"]
    last = services.submit_answer(essaim.db, ada, chained.assignment_id, "cat")
    final = services.submit_answer(essaim.db, ada, last.next.offer.assignment_id, "cat")
    assert final.next.status == "none"
    assert_lease_counters(essaim.db)


def test_no_chaining_when_asked(essaim, animals):
    ada = person(essaim, "ada")
    task = offer(essaim, ada, animals.slug)
    result = services.submit_answer(essaim.db, ada, task.assignment_id, "cat", chain_next=False)
    assert result.next is None
    assert count(essaim.db, Assignment, Assignment.status == "leased") == 0
