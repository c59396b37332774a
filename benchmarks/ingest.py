"""`essaim batch add` of large CSV files, as a user runs it: rows per second and peak memory.

Generates CSV files of labeling rows (id, text, a control answer on one row in a hundred),
then for each database (a SQLite file, a fresh PostgreSQL database) creates a project and
runs ``essaim batch add`` as a subprocess. Prints the wall time of the whole command
(process start and imports included), rows per second, and the child's peak resident
memory (``ru_maxrss`` of that child alone, from ``os.wait4``).

``--baseline SRC`` also runs an earlier source tree (``git archive HEAD | tar -x -C SRC``) with
``PYTHONPATH=SRC``, right after the working tree's run on the same file, so that a shared
machine's load falls on both alike; ``--tree SRC`` runs that tree as the working tree.
``--bare`` adds the writes alone, as the ceiling of what the database takes on this machine:
the same item and task rows, prepared beforehand, stored by the driver (PostgreSQL ``COPY``,
SQLite ``executemany``) in one transaction into a fresh database of the same schema, with
no Essaim code in the timed part.

    .venv/bin/python benchmarks/ingest.py                  # 200k and 1M rows, both databases
    .venv/bin/python benchmarks/ingest.py --rows 20000 --databases sqlite
    .venv/bin/python benchmarks/ingest.py --rows 200000 --bare --baseline /tmp/base
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ESSAIM = str(Path(sys.executable).with_name("essaim"))
POSTGRES = os.environ.get(
    "ESSAIM_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
SPEC = """
name = "Ingest benchmark"
slug = "ingest"
kind = "labeling"
labels = ["cat", "dog", "bird"]
overlap = { min = 3, max = 5 }
"""
WORDS = [
    "the",
    "a",
    "small",
    "large",
    "cat",
    "dog",
    "bird",
    "sat",
    "on",
    "mat",
    "ran",
    "over",
    "hill",
    "sang",
    "at",
    "dawn",
    "near",
    "river",
]


LABELS = ("cat", "dog", "bird")


def generated(rows: int) -> Iterator[tuple[str, str, str]]:
    """The rows of the generated file: id, text, control answer (one row in a hundred)."""
    for n in range(rows):
        words = " ".join(WORDS[(n * 7 + k * 3) % len(WORDS)] for k in range(8))
        yield f"r{n:07d}", f"Row {n}: {words} — é", LABELS[n % 3] if n % 100 == 0 else ""


def write_csv(path: Path, rows: int) -> None:
    """``rows`` rows of about 60 bytes: an id, a sentence, a control answer now and then."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("id,text,gold\n")
        for external_id, text, gold in generated(rows):
            out.write(f"{external_id},{text},{gold}\n")


