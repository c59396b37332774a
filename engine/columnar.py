"""The fast path of `essaim aggregate`: a clean answers CSV read by pyarrow, ids coded by hashing.

A million answers through `csv` and `np.unique` on Python strings took seconds; pyarrow's
multi-threaded CSV reader and `dictionary_encode` (a hash table, no sort) take a fraction of
that. The rules are those of `engine.tables` and the result is the same `AnswerSet` (tasks
and workers in first-seen order, labels sorted), so this path only decides *faster*: whenever
the file holds anything the two readers could read differently (a quote character, a cell to
trim, an empty cell, a ragged row, bytes pyarrow refuses), it returns None and the strict
reader reads the file, reporting every problem with its line.
"""

from __future__ import annotations

import csv
import io
import logging
from typing import Any

import numpy as np

from engine.tables import FIELD_LIMIT, header_key
from quality.answers import COLUMNS, AnswerSet, sort_codes
from tasks.encodings import detect_encoding, normalise_encoding
from tasks.uploads import sniff_delimiter

__all__ = ["read_answers_fast"]

log = logging.getLogger(__name__)

_SAMPLE = 1 << 16
"""Bytes looked at to sniff the delimiter and read the header."""

_UTF8 = ("utf-8", "utf-8-sig")


def read_answers_fast(
    data: bytes, filename: str, *, encoding: str | None = None
) -> AnswerSet | None:
    """The answers of a clean file, or None when the strict reader has to decide."""
    if b'"' in data or b"\x00" in data:  # quoting, NUL: the strict reader decides or refuses
        return None
    utf8 = _as_utf8(data, encoding)
    if utf8 is None:
        return None
    sample = utf8[:_SAMPLE].decode("utf-8-sig", errors="ignore")
    delimiter = sniff_delimiter(sample, tab_default=filename.lower().endswith(".tsv"))
    header = _header(sample, delimiter)
    if header is None:
        return None
    positions = _positions(header)
    if positions is None:
        return None
    columns = _read(utf8, filename, delimiter, len(header), positions)
    if columns is None:
        return None
    coded = []
    for name in COLUMNS:
        column = columns[name]
        if len(column) < 2 or column[0].as_py() != header[positions[name]]:
            return None
        found = _code(column.slice(1))
        if found is None:
            return None
        coded.append(found)
    (task, task_ids), (worker, worker_ids), (label, labels) = coded
    label, labels = sort_codes(label, labels)
    return AnswerSet(task, worker, label, task_ids, worker_ids, labels)


def _as_utf8(data: bytes, encoding: str | None) -> bytes | None:
    """The file as UTF-8 bytes (pyarrow reads nothing else); None when it does not decode."""
    name = detect_encoding(data) if encoding is None else normalise_encoding(encoding)
    if name is None:
        return None
    if name in _UTF8:
        return data  # pyarrow drops a leading UTF-8 BOM itself and checks the bytes
    try:
        return data.decode(name).encode("utf-8")
    except (UnicodeError, LookupError):
        return None


def _header(sample: str, delimiter: str) -> list[str] | None:
    """The header cells as csv reads them (the first line with something in it)."""
    for line in sample.splitlines(keepends=True):
        if line.strip():
            if not line.endswith(("\n", "\r")):
                return None  # a header longer than the sample: leave it to the strict reader
            return next(csv.reader(io.StringIO(line, newline=""), delimiter=delimiter))
    return None


def _positions(header: list[str]) -> dict[str, int] | None:
    """Column index of task, worker and label; None when one is missing or doubled."""
    keys = [header_key(cell) for cell in header]
    if any(keys.count(name) != 1 for name in COLUMNS):
        return None
    return {name: keys.index(name) for name in COLUMNS}


def _read(
    data: bytes, filename: str, delimiter: str, width: int, positions: dict[str, int]
) -> dict | None:
    """The three columns as pyarrow chunked string arrays (the header cell first), or None."""
    import pyarrow as pa
    from pyarrow import csv as pacsv

    # The system allocator: pyarrow's default (mimalloc) pays ~60 ms of first-use page
    # faults in the first hash table of a million strings, a twentieth of the whole command.
    pa.set_memory_pool(pa.system_memory_pool())

    names = [f"c{i}" for i in range(width)]
    wanted = {name: names[index] for name, index in positions.items()}
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=True),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char=False,
                                             double_quote=False, newlines_in_values=False,
                                             ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in wanted.values()},
                include_columns=list(wanted.values()), strings_can_be_null=False,
                null_values=[]),
        )  # fmt: skip
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as refusal:
        # A ragged row, bytes that are not UTF-8...: not this path's to judge. The caller
        # then reads the file with the strict reader, which names every bad line.
        log.debug("%s: read by the strict reader, pyarrow refused it: %s", filename, refusal)
        return None
    return {name: table.column(column) for name, column in wanted.items()}


