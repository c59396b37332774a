"""Batches: store an upload in chunks, then ingest it into items and micro-tasks at once.

The upload's bytes are kept in the database (``batch_chunk``, about a mebibyte a row) until
ingested, so the ingestion job can run in any worker process. Uploading checks what needs
no parsing (file type, size, encoding, a file already uploaded); ingesting checks every
record first, then inserts them all in one transaction (`engine.services.ingesting`): a bad
upload leaves no item or task behind, and every one of its errors is reported. A failed
ingestion always ends ``failed`` with its error, whatever went wrong.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from dataclasses import asdict
from datetime import datetime
from typing import IO, Any

from sqlalchemy import delete, exists, func, insert, select, text, update
from sqlalchemy.orm import Session

from engine.actors import Actor, recorded
from engine.db import Database
from engine.errors import InvalidUpload, NotFound, invalid_upload
from engine.models import Batch, BatchChunk, Project, Task, utcnow
from engine.services.common import log_event, project_by_slug, task_type_of
from engine.services.contributors import require_role
from engine.services.dto import BatchReport
from engine.services.ingesting import (
    MAX_ERRORS,
    Checked,
    Progress,
    Upload,
    check_records,
    store_rows,
)
from engine.services.outbox import notify
from engine.services.storing import undecided_in_batch
from engine.statuses import BatchStatus
from engine.unit_of_work import Work
from tasks.uploads import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ROWS,
    MIB,
    RESERVED,
    UploadError,
    check_encoding,
    check_value,
    upload_kind,
)

CHUNK_BYTES = MIB
Source = bytes | IO[bytes]
"""An upload: its bytes, or a binary file open for reading (read twice: it must seek)."""

FORCE_HINT = "to upload it again anyway: essaim batch add {slug} FILE --force"
REPEAT_HINT = "to add them anyway, use: essaim batch add --allow-repeated-ids"


class UploadRefused(InvalidUpload):
    """Every error of an ingestion: ``str()`` lists them one a line (the first
    `MAX_ERRORS`, then "and N more"); file, line and field are the first error's."""

    def __init__(self, errors: list[InvalidUpload], total: int) -> None:
        first = errors[0]
        super().__init__(first.filename, first.message, first.line, first.field)
        self.errors = tuple(str(error) for error in errors)
        self.total = total
        self.args = (error_text(self.errors, total),)


def error_text(errors: tuple[str, ...], total: int) -> str:
    """One error a line, then how many more were not listed."""
    lines = list(errors)
    if total > len(errors):
        lines.append(f"and {total - len(errors)} more errors")
    return "\n".join(lines)


