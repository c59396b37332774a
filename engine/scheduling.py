"""Scheduling policy that needs no database: how often to show gold, when a lease ends."""

from __future__ import annotations

from datetime import datetime, timedelta

TRAINING_ANSWERS = 10
"""A contributor's first answers on a project count as training: gold shows up more."""

TRUSTED_GOLD_SEEN = 10
TRUSTED_ACCURACY = 0.9


def gold_rate_for(
    project_rate: float, *, answers: int, gold_seen: int, accuracy: float | None
) -> float:
    """Chance that the next task is a control task for this contributor.

    Newcomers see control tasks three times as often (at least one in three) so that their
    skill is known early and they get feedback while learning; contributors with a long,
    accurate gold record see them half as often.
    """
    if project_rate <= 0:
        return 0.0
    if answers < TRAINING_ANSWERS:
        return min(1.0, max(project_rate * 3, 1 / 3))
    if gold_seen >= TRUSTED_GOLD_SEEN and (accuracy or 0.0) >= TRUSTED_ACCURACY:
        return project_rate / 2
    return project_rate


def lease_end(now: datetime, lease_seconds: int) -> datetime:
    return now + timedelta(seconds=lease_seconds)
