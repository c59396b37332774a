"""Deferred updates of the per-worker counters, applied just before commit in a fixed order.

Completing a task credits every contributor who answered it. If each submission updated
those rows as it went, two submissions completing tasks with the same people would lock
worker rows in opposite orders and deadlock on PostgreSQL. Instead the increments are
collected in the session and written once, sorted by (contributor, project), right before
the transaction commits.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import event, literal, update
from sqlalchemy.orm import Session, sessionmaker

from engine.models import WorkerSkill
from quality.skill import DEFAULT_K

KEY = "essaim.skill_ledger"
COUNTERS = ("n_answers", "gold_seen", "gold_correct", "points", "agreed", "decided")


def credit(session: Session, contributor_id: int, project_id: int, **increments: int) -> None:
    """Add ``increments`` (counter name → amount) to a contributor's row at commit."""
    ledger: dict[tuple[int, int], dict[str, int]] = session.info.setdefault(
        KEY, defaultdict(lambda: defaultdict(int))
    )
    row = ledger[(contributor_id, project_id)]
    for name, amount in increments.items():
        if name not in COUNTERS:
            raise ValueError(f"unknown counter {name!r}")
        row[name] += amount


def pending(session: Session, contributor_id: int, project_id: int, name: str) -> int:
    """What this transaction will add to a counter (to report up-to-date points)."""
    ledger = session.info.get(KEY)
    if not ledger or (contributor_id, project_id) not in ledger:
        return 0
    return int(ledger[(contributor_id, project_id)].get(name, 0))


def apply(session: Session) -> None:
    """Write the collected increments, one UPDATE per row, in (contributor, project) order.

    Gold accuracy is recomputed in SQL from the updated counts, Toloka's smoothing:
    (K + correct) / (2K + seen), so concurrent updates of the same row stay consistent.
    """
    ledger = session.info.pop(KEY, None)
    if not ledger:
        return
    for (contributor_id, project_id), increments in sorted(ledger.items()):
        values: dict[str, Any] = {
            name: getattr(WorkerSkill, name) + amount
            for name, amount in increments.items()
            if amount
        }
        if not values:
            continue
        if "gold_seen" in values:
            seen = WorkerSkill.gold_seen + increments["gold_seen"]
            correct = WorkerSkill.gold_correct + increments.get("gold_correct", 0)
            values["accuracy"] = (literal(DEFAULT_K) + correct) / (literal(2 * DEFAULT_K) + seen)
        session.execute(
            update(WorkerSkill)
            .where(WorkerSkill.contributor_id == contributor_id,
                   WorkerSkill.project_id == project_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )  # fmt: skip


def install(sessions: sessionmaker[Session]) -> None:
    """Apply every session's ledger right before it commits."""
    event.listen(sessions, "before_commit", apply)
