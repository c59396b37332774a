"""Benchmark: `essaim export` as a whole process, its peak memory and rows/s, by size.

Run:  .venv/bin/python benchmarks/export.py [--answers 100000 1000000]
                                            [--backend sqlite|postgresql|both] [--no-items]

For each size, a labeling project with overlap 5 is built by inserting rows directly with
SQL (answers/5 items and tasks, each decided with a result, 2,000 contributors, one
assignment per answer), then these commands run as subprocesses, each timed and measured
(peak resident memory from ``wait4``, the child's own):

- ``essaim export bench --raw -o answers.csv``       one row per answer
- ``essaim export bench -o items.csv``               one row per item, with its inputs
- ``essaim export bench --format jsonl -o items.jsonl``

Memory that stays the same from 100k to 1M answers is what streaming means; rows/s counts
the whole process, start-up included.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import insert, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from hot_path import postgres_database  # noqa: E402

from engine import services  # noqa: E402
from engine.actors import OPERATOR  # noqa: E402
from engine.db import Database  # noqa: E402
from engine.migrate import upgrade  # noqa: E402
from engine.models import Batch  # noqa: E402
from engine.spec import parse_spec  # noqa: E402

OVERLAP = 5
WORKERS = 2000
SLUG = "bench"
ESSAIM = str(Path(sys.executable).with_name("essaim"))
AT = "'2026-01-01 00:00:00'"


def series(dialect: str, n: int) -> tuple[str, str]:
    """(prefix, FROM clause) that give the rows n = 1..N."""
    if dialect == "sqlite":
        return (f"WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {n}) ",
                "FROM s")  # fmt: skip
    return "", f"FROM generate_series(1, {n}) AS s(n)"


def build(db: Database, answers: int) -> None:
    """The project and its rows, inserted with SQL (one statement per table)."""
    spec = {"name": "Bench", "slug": SLUG, "kind": "labeling", "labels": ["pos", "neg"],
            "overlap": {"min": OVERLAP, "max": OVERLAP}, "confidence": 0.5}  # fmt: skip
    project = services.create_project(db, parse_spec(spec), actor_id=OPERATOR).id
    tasks = answers // OVERLAP
    sqlite = db.dialect == "sqlite"
    payload = (
        "json_object('text', 'Sentence ' || n || ', with \"quotes\" and a comma', "
        "'source', 'bench')"
        if sqlite
        else "jsonb_build_object('text', 'Sentence ' || n || ', with \"quotes\" and a comma', "
        "'source', 'bench')"
    )
    padded = "printf('%07d', n)" if sqlite else "lpad(n::text, 7, '0')"
    with db.write() as session:
        batch = session.execute(
            insert(Batch).values(project_id=project, filename="bench.csv", status="open",
                                 n_items=tasks, n_tasks=tasks).returning(Batch.id)
        ).scalar_one()  # fmt: skip
        statements = [
            ("contributor", WORKERS,
             "INSERT INTO contributor (id, display_name, notifications, forgotten, created_at) "
             "{w} SELECT n, 'w' || n, true, false, " + AT + " {f}"),
            ("item", tasks,
             "INSERT INTO item (id, project_id, batch_id, external_id, line, payload) "
             f"{{w}} SELECT n, {project}, {batch}, {padded}, n + 1, {payload} {{f}}"),
            ("task", tasks,
             "INSERT INTO task (id, project_id, item_id, batch_id, position, stage, round, "
             "payload, is_gold, status, priority, target, n_answers, n_leased, created_at) "
             f"{{w}} SELECT n, {project}, n, {batch}, 0, 'answer', 1, {payload}, false, "
             f"'complete', 0, {OVERLAP}, {OVERLAP}, 0, {AT} {{f}}"),
            ("result", tasks,
             "INSERT INTO result (task_id, value, key, confidence, method, n_answers, "
             f"decided_at) {{w}} SELECT n, '\"pos\"', 'pos', 0.9, 'mv', {OVERLAP}, {AT} {{f}}"),
            ("assignment", answers,
             "INSERT INTO assignment (id, task_id, contributor_id, project_id, status, "
             f"leased_at, expires_at) {{w}} SELECT n, (n - 1) / {OVERLAP} + 1, "
             f"((n - 1) % {OVERLAP}) * {WORKERS // OVERLAP} + ((n - 1) / {OVERLAP}) % "
             f"{WORKERS // OVERLAP} + 1, {project}, 'answered', {AT}, {AT} {{f}}"),
            ("answer", answers,
             "INSERT INTO answer (id, assignment_id, task_id, contributor_id, value, key, "
             "seconds, counted, flags, created_at) "
             f"{{w}} SELECT a.id, a.id, a.task_id, a.contributor_id, '\"pos\"', 'pos', 4.5, "
             f"true, '{{{{}}}}', {AT} FROM assignment a WHERE a.project_id = {project}"),
        ]  # fmt: skip
        for _table, n, template in statements:
            prefix, source = series(db.dialect, n)
            session.execute(text(template.format(w=prefix, f=source)))
    if not sqlite:
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE")
            )


def measure(url: str, args: list[str], out: Path) -> tuple[int, float, float]:
    """(lines written, seconds, peak resident MiB) of one ``essaim`` process."""
    command = [ESSAIM, "--database-url", url, "export", SLUG, *args, "-o", str(out)]
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    error = child.stderr.read().decode() if child.stderr else ""
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {error}")
    with out.open("rb") as handle:
        lines = sum(1 for _ in handle)
    return lines, seconds, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def run(url: str, backend: str, answers: int, items: bool, folder: Path) -> list[str]:
    db = Database(url)
    upgrade(db)
    start = time.perf_counter()
    build(db, answers)
    built = time.perf_counter() - start
    db.dispose()
    print(f"{backend}: built {answers:,} answers in {built:.1f} s", file=sys.stderr)
    runs = [("--raw csv", ["--raw"], "answers.csv")]
    if items:
        runs += [
            ("items csv", [], "items.csv"),
            ("items jsonl", ["--format", "jsonl"], "items.jsonl"),
        ]
    lines = []
    for label, extra, name in runs:
        written, seconds, rss = measure(url, extra, folder / name)
        rows = written - 1 if name.endswith(".csv") else written  # the CSV header
        lines.append(f"{backend:<11} {answers:>9,} {label:<12} {rows:>9,} {seconds:>8.2f} "
                     f"{rows / seconds:>10,.0f} {rss:>9.1f}")  # fmt: skip
        print(lines[-1], flush=True)
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--no-items", action="store_true", help="Only the --raw export.")
    args = parser.parse_args(argv)
    print(f"{'backend':<11} {'answers':>9} {'export':<12} {'rows':>9} {'seconds':>8} "
          f"{'rows/s':>10} {'peak MiB':>9}")  # fmt: skip
    backends: list[tuple[str, Callable[[Path], tuple[str, Callable[[], object]]]]] = []
    if args.backend in ("sqlite", "both"):
        backends.append(("sqlite", lambda f: (f"sqlite:///{f}/bench.db", lambda: None)))
    if args.backend in ("postgresql", "both"):
        backends.append(("postgresql", lambda f: postgres_database()))
    for backend, database in backends:
        for answers in args.answers:
            with tempfile.TemporaryDirectory() as name:
                folder = Path(name)
                url, drop = database(folder)
                try:
                    run(url, backend, answers, not args.no_items, folder)
                finally:
                    drop()


if __name__ == "__main__":
    main()
