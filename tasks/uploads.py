"""Read a requester's upload into records, with errors that point at the file and line.

Requesters upload spreadsheets exported from anything (Excel's ``;``, tabs, BOMs, legacy
encodings) so the reader is forgiving about the format and precise about what is wrong.
Uploads are read as a stream of byte chunks (`text_stream`, `iter_records`): memory stays
the same whatever the size of the file. A bad record does not stop the reading: it is
yielded as an `UploadError` and the next record is read, so a requester hears of every
error at once. Values are refused here when a database could not store them exactly
(`check_value`): what SQLite stores, PostgreSQL stores too.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import math
from collections.abc import Callable, Collection, Iterable, Iterator
from pathlib import PurePath
from typing import Any, NamedTuple

from tasks.base import TaskError
from tasks.encodings import detect_encoding, normalise_encoding

MIB = 1024 * 1024
DEFAULT_MAX_BYTES = 1024 * MIB
DEFAULT_MAX_ROWS = 5_000_000

CSV_EXTENSIONS = (".csv", ".tsv")
JSONL_EXTENSIONS = (".jsonl", ".ndjson")
DOCUMENT_EXTENSIONS = (".txt", ".md")
SUPPORTED_EXTENSIONS = CSV_EXTENSIONS + JSONL_EXTENSIONS + DOCUMENT_EXTENSIONS

RESERVED = ("id", "gold")
"""Columns the engine reads itself (never shown as fields); task types may reserve more."""
MAX_DEPTH = 32
"""Deepest nesting of a JSON value: deeper is refused, the same on every database."""

_DELIMITERS = ",;\t|"
_SNIFF_LINES = 50
_BOM = "\ufeff"


class Record(NamedTuple):
    """One uploaded unit: a row, a JSON object or a whole document, with its line."""

    line: int
    fields: dict[str, Any]


class UploadError(TaskError):
    """What is wrong with an upload, formatted as ``FILE:LINE: field 'x': message``."""

    def __init__(
        self, message: str, *, filename: str, line: int | None = None, field: str | None = None
    ) -> None:
        self.filename = filename
        self.line = line
        self.field = field
        where = filename if line is None else f"{filename}:{line}"
        what = message if field is None else f"field '{field}': {message}"
        super().__init__(f"{where}: {what}")
        self.message = message


# --- the file as a whole: type, encoding ----------------------------------------------------


def upload_kind(filename: str) -> str:
    """``csv``, ``tsv``, ``jsonl`` or ``document``, from the extension; else an error."""
    suffix = PurePath(filename).suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        raise UploadError(
            f"unsupported file type {suffix or '(no extension)'!r}; "
            f"supported: {', '.join(SUPPORTED_EXTENSIONS)}",
            filename=filename,
        )
    if suffix in JSONL_EXTENSIONS:
        return "jsonl"
    if suffix in DOCUMENT_EXTENSIONS:
        return "document"
    return suffix[1:]


def check_encoding(
    chunks: Callable[[], Iterable[bytes]], filename: str, encoding: str | None = None
) -> str:
    """The encoding that decodes every byte of the upload, forced or detected.

    ``chunks`` gives the file's bytes from the start each time it is called. Detection looks
    at the first chunk; if UTF-8 then fails further on (a cp1252 file whose first megabyte
    is plain ASCII), it looks again at the first and the failing chunk together.
    """
    if encoding is not None:
        name = normalise_encoding(encoding)
        if name is None:
            raise UploadError(f"{encoding!r} is not a text encoding", filename=filename)
        _fail_on(_first_decode_error(chunks(), name), filename, name, forced=True)
        return name
    first = next(iter(chunks()), b"")
    name = detect_encoding(first)
    error = _first_decode_error(chunks(), name)
    if error is not None and error.chunk is not None:
        retry = detect_encoding(first + error.chunk)
        if retry != name:
            name, error = retry, _first_decode_error(chunks(), retry)
    _fail_on(error, filename, name, forced=False)
    return name


class _DecodeError(NamedTuple):
    offset: int
    line: int
    byte: bytes
    chunk: bytes | None


def _first_decode_error(chunks: Iterable[bytes], name: str) -> _DecodeError | None:
    decoder = codecs.getincrementaldecoder(name)(errors="strict")
    offset = lines = 0
    for chunk in chunks:
        try:
            lines += decoder.decode(chunk).count("\n")
        except UnicodeDecodeError as error:
            start = max(0, min(error.start, len(chunk)))
            prefix = chunk[:start].decode(name, errors="replace").count("\n")
            return _DecodeError(offset + start, lines + prefix + 1, chunk[start : start + 1], chunk)
        offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return _DecodeError(offset, lines + 1, b"", None)
    return None


def _fail_on(error: _DecodeError | None, filename: str, name: str, *, forced: bool) -> None:
    if error is None:
        return
    hint = "check the --encoding value" if forced else "save the file as UTF-8"
    what = f"byte 0x{error.byte.hex()}" if error.byte else "truncated character"
    raise UploadError(
        f"not valid {name} text ({what} at offset {error.offset}); {hint}",
        filename=filename,
        line=error.line,
    )


def decode(data: bytes, filename: str, *, encoding: str | None = None) -> str:
    """The text of ``data``; see :func:`decode_text`."""
    return decode_text(data, filename, encoding=encoding)[0]


def decode_text(data: bytes, filename: str, *, encoding: str | None = None) -> tuple[str, str]:
    """Decode strictly and say with what: ``(text, encoding)``.

    Without ``encoding`` it is detected (`tasks.encodings.detect_encoding`: BOM, UTF-8, then
    a plausible legacy encoding such as cp1252); a BOM is never part of the text.
    """
    if encoding is None:
        name = detect_encoding(data)
    else:
        found = normalise_encoding(encoding)
        if found is None:
            raise UploadError(f"{encoding!r} is not a text encoding", filename=filename)
        name = found
    try:
        return data.decode(name), name
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        bad = data[error.start : error.start + 1].hex()
        hint = "save the file as UTF-8" if encoding is None else "check the --encoding value"
        raise UploadError(
            f"not valid {name} text (byte 0x{bad} at offset {error.start}); {hint}",
            filename=filename,
            line=line,
        ) from None


class _ChunkReader(io.RawIOBase):
    """A read-only byte stream over an iterator of chunks (the upload as it is stored)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = memoryview(chunk)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def text_stream(chunks: Iterable[bytes], encoding: str) -> io.TextIOWrapper:
    """The decoded text of ``chunks``, line by line, line endings kept as they are."""
    raw = io.BufferedReader(_ChunkReader(chunks), buffer_size=MIB)
    return io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")


