"""The stopping rule as a decision: what a task's answers call for, without a database.

After each answer the task is looked at: complete it, ask for one more answer, send it to
review, or, for free text, spawn a vote among the candidates; a decided vote decides its
sentence or sends it back for new candidates (DESIGN.md, "Quality"). Every function here is
pure: it reads the task's state, the project's settings and the counted answers with the
answerers' skills, and returns a `Plan`. `engine.services.completion.apply` writes it.

Label answers go through the dynamic-overlap stopping rule of `quality.stopping`. Free-text
answers (proofreading, translation) collect a few candidates, merge the ones equal after
normalisation, and when no candidate wins, spawn a vote task among the distinct candidates,
aggregated like labels.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from engine.services.dto import ProjectInfo
from engine.statuses import TaskStatus
from quality.agreement import pair_agreement
from quality.skill import combine_skills
from quality.stopping import decide as stopping_rule
from tasks.base import STAGE_VOTE, TaskType
from tasks.text import NONE_OF_THEM, merge_candidates

DEFAULT_SKILL = 0.7
"""Skill assumed for a contributor with no gold record and no Dawid-Skene estimate yet."""


@dataclass(frozen=True, slots=True)
class CountedAnswer:
    """An answer that counts for its task, with the skill of whoever gave it."""

    contributor_id: int
    key: str
    value: Any
    skill: float


class TaskState(Protocol):
    """What a decision reads of a task (an `engine.services.rows.TaskRow`)."""

    id: int
    stage: str
    round: int
    payload: dict[str, Any]
    priority: int
    target: int
    n_answers: int


@dataclass(frozen=True, slots=True)
class Complete:
    """Store this result; the answers equal to ``key`` earn points."""

    value: Any
    key: str | None
    confidence: float | None
    agreement: float | None
    method: str
    status: str = TaskStatus.COMPLETE
    decided_by: int | None = None


@dataclass(frozen=True, slots=True)
class More:
    """Wait for more answers: the task's new target and priority."""

    target: int
    priority: int


@dataclass(frozen=True, slots=True)
class Review:
    """The crowd cannot settle it: a moderator will. What the audit log says of why."""

    answers: int | None = None
    confidence: float | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class SpawnVote:
    """No candidate wins: a vote among them, which their authors do not take part in."""

    candidates: tuple[str, ...]
    authors: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Reopen:
    """A vote chose none of the candidates: collect new ones, in the next round."""

    round: int
    target: int
    priority: int = 1


Plan = Complete | More | Review | SpawnVote | Reopen


def skill_of(ds_skill: float | None, gold_correct: int | None, gold_seen: int | None) -> float:
    """The skill the stopping rule uses for one answerer (see `quality.skill.combine_skills`).

    Someone with neither gold answers nor a Dawid-Skene estimate gets `DEFAULT_SKILL`:
    the smoothed accuracy of nothing (1/2) would make a binary task never complete.
    """
    seen = gold_seen or 0
    if ds_skill is None and seen == 0:
        return DEFAULT_SKILL
    ds = float("nan") if ds_skill is None else ds_skill
    return float(combine_skills(gold_correct or 0, seen, ds)[()])


def collects_candidates(task: TaskState, task_type: TaskType) -> bool:
    """A free-text task before its vote: its answers are candidates, not labels."""
    return task_type.answer_kind == "text" and task.stage != STAGE_VOTE


def waiting(task: TaskState, project: ProjectInfo, task_type: TaskType) -> More | None:
    """`More` where nothing can be decided yet, whatever the answers say (so they need not be
    read): below the minimum overlap, or the candidates a text task waits for."""
    if collects_candidates(task, task_type):
        wanted = candidates_wanted(project)
        if task.n_answers < wanted:
            return More(max(task.target, wanted), task.priority)
    elif 0 < task.n_answers < project.overlap_min <= project.overlap_max:
        return More(max(task.target, task.n_answers + 1), task.priority)  # the rule says "more"
    return None


def decide(
    task: TaskState, project: ProjectInfo, task_type: TaskType, answers: Sequence[CountedAnswer]
) -> Plan:
    """What the task's counted answers (``task.n_answers`` of them) call for."""
    early = waiting(task, project, task_type)
    if early is not None:
        return early
    if collects_candidates(task, task_type):
        return _candidates(project, task_type, answers)
    return _labels(task, project, task_type, answers)


def candidates_wanted(project: ProjectInfo) -> int:
    """How many free-text candidates a sentence collects before they are compared."""
    return int(project.settings.get("candidates", project.overlap_min))


def _labels(
    task: TaskState, project: ProjectInfo, task_type: TaskType, answers: Sequence[CountedAnswer]
) -> Plan:
    classes = list(task_type.label_space(task.payload, project.settings))
    for answer in answers:
        if answer.key not in classes:
            classes.append(answer.key)  # multi-label sets and imported values
    floor = 1.0 / max(2, len(classes))  # below chance carries no usable information
    decision = stopping_rule(
        [classes.index(a.key) for a in answers],
        [max(a.skill, floor) for a in answers],
        max(2, len(classes)),
        min_overlap=project.overlap_min,
        max_overlap=project.overlap_max,
        confidence=project.confidence,
    )
    if decision.action == "complete" and decision.label is not None:
        key = classes[decision.label]
        # Below-chance answerers can make a label nobody gave the most likely one.
        value = next((a.value for a in answers if a.key == key), key)
        return Complete(value, key, decision.confidence, agreement(answers), "dynamic_overlap")
    if decision.action == "more":
        # An extra answer, past the usual overlap, goes before new work.
        extra = len(answers) >= project.overlap_min
        return More(max(task.target, len(answers) + 1),
                    max(task.priority, 1) if extra else task.priority)  # fmt: skip
    return Review(answers=len(answers), confidence=decision.confidence)


def _candidates(
    project: ProjectInfo, task_type: TaskType, answers: Sequence[CountedAnswer]
) -> Plan:
    """Free text, once the candidates are in: a winner, or a vote among them."""
    merge = merge_candidates([str(a.value) for a in answers],
                             float(project.settings.get("win_share", 0.6)))  # fmt: skip
    if merge.winner is not None:
        count = max(count for _text, count in merge.distinct)
        return Complete(merge.winner, task_type.answer_key(merge.winner), count / len(answers),
                        agreement(answers), "candidates")  # fmt: skip
    return SpawnVote(tuple(text for text, _count in merge.distinct),
                     tuple(sorted({a.contributor_id for a in answers})))  # fmt: skip


def close_vote(
    parent: TaskState,
    vote: TaskState,
    project: ProjectInfo,
    task_type: TaskType,
    outcome: Complete,
) -> Plan:
    """What a decided vote (``outcome``) does to its sentence: decide it with the chosen
    candidate; or, where "none" won, new candidates, up to the project's ``max_rounds``,
    then review."""
    if outcome.key != NONE_OF_THEM:
        text = vote.payload.get("candidates", {}).get(outcome.key, outcome.value)
        return Complete(text, task_type.answer_key(text), outcome.confidence, None, "vote")
    if parent.round >= int(project.settings.get("max_rounds", 2)):
        return Review(reason="no_candidate_accepted")
    return Reopen(round=parent.round + 1, target=candidates_wanted(project))


def agreement(answers: Sequence[CountedAnswer]) -> float | None:
    """Pairwise agreement of the answers' keys."""
    return pair_agreement(Counter(a.key for a in answers).values())
