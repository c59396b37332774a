"""The moderators' queue and resolutions (engine/services/review.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import services
from engine.actors import OPERATOR
from engine.errors import Conflict
from engine.models import Event, Result
from tests.integration.helpers import (
    GOLD,
    add_rows,
    answer_task,
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
def reviewed(essaim):
    """Three tasks: one split three ways, one two against one, one unanimous."""
    project = make_project(essaim, overlap={"min": 3, "max": 3}, confidence=0.9, gold_rate=0.1)
    add_rows(essaim, project.slug, [{"id": f"r{i}", "text": f"row {i}"} for i in range(3)])
    split, two_one, unanimous = (t.id for t in tasks_of(essaim.db, project.slug))
    people = [person(essaim, n) for n in ("ada", "bob", "cid")]
    plan = {split: ["cat", "dog", "bird"], two_one: ["dog", "dog", "cat"],
            unanimous: ["bird", "bird", "bird"]}  # fmt: skip
    for task_id, values in plan.items():
        for who, value in zip(people, values, strict=True):
            answer_task(essaim, who, project.slug, task_id, value, chain_next=False)
    return project, (split, two_one, unanimous), people


def test_review_queue_lowest_agreement_first(essaim, reviewed):
    project, (split, two_one, unanimous), _people = reviewed
    assert task_row(essaim.db, unanimous).status == "complete"
    queue = services.review_queue(essaim.db, project.slug, actor_id=OPERATOR)
    assert [item.task_id for item in queue] == [split, two_one]
    first, second = queue
    assert first.agreement == 0.0 and second.agreement == pytest.approx(1 / 3)
    assert (first.item_id, first.n_answers, first.prompt.text) == ("r0", 3, "row 0")
    assert [(a.value, a.count) for a in second.answers] == [("dog", 2), ("cat", 1)]
    assert second.answers[0].skills == (0.7, 0.7)
    assert services.project_status(essaim.db, project.slug, actor_id=OPERATOR).tasks["review"] == 2


def test_resolve_review_stores_logs_and_grades(essaim, reviewed):
    project, (split, two_one, _u), (ada, bob, cid) = reviewed
    moderator = services.grant_role(essaim.db, "test:mod", "moderator", actor_id=OPERATOR).id
    stored = services.resolve_review(essaim.db, project.slug, two_one, "dog", actor_id=moderator)
    assert stored == "dog"
    with essaim.db.read() as session:
        result = session.get_one(Result, two_one)
        assert (result.value, result.method, result.decided_by) == ("dog", "moderator", moderator)
        event = session.execute(select(Event).where(Event.kind == "review.resolve")).scalar_one()
        assert (event.task_id, event.actor_id, event.data["value"]) == (two_one, moderator, "dog")
    assert task_row(essaim.db, two_one).status == "resolved"
    for who, right in ((ada, 1), (bob, 1), (cid, 0)):
        skill = skill_row(essaim.db, who, project.slug)
        assert (skill.gold_seen, skill.gold_correct) == (1, right)
    assert skill_row(essaim.db, cid, project.slug).accuracy == pytest.approx(0.25)
    assert [
        item.task_id for item in services.review_queue(essaim.db, project.slug, actor_id=OPERATOR)
    ] == [split]
    row = next(r for r in services.export_items(essaim.db, project.slug) if r["id"] == "r1")
    assert (row["answer"], row["status"], row["confidence"]) == ("dog", "complete", 1.0)


def test_make_gold_turns_the_task_into_a_control_task(essaim, reviewed):
    project, (split, _t, _u), _people = reviewed
    services.resolve_review(
        essaim.db, project.slug, split, "bird", make_gold=True, actor_id=OPERATOR
    )
    task = task_row(essaim.db, split)
    assert task.is_gold and task.gold_answer == "bird"
    assert services.project_status(essaim.db, project.slug, actor_id=OPERATOR).gold_tasks == 1
    # a newcomer drawing a control task is given it, and graded against the resolution
    newcomer = person(essaim, "newcomer")
    control = offer(essaim, newcomer, project.slug, rng=GOLD)
    assert control.task_id == split
    result = services.submit_answer(essaim.db, newcomer, control.assignment_id, "cat")
    assert result.feedback is not None
    assert (result.feedback.correct, result.feedback.expected) == (False, "bird")


def test_discarding_a_task(essaim, reviewed):
    project, (split, _t, _u), _people = reviewed
    assert services.resolve_review(essaim.db, project.slug, split, None, actor_id=OPERATOR) is None
    with essaim.db.read() as session:
        result = session.get_one(Result, split)
        assert (result.value, result.method) == (None, "discarded")
    assert task_row(essaim.db, split).status == "resolved"
    row = next(r for r in services.export_items(essaim.db, project.slug) if r["id"] == "r0")
    assert row["answer"] is None


def test_resolving_a_task_not_in_review_conflicts(essaim, reviewed):
    project, (_s, _t, unanimous), _people = reviewed
    with pytest.raises(Conflict, match="not in review"):
        services.resolve_review(essaim.db, project.slug, unanimous, "cat", actor_id=OPERATOR)
    assert count(essaim.db, Event, Event.kind == "review.resolve") == 0


def test_resolving_with_an_invalid_value_conflicts(essaim, reviewed):
    project, (split, _t, _u), _people = reviewed
    with pytest.raises(Conflict, match="invalid value"):
        services.resolve_review(essaim.db, project.slug, split, "horse", actor_id=OPERATOR)
    assert task_row(essaim.db, split).status == "review"
    assert count(essaim.db, Result, Result.task_id == split) == 0


def test_resolving_the_last_review_completes_the_batch(essaim, reviewed):
    project, (split, two_one, _u), _people = reviewed
    services.resolve_review(essaim.db, project.slug, split, "cat", actor_id=OPERATOR)
    assert (
        services.project_status(essaim.db, project.slug, actor_id=OPERATOR).batches[0]["status"]
        == "open"
    )
    services.resolve_review(essaim.db, project.slug, two_one, "dog", actor_id=OPERATOR)
    status = services.project_status(essaim.db, project.slug, actor_id=OPERATOR)
    assert status.batches[0]["status"] == "complete" and status.completion == 1.0
