"""The periodic sweep: what no single request is placed to do.

Leases nobody answered expire here (a request that finds a project empty also frees its
own project's), and batches whose last tasks were decided at the same moment are closed
here (`close_finished_batches` says why a decision alone can miss them).
"""

from __future__ import annotations

from datetime import datetime

from engine.db import Database
from engine.models import utcnow
from engine.services.assignments import release_expired
from engine.services.batches import close_finished_batches
from engine.services.dto import SweepReport
from engine.unit_of_work import Work


def sweep(db: Database, *, now: datetime | None = None) -> SweepReport:
    """Free expired leases and close finished batches, in one transaction."""
    moment = now or utcnow()

    def run(work: Work) -> SweepReport:
        released = release_expired(work.session, moment)
        closed = close_finished_batches(work, moment)
        return SweepReport(leases_released=released, batches_closed=tuple(closed))

    return db.run(run)
