"""The stopping logic as a plan, without a database (engine/services/decision.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from engine.services.decision import (
    DEFAULT_SKILL,
    Complete,
    CountedAnswer,
    More,
    Reopen,
    Review,
    SpawnVote,
    close_vote,
    decide,
    skill_of,
    waiting,
)
from engine.services.dto import ProjectInfo
from tasks.base import STAGE_ANSWER, STAGE_VOTE
from tasks.registry import get_task_type
from tasks.text import vote_payload

pytestmark = pytest.mark.unit

LABELS = {"labels": [{"value": v, "label": v.upper()} for v in ("a", "b", "c")]}


@dataclass
class Task:
    """The state a decision reads of a task."""

    n_answers: int
    target: int = 2
    priority: int = 0
    stage: str = STAGE_ANSWER
    round: int = 1
    payload: dict[str, Any] = field(default_factory=dict)
    id: int = 7


def _project(kind: str = "labeling", *, overlap: tuple[int, int] = (2, 4), **settings: Any):
    return ProjectInfo(id=1, slug="p", name="P", kind=kind, status="active", instructions="",
                       overlap_min=overlap[0], overlap_max=overlap[1], confidence=0.8,
                       gold_rate=0.0, lease_seconds=600, min_seconds=0.0, points=1,
                       settings=settings)  # fmt: skip


def _answers(*keys: str, skill: float = 0.9) -> list[CountedAnswer]:
    return [CountedAnswer(10 + i, key, key, skill) for i, key in enumerate(keys)]


LABELING = get_task_type("labeling")
PROOFREADING = get_task_type("proofreading")


def test_agreeing_labels_complete_the_task():
    plan = decide(Task(n_answers=2), _project(**LABELS), LABELING, _answers("a", "a"))
    assert isinstance(plan, Complete)
    assert (plan.key, plan.value, plan.method, plan.agreement) == ("a", "a", "dynamic_overlap", 1.0)
    assert plan.confidence is not None and plan.confidence > 0.8
    assert plan.status == "complete" and plan.decided_by is None


def test_disagreeing_labels_ask_for_one_more_answer_first():
    """Past the usual overlap the extra answer goes before new work (priority 1)."""
    plan = decide(Task(n_answers=2), _project(**LABELS), LABELING, _answers("a", "b"))
    assert plan == More(target=3, priority=1)


def test_disagreeing_labels_at_the_most_answers_go_to_review():
    project = _project(overlap=(2, 2), **LABELS)
    plan = decide(Task(n_answers=2), project, LABELING, _answers("a", "b"))
    assert isinstance(plan, Review)
    assert plan.answers == 2 and plan.reason is None
    assert plan.confidence is not None and plan.confidence < 0.8


def test_below_the_minimum_overlap_nothing_is_read():
    """`waiting` decides without the answers; `decide` agrees whatever they are."""
    task, project = Task(n_answers=1, target=1), _project(**LABELS)
    assert waiting(task, project, LABELING) == More(target=2, priority=0)
    assert decide(task, project, LABELING, []) == More(target=2, priority=0)
    assert waiting(Task(n_answers=2), project, LABELING) is None


def test_a_text_task_waits_for_its_candidates():
    project = _project("proofreading", candidates=3)
    assert waiting(Task(n_answers=2), project, PROOFREADING) == More(target=3, priority=0)


def test_a_candidate_with_enough_share_wins():
    project = _project("proofreading", candidates=3)
    texts = ["Hello world.", " Hello  world. ", "Goodbye."]  # the first two are one
    answers = [CountedAnswer(10 + i, PROOFREADING.answer_key(t), t, DEFAULT_SKILL)
               for i, t in enumerate(texts)]  # fmt: skip
    plan = decide(Task(n_answers=3), project, PROOFREADING, answers)
    assert isinstance(plan, Complete)
    assert plan.value == "Hello world." and plan.method == "candidates"
    assert plan.confidence == pytest.approx(2 / 3)


def test_candidates_without_a_winner_spawn_a_vote_their_authors_stay_out_of():
    project = _project("proofreading", candidates=3)
    texts = ["One.", "Two.", "Three."]
    answers = [CountedAnswer(30 - i, PROOFREADING.answer_key(t), t, DEFAULT_SKILL)
               for i, t in enumerate(texts)]  # fmt: skip
    plan = decide(Task(n_answers=3), project, PROOFREADING, answers)
    assert plan == SpawnVote(candidates=("One.", "Two.", "Three."), authors=(28, 29, 30))


def _vote(candidates: list[str]) -> Task:
    return Task(n_answers=2, stage=STAGE_VOTE, payload=vote_payload({"text": "x"}, candidates),
                id=99)  # fmt: skip


def test_a_vote_is_decided_like_labels_among_its_candidates():
    vote = _vote(["One.", "Two."])
    plan = decide(vote, _project("proofreading"), PROOFREADING, _answers("c1", "c1"))
    assert isinstance(plan, Complete) and plan.key == "c1"


def test_a_decided_vote_closes_its_sentence_with_the_chosen_text():
    vote, parent = _vote(["One.", "Two."]), Task(n_answers=0, stage=STAGE_ANSWER)
    outcome = Complete("c1", "c1", 0.9, 1.0, "dynamic_overlap")
    plan = close_vote(parent, vote, _project("proofreading"), PROOFREADING, outcome)
    assert plan == Complete("Two.", PROOFREADING.answer_key("Two."), 0.9, None, "vote")


def test_a_vote_for_none_reopens_the_sentence_for_new_candidates():
    vote, parent = _vote(["One.", "Two."]), Task(n_answers=3, round=1)
    outcome = Complete("none", "none", 0.9, 1.0, "dynamic_overlap")
    project = _project("proofreading", candidates=3, max_rounds=2)
    assert close_vote(parent, vote, project, PROOFREADING, outcome) == Reopen(round=2, target=3)


def test_a_vote_for_none_after_the_last_round_sends_the_sentence_to_review():
    vote, parent = _vote(["One.", "Two."]), Task(n_answers=3, round=2)
    outcome = Complete("none", "none", 0.9, 1.0, "dynamic_overlap")
    project = _project("proofreading", candidates=3, max_rounds=2)
    plan = close_vote(parent, vote, project, PROOFREADING, outcome)
    assert plan == Review(reason="no_candidate_accepted")


def test_the_skill_of_someone_unknown_is_the_default():
    assert skill_of(None, None, None) == DEFAULT_SKILL
    assert skill_of(None, 9, 10) > DEFAULT_SKILL