def upload_batch(
    db: Database,
    slug: str,
    filename: str,
    data: Source,
    *,
    encoding: str | None = None,
    actor_id: Actor | None = None,
    force: bool = False,
    allow_repeated_ids: bool = False,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> int:
    """Store an upload as a pending batch and return its id; no record is parsed yet.

    What needs no parsing is checked here so a requester hears at once: the file type, the
    size, the encoding (detected unless forced; the batch keeps the one used), and a file
    whose bytes were already uploaded to the project (refused unless ``force``).
    """
    try:
        upload_kind(filename)
        _check_filename(filename)
        size, digest = _size_and_hash(data)
        if size > max_bytes:
            raise UploadError(f"file is {size:,} bytes, over the limit of {max_bytes:,} bytes; "
                              "split it into several uploads", filename=filename)  # fmt: skip
        used = check_encoding(lambda: _chunks_of(data), filename, encoding)
    except UploadError as exc:
        raise invalid_upload(exc) from None

    def store(work: Work) -> int:
        session = work.session
        project = project_by_slug(session, slug)
        require_role(session, actor_id, "requester", "uploading a batch", project.id)
        if not force:
            _refuse_twice(session, project, filename, digest)
        batch = Batch(project_id=project.id, filename=filename, encoding=used,
                      content_hash=digest, n_bytes=size, max_rows=max_rows,
                      allow_repeated_ids=allow_repeated_ids,
                      uploaded_by=recorded(actor_id))  # fmt: skip
        session.add(batch)
        session.flush()
        for seq, chunk in enumerate(_chunks_of(data)):
            session.execute(insert(BatchChunk), [{"batch_id": batch.id, "seq": seq,
                                                  "data": chunk}])  # fmt: skip
        return batch.id

    return db.run(store)  # the chunks are read again from the start on a retry


def _check_filename(filename: str) -> None:
    problem = check_value(filename)
    if problem is None and len(filename) > 255:
        problem = "the file name is longer than 255 characters"
    if problem is not None:
        raise UploadError(f"file name: {problem}", filename=filename[:80])


def _chunks_of(data: Source) -> Iterator[bytes]:
    if isinstance(data, bytes | bytearray | memoryview):
        view = memoryview(data)
        for start in range(0, len(view), CHUNK_BYTES):
            yield bytes(view[start : start + CHUNK_BYTES])
        return
    data.seek(0)
    while chunk := data.read(CHUNK_BYTES):
        yield chunk


def _size_and_hash(data: Source) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    for chunk in _chunks_of(data):
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def _refuse_twice(session: Session, project: Project, filename: str, digest: str) -> None:
    earlier = session.execute(
        select(Batch.id, Batch.filename).where(
            Batch.project_id == project.id, Batch.content_hash == digest,
            Batch.status != BatchStatus.FAILED,
        ).order_by(Batch.id).limit(1)
    ).first()  # fmt: skip
    if earlier is not None:
        raise InvalidUpload(filename, f"this file was already uploaded to {project.slug!r} as "
                            f"batch {earlier.id} ({earlier.filename}); "
                            + FORCE_HINT.format(slug=project.slug))  # fmt: skip


def ingest_batch(db: Database, batch_id: int, progress: Progress | None = None) -> BatchReport:
    """Turn a pending batch into items and tasks; idempotent for a re-delivered job.

    Raises `UploadRefused` (an `InvalidUpload`) listing every error; the batch is then
    ``failed``, as it is when anything else goes wrong (and that error is raised again).
    """
    try:
        return _ingest(db, batch_id, progress)
    except InvalidUpload as exc:
        _mark_failed(db, batch_id, str(exc))
        raise
    except Exception as exc:
        _mark_failed(db, batch_id, f"ingestion failed ({type(exc).__name__}: {exc})",
                     name_file=True)  # fmt: skip
        raise


def _ingest(db: Database, batch_id: int, progress: Progress | None) -> BatchReport:
    with db.read() as session:
        batch = session.get(Batch, batch_id)
        if batch is None:
            raise NotFound("batch", batch_id)
        if batch.status != BatchStatus.PENDING:
            return _report(session, batch)
        upload = _upload_of(session, batch)
    with tempfile.TemporaryFile() as spool:
        with db.read() as session:
            checked = check_records(session, upload, spool, progress)
        _refuse(upload, checked)

        def store(work: Work) -> BatchReport:
            session = work.session
            batch = _pending_batch(session, batch_id)
            if batch.status != BatchStatus.PENDING:  # another worker ingested it meanwhile
                return _report(session, batch)
            spool.seek(0)
            store_rows(session, upload, spool, progress)
            return _opened(session, batch, checked)

        # Not run again: the stored rows were reported to ``progress`` as they went, and a
        # retry would report them twice. Only new rows of this batch are written, which no
        # other transaction waits for, so there is no deadlock to retry.
        return db.run(store, retries=0)


def _upload_of(session: Session, batch: Batch) -> Upload:
    project = session.get_one(Project, batch.project_id)
    task_type = task_type_of(project)
    settings = dict(project.settings or {})
    reserved: tuple[str, ...] = (*RESERVED, str(settings.get("text_field") or "text"))
    if task_type.name == "labeling":
        from tasks.labeling import MEDIA_FIELDS

        reserved = (*reserved, *MEDIA_FIELDS)
    return Upload(batch_id=batch.id, project_id=project.id, filename=batch.filename,
                  encoding=batch.encoding or "utf-8-sig",
                  max_rows=batch.max_rows or DEFAULT_MAX_ROWS, settings=project.settings,
                  overlap_min=project.overlap_min, task_type=task_type,
                  reserved=tuple(dict.fromkeys(reserved)),
                  allow_repeated_ids=batch.allow_repeated_ids)  # fmt: skip


def _refuse(upload: Upload, checked: Checked) -> None:
    errors = list(checked.errors)
    total = checked.n_errors
    if checked.n_repeated and not upload.allow_repeated_ids:
        listed = ", ".join(repr(external_id) for external_id in checked.repeated)
        more = checked.n_repeated - len(checked.repeated)
        tail = f" and {more} more" if more else ""
        errors.append(InvalidUpload(upload.filename, f"{checked.n_repeated} ids repeat ids of "
                                    f"earlier batches of the project: {listed}{tail}; "
                                    f"{REPEAT_HINT}", field="id"))  # fmt: skip
        total += 1
    if total:
        raise UploadRefused(errors[: MAX_ERRORS + 1], total)


def _opened(session: Session, batch: Batch, checked: Checked) -> BatchReport:
    batch.n_items, batch.n_tasks = checked.n_items, checked.n_tasks
    batch.n_repeated_ids = checked.n_repeated
    batch.status = BatchStatus.OPEN
    session.execute(delete(BatchChunk).where(BatchChunk.batch_id == batch.id))
    if session.get_bind().dialect.name == "postgresql":
        # Fresh statistics, or the planner may sort every open task per request.
        session.execute(text("ANALYZE task"))
    log_event(session, "batch.ingest", actor_id=batch.uploaded_by, project_id=batch.project_id,
              batch=batch.id, items=batch.n_items, tasks=batch.n_tasks)  # fmt: skip
    report = _report(session, batch, checked.n_gold)
    notify(session, batch.uploaded_by, "batch.ingested", **_notice(report))
    return report


def batch_report(db: Database, batch_id: int) -> BatchReport:
    with db.read() as session:
        batch = session.get(Batch, batch_id)
        if batch is None:
            raise NotFound("batch", batch_id)
        return _report(session, batch)


def _pending_batch(session: Session, batch_id: int) -> Batch:
    batch = session.execute(
        select(Batch).where(Batch.id == batch_id).with_for_update()
    ).scalar_one_or_none()
    if batch is None:
        raise NotFound("batch", batch_id)
    return batch


def _mark_failed(db: Database, batch_id: int, error: str, *, name_file: bool = False) -> None:
    """End a pending batch ``failed`` with ``error`` and tell its uploader; its bytes go."""

    def fail(work: Work) -> None:
        session = work.session
        batch = session.get(Batch, batch_id)
        if batch is None or batch.status != BatchStatus.PENDING:
            return
        batch.status = BatchStatus.FAILED
        batch.error = f"{batch.filename}: {error}" if name_file else error
        batch.completed_at = utcnow()
        session.execute(delete(BatchChunk).where(BatchChunk.batch_id == batch.id))
        notify(session, batch.uploaded_by, "batch.failed", **_notice(_report(session, batch)))

    db.run(fail)


def mark_failed(db: Database, batch_id: int, error: str) -> None:
    """For whoever finds a batch's ingestion dead (a worker killed, a job lost)."""
    _mark_failed(db, batch_id, error, name_file=True)


def _notice(report: BatchReport) -> dict[str, Any]:
    """A report as notice data (JSON: lists, not tuples)."""
    data = asdict(report)
    data["errors"] = list(report.errors)
    return data


def _report(session: Session, batch: Batch, n_gold: int | None = None) -> BatchReport:
    slug = session.execute(select(Project.slug).where(Project.id == batch.project_id)).scalar_one()
    if n_gold is None:
        n_gold = session.execute(
            select(func.count()).select_from(Task)
            .where(Task.batch_id == batch.id, Task.is_gold.is_(True))
        ).scalar_one()  # fmt: skip
    errors = tuple(batch.error.split("\n")) if batch.error else ()
    listed = tuple(line for line in errors if not _is_more(line))
    total = len(listed) + sum(_more_count(line) for line in errors if _is_more(line))
    return BatchReport(
        batch_id=batch.id,
        project_slug=slug,
        filename=batch.filename,
        status=batch.status,
        n_items=batch.n_items,
        n_tasks=batch.n_tasks,
        n_gold=n_gold,
        error=batch.error,
        encoding=batch.encoding,
        errors=listed,
        n_errors=total,
        n_repeated_ids=batch.n_repeated_ids,
    )


def _is_more(line: str) -> bool:
    return line.startswith("and ") and line.endswith(" more errors")


def _more_count(line: str) -> int:
    return int(line.split()[1])


__all__ = ["UploadRefused", "batch_report", "error_text", "ingest_batch", "mark_failed",
           "upload_batch"]  # fmt: skip


def close_batch(work: Work, batch_id: int, now: datetime) -> bool:
    """Mark an open batch complete and tell its uploader; False where it was not open.

    The batch is listed in ``work.completed_batches``: the caller reports it (a submit, so
    that the skills are refitted).
    """
    session = work.session
    updated = session.execute(
        update(Batch).where(Batch.id == batch_id, Batch.status == BatchStatus.OPEN)
        .values(status=BatchStatus.COMPLETE, completed_at=now)
        .returning(Batch.project_id, Batch.uploaded_by, Batch.filename, Batch.n_items)
    ).first()  # fmt: skip
    if updated is None:
        return False
    project_id, uploader, filename, n_items = updated
    log_event(session, "batch.complete", project_id=project_id, batch=batch_id)
    slug = session.execute(select(Project.slug).where(Project.id == project_id)).scalar()
    notify(session, uploader, "batch.complete", batch_id=batch_id, project_slug=slug,
           filename=filename, n_items=n_items)  # fmt: skip
    work.completed_batches.append(batch_id)
    return True


def close_finished_batches(work: Work, now: datetime) -> list[int]:
    """Close every open batch whose tasks are all decided; the ids of those closed.

    A decision closes its batch when it sees no other task undecided. On PostgreSQL two
    transactions deciding a batch's last two tasks at the same moment each still see the
    other's task undecided (neither has committed), so neither closes it: this sweep does.
    A batch of control tasks only has nothing to decide and stays open, as it would anyway.
    """
    undecided = exists().where(*undecided_in_batch(Batch.id))
    has_work = exists().where(Task.batch_id == Batch.id, Task.is_gold.is_(False))
    finished = select(Batch.id).where(Batch.status == BatchStatus.OPEN, has_work, ~undecided)
    ids = work.session.execute(finished.order_by(Batch.id)).scalars().all()
    return [batch_id for batch_id in ids if close_batch(work, batch_id, now)]