# --- records ---------------------------------------------------------------------------------


def read_records(
    data: bytes,
    filename: str,
    *,
    encoding: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
    reserved: Collection[str] = RESERVED,
) -> Iterator[Record]:
    """Yield the records of an in-memory upload; the first bad one raises its `UploadError`.

    The checks that need no parsing (extension, size, encoding) run when this function is
    called, not at the first ``next()``, so a bad file fails at once; rows are then streamed.
    """
    kind = upload_kind(filename)
    if len(data) > max_bytes:
        raise UploadError(
            f"file is {len(data):,} bytes, over the limit of {max_bytes:,} bytes; "
            "split it into several uploads",
            filename=filename,
        )
    name = decode_text(data, filename, encoding=encoding)[1]
    stream = text_stream([data], name)
    return _raising(iter_records(stream, filename, kind=kind, max_rows=max_rows,
                                 reserved=reserved))  # fmt: skip


def _raising(records: Iterator[Record | UploadError]) -> Iterator[Record]:
    for record in records:
        if isinstance(record, UploadError):
            raise record
        yield record


def iter_records(
    lines: Iterable[str],
    filename: str,
    *,
    kind: str,
    max_rows: int = DEFAULT_MAX_ROWS,
    reserved: Collection[str] = RESERVED,
) -> Iterator[Record | UploadError]:
    """Every record of the text ``lines`` (kept line endings), and every error as a value.

    The reading goes on after a bad record, so the caller can list every error; an error
    that leaves nothing sensible to read (the header, the row limit) ends the stream.
    Reserved column names are matched ignoring case and given their reserved spelling.
    """
    if kind in ("csv", "tsv"):  # counts its rows itself: no second generator per record
        return _read_csv(lines, filename, tab_default=kind == "tsv", reserved=reserved,
                         max_rows=max_rows)  # fmt: skip
    if kind == "jsonl":
        return _capped(_read_jsonl(lines, filename, reserved), filename, max_rows)
    return _capped(_read_document(lines, filename), filename, max_rows)