def run(command: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS in MB and stdout of one command (its own rusage)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    out = process.stdout.read().decode()
    err = process.stderr.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{out}\n{err}")
    return seconds, usage.ru_maxrss // 1024, out


def new_postgres() -> tuple[str, str]:
    import psycopg

    name = f"essaim_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return name, POSTGRES.rsplit("/", 1)[0] + "/" + name


def drop_postgres(name: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _environment(source: Path | None) -> dict[str, str]:
    """A user's environment: no ESSAIM_ settings, the bytecode cache on, the tree ``source``
    on the path (None: the installed one)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESSAIM_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPATH", None)
    if source is not None:
        env["PYTHONPATH"] = str(source.resolve())
    return env


@contextmanager
def scratch_project(database: str, folder: Path, env: dict[str, str]) -> Iterator[str]:
    """A new database with the benchmark's project, dropped afterwards: its URL."""
    dropped = None
    if database == "sqlite":
        url = f"sqlite:///{folder}/bench-{uuid.uuid4().hex[:8]}.db"
    else:
        dropped, url = new_postgres()
    try:
        run([ESSAIM, "--database-url", url, "db", "upgrade"], env)
        spec = folder / "spec.toml"
        spec.write_text(SPEC)
        run([ESSAIM, "--database-url", url, "project", "create", str(spec)], env)
        yield url
    finally:
        if dropped:
            drop_postgres(dropped)


def bench(database: str, csv: Path, rows: int, folder: Path, tree: tuple[str, Path | None]) -> None:
    name, source = tree
    env = _environment(source)
    with scratch_project(database, folder, env) as url:
        seconds, rss, out = run([ESSAIM, "--database-url", url, "batch", "add", "ingest",
                                 str(csv)], env)  # fmt: skip
        which = f" [{name}]" if name else ""
        print(f"{database:10} {rows:>9,} rows  {seconds:6.1f} s  {rows / seconds:>9,.0f} rows/s  "
              f"peak RSS {rss:4d} MB  load {os.getloadavg()[0]:.1f}{which}   {out.strip()}",
              flush=True)  # fmt: skip


def bare(database: str, rows: int, folder: Path, source: Path | None) -> None:
    """The writes of an upload of ``rows`` generated rows alone (see the module docstring);
    the schema is made by the tree ``source`` (None: the installed one)."""
    with scratch_project(database, folder, _environment(source)) as url:
        # In a process of its own: the rows prepared here would stay in this process's
        # memory, and a child's peak memory counts its parent's at the fork.
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
            target = url.removeprefix("sqlite:///") if database == "sqlite" else url
            seconds = pool.submit(_bare_writes, database, target, rows).result()
        print(f"{database:10} {rows:>9,} rows  {seconds:6.1f} s  {rows / seconds:>9,.0f} rows/s  "
              f"load {os.getloadavg()[0]:.1f} [bare writes: the driver alone, rows prepared]",
              flush=True)  # fmt: skip


CREATED = "2026-01-01 00:00:00.000000"


def _bare_writes(database: str, target: str, rows: int) -> float:
    items, tasks = _bare_rows(rows)
    if database == "sqlite":
        return _bare_sqlite(target, items, tasks)
    return _bare_postgres(target, items, tasks)


def _bare_rows(rows: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The item and task rows `essaim batch add` stores for the generated file (project 1,
    batch 1), in the columns' order of `engine.bulk.ITEM_COLUMNS` and ``TASK_COLUMNS``."""
    items, tasks = [], []
    for n, (external_id, text, gold) in enumerate(generated(rows), start=1):
        payload = json.dumps({"text": text}, ensure_ascii=False, separators=(",", ":"))
        items.append((n, 1, 1, external_id, n + 1, payload))
        tasks.append((1, n, 1, 0, "answer", 1, payload, bool(gold),
                      json.dumps(gold) if gold else None, "open", 0, 0 if gold else 3, 0, 0,
                      CREATED))  # fmt: skip
    return items, tasks


ITEM_NAMES = "id, project_id, batch_id, external_id, line, payload"
TASK_NAMES = ("project_id, item_id, batch_id, position, stage, round, payload, is_gold, "
              "gold_answer, status, priority, target, n_answers, n_leased, created_at")  # fmt: skip


def _bare_sqlite(path: str, items: list[tuple[Any, ...]], tasks: list[tuple[Any, ...]]) -> float:
    import sqlite3

    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
        connection.execute(f"PRAGMA {pragma}")  # as engine/db.py sets them
    connection.execute(
        "INSERT INTO batch (id, project_id, filename, n_bytes, "
        "allow_repeated_ids, n_repeated_ids, status, n_items, n_tasks, "
        f"created_at) VALUES (1, 1, 'bare', 0, 0, 0, 'pending', 0, 0, '{CREATED}')"
    )
    started = time.perf_counter()
    connection.execute("BEGIN IMMEDIATE")
    for start in range(0, len(items), 5000):
        connection.executemany(
            f"INSERT INTO item ({ITEM_NAMES}) VALUES (?, ?, ?, ?, ?, ?)",
            items[start : start + 5000],
        )
        connection.executemany(
            f"INSERT INTO task ({TASK_NAMES}) VALUES ({', '.join('?' * 15)})",
            tasks[start : start + 5000],
        )
    connection.execute("COMMIT")
    seconds = time.perf_counter() - started
    connection.close()
    return seconds


def _bare_postgres(url: str, items: list[tuple[Any, ...]], tasks: list[tuple[Any, ...]]) -> float:
    import psycopg

    blocks = [_copy_text(items), _copy_text(tasks)]
    with psycopg.connect(url) as connection:
        connection.execute("INSERT INTO batch (id, project_id, filename, n_bytes, "
                           "allow_repeated_ids, n_repeated_ids, status, n_items, n_tasks, "
                           "created_at) VALUES (1, 1, 'bare', 0, false, 0, 'pending', 0, 0, "
                           f"'{CREATED}')")  # fmt: skip
        connection.commit()
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for table, names, data in (("item", ITEM_NAMES, blocks[0]),
                                       ("task", TASK_NAMES, blocks[1])):  # fmt: skip
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for piece in data:
                        copy.write(piece)
        connection.commit()
        return time.perf_counter() - started


def _copy_text(rows: list[tuple[Any, ...]]) -> list[bytes]:
    """``rows`` in COPY's text format, in pieces of about a mebibyte."""
    pieces, lines, size = [], [], 0
    for row in rows:
        line = "\t".join(_copy_value(value) for value in row) + "\n"
        lines.append(line)
        size += len(line)
        if size > 2**20:
            pieces.append("".join(lines).encode())
            lines, size = [], 0
    pieces.append("".join(lines).encode())
    return pieces


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[200_000, 1_000_000])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--baseline", type=Path, help="Source tree of the version to compare.")
    parser.add_argument("--tree", type=Path, help="Source tree to run as the working tree.")
    parser.add_argument("--bare", action="store_true", help="Also time the writes alone.")
    args = parser.parse_args()
    trees: list[tuple[str, Path | None]] = [("working tree" if args.baseline else "", args.tree)]
    if args.baseline is not None:
        trees.append(("baseline", args.baseline))
    folder = Path(tempfile.mkdtemp(prefix="essaim-ingest-"))
    try:
        for rows in args.rows:
            csv = folder / f"rows-{rows}.csv"
            write_csv(csv, rows)
            print(f"{csv.name}: {csv.stat().st_size / 2**20:.1f} MiB", flush=True)
            for database in args.databases:
                for tree in trees:
                    bench(database, csv, rows, folder, tree)
                if args.bare:
                    bare(database, rows, folder, args.tree)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
