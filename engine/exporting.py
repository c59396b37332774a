"""Writing exports to files: CSV or JSON Lines, one row per item or one per raw answer.

Rows stream from the database to the file (memory stays flat however many rows), into a
``.part`` file beside the target that replaces it only once complete: a failed export never
leaves half a file, nor clobbers the previous one.

A per-item row carries the fields the requester uploaded (except the id, which has its own
column, and the gold answer): JSON Lines keeps them in an ``input`` object, CSV writes each
as a column ``input.<field>`` after the result's columns (the names `pandas.json_normalize`
gives the JSON Lines), so no uploaded field can take the name of a result column.

Spreadsheet formulas (OWASP "CSV injection"): a CSV cell that begins with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return is written with a leading ``'``, so that Excel,
LibreOffice or Google Sheets show it as text instead of running it; plain numbers such as
``-5`` or ``+3.2`` are left alone, so numeric columns stay numeric. ``formulas="keep"``
(``essaim export --formulas keep``) writes every cell exactly as stored, for machine round
trips. JSON Lines is never altered.
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from engine.db import Database
from engine.errors import EssaimError
from engine.services.reporting import INPUT, export_answers, export_input_fields, export_items

FORMATS = ("csv", "jsonl")
FORMULAS = ("escape", "keep")
"""``escape``: neutralise cells a spreadsheet would run as formulas (the default); ``keep``."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP's list)."""

_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


class ExportError(EssaimError):
    """An export that cannot be written (a folder given as the file, an unwritable path)."""


def guard_formula(text: str) -> str:
    """``text`` as a spreadsheet will show it rather than run it: see the module docstring."""
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def write_export(
    db: Database,
    slug: str,
    path: str | Path | None,
    *,
    fmt: str = "csv",
    raw: bool = False,
    formulas: str = "escape",
) -> int:
    """Stream the export to ``path`` (``None`` or ``-``: standard output); returns rows."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if formulas not in FORMULAS:
        raise ValueError(f"unknown formulas mode {formulas!r}; use one of {', '.join(FORMULAS)}")
    check_output(path)
    escape = formulas == "escape"
    if raw:
        rows = export_answers(db, slug)
        with open_output(path) as out:
            return write_csv(out, rows, escape=escape) if fmt == "csv" else write_jsonl(out, rows)
    if fmt == "jsonl":
        with open_output(path) as out:
            return write_jsonl(out, export_items(db, slug))
    fields, last = export_input_fields(db, slug)  # the header before the first row
    with open_output(path) as out:
        return write_csv(out, export_items(db, slug, up_to=last), input_fields=fields,
                         escape=escape)  # fmt: skip


def write_csv(
    out: IO[str],
    rows: Iterable[dict[str, Any]],
    *,
    input_fields: Sequence[str] = (),
    escape: bool = True,
) -> int:
    """Write rows under the first row's columns, its ``input`` object spread over
    ``input.<field>`` columns (``input_fields``: every field any row holds)."""
    writer = csv.writer(out)
    known = set(input_fields)
    columns: list[str] | None = None
    count = 0
    for row in rows:
        if columns is None:
            columns = [key for key in row if key != INPUT]
            writer.writerow(columns + [f"{INPUT}.{name}" for name in input_fields])
        inputs: dict[str, Any] = row.get(INPUT) or {}
        if not inputs.keys() <= known:  # a field the header lacks would be lost
            extra = ", ".join(sorted(inputs.keys() - known))
            raise ExportError(f"item {row.get('id')!r} has fields outside the header: {extra}")
        cells = [row.get(key) for key in columns] + [inputs.get(name) for name in input_fields]
        writer.writerow([_cell(value, escape) for value in cells])
        count += 1
    return count


def write_jsonl(out: IO[str], rows: Iterable[dict[str, Any]]) -> int:
    """One JSON object per line, values as stored (non-ASCII kept, never escaped away)."""
    count = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        count += 1
    return count


def _cell(value: Any, escape: bool) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return ""
    if escape and isinstance(value, str):
        return guard_formula(value)
    return value


def check_output(path: str | Path | None) -> None:
    """Refuse a folder as the output file before any work starts."""
    if path is not None and str(path) != "-" and Path(path).is_dir():
        raise ExportError(
            f"{path}: is a folder; give a file name (--document writes into a folder)"
        )


@contextmanager
def open_output(path: str | Path | None, encoding: str = "utf-8") -> Iterator[IO[str]]:
    """Standard output, or a ``.part`` file that replaces ``path`` once written whole."""
    if path is None or str(path) == "-":
        yield sys.stdout
        return
    target = Path(path)
    check_output(target)
    part = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle = part.open("w", encoding=encoding, newline="")
    except OSError as exc:
        raise ExportError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        with handle:
            yield handle
        try:
            os.replace(part, target)
        except OSError as exc:
            raise ExportError(f"{path}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
