"""A pressed answer: one transaction identifies and submits; skill re-fits count each
project's answers and re-fit the project answered; no actor named is no permission."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from bots.core import payload
from bots.core.base import User
from bots.core.chat import Chat
from engine import jobs, services
from engine.actors import OPERATOR
from engine.app import Essaim
from engine.config import load_settings
from engine.errors import PermissionDenied
from engine.models import Contributor, Project
from engine.queue import JobHandle, JobQueue
from engine.spec import parse_spec
from tests.integration.helpers import NO_GOLD, add_rows, count, make_project, offer, person

pytestmark = pytest.mark.integration


def _transactions(essaim: Essaim) -> list[int]:
    """A list that grows by one at each transaction begun on the engine's connections."""
    begun: list[int] = []
    event.listen(essaim.db.engine, "begin", lambda _connection: begun.append(1))
    return begun


def _rows(n: int) -> list[dict[str, str]]:
    return [{"id": f"r{i}", "text": f"row {i}"} for i in range(n)]


def test_a_pressed_answer_is_one_transaction_and_replies_in_the_speakers_language(
    essaim: Essaim,
) -> None:
    project = make_project(essaim, overlap={"min": 2, "max": 2})
    add_rows(essaim, project.slug, _rows(3))
    chat = Chat(essaim)
    ada = User("test", "ada", "Ada", "fr")
    shown = chat.next(ada, project.slug)
    assert shown.task is not None and shown.lang == "fr"
    begun = _transactions(essaim)
    reply = chat.press(ada, payload.encode(payload.Answer(shown.task.assignment_id, "cat")))
    assert reply.toast is not None and reply.toast.key == "submit.accepted"
    assert reply.task is not None and reply.task.assignment_id != shown.task.assignment_id
    assert reply.lang == "fr"
    # Identify, submit and next task in one transaction (before: a read first). SQLite
    # reads who it is beside the writers, not under the one write lock (`Essaim.answer`).
    assert len(begun) == (2 if essaim.db.is_sqlite else 1)


def test_a_first_press_creates_the_contributor_in_the_same_transaction(essaim: Essaim) -> None:
    project = make_project(essaim)
    add_rows(essaim, project.slug, _rows(2))
    held = offer(essaim, person(essaim, "ada"), project.slug, rng=NO_GOLD)
    chat = Chat(essaim)
    before = count(essaim.db, Contributor)
    begun = _transactions(essaim)
    stranger = User("test", "bob", "Bob", "en")  # never seen, pressing Ada's card
    reply = chat.press(stranger, payload.encode(payload.Answer(held.assignment_id, "cat")))
    assert reply.toast is not None and reply.toast.key == "submit.not_yours"
    assert len(begun) == (3 if essaim.db.is_sqlite else 1)  # SQLite: a read, then two writes
    assert count(essaim.db, Contributor) == before + 1


def _counting_refits(db: Any, every: int, monkeypatch: pytest.MonkeyPatch) -> tuple[Essaim, list]:
    """An engine that re-fits every ``every`` answers and records the refits it enqueues."""
    settings = load_settings(database_url=db.url, redis_url=None, skill_refit_every=every)
    essaim = Essaim(settings, db, JobQueue(db))
    refits: list[str] = []

    def enqueue(func: Any, *args: Any, **_kwargs: Any) -> JobHandle:
        if func is jobs.refit_skills_job:
            refits.append(args[0])
        return JobHandle("inline", "finished")

    monkeypatch.setattr(essaim.queue, "enqueue", enqueue)
    return essaim, refits


def test_refits_count_each_project_and_refit_the_one_answered(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup = Essaim(load_settings(database_url=db.url, redis_url=None), db, JobQueue(db))
    animals = make_project(setup)
    plants = make_project(setup, slug="plants", name="Plants")
    for slug in (animals.slug, plants.slug):
        add_rows(setup, slug, _rows(5))  # more than is answered: no batch completes
    essaim, refits = _counting_refits(db, 2, monkeypatch)
    ada, bob = person(essaim, "ada"), person(essaim, "bob")

    def answer(who: int, slug: str) -> None:
        task = offer(essaim, who, slug, rng=NO_GOLD)
        assert essaim.submit_answer(who, task.assignment_id, "cat").status == "accepted"

    answer(ada, animals.slug)  # animals: 1 answer
    answer(ada, plants.slug)  # plants: 1 (2 answers in all: nothing is re-fitted yet)
    assert refits == []
    answer(bob, animals.slug)  # animals: 2, whoever gives them: animals is re-fitted
    assert refits == [animals.slug]
    answer(ada, animals.slug)  # animals: 1 since its re-fit
    assert refits == [animals.slug]
    answer(ada, plants.slug)  # plants: 2
    assert refits == [animals.slug, plants.slug]


def test_a_completed_batch_refits_its_project_at_once(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup = Essaim(load_settings(database_url=db.url, redis_url=None), db, JobQueue(db))
    project = make_project(setup, overlap={"min": 1, "max": 1})
    add_rows(setup, project.slug, _rows(1))
    essaim, refits = _counting_refits(db, 1000, monkeypatch)
    ada = person(essaim, "ada")
    task = offer(essaim, ada, project.slug, rng=NO_GOLD)
    result = essaim.submit_answer(ada, task.assignment_id, "cat")
    assert result.completed_batches and result.next is not None
    assert refits == [project.slug]


def test_a_pressed_answer_counts_for_refits_too(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    setup = Essaim(load_settings(database_url=db.url, redis_url=None), db, JobQueue(db))
    project = make_project(setup)
    add_rows(setup, project.slug, _rows(5))
    essaim, refits = _counting_refits(db, 1, monkeypatch)
    chat = Chat(essaim)
    ada = User("test", "ada", "Ada", "en")
    shown = chat.next(ada, project.slug)
    assert shown.task is not None
    chat.press(ada, payload.encode(payload.Answer(shown.task.assignment_id, "cat")))
    assert refits == [project.slug]


def test_an_action_with_no_actor_named_is_refused(essaim: Essaim) -> None:
    spec = parse_spec({"name": "P", "slug": "pp", "kind": "labeling", "labels": ["a", "b"]})
    with pytest.raises(PermissionDenied):
        services.create_project(essaim.db, spec)  # the caller forgot to say who acts
    with pytest.raises(PermissionDenied):
        services.grant_role(essaim.db, "test:ada", "requester")
    assert count(essaim.db, Project) == 0
    services.create_project(essaim.db, spec, actor_id=OPERATOR)
    with pytest.raises(PermissionDenied):
        services.project_status(essaim.db, "pp")
    with pytest.raises(PermissionDenied):
        services.review_queue(essaim.db, "pp")
    with pytest.raises(PermissionDenied):
        services.forget_contributor(essaim.db, person(essaim, "ada"))
    assert services.project_status(essaim.db, "pp", actor_id=OPERATOR).slug == "pp"


def test_a_contributor_still_needs_the_role(essaim: Essaim) -> None:
    ada = person(essaim, "ada")
    spec = parse_spec({"name": "P", "slug": "pp", "kind": "labeling", "labels": ["a", "b"]})
    with pytest.raises(PermissionDenied):
        services.create_project(essaim.db, spec, actor_id=ada)
    services.grant_role(essaim.db, "test:ada", "requester", actor_id=OPERATOR)
    assert services.create_project(essaim.db, spec, actor_id=ada).slug == "pp"
    assert services.forget_contributor(essaim.db, ada, actor_id=ada) == 0  # themself: allowed