def _too_many(max_rows: int, filename: str, line: int) -> UploadError:
    return UploadError(f"more than {max_rows:,} rows; split the file into several uploads",
                       filename=filename, line=line)  # fmt: skip


def _capped(
    records: Iterator[Record | UploadError], filename: str, max_rows: int
) -> Iterator[Record | UploadError]:
    """``records`` up to ``max_rows`` records, then the error that ends the stream."""
    count = 0
    for record in records:
        if isinstance(record, Record):
            count += 1
            if count > max_rows:
                yield _too_many(max_rows, filename, record.line)
                return
        yield record


def sniff_delimiter(text: str, tab_default: bool = False) -> str:
    """Pick the delimiter with csv.Sniffer, checked against the header line."""
    lines = text.splitlines()[:_SNIFF_LINES]
    header = next((line for line in lines if line.strip()), "")
    sample = "\n".join(lines)
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        delimiter = ""
    if delimiter and delimiter in header:
        return delimiter
    # Sniffer gives up on one-column files or ragged text: count in the header instead.
    counts = {candidate: header.count(candidate) for candidate in _DELIMITERS}
    best = max(counts, key=lambda candidate: counts[candidate])
    if counts[best]:
        return best
    return "\t" if tab_default else ","


def _read_csv(
    lines: Iterable[str],
    filename: str,
    *,
    tab_default: bool,
    reserved: Collection[str],
    max_rows: int = DEFAULT_MAX_ROWS,
) -> Iterator[Record | UploadError]:
    lines = iter(lines)
    head = list(itertools.islice(lines, _SNIFF_LINES))
    delimiter = sniff_delimiter("".join(head), tab_default)
    reader = csv.reader(itertools.chain(head, lines), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    width = count = 0
    previous_end = 0  # physical line where the previous row ended
    while True:
        try:  # a `for` per stretch of good rows; a malformed row ends it and the next starts
            for row in reader:
                line = previous_end + 1
                previous_end = reader.line_num
                joined = "".join(row)
                if not joined or joined.isspace():  # `not joined.strip()` without a copy
                    continue
                if "\x00" in joined:
                    yield _nul_error(row, header, filename, line)
                    continue
                if len(row) == width:  # the header is read (width is 0 before)
                    count += 1
                    if count > max_rows:
                        yield _too_many(max_rows, filename, line)
                        return
                    # zip's keyword costs more than the dict; the widths are equal here.
                    yield Record(line, dict(zip(header, row)))  # type: ignore[arg-type]  # noqa: B905
                    continue
                if header is None:
                    try:
                        header = canonical_header(row, reserved)
                    except ValueError as error:
                        yield UploadError(str(error), filename=filename, line=line)
                        return
                    width = len(header)
                    continue
                yield UploadError(
                    f"row has {len(row)} fields but the header has {width} "
                    f"(delimiter {delimiter!r}); check quoting",
                    filename=filename,
                    line=line,
                )
            break
        except csv.Error as error:
            yield UploadError(f"malformed CSV: {error}", filename=filename, line=previous_end + 1)
            previous_end = reader.line_num
    if header is None:
        yield UploadError("the file is empty; a header row is required", filename=filename)


def _nul_error(row: list[str], header: list[str] | None, filename: str, line: int) -> UploadError:
    index = next(index for index, cell in enumerate(row) if "\x00" in cell)
    field = header[index] if header is not None and index < len(header) else None
    return UploadError(
        "contains a NUL character (U+0000), which cannot be stored",
        filename=filename, line=line, field=field,
    )  # fmt: skip


def canonical_header(row: list[str], reserved: Collection[str] = RESERVED) -> list[str]:
    """Column names trimmed (a stray BOM too), reserved ones in their reserved spelling.

    Raises ValueError naming the column for a missing name, a name given twice, or two
    columns that are the same reserved column but for case (``gold`` and ``Gold``).
    """
    folded = {name.casefold(): name for name in reserved}
    header: list[str] = []
    spelled: dict[str, str] = {}
    for index, cell in enumerate(row, start=1):
        name = cell.strip().lstrip(_BOM).strip()
        if not name:
            raise ValueError(
                f"header column {index} has no name; the first row must name every column"
            )
        canonical = folded.get(name.casefold(), name)
        if canonical in spelled:
            first = spelled[canonical]
            if first == name:
                raise ValueError(f"column {name!r} appears twice in the header")
            raise ValueError(
                f"column {name!r} is the reserved column {canonical!r}, like column "
                f"{first!r}: rename one of them"
            )
        spelled[canonical] = name
        header.append(canonical)
    return header


def _read_jsonl(
    lines: Iterable[str], filename: str, reserved: Collection[str]
) -> Iterator[Record | UploadError]:
    folded = {name.casefold(): name for name in reserved}
    # TextIOWrapper splits lines on \r and \n only: a JSON string keeps U+2028 and friends.
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if number == 1:
            line = line.lstrip(_BOM)
        if not line:
            continue
        try:
            value = json.loads(line, parse_constant=_no_constant)
        except json.JSONDecodeError as error:
            yield UploadError(f"invalid JSON: {error.msg} (column {error.colno})",
                              filename=filename, line=number)  # fmt: skip
            continue
        except RecursionError:
            yield UploadError("JSON nested too deeply", filename=filename, line=number)
            continue
        except ValueError as error:  # a constant, or an integer past Python's digit limit
            yield UploadError(f"invalid JSON: {error}", filename=filename, line=number)
            continue
        if not isinstance(value, dict):
            yield UploadError(f"each line must be a JSON object, got {type(value).__name__}",
                              filename=filename, line=number)  # fmt: skip
            continue
        try:
            fields = _canonical_keys(value, folded)
        except ValueError as error:
            yield UploadError(str(error), filename=filename, line=number)
            continue
        problem = _first_problem(fields)
        if problem is not None:
            field, message = problem
            yield UploadError(message, filename=filename, line=number, field=field)
            continue
        yield Record(number, fields)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a database can store")


def _canonical_keys(value: dict[str, Any], folded: dict[str, str]) -> dict[str, Any]:
    renamed: dict[str, Any] | None = None
    for key in value:
        canonical = folded.get(key.casefold())
        if canonical is None or canonical == key:
            continue
        if canonical in value:
            raise ValueError(
                f"key {key!r} is the reserved key {canonical!r}, which the object also has: "
                "rename one of them"
            )
        renamed = renamed if renamed is not None else {}
        renamed[key] = canonical
    if renamed is None:
        return value
    return {renamed.get(key, key): item for key, item in value.items()}


def _first_problem(fields: dict[str, Any]) -> tuple[str, str] | None:
    """The first field holding what a database cannot store exactly, with why."""
    for key, value in fields.items():
        message = check_value(key) or check_value(value)
        if message is not None:
            return key, message
    return None


def check_value(value: Any, depth: int = 0) -> str | None:
    """Why ``value`` cannot be stored the same in SQLite and PostgreSQL, or None.

    PostgreSQL refuses NUL characters and lone surrogates in text and JSON, and JSON
    numbers that are not finite; SQLite would store them, so both are refused here.
    """
    if isinstance(value, str):
        if "\x00" in value:
            return "contains a NUL character (U+0000), which cannot be stored"
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return "contains a lone surrogate (an invalid \\ud800-\\udfff escape)"
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{value} is not a number a database can store"
    if isinstance(value, dict | list):
        if depth >= MAX_DEPTH:
            return f"nested deeper than {MAX_DEPTH} levels"
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            message = (check_value(key) if isinstance(key, str) else None) or check_value(
                item, depth + 1
            )
            if message is not None:
                return message
    return None


def _read_document(lines: Iterable[str], filename: str) -> Iterator[Record | UploadError]:
    """A TXT or Markdown file is one document; its paragraphs are kept as written."""
    text = "".join(lines)
    if not text.strip():
        yield UploadError("the document is empty", filename=filename)
        return
    message = check_value(text)
    if message is not None:
        yield UploadError(message, filename=filename, field="text")
        return
    yield Record(1, {"id": PurePath(filename).stem, "text": text})
