"""RQ job functions: the heavier work that runs beside the bots.

Job arguments are plain values (RQ pickles them into Redis). The database a job uses is the
one bound to the running process: `essaim worker` binds it at start-up, the inline queue binds
its own around each call, and otherwise it is built from the settings on first use.
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from engine.config import load_settings
from engine.db import Database

if TYPE_CHECKING:
    from engine.services.ingesting import Progress

PROGRESS_KEY = "progress"
"""Where an ingestion job publishes its rows done per stage in its RQ meta."""
PUBLISH_EVERY = 0.25
"""Seconds between two publications of a job's progress (each one is a Redis write)."""

log = logging.getLogger(__name__)

_bound: contextvars.ContextVar[Database | None] = contextvars.ContextVar("essaim_db", default=None)
_process_default: Database | None = None


def set_process_database(db: Database) -> None:
    """Bind the database of a worker process (called once by `essaim worker`)."""
    global _process_default
    _process_default = db


@contextmanager
def bound_database(db: Database) -> Iterator[None]:
    """Run jobs inline against ``db`` (the embedded default and tests)."""
    token = _bound.set(db)
    try:
        yield
    finally:
        _bound.reset(token)


def current_database() -> Database:
    global _process_default
    db = _bound.get() or _process_default
    if db is None:
        db = _process_default = Database(load_settings().database_url)
    return db


def ingest_batch_job(batch_id: int, progress: Progress | None = None) -> dict[str, Any]:
    """Ingest an uploaded batch; the report (or the errors naming file and line) is returned.

    ``progress`` is told the rows of each stage as they are done; it can only be given
    inline (RQ pickles arguments): in a worker the job publishes them in its meta instead
    (`rows_done` reads them back). Anything unexpected is raised again (the job fails)
    after the batch is marked ``failed`` with it, so whoever waits for the batch stops
    waiting.
    """
    from dataclasses import asdict

    from engine.errors import InvalidUpload
    from engine.services.batches import batch_report, ingest_batch

    db = current_database()
    published = _Published.in_current_job() if progress is None else None
    try:
        return asdict(ingest_batch(db, batch_id, progress or published))
    except InvalidUpload:
        return asdict(batch_report(db, batch_id))
    finally:
        if published is not None:
            published.publish()  # the last figures, before the job is seen ended


class _Published:
    """Rows done per stage, written into the running RQ job's meta now and then."""

    def __init__(self, job: Any) -> None:
        self.job = job
        self.rows: dict[str, int] = {}
        self.last: float | None = None  # the first rows are published at once

    @classmethod
    def in_current_job(cls) -> _Published | None:
        from rq import get_current_job

        job = get_current_job()
        return None if job is None else cls(job)

    def __call__(self, stage: str, rows: int) -> None:
        self.rows[stage] = self.rows.get(stage, 0) + rows
        if self.last is None or time.monotonic() - self.last >= PUBLISH_EVERY:
            self.publish()

    def publish(self) -> None:
        """Best effort: a progress Redis could not take does not fail the ingestion."""
        self.last = time.monotonic()
        self.job.meta[PROGRESS_KEY] = dict(self.rows)
        try:
            self.job.save_meta()
        except Exception:
            log.warning("job %s: its progress could not be published", self.job.id, exc_info=True)


def rows_done(meta: Mapping[str, Any]) -> dict[str, int]:
    """The rows done per stage an ingestion job published in ``meta`` (none yet: empty)."""
    return dict(meta.get(PROGRESS_KEY) or {})


def export_job(
    slug: str, path: str, fmt: str = "csv", raw: bool = False, formulas: str = "escape"
) -> dict[str, Any]:
    """Write a project's export to ``path``; returns the number of rows written."""
    from engine.exporting import write_export

    rows = write_export(current_database(), slug, path, fmt=fmt, raw=raw, formulas=formulas)
    return {"path": path, "rows": rows, "format": fmt, "raw": raw, "formulas": formulas}


def sweep_job() -> dict[str, Any]:
    """Periodic: free expired leases, close batches whose last tasks were decided together."""
    from dataclasses import asdict

    from engine.services.sweeping import sweep

    return asdict(sweep(current_database()))


def refit_skills_job(slug: str) -> dict[str, Any]:
    """Re-estimate every worker's skill on a project with Dawid-Skene and store it."""
    from engine.skills import refit_skills

    return refit_skills(current_database(), slug)
