"""The two passes of an ingestion: check every record, then insert them all at once.

`check_records` reads the stored upload chunk by chunk, validates every record with the
project's task type and writes the rows to insert into a spool file (blocks of plain tuples,
`marshal`led): no lock is held, nothing is written to the database, and every error is kept
(the first `MAX_ERRORS`, counted beyond). `store_rows` then inserts the spool in one
transaction with the bulk inserts of `engine.bulk`, so SQLite's write lock is held only
for the inserts. Memory stays flat: a block of rows, and eight bytes per id to find the ids
given twice in the file.
"""

from __future__ import annotations

import marshal
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np
from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from engine import bulk
from engine.bulk import json_text
from engine.errors import InvalidUpload, invalid_upload
from engine.models import BatchChunk, Item, utcnow
from engine.statuses import TaskStatus
from tasks.base import InvalidRecord, TaskType
from tasks.uploads import RESERVED, Record, UploadError, iter_records, text_stream, upload_kind

BLOCK = 5000
"""Records per spooled block: one bulk insert of items and one of tasks each."""
MAX_ERRORS = 50
"""Errors listed one by one; the others are counted ("and N more")."""
MAX_ID_CHARS = 255
"""``item.external_id`` is a VARCHAR(255): PostgreSQL refuses longer, SQLite would not."""

ITEM_ROW = ("id", "external_id", "line", "payload")
"""The columns of a spooled item row (the id as the item's offset in its block)."""
TASK_ROW = ("item_id", "position", "payload", "is_gold", "gold_answer", "target")
"""The columns of a spooled task row (its item as that item's offset in the block)."""

Progress = Callable[[str, int], None]
"""Called with a stage ("reading", "storing") and the records done since the last call."""


@dataclass(frozen=True)
class Upload:
    """What an ingestion needs to know of a stored batch and its project."""

    batch_id: int
    project_id: int
    filename: str
    encoding: str
    max_rows: int
    settings: dict[str, Any]
    overlap_min: int
    task_type: TaskType
    reserved: tuple[str, ...]
    allow_repeated_ids: bool


@dataclass
class Checked:
    """The outcome of the checking pass."""

    n_items: int = 0
    n_tasks: int = 0
    n_gold: int = 0
    errors: list[InvalidUpload] = field(default_factory=list)
    n_errors: int = 0
    repeated: list[str] = field(default_factory=list)
    n_repeated: int = 0

    def add(self, error: InvalidUpload) -> None:
        self.n_errors += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(error)


def chunks(connection: Connection, batch_id: int) -> Iterator[bytes]:
    """The stored bytes of a batch, one chunk per query (never the whole file at once)."""
    statement = select(BatchChunk.data).where(BatchChunk.batch_id == batch_id,
                                              BatchChunk.seq == bindparam("seq"))  # fmt: skip
    seq = 0
    while True:
        data = connection.execute(statement, {"seq": seq}).scalar()
        if data is None:
            return
        yield bytes(data)
        seq += 1


def records(connection: Connection, upload: Upload) -> Iterator[Record | UploadError]:
    stream = text_stream(chunks(connection, upload.batch_id), upload.encoding)
    return iter_records(stream, upload.filename, kind=upload_kind(upload.filename),
                        max_rows=upload.max_rows, reserved=upload.reserved)  # fmt: skip


