"""Batches: store an upload, then ingest it into items and micro-tasks in one transaction.

The upload's bytes are kept in the database until ingested, so the ingestion job can run in
any worker process. Ingestion streams the records and inserts them in bulk; any bad record
rolls the whole batch back, so a failed upload leaves no item or task behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from itertools import islice
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from engine.db import Database
from engine.errors import InvalidUpload, NotFound
from engine.models import Batch, Item, Project, Task, utcnow
from engine.services.common import log_event, project_by_slug, task_type_of
from engine.services.contributors import require_role
from engine.services.dto import BatchReport
from engine.services.outbox import notify
from tasks.base import InvalidRecord, TaskType
from tasks.uploads import Record, UploadError, read_records

CHUNK = 1000
Progress = Callable[[int], None]


def upload_batch(
    db: Database,
    slug: str,
    filename: str,
    data: bytes,
    *,
    encoding: str | None = None,
    actor_id: int | None = None,
) -> int:
    """Store an upload as a pending batch and return its id; nothing is parsed yet.

    The cheap checks (file type, size, encoding) run here so a requester hears at once.
    """
    try:
        read_records(data, filename, encoding=encoding)
    except UploadError as exc:
        raise InvalidUpload(filename, exc.message, exc.line, exc.field) from None
    with db.write() as session:
        project = project_by_slug(session, slug)
        require_role(session, actor_id, "requester", "uploading a batch", project.id)
        batch = Batch(project_id=project.id, filename=filename, encoding=encoding, source=data,
                      uploaded_by=actor_id)  # fmt: skip
        session.add(batch)
        session.flush()
        return batch.id


def ingest_batch(db: Database, batch_id: int, progress: Progress | None = None) -> BatchReport:
    """Turn a pending batch into items and tasks; idempotent for a re-delivered job."""
    try:
        with db.write() as session:
            batch = _pending_batch(session, batch_id)
            if batch.status != "pending":
                return _report(session, batch)
            project = session.get_one(Project, batch.project_id)
            counts = _insert_records(session, batch, project, progress)
            batch.n_items, batch.n_tasks, n_gold = counts
            batch.status = "open"
            batch.source = None
            if session.get_bind().dialect.name == "postgresql":
                # Fresh statistics, or the planner may sort every open task per request.
                session.execute(text("ANALYZE task"))
            log_event(session, "batch.ingest", actor_id=batch.uploaded_by, project_id=project.id,
                      batch=batch.id, items=batch.n_items, tasks=batch.n_tasks)  # fmt: skip
            report = _report(session, batch, n_gold)
            notify(session, batch.uploaded_by, "batch.ingested", **asdict(report))
            return report
    except InvalidUpload as exc:
        _mark_failed(db, batch_id, str(exc))
        raise


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


def _insert_records(
    session: Session, batch: Batch, project: Project, progress: Progress | None
) -> tuple[int, int, int]:
    task_type = task_type_of(project)
    assert batch.source is not None
    try:
        records = read_records(batch.source, batch.filename, encoding=batch.encoding)
    except UploadError as exc:
        raise InvalidUpload(batch.filename, exc.message, exc.line, exc.field) from None
    seen: set[str] = set()
    n_items = n_tasks = n_gold = 0
    for chunk in _chunks(_guard(records, batch.filename)):
        items, tasks = _split_chunk(chunk, batch, project, task_type, seen, start=n_items)
        item_ids = (
            session.execute(insert(Item).returning(Item.id, sort_by_parameter_order=True), items)
            .scalars()
            .all()
        )
        rows = [dict(task, item_id=item_ids[index], batch_id=batch.id) for index, task in tasks]
        if rows:
            session.execute(insert(Task), rows)
        n_items += len(items)
        n_tasks += len(rows)
        n_gold += sum(1 for row in rows if row["is_gold"])
        if progress is not None:
            progress(len(items))
    if n_items == 0:
        raise InvalidUpload(batch.filename, "no records found")
    return n_items, n_tasks, n_gold


def _split_chunk(
    chunk: list[Record],
    batch: Batch,
    project: Project,
    task_type: TaskType,
    seen: set[str],
    start: int,
) -> tuple[list[dict[str, Any]], list[tuple[int, dict[str, Any]]]]:
    items: list[dict[str, Any]] = []
    tasks: list[tuple[int, dict[str, Any]]] = []
    for offset, record in enumerate(chunk):
        external_id = _external_id(record, start + offset + 1, batch.filename)
        if external_id in seen:
            raise InvalidUpload(batch.filename, f"duplicate id {external_id!r}", record.line, "id")
        seen.add(external_id)
        try:
            micro_tasks = task_type.split(record.fields, project.settings)
            payload = task_type.item_payload(record.fields, project.settings)
        except InvalidRecord as exc:
            raise InvalidUpload(batch.filename, exc.message, record.line, exc.field) from None
        if not micro_tasks:
            raise InvalidUpload(batch.filename, "nothing to do in this record", record.line)
        items.append({"project_id": project.id, "batch_id": batch.id, "external_id": external_id,
                      "line": record.line, "payload": payload})  # fmt: skip
        for micro in micro_tasks:
            is_gold = micro.gold is not None
            tasks.append((offset, {
                "project_id": project.id, "position": micro.position, "payload": micro.payload,
                "is_gold": is_gold, "gold_answer": micro.gold,
                "status": "open", "target": 0 if is_gold else project.overlap_min,
            }))  # fmt: skip
    return items, tasks


def _external_id(record: Record, number: int, filename: str) -> str:
    """The requester's ``id`` column, else the record's number in the file."""
    value = record.fields.get("id")
    if value is None or (isinstance(value, str) and not value.strip()):
        return str(number)
    if isinstance(value, dict | list):
        raise InvalidUpload(filename, "id must be a text or a number", record.line, "id")
    text = str(value).strip()
    if len(text) > 255:
        raise InvalidUpload(filename, "id is longer than 255 characters", record.line, "id")
    return text


def _guard(records: Iterable[Record], filename: str) -> Iterator[Record]:
    """Turn reader errors raised mid-stream into `InvalidUpload`."""
    try:
        yield from records
    except UploadError as exc:
        raise InvalidUpload(filename, exc.message, exc.line, exc.field) from None


def _chunks(records: Iterable[Record]) -> Iterator[list[Record]]:
    iterator = iter(records)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk


def _mark_failed(db: Database, batch_id: int, error: str) -> None:
    with db.write() as session:
        batch = session.get(Batch, batch_id)
        if batch is not None and batch.status == "pending":
            batch.status = "failed"
            batch.error = error
            batch.source = None
            batch.completed_at = utcnow()
            notify(session, batch.uploaded_by, "batch.failed", **asdict(_report(session, batch)))


def _report(session: Session, batch: Batch, n_gold: int | None = None) -> BatchReport:
    slug = session.execute(select(Project.slug).where(Project.id == batch.project_id)).scalar_one()
    if n_gold is None:
        n_gold = session.execute(
            select(func.count()).select_from(Task).join(Item, Item.id == Task.item_id)
            .where(Item.batch_id == batch.id, Task.is_gold.is_(True))
        ).scalar_one()  # fmt: skip
    return BatchReport(
        batch_id=batch.id,
        project_slug=slug,
        filename=batch.filename,
        status=batch.status,
        n_items=batch.n_items,
        n_tasks=batch.n_tasks,
        n_gold=n_gold,
        error=batch.error,
    )
