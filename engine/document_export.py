"""`essaim export --document`: corrected or translated documents as files of their own kind.

Proofreading and translation projects rebuild each document item (an uploaded ``.md`` or
``.txt`` file, or one row of a CSV or JSON Lines upload) from its decided sentences; a
sentence still undecided keeps its uploaded text, and the summary counts them. Where the
documents go:

- ``-o FOLDER`` (an existing folder, or a path ending in ``/``): one file per document,
  ``<id>.corrected.md`` or ``<id>.<target language>.md`` (``.txt`` for anything not uploaded
  as Markdown), so that the file never takes the name of the uploaded original. Characters
  other than letters, digits, ``.``, ``-`` and ``_`` in an id become ``_``; two ids that
  would give one name get ``-2``, ``-3``.
- ``-o FILE`` or standard output: the one document of a project that has exactly one.

Files are UTF-8 (no BOM) with the line endings of the upload: what was not corrected comes
out as it went in.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath

from engine.db import Database
from engine.exporting import ExportError, open_output
from engine.services.projects import get_project
from engine.services.reporting import export_documents

DOCUMENT_FIELDS = {"proofreading": "corrected", "translation": "translation"}
"""The export field holding the rebuilt document, per task type that has documents."""

MAX_STEM = 120
_UNSAFE = re.compile(r"[^\w.\-]+")


@dataclass(frozen=True)
class DocumentsWritten:
    """What ``write_documents`` did: files written (``-`` for standard output), undecided."""

    paths: list[str]
    undecided: int


@dataclass(frozen=True)
class _Document:
    external_id: str
    extension: str
    text: str
    undecided: int


def write_documents(db: Database, slug: str, path: str | Path | None) -> DocumentsWritten:
    """Write every document of a proofreading or translation project (see module doc)."""
    project = get_project(db, slug)
    field = DOCUMENT_FIELDS.get(project.kind)
    if field is None:
        raise ExportError(
            f"project {slug!r} is a {project.kind} project; --document is for proofreading "
            "and translation projects"
        )
    suffix = (
        ".corrected"
        if project.kind == "proofreading"
        else f".{project.settings.get('target_language', 'translated')}"
    )
    documents = _documents(db, slug, field)
    if path is not None and _is_folder(path):
        return _write_folder(documents, Path(path), suffix)
    return _write_one(documents, path, slug)


def _documents(db: Database, slug: str, field: str) -> Iterator[_Document]:
    for row, filename in export_documents(db, slug):
        extension = ".md" if PurePath(filename).suffix.lower() == ".md" else ".txt"
        yield _Document(str(row["id"]), extension, str(row[field]), len(row["undecided"]))


def _is_folder(path: str | Path) -> bool:
    text = str(path)
    return Path(path).is_dir() or text.endswith(("/", os.sep))


def _write_one(
    documents: Iterator[_Document], path: str | Path | None, slug: str
) -> DocumentsWritten:
    first = next(documents, None)
    if first is None:
        raise ExportError(f"project {slug!r} has no document yet")
    if next(documents, None) is not None:
        raise ExportError(
            f"project {slug!r} has several documents; give a folder with -o (e.g. -o {slug}/)"
        )
    with open_output(path) as out:
        out.write(first.text)
    where = "-" if path is None or str(path) == "-" else str(path)
    return DocumentsWritten([where], first.undecided)


def _write_folder(documents: Iterator[_Document], folder: Path, suffix: str) -> DocumentsWritten:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"{folder}: cannot create the folder: {exc.strerror or exc}") from None
    taken: set[str] = set()
    paths: list[str] = []
    undecided = 0
    for document in documents:
        name = _unique(file_stem(document.external_id), suffix + document.extension, taken)
        with open_output(folder / name) as out:
            out.write(document.text)
        paths.append(str(folder / name))
        undecided += document.undecided
    return DocumentsWritten(paths, undecided)


def file_stem(external_id: str) -> str:
    """A file name from a requester's id: no separators, no leading dot, bounded length."""
    stem = _UNSAFE.sub("_", external_id).strip("._")[:MAX_STEM]
    return stem or "document"


def _unique(stem: str, ending: str, taken: set[str]) -> str:
    """``stem + ending``, numbered when taken (compared without case: macOS, Windows)."""
    name, number = stem + ending, 1
    while name.casefold() in taken:
        number += 1
        name = f"{stem}-{number}{ending}"
    taken.add(name.casefold())
    return name