def check_records(
    session: Session, upload: Upload, spool: IO[bytes], progress: Progress | None = None
) -> Checked:
    """Validate every record and spool the rows to insert; see the module docstring."""
    connection = session.connection()
    checked = Checked()
    hashes = array("q")
    probe = _has_items(connection, upload.project_id)
    items: list[tuple[Any, ...]] = []
    tasks: list[tuple[Any, ...]] = []
    number = 0
    max_rows = upload.max_rows
    keep_hash = hashes.append
    try:
        for record in records(connection, upload):
            if type(record) is not Record:
                checked.add(invalid_upload(record))  # type: ignore[arg-type]
                continue
            number += 1
            try:
                item = _add_rows(record, number, upload, len(items), tasks, checked)
            except InvalidUpload as error:
                checked.add(error)
                continue
            if checked.n_tasks > max_rows:  # a document is one record but many tasks
                checked.add(InvalidUpload(upload.filename, f"makes more than "
                                          f"{upload.max_rows:,} tasks, the row limit (it counts "
                                          "tasks too): split it into several uploads",
                                          record.line))  # fmt: skip
                break
            keep_hash(hash(item[1]))
            items.append(item)
            if len(items) >= BLOCK:
                _flush(spool, items, tasks, checked, connection, upload, probe, progress)
                items, tasks = [], []
        _flush(spool, items, tasks, checked, connection, upload, probe, progress)
    except UnicodeDecodeError as error:  # checked at upload: only a file stored before that
        reason = f"not valid {upload.encoding} text ({error.reason})"
        checked.add(InvalidUpload(upload.filename, reason))
    if checked.n_errors == 0 and checked.n_items == 0:
        checked.add(InvalidUpload(upload.filename, "no records found"))
    for duplicate in _duplicates(connection, upload, hashes):
        checked.add(duplicate)
    checked.errors.sort(key=lambda error: error.line or 0)
    return checked


def _add_rows(
    record: Record,
    number: int,
    upload: Upload,
    offset: int,
    tasks: list[tuple[Any, ...]],
    checked: Checked,
) -> tuple[Any, ...]:
    """The item row ``(offset, external_id, line, payload)`` of one record, its task rows
    ``(offset, position, payload, is_gold, gold, target)`` added to ``tasks`` (``offset``:
    the item's place in its block); or `InvalidUpload`, adding nothing."""
    fields = record.fields
    value = fields.get("id")
    if type(value) is str and 0 < len(text := value.strip()) <= MAX_ID_CHARS:
        external_id = text
    else:
        external_id = external_id_of(value, number, upload.filename, record.line)
    task_type, settings = upload.task_type, upload.settings
    try:
        micro_tasks = task_type.split(fields, settings)
        payload = task_type.item_payload(fields, settings)
    except InvalidRecord as error:
        raise InvalidUpload(upload.filename, error.message, record.line, error.field) from None
    if not micro_tasks:
        raise InvalidUpload(upload.filename, "nothing to do in this record", record.line)
    overlap = upload.overlap_min
    item_json = json_text(payload)
    for micro in micro_tasks:
        gold = micro.gold
        task_json = _same_json(micro.payload, payload, item_json)
        if gold is None:
            tasks.append((offset, micro.position, task_json, False, None, overlap))
        else:
            tasks.append((offset, micro.position, task_json, True, json_text(gold), 0))
            checked.n_gold += 1
    checked.n_tasks += len(micro_tasks)
    return (offset, external_id, record.line, item_json)


def _same_json(value: dict[str, Any], known: dict[str, Any], known_json: str) -> str:
    """``json_text(value)``, reusing ``known_json`` when ``value`` holds the very same
    objects under the same keys in the same order (a one-task record's task usually shows
    what its item holds). Identity, not ``==``: ``1 == True == 1.0`` encode differently."""
    if len(value) == len(known):  # a plain loop: no lists or generator built per record
        pairs = zip(value.items(), known.items())  # noqa: B905 (same lengths; the keyword is slow)
        for (key, item), (known_key, known_item) in pairs:
            if item is not known_item or key != known_key:
                break
        else:
            return known_json
    return json_text(value)


