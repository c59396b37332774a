"""Many contributors at once on PostgreSQL: no task over its target, nothing lost or doubled.

Eight threads (each with its own connections, like separate bot processes) take and answer
tasks as fast as they can, some answering twice (a double tap) and some leaving leases to
expire; then the invariants are checked against the rows themselves.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine import services
from engine.db import Database
from engine.models import Answer, Assignment, Task, utcnow
from tests.integration.helpers import add_rows, make_project, person

pytestmark = pytest.mark.integration

THREADS = 8


@pytest.fixture
def crowd_project(pg_essaim, request):
    essaim = pg_essaim
    project = make_project(essaim, overlap={"min": 3, "max": 3}, confidence=0.5)
    add_rows(essaim, project.slug, [{"id": f"i{i}", "text": f"item {i}"} for i in range(60)])
    people = [person(essaim, f"worker{i}") for i in range(THREADS)]
    return essaim, project.slug, people


def _work(url: str, slug: str, me: int, seed: int, outcomes: list, errors: list) -> None:
    db = Database(url, pool_size=2)
    rng = random.Random(seed)
    try:
        while True:
            nxt = services.next_task(db, me, slug, rng=rng)
            if nxt.offer is None:
                break
            label = rng.choice(["cat", "dog"])
            first = services.submit_answer(db, me, nxt.offer.assignment_id, label, seconds=5.0,
                                           chain_next=False)  # fmt: skip
            outcomes.append((me, nxt.offer.task_id, first.status))
            if rng.random() < 0.2:  # double tap: must say duplicate and store nothing
                again = services.submit_answer(db, me, nxt.offer.assignment_id, label,
                                               seconds=5.0, chain_next=False)  # fmt: skip
                outcomes.append((me, nxt.offer.task_id, "again:" + again.status))
    except Exception as exc:  # surfaced by the test below
        errors.append(exc)
    finally:
        db.dispose()


def test_eight_threads_respect_targets_and_never_repeat(crowd_project):
    essaim, slug, people = crowd_project
    outcomes: list = []
    errors: list = []
    threads = [threading.Thread(target=_work,
                                args=(essaim.db.url, slug, me, i, outcomes, errors))
               for i, me in enumerate(people)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    assert not errors, errors
    accepted = [o for o in outcomes if o[2] == "accepted"]
    assert all(o[2] in ("accepted", "again:duplicate") for o in outcomes), Counter(
        o[2] for o in outcomes
    )
    with essaim.db.read() as session:
        per_task = dict(session.execute(
            select(Answer.task_id, func.count()).group_by(Answer.task_id)
        ).all())  # fmt: skip
        pairs = session.execute(
            select(Answer.task_id, Answer.contributor_id, func.count()).group_by(
                Answer.task_id, Answer.contributor_id
            )
        ).all()
        tasks = session.execute(select(Task.id, Task.target, Task.n_answers, Task.n_leased,
                                       Task.status)).all()  # fmt: skip
    # nothing lost, nothing doubled: every accepted submission is exactly one row
    assert sum(per_task.values()) == len(accepted)
    # never the same task twice to one contributor
    assert all(count == 1 for _t, _c, count in pairs)
    for task_id, target, n_answers, n_leased, status in tasks:
        assert per_task.get(task_id, 0) <= target, (task_id, target)
        assert per_task.get(task_id, 0) == n_answers
        assert n_leased == 0
        assert status == "complete"


def test_concurrent_expiry_sweeps_free_each_place_once(crowd_project):
    essaim, slug, people = crowd_project
    for me in people[:6]:
        assert services.next_task(essaim.db, me, slug).offer is not None
    later = utcnow() + timedelta(hours=1)
    freed: list[int] = []
    barrier = threading.Barrier(4)

    def sweep() -> None:
        db = Database(essaim.db.url, pool_size=1)
        barrier.wait()
        freed.append(services.release_expired_leases(db, now=later))
        db.dispose()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(freed) == 6
    with essaim.db.read() as session:
        leased = session.execute(select(func.sum(Task.n_leased))).scalar_one()
        live = session.execute(
            select(func.count()).where(Assignment.status == "leased")
        ).scalar_one()
    assert (leased, live) == (0, 0)


def test_a_task_held_for_a_moment_is_not_reported_as_none(crowd_project):
    """A submit holding the last free task's row lock must not make "next" say "no task"."""
    from sqlalchemy import update

    essaim, slug, people = crowd_project
    with essaim.db.write() as session:  # leave exactly one task with room
        first = session.execute(select(Task.id).order_by(Task.id).limit(1)).scalar_one()
        session.execute(update(Task).where(Task.id != first).values(status="complete"))
    locked = threading.Event()

    def hold_the_row() -> None:
        db = Database(essaim.db.url, pool_size=1)
        with db.write() as session:
            session.execute(select(Task.id).where(Task.id == first).with_for_update())
            locked.set()
            threading.Event().wait(0.03)  # like a submit in progress
        db.dispose()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    locked.wait(timeout=10)
    nxt = services.next_task(essaim.db, people[0], slug)
    holder.join(timeout=10)
    assert nxt.offer is not None and nxt.offer.task_id == first
