"""Read a requester's upload into records, with errors that point at the file and line.

Requesters upload spreadsheets exported from anything (Excel's ``;``, tabs, BOMs, legacy
encodings) so the reader is forgiving about the format and precise about what is wrong.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from tasks.base import TaskError
from tasks.encodings import detect_encoding, normalise_encoding

MIB = 1024 * 1024
DEFAULT_MAX_BYTES = 50 * MIB
DEFAULT_MAX_ROWS = 200_000

CSV_EXTENSIONS = (".csv", ".tsv")
JSONL_EXTENSIONS = (".jsonl", ".ndjson")
DOCUMENT_EXTENSIONS = (".txt", ".md")
SUPPORTED_EXTENSIONS = CSV_EXTENSIONS + JSONL_EXTENSIONS + DOCUMENT_EXTENSIONS

_DELIMITERS = ",;\t|"
_SNIFF_LINES = 50


@dataclass(frozen=True)
class Record:
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


def read_records(
    data: bytes,
    filename: str,
    *,
    encoding: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> Iterator[Record]:
    """Yield the records of an upload; the format comes from the file extension.

    The checks that need no parsing (extension, size, encoding) run when this function is
    called, not at the first ``next()``, so a bad file fails at once; rows are then streamed.
    """
    suffix = PurePath(filename).suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        raise UploadError(
            f"unsupported file type {suffix or '(no extension)'!r}; "
            f"supported: {', '.join(SUPPORTED_EXTENSIONS)}",
            filename=filename,
        )
    if len(data) > max_bytes:
        raise UploadError(
            f"file is {len(data):,} bytes, over the limit of {max_bytes:,} bytes; "
            "split it into several uploads",
            filename=filename,
        )
    text = decode(data, filename, encoding=encoding)
    if suffix in CSV_EXTENSIONS:
        return _limit(_read_csv(text, filename, tab_default=suffix == ".tsv"), filename, max_rows)
    if suffix in JSONL_EXTENSIONS:
        return _limit(_read_jsonl(text, filename), filename, max_rows)
    return iter([_read_document(text, filename)])


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


def _limit(records: Iterator[Record], filename: str, max_rows: int) -> Iterator[Record]:
    for count, record in enumerate(records, start=1):
        if count > max_rows:
            raise UploadError(
                f"more than {max_rows:,} rows; split the file into several uploads",
                filename=filename,
                line=record.line,
            )
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


def _read_csv(text: str, filename: str, *, tab_default: bool) -> Iterator[Record]:
    delimiter = sniff_delimiter(text, tab_default)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    previous_end = 0  # physical line where the previous row ended
    try:
        for row in reader:
            line = previous_end + 1
            previous_end = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = _check_header(row, filename, line)
                continue
            if len(row) != len(header):
                raise UploadError(
                    f"row has {len(row)} fields but the header has {len(header)} "
                    f"(delimiter {delimiter!r}); check quoting",
                    filename=filename,
                    line=line,
                )
            yield Record(line=line, fields=dict(zip(header, row, strict=True)))
    except csv.Error as error:
        raise UploadError(
            f"malformed CSV: {error}", filename=filename, line=previous_end + 1
        ) from None
    if header is None:
        raise UploadError("the file is empty; a header row is required", filename=filename)


def _check_header(row: list[str], filename: str, line: int) -> list[str]:
    header = [name.strip() for name in row]
    for index, name in enumerate(header, start=1):
        if not name:
            raise UploadError(
                f"header column {index} has no name; the first row must name every column",
                filename=filename,
                line=line,
            )
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise UploadError(
                f"column {name!r} appears twice in the header", filename=filename, line=line
            )
        seen.add(name)
    return header


def _read_jsonl(text: str, filename: str) -> Iterator[Record]:
    # split on "\n" only: JSON strings may hold U+2028 and friends that splitlines() breaks on
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            raise UploadError(
                f"invalid JSON: {error.msg} (column {error.colno})",
                filename=filename,
                line=number,
            ) from None
        if not isinstance(value, dict):
            raise UploadError(
                f"each line must be a JSON object, got {type(value).__name__}",
                filename=filename,
                line=number,
            )
        yield Record(line=number, fields=value)


def _read_document(text: str, filename: str) -> Record:
    """A TXT or Markdown file is one document; its paragraphs are kept as written."""
    if not text.strip():
        raise UploadError("the document is empty", filename=filename)
    return Record(line=1, fields={"id": PurePath(filename).stem, "text": text})
