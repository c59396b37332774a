"""`essaim batch add` of large CSV files, as a user runs it: rows per second and peak memory.

Generates CSV files of labeling rows (id, text, a control answer on one row in a hundred),
then for each database (a SQLite file, a fresh PostgreSQL database) creates a project and
runs ``essaim batch add`` as a subprocess. Prints the wall time of the whole command
(process start and imports included), rows per second, and the child's peak resident
memory (``ru_maxrss`` of that child alone, from ``os.wait4``).

    .venv/bin/python benchmarks/ingest.py                  # 200k and 1M rows, both databases
    .venv/bin/python benchmarks/ingest.py --rows 20000 --databases sqlite
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

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


def write_csv(path: Path, rows: int) -> None:
    """``rows`` rows of about 60 bytes: an id, a sentence, a control answer now and then."""
    labels = ("cat", "dog", "bird")
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("id,text,gold\n")
        for n in range(rows):
            words = " ".join(WORDS[(n * 7 + k * 3) % len(WORDS)] for k in range(8))
            gold = labels[n % 3] if n % 100 == 0 else ""
            out.write(f"r{n:07d},Row {n}: {words} — é,{gold}\n")


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


def bench(database: str, csv: Path, rows: int, folder: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESSAIM_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as a user runs it: with the bytecode cache
    dropped = None
    if database == "sqlite":
        url = f"sqlite:///{folder}/bench-{rows}.db"
    else:
        dropped, url = new_postgres()
    try:
        base = [ESSAIM, "--database-url", url]
        run([*base, "db", "upgrade"], env)
        spec = folder / "spec.toml"
        spec.write_text(SPEC)
        run([*base, "project", "create", str(spec)], env)
        seconds, rss, out = run([*base, "batch", "add", "ingest", str(csv)], env)
        print(f"{database:10} {rows:>9,} rows  {seconds:6.1f} s  {rows / seconds:>9,.0f} rows/s  "
              f"peak RSS {rss:4d} MB   {out.strip()}", flush=True)  # fmt: skip
    finally:
        if dropped:
            drop_postgres(dropped)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[200_000, 1_000_000])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="essaim-ingest-"))
    try:
        for rows in args.rows:
            csv = folder / f"rows-{rows}.csv"
            write_csv(csv, rows)
            print(f"{csv.name}: {csv.stat().st_size / 2**20:.1f} MiB", flush=True)
            for database in args.databases:
                bench(database, csv, rows, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
