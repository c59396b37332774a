"""Writing exports to files: CSV or JSON Lines, per item or per raw answer."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from engine.db import Database
from engine.services.reporting import export_answers, export_items

FORMATS = ("csv", "jsonl")


def export_rows(db: Database, slug: str, *, raw: bool = False) -> Iterator[dict[str, Any]]:
    return export_answers(db, slug) if raw else export_items(db, slug)


def write_export(
    db: Database, slug: str, path: str | Path | None, *, fmt: str = "csv", raw: bool = False
) -> int:
    """Stream the export to ``path`` (``None`` or ``-``: standard output); returns rows."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    with _open(path) as out:
        rows = export_rows(db, slug, raw=raw)
        return write_csv(out, rows) if fmt == "csv" else write_jsonl(out, rows)


def write_csv(out: IO[str], rows: Iterable[dict[str, Any]]) -> int:
    writer: csv.DictWriter[str] | None = None
    count = 0
    for row in rows:
        if writer is None:
            writer = csv.DictWriter(out, fieldnames=list(row), extrasaction="ignore")
            writer.writeheader()
        writer.writerow({key: _cell(value) for key, value in row.items()})
        count += 1
    return count


def write_jsonl(out: IO[str], rows: Iterable[dict[str, Any]]) -> int:
    count = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        count += 1
    return count


def _cell(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


@contextmanager
def _open(path: str | Path | None) -> Iterator[IO[str]]:
    if path is None or str(path) == "-":
        yield sys.stdout
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8", newline="") as handle:
        yield handle
