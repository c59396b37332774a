"""How quickly the command line answers: ``essaim --help`` and ``essaim status`` on a big
project, whole processes, as a person at a terminal waits for them.

A project of ``--items`` items (one task each) with three answers on a third of its tasks
is built once per database by inserting rows directly (the upload path is benchmarked
elsewhere); later runs find it and only time. Prints the best and the median of ``--runs``
runs of each process.

    python benchmarks/cli_speed.py [--items 100000] [--runs 7] [--backend sqlite|postgresql|both]
                                   [--sqlite-path /tmp/essaim_cli_speed.db]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ESSAIM = str(Path(sys.executable).with_name("essaim"))
POSTGRES = os.environ.get(
    "ESSAIM_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/essaim_cli_speed"
)
SLUG = "speed"
CONTRIBUTORS = 300
CHUNK = 20_000


def build(url: str, n_items: int) -> None:
    """The project ``speed`` with ``n_items`` items, unless it is already there."""
    from sqlalchemy import func, insert, select

    from engine import services
    from engine.db import Database
    from engine.migrate import upgrade
    from engine.models import Answer, Assignment, Batch, Contributor, Identity, Item, Project, Task
    from engine.spec import parse_spec

    _create_postgres_database(url)
    db = Database(url)
    upgrade(db)
    with db.read() as session:
        project_id = session.execute(select(Project.id).where(Project.slug == SLUG)).scalar()
        if project_id is not None:
            count = session.execute(
                select(func.count()).select_from(Item).where(Item.project_id == project_id)
            ).scalar_one()
            if count == n_items:
                return
            raise SystemExit(f"{url}: project {SLUG!r} has {count} items, not {n_items}")
    spec = {"name": "Speed", "slug": SLUG, "kind": "labeling", "labels": ["a", "b", "c"]}
    project_id = services.create_project(db, parse_spec(spec)).id
    started = time.perf_counter()
    now = datetime.now(UTC)
    with db.write() as session:
        batch_id = session.execute(
            insert(Batch).values(project_id=project_id, filename="speed.csv", status="done",
                                 n_items=n_items, n_tasks=n_items).returning(Batch.id)
        ).scalar_one()  # fmt: skip
        people = session.execute(
            insert(Contributor).returning(Contributor.id),
            [{"display_name": f"p{i}"} for i in range(CONTRIBUTORS)],
        ).scalars().all()  # fmt: skip
        session.execute(insert(Identity), [
            {"platform": "bench", "external_id": f"speed-{i}", "contributor_id": person}
            for i, person in enumerate(people)
        ])  # fmt: skip
    for start in range(0, n_items, CHUNK):
        stop = min(start + CHUNK, n_items)
        with db.write() as session:
            items = session.execute(
                insert(Item).returning(Item.id, sort_by_parameter_order=True),
                [{"project_id": project_id, "batch_id": batch_id, "external_id": f"i{n}",
                  "line": n + 2, "payload": {"text": f"item {n}"}} for n in range(start, stop)],
            ).scalars().all()  # fmt: skip
            answered = [n % 3 == 0 for n in range(start, stop)]
            tasks = session.execute(
                insert(Task).returning(Task.id, sort_by_parameter_order=True),
                [{"project_id": project_id, "item_id": item, "batch_id": batch_id,
                  "payload": {"text": f"item {start + k}"}, "target": 3,
                  "status": "complete" if answered[k] else "open",
                  "n_answers": 3 if answered[k] else 0}
                 for k, item in enumerate(items)],
            ).scalars().all()  # fmt: skip
            rows = [
                (task, people[(k * 7 + j) % CONTRIBUTORS])
                for k, task in enumerate(tasks)
                if answered[k]
                for j in range(3)
            ]
            leases = session.execute(
                insert(Assignment).returning(Assignment.id, sort_by_parameter_order=True),
                [{"task_id": t, "contributor_id": c, "project_id": project_id,
                  "status": "answered", "leased_at": now, "expires_at": now + timedelta(minutes=10)}
                 for t, c in rows],
            ).scalars().all()  # fmt: skip
            session.execute(insert(Answer), [
                {"assignment_id": lease, "task_id": t, "contributor_id": c, "value": "a",
                 "key": "a", "seconds": 3.0, "counted": True, "flags": {}, "created_at": now}
                for lease, (t, c) in zip(leases, rows, strict=True)
            ])  # fmt: skip
    print(f"  built {n_items} items in {time.perf_counter() - started:.1f} s", flush=True)
    _analyze(db)
    db.dispose()


def _create_postgres_database(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
        ).scalar()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def _analyze(db: Any) -> None:
    """Fresh planner statistics, as autovacuum would give a project of this size."""
    from sqlalchemy import text

    with db.engine.begin() as connection:
        connection.execute(text("ANALYZE"))


def timed(args: list[str], runs: int, env: dict[str, str]) -> tuple[float, float]:
    """Best and median wall time of ``runs`` whole processes (the first one is not counted:
    it fills the page cache)."""
    times = []
    for attempt in range(runs + 1):
        started = time.perf_counter()
        done = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed: {done.stderr.strip()}")
        if attempt:
            times.append(elapsed)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--sqlite-path", default="/tmp/essaim_cli_speed.db")
    options = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESSAIM_")}
    best, median = timed([ESSAIM, "--help"], options.runs, env)
    print(f"essaim --help: best {best:.3f} s, median {median:.3f} s")
    best, median = timed([ESSAIM, "status", "--help"], options.runs, env)
    print(f"essaim status --help: best {best:.3f} s, median {median:.3f} s")
    urls = []
    if options.backend in ("sqlite", "both"):
        urls.append(("sqlite", f"sqlite:///{options.sqlite_path}"))
    if options.backend in ("postgresql", "both"):
        urls.append(("postgresql", POSTGRES))
    for name, url in urls:
        build(url, options.items)
        best, median = timed([ESSAIM, "--database-url", url, "status", SLUG], options.runs, env)
        print(f"essaim status ({name}, {options.items} items): "
              f"best {best:.3f} s, median {median:.3f} s")  # fmt: skip


if __name__ == "__main__":
    main()
