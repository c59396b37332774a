"""RQ job functions: the heavier work that runs beside the bots.

Job arguments are plain values (RQ pickles them into Redis). The database a job uses is the
one bound to the running process: `essaim worker` binds it at start-up, the inline queue binds
its own around each call, and otherwise it is built from the settings on first use.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from engine.config import load_settings
from engine.db import Database

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


def ingest_batch_job(batch_id: int) -> dict[str, Any]:
    """Ingest an uploaded batch; the report (or the errors naming file and line) is returned.

    Anything unexpected is raised again (the job fails) after the batch is marked
    ``failed`` with it, so whoever waits for the batch stops waiting.
    """
    from dataclasses import asdict

    from engine.errors import InvalidUpload
    from engine.services.batches import batch_report, ingest_batch

    db = current_database()
    try:
        return asdict(ingest_batch(db, batch_id))
    except InvalidUpload:
        return asdict(batch_report(db, batch_id))


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