def external_id_of(value: Any, number: int, filename: str, line: int) -> str:
    """The requester's ``id``, trimmed, else the record's number in the file."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return str(number)
    if isinstance(value, dict | list | bool):
        raise InvalidUpload(filename, "id must be a text or a number", line, "id")
    text = value.strip() if isinstance(value, str) else str(value)
    if len(text) > MAX_ID_CHARS:
        raise InvalidUpload(filename, f"id is longer than {MAX_ID_CHARS} characters", line, "id")
    return text


def _has_items(connection: Connection, project_id: int) -> bool:
    found = connection.execute(select(Item.id).where(Item.project_id == project_id).limit(1))
    return found.first() is not None


def _flush(
    spool: IO[bytes],
    block: list[tuple[Any, ...]],
    task_block: list[tuple[Any, ...]],
    checked: Checked,
    connection: Connection,
    upload: Upload,
    probe: bool,
    progress: Progress | None,
) -> None:
    if not block:
        return
    if probe:
        _repeated(connection, upload.project_id, [item[1] for item in block], checked)
    if checked.n_errors == 0:  # once an error is found, only the checking goes on
        data = marshal.dumps((block, task_block))
        spool.write(len(data).to_bytes(8, "little"))
        spool.write(data)
    checked.n_items += len(block)
    if progress is not None:
        progress("reading", len(block))


def _repeated(connection: Connection, project_id: int, ids: list[str], checked: Checked) -> None:
    """Ids of this block that items of the project's earlier batches already have."""
    found = connection.execute(
        select(Item.external_id).where(Item.project_id == project_id, Item.external_id.in_(ids))
    ).scalars()
    for external_id in found:
        checked.n_repeated += 1
        if len(checked.repeated) < MAX_ERRORS:
            checked.repeated.append(external_id)


def _duplicates(connection: Connection, upload: Upload, hashes: array[int]) -> list[InvalidUpload]:
    """Ids given twice in the file, each at its later line.

    Only hashes are kept while reading; when two are equal, the file is read once more for
    the ids behind them (equal hashes of different ids are told apart there).
    """
    if len(hashes) < 2:
        return []
    values = np.frombuffer(hashes, dtype=np.int64)
    ordered = np.sort(values)
    twice = set(ordered[1:][ordered[1:] == ordered[:-1]].tolist())
    if not twice:
        return []
    first_line: dict[str, int] = {}
    found = []
    number = 0
    for record in records(connection, upload):
        if isinstance(record, UploadError):
            continue
        number += 1
        try:
            external_id = external_id_of(record.fields.get("id"), number, upload.filename,
                                         record.line)  # fmt: skip
        except InvalidUpload:
            continue
        if hash(external_id) not in twice:
            continue
        if external_id in first_line:
            found.append(InvalidUpload(
                upload.filename, f"duplicate id {external_id!r} (first on line "
                f"{first_line[external_id]})", record.line, "id"))  # fmt: skip
        else:
            first_line[external_id] = record.line
    return found


def spooled_blocks(spool: IO[bytes]) -> Iterator[tuple[list[Any], list[Any]]]:
    """The blocks `_flush` wrote, each read whole (``marshal.load`` of a file reads in
    small pieces)."""
    while size := int.from_bytes(spool.read(8), "little"):
        yield marshal.loads(spool.read(size))


def store_rows(
    session: Session, upload: Upload, spool: IO[bytes], progress: Progress | None = None
) -> None:
    """Insert the spooled items and tasks, in the caller's transaction."""
    connection = session.connection()
    ids = bulk.IdRange(connection, "item")
    project_id, batch_id = upload.project_id, upload.batch_id
    same_item = {"project_id": project_id, "batch_id": batch_id}
    same_task = {**same_item, "stage": "answer", "round": 1, "status": TaskStatus.OPEN,
                 "priority": 0, "n_answers": 0, "n_leased": 0,
                 "created_at": bulk.timestamp(connection, utcnow())}  # fmt: skip
    for items, tasks in spooled_blocks(spool):
        item_ids = ids.take(len(items))
        bulk.insert_block(connection, "item", ITEM_ROW, items, item_ids, same_item)
        bulk.insert_block(connection, "task", TASK_ROW, tasks, item_ids, same_task)
        if progress is not None:
            progress("storing", len(items))


__all__ = ["BLOCK", "MAX_ERRORS", "RESERVED", "Checked", "Upload", "check_records",
           "external_id_of", "store_rows"]  # fmt: skip
