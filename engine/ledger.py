"""Deferred updates of the per-worker counters, applied just before commit in a fixed order.

Completing a task credits every contributor who answered it. If each submission updated
those rows as it went, two submissions completing tasks with the same people would lock
worker rows in opposite orders and deadlock on PostgreSQL. Instead the increments are
collected in the session and written once, sorted by (contributor, project), right before
the transaction commits.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from typing import Any, cast

from sqlalchemy import BigInteger, Table, bindparam, case, event, func, literal, update
from sqlalchemy.orm import Session, sessionmaker

from engine import driver

KEY = "essaim.skill_ledger"
POSITIONS = "essaim.worker_positions"
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


def note_position(
    session: Session, contributor_id: int, project_id: int, key: tuple[int, int, int]
) -> None:
    """Remember, with the counters, the last task answered in the scheduler's order."""
    positions: dict[tuple[int, int], tuple[int, int, int]] = session.info.setdefault(POSITIONS, {})
    positions[(contributor_id, project_id)] = key


def pending(session: Session, contributor_id: int, project_id: int, name: str) -> int:
    """What this transaction will add to a counter (to report up-to-date points)."""
    ledger = session.info.get(KEY)
    if not ledger or (contributor_id, project_id) not in ledger:
        return 0
    return int(ledger[(contributor_id, project_id)].get(name, 0))


POSITION_PARAMETERS = ("l_last_item", "l_last_position", "l_last_task")
NOWHERE = (None, None, None)


def apply(session: Session) -> None:
    """Write the collected increments, one row after the other in (contributor, project) order.

    One statement adds every counter (most increments are zero), so the rows go to the
    database as one batch of parameters: psycopg sends them in a single round trip, in order.
    Gold accuracy is recomputed in SQL from the updated counts, Toloka's smoothing:
    (K + correct) / (2K + seen), so concurrent updates of the same row stay consistent.
    """
    ledger = session.info.pop(KEY, None)
    positions = session.info.pop(POSITIONS, {})
    if not ledger:
        return
    rows = [
        {"l_contributor": contributor_id, "l_project": project_id,
         **{f"l_{name}": increments.get(name, 0) for name in COUNTERS},
         **dict(zip(POSITION_PARAMETERS, positions.get((contributor_id, project_id), NOWHERE),
                    strict=True))}
        for (contributor_id, project_id), increments in sorted(ledger.items())
        if any(increments.values())
    ]  # fmt: skip
    if rows:
        driver.executemany(session.connection(), _add_counters(), rows)


@cache
def _add_counters() -> Any:
    # Imported here: `engine.db` installs the ledger on every database, and a command that
    # only reads (``essaim status``) should not pay for the models and numpy (via quality).
    from engine.models import WorkerSkill
    from quality.skill import DEFAULT_K

    table = cast(Table, WorkerSkill.__table__)
    seen = table.c.gold_seen + bindparam("l_gold_seen")
    correct = table.c.gold_correct + bindparam("l_gold_correct")
    accuracy = case(
        (bindparam("l_gold_seen") > 0,
         (literal(DEFAULT_K) + correct) / (literal(2 * DEFAULT_K) + seen)),
        else_=table.c.accuracy,
    )  # fmt: skip
    values: dict[str, Any] = {name: table.c[name] + bindparam(f"l_{name}") for name in COUNTERS}
    for column, parameter in zip(
        ("last_item", "last_position", "last_task"), POSITION_PARAMETERS, strict=True
    ):
        values[column] = func.coalesce(bindparam(parameter, type_=BigInteger), table.c[column])
    return (
        update(table)
        .where(table.c.contributor_id == bindparam("l_contributor"),
               table.c.project_id == bindparam("l_project"))
        .values(accuracy=accuracy, **values)
    )  # fmt: skip


def install(sessions: sessionmaker[Session]) -> None:
    """Apply every session's ledger right before it commits."""
    event.listen(sessions, "before_commit", apply)
