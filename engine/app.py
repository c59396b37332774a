"""The running engine as adapters see it: settings, database and job queue in one object.

Bots and the CLI build one `Essaim` at start-up and call the services through it where a
follow-up job is due (ingesting an upload, re-fitting skills after a batch or every N
answers); everything else they call in `engine.services` directly with ``essaim.db``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine import jobs, services
from engine.config import Settings, load_settings
from engine.db import Database
from engine.migrate import is_current, upgrade
from engine.queue import JobHandle, JobQueue
from engine.services.dto import SubmitResult

if TYPE_CHECKING:  # engine.app is on every command's start-up path: no service loaded here
    from engine.services.batches import Source


@dataclass
class Essaim:
    settings: Settings
    db: Database
    queue: JobQueue

    @classmethod
    def from_settings(
        cls, settings: Settings | None = None, *, auto_upgrade: bool = True
    ) -> Essaim:
        """Connect as configured. An embedded SQLite database is created or upgraded here."""
        settings = settings or load_settings()
        db = Database(settings.database_url)
        if auto_upgrade and db.is_sqlite and not is_current(db):
            upgrade(db)
        return cls(settings, db, JobQueue.from_settings(settings, db))

    def submit_answer(
        self,
        contributor_id: int,
        assignment_id: int,
        raw: str | list[str],
        *,
        seconds: float | None = None,
    ) -> SubmitResult:
        """`services.submit_answer`, then the skill re-fit it may call for."""
        result = services.submit_answer(self.db, contributor_id, assignment_id, raw,
                                        seconds=seconds)  # fmt: skip
        every = self.settings.skill_refit_every
        due = result.answer_id is not None and result.answer_id % every == 0
        if (result.completed_batches or due) and result.next and result.next.project_slug:
            self.queue.enqueue(jobs.refit_skills_job, result.next.project_slug)
        return result

    def add_batch(
        self,
        slug: str,
        filename: str,
        data: bytes,
        *,
        encoding: str | None = None,
        actor_id: int | None = None,
        force: bool = False,
        allow_repeated_ids: bool = False,
    ) -> JobHandle:
        """Store an upload and ingest it as a job (inline without Redis: done on return)."""
        return self.ingest(self.upload(slug, filename, data, encoding=encoding,
                                       actor_id=actor_id, force=force,
                                       allow_repeated_ids=allow_repeated_ids))  # fmt: skip

    def upload(
        self,
        slug: str,
        filename: str,
        data: Source,
        *,
        encoding: str | None = None,
        actor_id: int | None = None,
        force: bool = False,
        allow_repeated_ids: bool = False,
        max_rows: int | None = None,
    ) -> int:
        """`services.upload_batch` within the configured row and size limits (``max_rows``
        lowers the row limit for this upload): the batch id. ``data`` may be a binary file,
        read chunk by chunk."""
        settings = self.settings
        return services.upload_batch(self.db, slug, filename, data, encoding=encoding,
                                     actor_id=actor_id, force=force,
                                     allow_repeated_ids=allow_repeated_ids,
                                     max_rows=max_rows or settings.max_upload_rows,
                                     max_bytes=settings.max_upload_bytes)  # fmt: skip

    def ingest(self, batch_id: int) -> JobHandle:
        """Ingest a stored batch as a job (inline without Redis: done on return)."""
        return self.queue.enqueue(jobs.ingest_batch_job, batch_id)

    def close(self) -> None:
        self.db.dispose()
