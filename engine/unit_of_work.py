"""One write transaction as an object: its session, plus what is written only at its end.

Completing a task credits every contributor who answered it. If each submission updated
those rows as it went, two submissions completing tasks with the same people would lock
worker rows in opposite orders and deadlock on PostgreSQL. Instead a `Work` collects the
increments of the per-worker counters and writes them once, sorted by (contributor, project),
right before the transaction commits (`Work.commit`). It also lists the batches the
transaction completed, for the caller to report.

`engine.db.Database.run` makes one, hands it to the work function and commits it; a retry
gets a new one, so nothing collected by a failed attempt is written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

COUNTERS = ("n_answers", "gold_seen", "gold_correct", "points", "agreed", "decided")
"""The per-worker counters (`engine.models.WorkerSkill`) a transaction may add to."""

POSITION_PARAMETERS = ("l_last_item", "l_last_position", "l_last_task")
NOWHERE = (None, None, None)

Key = tuple[int, int]
"""(contributor id, project id): one per-worker row."""


class Work:
    """A write transaction in progress: the session and the counters it owes."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.completed_batches: list[int] = []
        """Batches this transaction completed, in the order it completed them."""
        self._counters: defaultdict[Key, defaultdict[str, int]] = defaultdict(
            lambda: defaultdict(int)
        )
        self._positions: dict[Key, tuple[int, int, int]] = {}

    def credit(self, contributor_id: int, project_id: int, **increments: int) -> None:
        """Add ``increments`` (counter name → amount) to a contributor's row at commit."""
        row = self._counters[(contributor_id, project_id)]
        for name, amount in increments.items():
            if name not in COUNTERS:
                raise ValueError(f"unknown counter {name!r}")
            row[name] += amount

    def note_position(
        self, contributor_id: int, project_id: int, key: tuple[int, int, int]
    ) -> None:
        """Remember, with the counters, the last task answered in the scheduler's order."""
        self._positions[(contributor_id, project_id)] = key

    def pending(self, contributor_id: int, project_id: int, name: str) -> int:
        """What this transaction will add to a counter (to report up-to-date points)."""
        row = self._counters.get((contributor_id, project_id))
        return 0 if row is None else row.get(name, 0)

    def write_counters(self) -> None:
        """Write the collected increments now, in (contributor, project) order; then none are
        pending. `commit` does it; a replay does it between the steps of one transaction."""
        rows = _counter_rows(self._counters, self._positions)
        self._counters.clear()
        self._positions.clear()
        if rows:
            # Here, not at the top: `engine.db` makes a `Work` for every transaction, and a
            # command that only reads (``essaim status``) should not pay for the models and
            # numpy (via quality) that the statement needs.
            from engine.services.storing import add_counters

            add_counters(self.session.connection(), rows)

    def commit(self) -> None:
        """The counters, then the commit."""
        self.write_counters()
        self.session.commit()


def _counter_rows(
    counters: Mapping[Key, Mapping[str, int]], positions: Mapping[Key, tuple[int, int, int]]
) -> list[dict[str, Any]]:
    """One parameter row per worker row with a non-zero increment, sorted by key: the order
    every transaction locks them in."""
    return [
        {"l_contributor": contributor_id, "l_project": project_id,
         **{f"l_{name}": increments.get(name, 0) for name in COUNTERS},
         **dict(zip(POSITION_PARAMETERS, positions.get((contributor_id, project_id), NOWHERE),
                    strict=True))}
        for (contributor_id, project_id), increments in sorted(counters.items())
        if any(increments.values())
    ]  # fmt: skip