def _code(column: object) -> tuple[np.ndarray, np.ndarray] | None:
    """(int64 codes, object array of values) in first-seen order, by a hash table.

    None when a value is empty, over `FIELD_LIMIT`, or begins or ends with whitespace (the
    strict reader trims it or names it; checked on the distinct values only).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    encoded = column.dictionary_encode()  # type: ignore[attr-defined]
    if encoded.num_chunks == 0:
        return None
    values = encoded.chunk(0).dictionary
    if not all(chunk.dictionary.equals(values) for chunk in encoded.chunks):
        encoded = pa.chunked_array([column.combine_chunks().dictionary_encode()])  # type: ignore[attr-defined]
        values = encoded.chunk(0).dictionary
    lengths = pc.utf8_length(values)
    if pc.min(lengths).as_py() < 1 or pc.max(lengths).as_py() > FIELD_LIMIT:
        return None
    ends = pa.concat_arrays([pc.utf8_slice_codeunits(values, 0, 1),
                             pc.utf8_slice_codeunits(values, -1, FIELD_LIMIT + 1)])  # fmt: skip
    if any(char.isspace() for char in pc.unique(ends).to_pylist()):
        return None
    # Not `to_numpy()`: it imports pandas (a third of a second) to look for pandas types.
    # The chunks of a chunked column share one dictionary (one hash table for all).
    codes = np.concatenate([_indices(chunk.indices) for chunk in encoded.chunks])
    uniques = values.to_pylist()
    return codes.astype(np.int64), np.fromiter(uniques, object, len(uniques))


def _indices(indices: object) -> np.ndarray:
    """The int32 indices of a dictionary chunk, as a view on its buffer."""
    offset = indices.offset  # type: ignore[attr-defined]
    buffer = indices.buffers()[1]  # type: ignore[attr-defined]
    count = len(indices) + offset  # type: ignore[arg-type]
    return np.frombuffer(buffer, dtype=np.int32, count=count)[offset:]


def result_rows(tasks: list[str], labels: list[str], codes: np.ndarray, conf: np.ndarray) -> bytes:
    """``task,label,confidence\\r\\n`` lines (CSV cells already quoted where needed), joined
    by pyarrow: ``f"{conf:.6f}"`` per row was half the writing of 200,000 results.

    Confidences are written to six decimals exactly as Python formats them: from the integer
    of millionths, except where that integer could differ (a value within 1e-7 of a
    rounding tie, outside [0, 1], or not finite), which Python formats itself.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    scaled = conf * 1e6
    unsure = ~np.isfinite(scaled) | (conf < 0) | (conf > 1)
    unsure |= np.abs(scaled - np.floor(np.where(unsure, 0, scaled)) - 0.5) < 1e-7
    micro = np.rint(np.where(unsure, 0, scaled)).astype(np.int64)
    # Separators as scalars taken from an array: `pa.scalar` would import pandas too.
    point, nothing, line_end, comma = _string_array([".", "", "\r\n", ","])
    whole = _int_array(micro // 1_000_000).cast(pa.string())
    fraction = pc.utf8_lpad(_int_array(micro % 1_000_000).cast(pa.string()), 6, "0")
    shown = pc.binary_join_element_wise(whole, fraction, point)
    if unsure.any():
        fixed = shown.to_pylist()
        for index in np.flatnonzero(unsure).tolist():
            fixed[index] = f"{conf[index]:.6f}"
        shown = _string_array(fixed)
    ended = pc.binary_join_element_wise(shown, nothing, line_end)
    label_cells = pc.take(_string_array(labels), _int_array(codes))
    task_cells = _string_array(tasks)
    if pa.types.is_large_string(task_cells.type):  # over 2 GiB of ids: one kind for all
        label_cells, ended = label_cells.cast(pa.large_string()), ended.cast(pa.large_string())
    if pa.types.is_large_string(task_cells.type):
        comma = comma.cast(pa.large_string())
    lines = pc.binary_join_element_wise(task_cells, label_cells, ended, comma)
    if len(lines) == 0:
        return b""
    width = np.int64 if pa.types.is_large_string(lines.type) else np.int32
    offsets = np.frombuffer(lines.buffers()[1], dtype=width, count=len(lines) + lines.offset + 1)
    start, stop = int(offsets[lines.offset]), int(offsets[-1])
    return bytes(memoryview(lines.buffers()[2])[start:stop])


# Not `pa.array(...)` nor `pa.scalar(...)`: they import pandas (a sixth of a second) to look
# for pandas types.


def _int_array(values: np.ndarray) -> Any:
    """An int64 pyarrow array over the numpy array's memory."""
    import pyarrow as pa

    data = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(data), [None, pa.py_buffer(data)])


def _string_array(values: list[str]) -> Any:
    """A pyarrow string array of ``values``: their UTF-8 bytes end to end, and offsets."""
    import pyarrow as pa

    joined = "".join(values)
    if joined.isascii():
        lengths = np.fromiter(map(len, values), np.int64, len(values))
    else:
        lengths = np.fromiter((len(v.encode("utf-8")) for v in values), np.int64, len(values))
    data = joined.encode("utf-8")
    small = len(data) < 2**31  # pyarrow's `string` has 32-bit offsets
    offsets = np.zeros(len(values) + 1, dtype=np.int32 if small else np.int64)
    np.cumsum(lengths, out=offsets[1:])
    kind = pa.string() if small else pa.large_string()
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    return pa.Array.from_buffers(kind, len(values), buffers)
