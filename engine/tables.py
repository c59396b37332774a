"""One strict reader for every answers-like CSV the CLI reads: answers, gold, truth, recordings.

Values are exact strings: ids, workers and labels are the text of the cell with only the
surrounding whitespace removed (Python's ``str.strip()``), so ``007`` is not ``7``, ``1_10`` is
not ``11_0`` and ``01`` is not ``1``. Nothing is converted to a number, anywhere.

Every file is read the same way as an upload (`tasks.uploads`): the encoding is detected (BOM,
UTF-8, a plausible cp1252, ...) unless one is given, the delimiter is sniffed among ``,`` ``;``
tab ``|``, and header names are matched case-insensitively, stripped of whitespace and of any
BOM left in front of them. The reader is as strict as the upload validator: an unbalanced
quote, a short or long row, an empty required cell or a field over the csv module's limit is
an error naming ``FILE:LINE`` and the column. Errors are gathered and reported together, up to
`MAX_PROBLEMS` ("and N more"), so one run of the command shows what to fix.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.errors import InvalidUpload, invalid_upload
from quality.answers import COLUMNS, AnswerSet
from tasks.uploads import UploadError, decode_text, sniff_delimiter

__all__ = [
    "FIELD_LIMIT",
    "MAX_PROBLEMS",
    "Problem",
    "Table",
    "TableError",
    "header_key",
    "read_answers",
    "read_answers_csv",
    "read_file",
    "read_gold_csv",
    "read_labels",
    "read_table",
]

MAX_PROBLEMS = 50
"""Errors listed before the rest is summed up as "and N more"."""

FIELD_LIMIT = 131_072
"""The csv module's default field size limit: a longer cell is refused by every reader alike
(the columnar reader of `engine.columnar` has no limit of its own, so it checks this one)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where (line, column) and what."""

    line: int | None
    field: str | None
    message: str

    def render(self, filename: str) -> str:
        where = filename if self.line is None else f"{filename}:{self.line}"
        what = self.message if self.field is None else f"field '{self.field}': {self.message}"
        return f"{where}: {what}"


class TableError(InvalidUpload):
    """Every problem found in a file (the first `MAX_PROBLEMS`), one ``FILE:LINE`` per line.

    ``line`` and ``field`` are those of the first problem, as for any `InvalidUpload`.
    """

    def __init__(self, filename: str, problems: Sequence[Problem], total: int | None = None):
        first = problems[0]
        super().__init__(filename, first.message, first.line, first.field)
        self.problems = list(problems)
        self.total = len(problems) if total is None else total
        lines = [problem.render(filename) for problem in self.problems]
        if self.total > len(self.problems):
            lines.append(f"{filename}: and {self.total - len(self.problems)} more errors")
        self.args = ("\n".join(lines),)

    @classmethod
    def of(cls, error: InvalidUpload) -> TableError:
        """A file whose one problem is ``error``."""
        return cls(error.filename, [Problem(error.line, error.field, error.message)])


class Problems:
    """Collects a file's problems; keeps the first `MAX_PROBLEMS` and counts the rest."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.kept: list[Problem] = []
        self.total = 0

    def add(self, line: int | None, field: str | None, message: str) -> None:
        self.total += 1
        if len(self.kept) < MAX_PROBLEMS:
            self.kept.append(Problem(line, field, message))

    def raise_if_any(self) -> None:
        if self.total:
            raise TableError(self.filename, self.kept, self.total)


@dataclass(frozen=True)
class Table:
    """The wanted columns of a CSV as exact strings, with the line each row starts on."""

    filename: str
    encoding: str
    delimiter: str
    columns: dict[str, list[str]]
    lines: list[int]

    def __len__(self) -> int:
        return len(self.lines)


def header_key(name: str) -> str:
    """How a header cell is matched: case-insensitive, without whitespace or leading BOMs."""
    return name.strip().lstrip("\ufeff").strip().lower()


def read_file(path: Path) -> bytes:
    """The bytes of ``path``; a missing file, a folder or an unreadable file is a TableError."""
    name = str(path)
    if path.is_dir():
        raise TableError(name, [Problem(None, None, "is a folder, not a file")])
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise TableError(name, [Problem(None, None, "no such file")]) from None
    except OSError as error:
        raise TableError(name, [Problem(None, None, f"cannot read: {error.strerror}")]) from None


