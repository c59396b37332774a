"""The running engine as adapters see it: settings, database and job queue in one object.

Bots and the CLI build one `Essaim` at start-up and call the services through it where a
follow-up job is due (ingesting an upload, re-fitting a project's skills after a batch or
every N of its answers) or where one call spans services (a pressed answer identifies the
person and submits in one transaction); everything else they call in `engine.services`
directly with ``essaim.db``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from threading import Lock
from typing import TYPE_CHECKING

from engine import jobs, services
from engine.actors import Actor
from engine.config import Settings, load_settings
from engine.db import Database
from engine.migrate import is_current, upgrade
from engine.queue import BatchHandle, JobHandle, JobQueue
from engine.services.dto import ContributorInfo, SubmitResult
from engine.statuses import SubmitStatus

if TYPE_CHECKING:  # engine.app is on every command's start-up path: no service loaded here
    from engine.services.batches import Source
    from engine.services.ingesting import Progress
    from engine.unit_of_work import Work


class RefitCounter:
    """When a project's skills are re-fitted: after every ``every`` of its answers, or when an
    answer completes one of its batches.

    Counted here, per project, by the process that submitted the answers: no query and no
    shared row on the hot path. Several bot processes each count their own answers, so a
    project is still re-fitted about once per ``every`` of its answers in all; a restart
    forgets fewer than ``every`` answers per project.
    """

    def __init__(self) -> None:
        self._since: Counter[str] = Counter()
        """Accepted answers per project since this process last asked for its re-fit."""
        self._lock = Lock()  # bots submit from worker threads

    def due(self, result: SubmitResult, every: int) -> str | None:
        """Count an answer; the project to re-fit now (the one answered), if any."""
        slug = result.project_slug
        if result.status != SubmitStatus.ACCEPTED or slug is None:
            return None
        with self._lock:
            self._since[slug] += 1
            if not result.completed_batches and self._since[slug] < every:
                return None
            del self._since[slug]
        return slug


@dataclass
class Essaim:
    settings: Settings
    db: Database
    queue: JobQueue
    _refits: RefitCounter = field(default_factory=RefitCounter, init=False, repr=False)

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
        self._refit_if_due(result)
        return result

    def answer(
        self,
        platform: str,
        external_id: str,
        assignment_id: int,
        raw: str | list[str],
        *,
        display_name: str | None = None,
        language: str | None = None,
        seconds: float | None = None,
    ) -> tuple[ContributorInfo, SubmitResult]:
        """A pressed answer: who pressed it (`identify`, created on first contact) and the
        submit, in one transaction; then the skill re-fit it may call for. The contributor
        comes back too, for the reply's language.

        On SQLite the person is looked up first, in a read transaction of its own: there it
        costs no round trip and runs beside the writers, while inside the write transaction
        it would hold the one write lock every answer of every process waits for (8 bots
        answering: a fifth fewer answers per second, measured).
        """
        from engine.models import utcnow
        from engine.services.answers import submit_in
        from engine.services.contributors import Person, first_contact, identify_in

        now = utcnow()
        admins = self.settings.admin_identities
        if self.db.is_sqlite:
            who = services.identify(self.db, platform, external_id, display_name=display_name,
                                    language=language, admins=admins)  # fmt: skip
            result = services.submit_answer(self.db, who.id, assignment_id, raw,
                                            seconds=seconds, now=now)  # fmt: skip
        else:

            def identify_and_submit(work: Work) -> tuple[ContributorInfo, SubmitResult]:
                person = Person(platform, external_id, display_name, language, admins)
                who = identify_in(work.session, person)
                return who, submit_in(work, who.id, assignment_id, raw, now=now,
                                      seconds=seconds)  # fmt: skip

            who, result = first_contact(self.db, identify_and_submit)
        self._refit_if_due(result)
        return who, result

    def _refit_if_due(self, result: SubmitResult) -> None:
        slug = self._refits.due(result, self.settings.skill_refit_every)
        if slug is not None:
            self.queue.enqueue(jobs.refit_skills_job, slug)

    def add_batch(
        self,
        slug: str,
        filename: str,
        data: Source,
        *,
        encoding: str | None = None,
        actor_id: Actor | None = None,
        force: bool = False,
        allow_repeated_ids: bool = False,
        max_rows: int | None = None,
        progress: Progress | None = None,
        wait: bool = False,
    ) -> BatchHandle:
        """The one way to add a batch: `upload`, then `ingest` (see both). The CLI waits,
        showing ``progress``; a chat upload does not (its notice follows the ingestion)."""
        batch_id = self.upload(slug, filename, data, encoding=encoding, actor_id=actor_id,
                               force=force, allow_repeated_ids=allow_repeated_ids,
                               max_rows=max_rows)  # fmt: skip
        return self.ingest(batch_id, progress=progress, wait=wait)

    def upload(
        self,
        slug: str,
        filename: str,
        data: Source,
        *,
        encoding: str | None = None,
        actor_id: Actor | None = None,
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

    def ingest(
        self, batch_id: int, *, progress: Progress | None = None, wait: bool = False
    ) -> BatchHandle:
        """Ingest a stored batch as a job: inline without Redis (done on return), else in a
        worker, followed to its end if ``wait`` (`wait_for_ingestion`). ``progress`` is told
        the rows of each stage (reading, storing) as they are done, or, from a worker, as
        often as it publishes them; until then it hears of a "queued" stage with no rows."""
        inline = self.queue.is_inline
        if inline and progress is not None:  # a worker could not call it (RQ pickles args)
            handle = self.queue.enqueue(jobs.ingest_batch_job, batch_id, progress)
        else:
            handle = self.queue.enqueue(jobs.ingest_batch_job, batch_id)
        if wait and not inline:
            handle = self.wait_for_ingestion(handle, batch_id, progress)
        return BatchHandle.of(handle, batch_id)

    def wait_for_ingestion(
        self, handle: JobHandle, batch_id: int, progress: Progress | None = None
    ) -> JobHandle:
        """Poll the job ingesting ``batch_id`` until it ends, telling ``progress`` the rows
        its worker published since the last poll. A job that died without ending the batch
        (killed, stopped, canceled) ends it ``failed``, so nobody waits for it forever."""
        told: dict[str, int] = {}

        def tell(current: JobHandle) -> None:
            if progress is None:
                return
            if not told:
                progress("queued", 0)
                told["queued"] = 0
            for stage, rows in jobs.rows_done(current.meta).items():
                if rows > told.get(stage, 0):
                    progress(stage, rows - told.get(stage, 0))
                    told[stage] = rows

        handle = self.queue.wait(handle, tell)
        if handle.status != "finished":
            from engine.services.batches import mark_failed

            detail = (handle.error or "").strip().splitlines()[-1:] or ["no detail"]
            mark_failed(self.db, batch_id, f"the ingestion job {handle.status}: {detail[0]}")
        return handle

    def close(self) -> None:
        self.db.dispose()
