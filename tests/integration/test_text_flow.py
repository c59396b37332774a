"""Free text end to end: candidates, merging, votes, rounds, review, reassembly
(engine/services/completion.py) for proofreading and translation."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from engine import services
from engine.actors import OPERATOR
from engine.models import Answer, Result, Task
from tests.integration.helpers import NO_GOLD, count, make_project, person, tasks_of

pytestmark = pytest.mark.integration

Policy = Callable[[str, object], str]


def _project(essaim, kind="proofreading", **overrides):
    spec = {"slug": "text", "kind": kind, "labels": None, "overlap": {"min": 2, "max": 3},
            "confidence": 0.8, "candidates": 3, "max_rounds": 2}  # fmt: skip
    spec["languages"] = ["en", "fr"] if kind == "translation" else ["en"]
    spec.update(overrides)
    return make_project(essaim, **spec)


def _upload(essaim, text, name="doc.txt"):
    handle = essaim.add_batch("text", name, text.encode(), actor_id=OPERATOR)
    assert handle.status == "finished" and handle.result["status"] == "open", handle
    return handle.result


def _work(essaim, people: dict[str, int], policy: Policy) -> list[tuple[str, object]]:
    """Everyone takes turns answering until nobody is offered anything; returns the offers."""
    offers: list[tuple[str, object]] = []
    busy = True
    while busy:
        busy = False
        for name, contributor in people.items():
            nxt = services.next_task(essaim.db, contributor, "text", rng=NO_GOLD)
            if nxt.status != "task":
                continue
            busy = True
            offers.append((name, nxt.offer))
            raw = policy(name, nxt.offer.prompt)
            result = services.submit_answer(essaim.db, contributor, nxt.offer.assignment_id,
                                            raw, seconds=10.0, chain_next=False)  # fmt: skip
            assert result.status == "accepted", (name, raw, result)
    return offers


def _vote_for(prompt, text: str) -> str:
    """The key of the candidate equal to ``text`` ("none" if absent)."""
    return next((c.value for c in prompt.choices if c.label == text), "none")


def _people(essaim, names):
    return {name: person(essaim, name) for name in names}


def _authors(essaim, task_id):
    with essaim.db.read() as session:
        return set(
            session.execute(select(Answer.contributor_id).where(Answer.task_id == task_id))
            .scalars()
            .all()
        )


def test_identical_candidates_complete_without_a_vote(essaim):
    _project(essaim)
    _upload(essaim, "Its a dogs life. He dont care.\n")
    typed = {
        "Its a dogs life.": ["It's a dog's life.", "It’s a dog’s life.", "It's  a dog's life. "],
        "He dont care.": ["He doesn't care.", "He doesn’t care.", "He doesn't\u00a0care."],
    }
    order = {"ada": 0, "bob": 1, "cid": 2}
    _work(essaim, _people(essaim, order), lambda name, p: typed[p.text][order[name]])
    assert count(essaim.db, Task, Task.stage == "vote") == 0
    with essaim.db.read() as session:
        methods = session.execute(select(Result.method)).scalars().all()
    assert methods == ["candidates", "candidates"]
    (row,) = services.export_items(essaim.db, "text")
    assert row["status"] == "complete"
    assert row["answer"] == "It's a dog's life. He doesn't care.\n"
    assert row["changed"] == 2 and row["n_answers"] == 6
    assert "+It's a dog's life. He doesn't care." in row["diff"]


def test_differing_candidates_go_to_a_vote_their_authors_never_see(essaim):
    _project(essaim)
    _upload(essaim, "Ths is wrong. The cat sleep.\n")
    first_round = {"ada": "This is wrong.", "bob": "This is wrong!", "cid": "Thus is wrong."}
    people = _people(essaim, ["ada", "bob", "cid", "dan", "eve"])

    def policy(name, prompt):
        if prompt.stage == "vote":
            return _vote_for(prompt, "This is wrong.")
        if prompt.text == "The cat sleep.":
            return "The cat sleeps."
        return first_round[name]

    offers = _work(essaim, people, policy)
    sentence, second = (t for t in tasks_of(essaim.db, "text") if t.stage == "answer")
    (vote,) = tasks_of(essaim.db, "text", Task.stage == "vote")
    assert vote.parent_task_id == sentence.id
    assert sorted(vote.payload["candidates"].values()) == sorted(first_round.values())
    voters = {name for name, o in offers if o.task_id == vote.id}
    assert voters and not voters & {"ada", "bob", "cid"}
    assert _authors(essaim, vote.id) == {people["dan"], people["eve"]}
    with essaim.db.read() as session:
        result = session.get_one(Result, sentence.id)
        assert (result.value, result.method) == ("This is wrong.", "vote")
        assert session.get_one(Result, second.id).method == "candidates"
    (row,) = services.export_items(essaim.db, "text")
    assert row["answer"] == "This is wrong. The cat sleeps.\n"
    assert row["status"] == "complete"
    # the winners' authors are credited; the other candidates are not
    stats = {n: services.contributor_stats(essaim.db, people[n], "text") for n in people}
    assert stats["ada"].points == 2 and stats["bob"].points == 1


def test_none_sends_back_for_new_candidates_then_to_review(essaim):
    _project(essaim)
    _upload(essaim, "Ths is wrong.\n")
    people = _people(essaim, ["ada", "bob", "cid", "dan", "eve", "fay", "gus"])

    def policy(name, prompt):
        if prompt.stage == "vote":
            return "none"
        return f"This is wrong, says {name}."

    offers = _work(essaim, people, policy)
    (sentence,) = tasks_of(essaim.db, "text", Task.stage == "answer")
    votes = tasks_of(essaim.db, "text", Task.stage == "vote")
    assert len(votes) == 2  # one per round
    assert sentence.round == 2 and sentence.status == "review"
    # nobody ever voted on candidates of their own
    for vote in votes:
        candidates = set(vote.payload["candidates"].values())
        for name, offered in offers:
            if offered.task_id == vote.id:
                assert f"This is wrong, says {name}." not in candidates
    with essaim.db.read() as session:
        rejected = session.execute(
            select(func.count()).where(Answer.task_id == sentence.id, Answer.counted.is_(False))
        ).scalar_one()
    assert rejected == 3  # the first round's candidates no longer count
    (item,) = services.review_queue(essaim.db, "text", actor_id=OPERATOR)
    assert item.task_id == sentence.id
    services.resolve_review(essaim.db, "text", sentence.id, "This is right.", actor_id=OPERATOR)
    (row,) = services.export_items(essaim.db, "text")
    assert row["answer"] == "This is right.\n" and row["status"] == "complete"
    assert all(t.status in ("complete", "resolved") for t in tasks_of(essaim.db, "text"))


def test_translation_generate_then_vote(essaim):
    _project(essaim, kind="translation")
    _upload(essaim, "Hello world. Good night.\n")
    typed = {
        "Hello world.": {"ada": "Bonjour le monde.", "bob": "Bonjour  le monde.",
                         "cid": "Bonjour le monde. "},
        "Good night.": {"ada": "Bonne nuit.", "bob": "Bonne soirée.", "cid": "Nuit bonne."},
    }  # fmt: skip
    people = _people(essaim, ["ada", "bob", "cid", "dan", "eve"])

    def policy(name, prompt):
        if prompt.stage == "vote":
            assert prompt.target_language == "fr"
            return _vote_for(prompt, "Bonne nuit.")
        return typed[prompt.text][name]

    translators = {n: people[n] for n in ("ada", "bob", "cid")}
    _work(essaim, translators, policy)
    assert len(tasks_of(essaim.db, "text", Task.stage == "vote")) == 1
    offers = _work(essaim, people, policy)
    assert {name for name, _o in offers} == {"dan", "eve"}
    (row,) = services.export_items(essaim.db, "text")
    assert row["answer"] == "Bonjour le monde. Bonne nuit.\n"
    assert row["translation"] == row["answer"] and row["status"] == "complete"


def test_translation_refuses_the_untranslated_sentence(essaim):
    _project(essaim, kind="translation")
    _upload(essaim, "Hello world.\n")
    ada = person(essaim, "ada")
    task = services.next_task(essaim.db, ada, "text").offer
    result = services.submit_answer(essaim.db, ada, task.assignment_id, "Hello  world.")
    assert result.status == "invalid" and result.error_code == "unchanged_translation"
    assert count(essaim.db, Answer) == 0