def read_table(
    data: bytes,
    filename: str,
    required: Sequence[str],
    *,
    may_be_empty: Collection[str] = (),
    encoding: str | None = None,
) -> Table:
    """Read the ``required`` columns (lower-case names) of a CSV; other columns are ignored.

    Cells of ``may_be_empty`` columns may be blank (a recording's refused labels); every other
    required cell must hold something. Rows whose cells are all blank are skipped, as uploads
    skip them. Raises `TableError` listing every problem; a file with no rows is one.
    """
    problems = Problems(filename)
    try:
        text, used = decode_text(data, filename, encoding=encoding)
    except UploadError as error:
        raise TableError.of(invalid_upload(error)) from None
    delimiter = sniff_delimiter(text, tab_default=filename.lower().endswith(".tsv"))
    columns: dict[str, list[str]] = {name: [] for name in required}
    lines: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    positions: list[tuple[str, int]] | None = None
    header: list[str] = []
    previous_end = 0  # physical line where the previous record ended
    try:
        for row in reader:
            line = previous_end + 1
            previous_end = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if positions is None:
                positions = _positions(row, required, line, problems)
                header = [cell.strip() for cell in row]
                continue
            if len(row) != len(header):
                short = len(row) < len(header)
                problems.add(line, header[len(row)] if short else None,
                             f"row has {len(row)} fields but the header has {len(header)} "
                             f"(delimiter {delimiter!r}); check quoting")  # fmt: skip
                continue
            for name, index in positions:
                value = row[index].strip()
                if not value and name not in may_be_empty:
                    problems.add(line, name, "empty")
                elif "\x00" in value:  # PostgreSQL stores no NUL: refused on both databases
                    problems.add(line, name, "contains a NUL character (0x00)")
                columns[name].append(value)
            lines.append(line)
    except csv.Error as error:
        line = previous_end + 1
        too_long = "field limit" in str(error)
        field = _long_field(text, line, delimiter, positions) if too_long else None
        message = f"a cell is longer than {FIELD_LIMIT:,} characters" if field else str(error)
        problems.add(line, field, f"malformed CSV: {message}")
    if positions is None and not problems.total:
        problems.add(None, None, "the file is empty; a header row is required")
    elif not lines and not problems.total:
        problems.add(None, None, "no rows after the header")
    problems.raise_if_any()
    return Table(filename, used, delimiter, columns, lines)


def _positions(
    header: list[str], required: Sequence[str], line: int, problems: Problems
) -> list[tuple[str, int]]:
    """Where each required column is; a missing or doubled one is a problem of the header."""
    found: dict[str, list[int]] = {}
    for index, cell in enumerate(header):
        found.setdefault(header_key(cell), []).append(index)
    missing = [name for name in required if name not in found]
    if missing:
        problems.add(line, None, f"missing column(s): {', '.join(missing)}")
    for name in required:
        if len(found.get(name, ())) > 1:
            problems.add(line, name, "the column appears twice in the header")
    return [(name, found[name][0]) for name in required if name in found]


_NEWLINE = re.compile(r"\r\n|\r|\n")


def _long_field(
    text: str, line: int, delimiter: str, positions: list[tuple[str, int]] | None
) -> str | None:
    """The column of the cell over `FIELD_LIMIT` in the record starting on ``line`` (the csv
    module says only that one is too long). Walks the record with csv's quoting rules."""
    start = 0
    for number, match in enumerate(_NEWLINE.finditer(text), start=2):
        if number > line:
            break
        start = match.end()
    index = length = 0
    quoted = False
    position = start
    while position < len(text):
        char = text[position]
        position += 1
        if quoted:
            if char == '"':
                if text.startswith('"', position):
                    position += 1
                else:
                    quoted = False
                    continue
        elif char == '"' and length == 0:
            quoted = True
            continue
        elif char == delimiter:
            index, length = index + 1, 0
            continue
        elif char in "\r\n":
            break
        length += 1
        if length > FIELD_LIMIT:
            names = {i: name for name, i in positions or ()}
            return names.get(index, f"column {index + 1}")
    return None


def read_labels(
    data: bytes, filename: str, *, encoding: str | None = None
) -> tuple[dict[str, str], dict[str, int]]:
    """A ``task,label`` file (gold or truth) as ({task: label}, {task: line}).

    A task listed twice with the same label is fine; with two labels it is an error (which one
    would be right?), reported with both lines.
    """
    table = read_table(data, filename, ("task", "label"), encoding=encoding)
    labels: dict[str, str] = {}
    where: dict[str, int] = {}
    problems = Problems(filename)
    for task, label, line in zip(table.columns["task"], table.columns["label"], table.lines,
                                 strict=True):  # fmt: skip
        known = labels.setdefault(task, label)
        where.setdefault(task, line)
        if known != label:
            problems.add(line, "label", f"task {task!r} has two labels: {known!r} "
                         f"(line {where[task]}) and {label!r}")  # fmt: skip
    problems.raise_if_any()
    return labels, where


def read_answers(data: bytes, filename: str, *, encoding: str | None = None) -> AnswerSet:
    """A ``task,worker,label`` file as an `AnswerSet` of exact strings (extra columns ignored).

    A clean file takes the columnar path (`engine.columnar`); anything else, and every file
    with an error, is read here, so both give the same answers and the same errors.
    """
    from engine.columnar import read_answers_fast

    fast = read_answers_fast(data, filename, encoding=encoding)
    if fast is not None:
        return fast
    table = read_table(data, filename, COLUMNS, encoding=encoding)
    return AnswerSet.from_strings(*(table.columns[name] for name in COLUMNS))


def read_answers_csv(path: str | Path, *, encoding: str | None = None) -> AnswerSet:
    """`read_answers` of a file on disk (a missing file or a folder is a TableError)."""
    return read_answers(read_file(Path(path)), str(path), encoding=encoding)


def read_gold_csv(path: str | Path, *, encoding: str | None = None) -> dict[str, str]:
    """{task: label} of a gold (or truth) file on disk, exact strings."""
    return read_labels(read_file(Path(path)), str(path), encoding=encoding)[0]
