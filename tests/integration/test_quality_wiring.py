"""Quality wired into answering: skills in the stopping rule, spam, Dawid-Skene, the report."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import services
from engine.errors import InvalidSpec
from engine.models import Answer, Assignment, Event, Result, WorkerSkill, utcnow
from engine.quality_report import quality_report
from engine.simulate import simulate
from engine.skills import refit_skills
from engine.spec import parse_spec
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


def _n_answers_of_result(db, task_id):
    with db.read() as session:
        return session.execute(select(Result.n_answers).where(Result.task_id == task_id)).scalar()


def test_skilled_contributor_completes_with_fewer_answers(essaim):
    project = make_project(essaim, gold_rate=0.2, overlap={"min": 1, "max": 5}, confidence=0.9)
    rows = [{"id": f"g{i}", "text": f"gold {i}", "gold": "cat"} for i in range(5)]
    rows += [{"id": "r1", "text": "one", "gold": ""}, {"id": "r2", "text": "two", "gold": ""}]
    add_rows(essaim, project.slug, rows)
    first, second = (t.id for t in tasks_of(essaim.db, project.slug) if not t.is_gold)
    expert = person(essaim, "expert")
    for _ in range(5):  # five control tasks, all right: smoothed accuracy 5.5/6 > 0.9
        task = offer(essaim, expert, project.slug, rng=GOLD)
        result = services.submit_answer(essaim.db, expert, task.assignment_id, "cat",
                                        chain_next=False)  # fmt: skip
        assert result.feedback is not None and result.feedback.correct
    assert skill_row(essaim.db, expert, project.slug).accuracy > 0.9
    done = answer_task(essaim, expert, project.slug, first, "dog", chain_next=False)
    assert done.task_status == "complete"
    assert _n_answers_of_result(essaim.db, first) == 1
    # two newcomers with the default skill need two agreeing answers for the same confidence
    ada, bob = person(essaim, "ada"), person(essaim, "bob")
    assert (
        answer_task(essaim, ada, project.slug, second, "dog", chain_next=False).task_status
        == "open"
    )
    assert answer_task(essaim, bob, project.slug, second, "dog").task_status == "complete"
    assert _n_answers_of_result(essaim.db, second) == 2


def test_too_fast_answers_suspend_and_stop_counting(essaim):
    project = make_project(essaim, min_seconds=2.0, lease_seconds=60)
    add_rows(essaim, project.slug, [{"id": f"r{i}", "text": f"row {i}"} for i in range(8)])
    spammer = person(essaim, "spammer")
    stale = offer(essaim, spammer, project.slug)  # a lease left to expire, not yet swept
    later = utcnow() + timedelta(seconds=120)
    nxt = services.next_task(essaim.db, spammer, project.slug, now=later)
    answered = []
    for _ in range(5):
        assert nxt.status == "task", nxt
        answered.append(nxt.offer.task_id)
        result = services.submit_answer(essaim.db, spammer, nxt.offer.assignment_id, "cat",
                                        seconds=0.4, now=later)  # fmt: skip
        assert result.status == "accepted"
        nxt = result.next
    assert nxt.status == "suspended"
    skill = skill_row(essaim.db, spammer, project.slug)
    assert skill.suspended and skill.suspended_reason == "too_fast"
    assert count(essaim.db, Event, Event.kind == "contributor.suspend") == 1
    # leases released, answers no longer counted, the tasks need answers again
    assert count(essaim.db, Assignment, Assignment.contributor_id == spammer,
                 Assignment.status == "leased") == 0  # fmt: skip
    assert task_row(essaim.db, stale.task_id).n_leased == 0
    assert count(essaim.db, Answer, Answer.counted.is_(True)) == 0
    for task_id in answered:
        task = task_row(essaim.db, task_id)
        assert (task.status, task.n_answers) == ("open", 0)
    assert_lease_counters(essaim.db)
    raw = list(services.export_answers(essaim.db, project.slug))
    assert len(raw) == 5 and not any(r["counted"] for r in raw)
    # three honest people now complete the first task the spammer answered (after the
    # older one whose lease expired: oldest items first)
    assert stale.task_id < answered[0]
    for name in ("ada", "bob", "cid"):
        honest = person(essaim, name)
        answer_task(essaim, honest, project.slug, stale.task_id, "dog", seconds=6.0)
        last = answer_task(essaim, honest, project.slug, answered[0], "dog", seconds=6.0)
    assert last.task_status == "complete"
    with essaim.db.read() as session:
        assert session.get_one(Result, answered[0]).n_answers == 3
    # the suspended contributor cannot answer any more
    assert services.next_task(essaim.db, spammer, project.slug).status == "suspended"
    assert services.submit_answer(essaim.db, spammer, stale.assignment_id, "cat").status in (
        "expired", "suspended",
    )  # fmt: skip


def test_failing_gold_repeatedly_suspends(essaim):
    project = make_project(essaim, gold_rate=0.2)
    rows = [{"id": f"g{i}", "text": f"gold {i}", "gold": "cat"} for i in range(6)]
    add_rows(essaim, project.slug, [*rows, {"id": "r", "text": "row", "gold": ""}])
    ada = person(essaim, "ada")
    for i in range(4):
        task = offer(essaim, ada, project.slug, rng=GOLD)
        result = services.submit_answer(essaim.db, ada, task.assignment_id, "dog", rng=GOLD)
        assert result.feedback is not None and not result.feedback.correct
        expected = "suspended" if i == 3 else "task"
        assert result.next.status == expected
    skill = skill_row(essaim.db, ada, project.slug)
    assert skill.suspended and skill.suspended_reason == "failed_gold"
    assert services.next_task(essaim.db, ada, project.slug, rng=NO_GOLD).status == "suspended"


def test_refit_skills_stores_dawid_skene_skills(essaim):
    project = make_project(essaim, overlap={"min": 3, "max": 3}, confidence=0.5)
    add_rows(essaim, project.slug, [{"id": f"r{i}", "text": f"row {i}"} for i in range(30)])
    assert refit_skills(essaim.db, project.slug)["fitted"] is False  # no answers yet
    report = simulate(essaim, project.slug, contributors=5, accuracy=0.85, seed=3)
    assert report.answers == 90
    outcome = refit_skills(essaim.db, project.slug)
    assert outcome["fitted"] is True and outcome["workers"] == 5 and outcome["answers"] == 90
    with essaim.db.read() as session:
        skills = session.execute(
            select(WorkerSkill.ds_skill).where(WorkerSkill.n_answers > 0)
        ).scalars().all()  # fmt: skip
    assert len(skills) == 5
    assert all(s is not None and 0.5 < s <= 1.0 for s in skills)
    assert count(essaim.db, Event, Event.kind == "skills.refit") >= 1


def test_refit_needs_enough_answers(essaim):
    project = make_project(essaim)
    add_rows(essaim, project.slug, [{"id": f"r{i}", "text": f"row {i}"} for i in range(5)])
    simulate(essaim, project.slug, contributors=3, accuracy=1.0, seed=1)
    outcome = refit_skills(essaim.db, project.slug)
    assert outcome["fitted"] is False and "50" in outcome["reason"]


def test_quality_report_when_everyone_agrees(essaim):
    project = make_project(essaim, overlap={"min": 3, "max": 3})
    add_rows(essaim, project.slug, [{"id": f"r{i}", "text": f"row {i}"} for i in range(12)])
    simulate(essaim, project.slug, contributors=4, accuracy=1.0, seed=5)
    report = quality_report(essaim.db, project.slug)
    assert {"project", "level", "alpha", "answers", "batches", "workers",
            "answers_per_completed_task", "review_backlog"} <= set(report)  # fmt: skip
    assert report["level"] == "nominal"
    assert report["answers"] == 36
    assert report["alpha"] == pytest.approx(1.0, abs=1e-6)
    assert len(report["workers"]) == 4
    assert report["answers_per_completed_task"]["mean"] == 3
    assert report["review_backlog"] == 0
    assert [b["answers"] for b in report["batches"]] == [36]


def test_quality_report_alpha_drops_with_noise(essaim):
    project = make_project(essaim, overlap={"min": 3, "max": 3})
    add_rows(essaim, project.slug, [{"id": f"r{i}", "text": f"row {i}"} for i in range(20)])
    simulate(essaim, project.slug, contributors=4, accuracy=0.5, seed=8)
    report = quality_report(essaim.db, project.slug)
    assert report["alpha"] is not None and report["alpha"] < 0.6


def test_answer_from_a_below_chance_contributor_is_settled(essaim):
    """Three control tasks failed (not yet enough to suspend) leave a skill of 0.125 on a
    yes/no project: the stopping rule then leads with the label this contributor did NOT
    give. Submitting must still be accepted and any result must be a valid label."""
    project = make_project(essaim, labels=["yes", "no"], gold_rate=0.2,
                           overlap={"min": 1, "max": 3}, confidence=0.8)  # fmt: skip
    rows = [{"id": f"g{i}", "text": f"gold {i}", "gold": "yes"} for i in range(3)]
    add_rows(essaim, project.slug, [*rows, {"id": "r", "text": "row", "gold": ""}])
    ada = person(essaim, "ada")
    for _ in range(3):
        task = offer(essaim, ada, project.slug, rng=GOLD)
        services.submit_answer(essaim.db, ada, task.assignment_id, "no", chain_next=False)
    skill = skill_row(essaim.db, ada, project.slug)
    assert not skill.suspended and skill.accuracy == pytest.approx(0.125)
    task = offer(essaim, ada, project.slug, rng=NO_GOLD)
    result = services.submit_answer(essaim.db, ada, task.assignment_id, "yes", chain_next=False)
    assert result.status == "accepted"
    with essaim.db.read() as session:
        value = session.execute(
            select(Result.value).where(Result.task_id == task.task_id)
        ).scalar_one_or_none()
    assert value in (None, "yes", "no")


def test_spam_table_of_the_spec_sets_the_thresholds(essaim):
    """``[spam] max_same_run = 3``: the run of identical answers is looked at every tenth
    answer, and ten in a row is past 3; the default (20) lets the same run through."""
    strict = make_project(essaim, slug="strict", spam={"max_same_run": 3})
    lenient = make_project(essaim, slug="lenient")
    assert strict.settings["spam"] == {"max_same_run": 3}
    statuses = {}
    for project in (strict, lenient):
        add_rows(essaim, project.slug, [{"id": f"r{i}", "text": f"row {i}"} for i in range(12)])
        lazy = person(essaim, f"lazy-{project.slug}")
        nxt = services.next_task(essaim.db, lazy, project.slug)
        for _ in range(10):
            result = services.submit_answer(essaim.db, lazy, nxt.offer.assignment_id, "cat")
            assert result.status == "accepted"
            nxt = result.next
        statuses[project.slug] = nxt.status
    assert statuses == {"strict": "suspended", "lenient": "task"}


@pytest.mark.parametrize(
    ("spam", "field"),
    [({"max_same_rum": 3}, "spam.max_same_rum"), ({"max_fast_share": 2.0}, "spam.max_fast_share"),
     ({"min_gold_seen": 2.5}, "spam.min_gold_seen"), ("lenient", "spam")],
)  # fmt: skip
def test_bad_spam_table_names_the_field(spam, field):
    with pytest.raises(InvalidSpec) as error:
        parse_spec({"name": "Spam", "kind": "labeling", "labels": ["a", "b"], "spam": spam})
    assert error.value.field == field
