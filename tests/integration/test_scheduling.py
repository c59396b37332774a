"""Scheduling (DESIGN.md, "Scheduling"): no repeats, never beyond target, leases, order, gold."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import services
from engine.actors import OPERATOR
from engine.models import Assignment, utcnow
from engine.scheduling import gold_rate_for
from tests.integration.helpers import (
    GOLD,
    NO_GOLD,
    add_rows,
    assert_lease_counters,
    make_project,
    offer,
    person,
    task_row,
    tasks_of,
)

pytestmark = pytest.mark.integration


def _rows(n, prefix="r"):
    return [{"id": f"{prefix}{i}", "text": f"thing {i}"} for i in range(n)]


def test_never_the_same_task_twice_even_after_skip(essaim):
    project = make_project(essaim)
    add_rows(essaim, project.slug, _rows(3))
    ada = person(essaim, "ada")
    seen = []
    first = offer(essaim, ada, project.slug)
    seen.append(first.task_id)
    nxt = services.skip_task(essaim.db, ada, first.assignment_id)
    while nxt.status == "task":
        seen.append(nxt.offer.task_id)
        result = services.submit_answer(essaim.db, ada, nxt.offer.assignment_id, "cat")
        assert result.status == "accepted"
        nxt = result.next
    assert nxt.status == "none"
    assert sorted(seen) == sorted(set(seen)) and len(seen) == 3
    assert services.next_task(essaim.db, ada, project.slug).status == "none"
    assert_lease_counters(essaim.db)


def test_never_beyond_target_with_live_leases(essaim):
    project = make_project(essaim, overlap={"min": 2, "max": 2})
    add_rows(essaim, project.slug, _rows(1))
    ada, bob, cid = (person(essaim, n) for n in ("ada", "bob", "cid"))
    task_id = offer(essaim, ada, project.slug).task_id
    assert offer(essaim, bob, project.slug).task_id == task_id
    assert services.next_task(essaim.db, cid, project.slug).status == "none"
    task = task_row(essaim.db, task_id)
    assert (task.n_answers, task.n_leased, task.target) == (0, 2, 2)


def test_live_lease_is_offered_again(essaim):
    project = make_project(essaim)
    add_rows(essaim, project.slug, _rows(3))
    ada = person(essaim, "ada")
    first = offer(essaim, ada, project.slug)
    second = offer(essaim, ada, project.slug)
    assert second.assignment_id == first.assignment_id
    assert task_row(essaim.db, first.task_id).n_leased == 1
    assert sum(t.n_leased for t in tasks_of(essaim.db, project.slug)) == 1


def test_expired_lease_frees_the_place(essaim):
    project = make_project(essaim, overlap={"min": 1, "max": 1}, lease_seconds=60)
    add_rows(essaim, project.slug, _rows(1))
    ada, bob = person(essaim, "ada"), person(essaim, "bob")
    held = offer(essaim, ada, project.slug)
    assert services.next_task(essaim.db, bob, project.slug).status == "none"
    later = utcnow() + timedelta(seconds=61)
    taken = offer(essaim, bob, project.slug, now=later)
    assert taken.task_id == held.task_id
    with essaim.db.read() as session:
        status = session.execute(
            select(Assignment.status).where(Assignment.id == held.assignment_id)
        ).scalar_one()
    assert status == "expired"
    assert task_row(essaim.db, held.task_id).n_leased == 1
    assert_lease_counters(essaim.db)


def test_release_expired_leases_sweep(essaim):
    project = make_project(essaim, lease_seconds=60)
    add_rows(essaim, project.slug, _rows(2))
    for name in ("ada", "bob"):
        offer(essaim, person(essaim, name), project.slug)
    assert services.release_expired_leases(essaim.db) == 0
    later = utcnow() + timedelta(seconds=61)
    assert services.release_expired_leases(essaim.db, now=later) == 2
    assert services.release_expired_leases(essaim.db, now=later) == 0
    assert_lease_counters(essaim.db)


def test_late_answer_accepted_when_still_needed(essaim):
    project = make_project(essaim, overlap={"min": 2, "max": 2}, lease_seconds=60)
    add_rows(essaim, project.slug, _rows(1))
    ada = person(essaim, "ada")
    held = offer(essaim, ada, project.slug)
    later = utcnow() + timedelta(seconds=120)
    services.release_expired_leases(essaim.db, now=later)
    result = services.submit_answer(essaim.db, ada, held.assignment_id, "cat", now=later)
    assert result.status == "accepted"
    task = task_row(essaim.db, held.task_id)
    assert (task.n_answers, task.n_leased) == (1, 0)
    assert_lease_counters(essaim.db)


def test_late_answer_refused_when_the_task_got_its_answers(essaim):
    project = make_project(essaim, overlap={"min": 1, "max": 1}, lease_seconds=60)
    add_rows(essaim, project.slug, _rows(1))
    ada, bob = person(essaim, "ada"), person(essaim, "bob")
    held = offer(essaim, ada, project.slug)
    later = utcnow() + timedelta(seconds=120)
    taken = offer(essaim, bob, project.slug, now=later)
    done = services.submit_answer(essaim.db, bob, taken.assignment_id, "dog", now=later)
    assert done.status == "accepted" and done.task_status == "complete"
    late = services.submit_answer(essaim.db, ada, held.assignment_id, "cat", now=later)
    assert late.status == "expired"
    task = task_row(essaim.db, held.task_id)
    assert task.n_answers == 1
    assert [r["label"] for r in services.export_answers(essaim.db, project.slug)] == ["dog"]
    assert_lease_counters(essaim.db)


def test_late_answer_refused_while_another_holds_the_place(essaim):
    project = make_project(essaim, overlap={"min": 1, "max": 1}, lease_seconds=60)
    add_rows(essaim, project.slug, _rows(1))
    ada, bob = person(essaim, "ada"), person(essaim, "bob")
    held = offer(essaim, ada, project.slug)
    later = utcnow() + timedelta(seconds=120)
    offer(essaim, bob, project.slug, now=later)  # Bob now holds the only place
    late = services.submit_answer(essaim.db, ada, held.assignment_id, "cat", now=later)
    assert late.status == "expired"
    assert task_row(essaim.db, held.task_id).n_answers == 0
    assert_lease_counters(essaim.db)


def test_started_items_are_finished_first(essaim):
    project = make_project(essaim, overlap={"min": 2, "max": 3}, confidence=0.99)
    add_rows(essaim, project.slug, _rows(3))
    first, second, _third = (t.id for t in tasks_of(essaim.db, project.slug))
    ada, bob, cid = (person(essaim, n) for n in ("ada", "bob", "cid"))
    # Ada and Bob disagree on the first row: it needs one more answer
    for who, value in ((ada, "cat"), (bob, "dog")):
        task = offer(essaim, who, project.slug)
        assert task.task_id == first
        services.submit_answer(essaim.db, who, task.assignment_id, value, chain_next=False)
    assert task_row(essaim.db, first).target == 3
    # Cid is offered the started row before the untouched ones
    assert offer(essaim, cid, project.slug).task_id == first
    # Ada, who has seen the first row, gets the next in order
    assert offer(essaim, ada, project.slug).task_id == second


def test_gold_rate_policy_is_higher_for_newcomers():
    assert gold_rate_for(0.1, answers=0, gold_seen=0, accuracy=None) == pytest.approx(1 / 3)
    assert gold_rate_for(0.25, answers=0, gold_seen=0, accuracy=None) == pytest.approx(0.75)
    assert gold_rate_for(0.25, answers=50, gold_seen=2, accuracy=0.6) == 0.25
    assert gold_rate_for(0.0, answers=0, gold_seen=0, accuracy=None) == 0.0


def _gold_project(essaim, slug, n_gold, n_regular, rate):
    project = make_project(essaim, slug=slug, gold_rate=rate)
    rows = [{"id": f"g{i}", "text": f"gold {i}", "gold": "cat"} for i in range(n_gold)]
    rows += [{"id": f"r{i}", "text": f"row {i}", "gold": ""} for i in range(n_regular)]
    add_rows(essaim, project.slug, rows)
    gold_ids = {t.id for t in tasks_of(essaim.db, slug) if t.is_gold}
    return project, gold_ids


def test_newcomers_see_gold_three_times_the_rate(essaim):
    project, gold_ids = _gold_project(essaim, "newbies", 5, 60, 0.25)
    rng = random.Random(1234)
    draws = 150
    gold = 0
    for i in range(draws):
        newcomer = person(essaim, f"new{i}")
        gold += offer(essaim, newcomer, project.slug, rng=rng).task_id in gold_ids
    assert gold / draws == pytest.approx(0.75, abs=0.1)


def test_regular_contributor_sees_gold_at_the_project_rate(essaim):
    project, gold_ids = _gold_project(essaim, "regulars", 90, 200, 0.25)
    rng = random.Random(99)
    ada = person(essaim, "ada")
    labels = ["cat", "dog", "bird"]
    nxt = services.next_task(essaim.db, ada, project.slug, rng=rng)
    training = trained = trained_gold = 0
    gold_answers = 0
    for step in range(230):
        assert nxt.status == "task", nxt
        is_gold = nxt.offer.task_id in gold_ids
        if step < 10:
            training += is_gold
        else:
            trained += 1
            trained_gold += is_gold
        if is_gold:
            # three right for one wrong: a known, not yet trusted, never suspended record
            value = "dog" if gold_answers % 4 == 3 else "cat"
            gold_answers += 1
        else:
            value = labels[step % 3]  # varied, so no "same answer" run
        result = services.submit_answer(
            essaim.db, ada, nxt.offer.assignment_id, value, seconds=5.0, rng=rng
        )
        assert result.status == "accepted", result
        nxt = result.next
    assert trained_gold / trained == pytest.approx(0.25, abs=0.08)
    assert training >= 5  # the first ten answers: a newcomer, three times the rate


def test_paused_or_closed_project_offers_nothing(essaim):
    project = make_project(essaim)
    add_rows(essaim, project.slug, _rows(2))
    ada = person(essaim, "ada")
    services.set_project_status(essaim.db, project.slug, "paused", actor_id=OPERATOR)
    assert services.next_task(essaim.db, ada, project.slug).status == "closed"
    services.set_project_status(essaim.db, project.slug, "closed", actor_id=OPERATOR)
    assert services.next_task(essaim.db, ada, project.slug).status == "closed"
    services.set_project_status(essaim.db, project.slug, "active", actor_id=OPERATOR)
    assert services.next_task(essaim.db, ada, project.slug).status == "task"


def test_suspended_contributor_gets_suspended(essaim):
    project = make_project(essaim, gold_rate=0.2)
    rows = [{"id": f"g{i}", "text": f"gold {i}", "gold": "cat"} for i in range(6)]
    add_rows(essaim, project.slug, [*rows, {"id": "r", "text": "row", "gold": ""}])
    ada = person(essaim, "ada")
    for _ in range(4):  # four control tasks failed
        task = offer(essaim, ada, project.slug, rng=GOLD)
        services.submit_answer(essaim.db, ada, task.assignment_id, "dog", chain_next=False)
    assert services.next_task(essaim.db, ada, project.slug, rng=NO_GOLD).status == "suspended"


def test_no_project_and_current_project(essaim):
    ada = person(essaim, "ada")
    assert services.next_task(essaim.db, ada).status == "no_project"
    project = make_project(essaim)
    add_rows(essaim, project.slug, _rows(1))
    assert services.join_project(essaim.db, ada, project.slug) == project.slug
    nxt = services.next_task(essaim.db, ada)
    assert nxt.status == "task" and nxt.project_slug == project.slug


def test_an_extra_answer_goes_before_older_untouched_work(essaim):
    """Past the usual overlap, a task that needs one more answer jumps the queue."""
    project = make_project(essaim, overlap={"min": 2, "max": 3}, confidence=0.99)
    add_rows(essaim, project.slug, _rows(3))
    first, second, _third = (t.id for t in tasks_of(essaim.db, project.slug))
    ada, bob, cid = (person(essaim, n) for n in ("ada", "bob", "cid"))
    ada_first = offer(essaim, ada, project.slug)
    services.submit_answer(essaim.db, ada, ada_first.assignment_id, "cat", chain_next=False)
    assert task_row(essaim.db, first).priority == 0  # below the usual overlap: no jump
    bob_first = offer(essaim, bob, project.slug)
    assert bob_first.task_id == first
    services.submit_answer(essaim.db, bob, bob_first.assignment_id, "dog", chain_next=False)
    # Bob's second and third offers walk on in order; the first row now needs a third answer
    bob_second = offer(essaim, bob, project.slug)
    assert bob_second.task_id == second and task_row(essaim.db, first).priority == 1
    services.submit_answer(essaim.db, bob, bob_second.assignment_id, "dog", chain_next=False)
    assert offer(essaim, cid, project.slug).task_id == first


def test_far_ahead_contributor_keeps_the_order_after_each_answer(essaim):
    """The chained next task starts after the one just answered, still oldest first."""
    project = make_project(essaim, overlap={"min": 3, "max": 3}, confidence=0.5)
    add_rows(essaim, project.slug, _rows(30))
    order = [t.id for t in tasks_of(essaim.db, project.slug)]
    ada = person(essaim, "ada")
    current = offer(essaim, ada, project.slug)
    seen = [current.task_id]
    for i in range(29):
        result = services.submit_answer(
            essaim.db, ada, current.assignment_id, ["cat", "dog"][i % 2]
        )
        current = result.next.offer
        seen.append(current.task_id)
    assert seen == order


def test_next_after_a_pause_starts_past_the_last_task_answered(essaim):
    """The look for a task starts where the contributor left off, even in a new call (a
    /next after a restart), and comes back to an earlier task once nothing is left past it.
    """
    project = make_project(essaim, overlap={"min": 1, "max": 1})
    add_rows(essaim, project.slug, _rows(5))
    ids = [task.id for task in tasks_of(essaim.db, project.slug)]
    ada, bob = person(essaim, "ada"), person(essaim, "bob")
    held = offer(essaim, bob, project.slug)  # bob holds the first task
    assert held.task_id == ids[0]
    first = offer(essaim, ada, project.slug)
    assert first.task_id == ids[1]
    result = services.submit_answer(essaim.db, ada, first.assignment_id, "cat")
    assert result.next.offer.task_id == ids[2]
    services.submit_answer(essaim.db, ada, result.next.offer.assignment_id, "cat",
                           chain_next=False)  # fmt: skip
    later = utcnow() + timedelta(seconds=700)
    assert services.release_expired_leases(essaim.db, now=later) == 1  # bob's: free again
    resumed = services.next_task(essaim.db, ada, project.slug, now=later).offer
    assert resumed.task_id == ids[3]  # past ids[2], not back to ids[0]
    order = [resumed.task_id]
    nxt = services.submit_answer(essaim.db, ada, resumed.assignment_id, "dog", now=later).next
    while nxt.status == "task":
        order.append(nxt.offer.task_id)
        nxt = services.submit_answer(essaim.db, ada, nxt.offer.assignment_id, "dog",
                                     now=later).next  # fmt: skip
    assert order == [ids[3], ids[4], ids[0]]  # the earlier task is not lost
    assert_lease_counters(essaim.db)
