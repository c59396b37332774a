"""How quickly the command line answers: ``essaim --help`` and ``essaim status`` on a big
project, whole processes, as a person at a terminal waits for them.

A project of ``--items`` items (one task each) with three answers on a third of its tasks
is built once per database by inserting rows directly (the upload path is benchmarked
elsewhere); later runs find it and only time. Prints the best and the median of ``--runs``
runs of each process, with the load average while they ran.

``--baseline SRC`` also times an earlier version of the code, a source tree made for
instance with ``git archive HEAD | tar -x -C /tmp/base``: its processes run with
``PYTHONPATH=SRC`` (the same virtualenv), alternately with the working tree's, so that the
load of a shared machine falls on both alike. ``--tree SRC`` times another source tree as the
working tree (a copy holding only one's own changes, when others' unfinished work shares the
checkout). Both must agree on the schema: a baseline
without the working tree's newest migration cannot open a database upgraded by it.

``--index-cost N`` instead weighs a candidate index for the status counts, ``(project_id,
stage, is_gold, status)`` on ``task``, against the writes it would slow: the bulk insert of
N tasks (an upload's task rows) and 2,000 status changes, one transaction each (tasks
completing), with and without the index in turns, on scratch databases.

    python benchmarks/cli_speed.py [--items 100000] [--runs 7] [--backend sqlite|postgresql|both]
                                   [--sqlite-path /tmp/essaim_cli_speed.db] [--baseline SRC]
                                   [--tree SRC] [--index-cost N]
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
    from engine.actors import OPERATOR
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
    project_id = services.create_project(db, parse_spec(spec), actor_id=OPERATOR).id
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


def timed(
    args: list[str], runs: int, variants: dict[str, dict[str, str]]
) -> dict[str, tuple[float, float]]:
    """Best and median wall time of ``runs`` whole processes in each variant (name → the
    environment to run in), the variants taking turns; each variant's first process is not
    counted: it fills the page cache."""
    times: dict[str, list[float]] = {name: [] for name in variants}
    for attempt in range(runs + 1):
        for name, env in variants.items():
            started = time.perf_counter()
            done = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
            elapsed = time.perf_counter() - started
            if done.returncode != 0:
                raise SystemExit(f"{name}: {' '.join(args)} failed: {done.stderr.strip()}")
            if attempt:
                times[name].append(elapsed)
    return {name: (min(t), statistics.median(t)) for name, t in times.items()}


def report(label: str, args: list[str], runs: int, variants: dict[str, dict[str, str]]) -> None:
    """Time ``args`` in every variant and print one line per variant with the load."""
    results = timed(args, runs, variants)
    load = "/".join(f"{value:.2f}" for value in os.getloadavg())
    for name, (best, median) in results.items():
        which = f" [{name}]" if len(variants) > 1 else ""
        print(f"{label}{which}: best {best:.3f} s, median {median:.3f} s (load {load})",
              flush=True)  # fmt: skip


CANDIDATE_INDEX = "CREATE INDEX ix_task_status_counts ON task (project_id, stage, is_gold, status)"
STATUS_CHANGES = 2_000


def index_cost(url: str, n_tasks: int, rounds: int) -> None:
    """Median seconds of the writes the candidate index would slow, without it and with it."""
    from sqlalchemy import insert, text

    from engine import bulk, services
    from engine.actors import OPERATOR
    from engine.db import Database
    from engine.migrate import upgrade
    from engine.models import Batch
    from engine.spec import parse_spec

    _create_postgres_database(url)
    db = Database(url)
    upgrade(db)
    with db.write() as session:  # what an interrupted run left
        session.execute(text("DROP INDEX IF EXISTS ix_task_status_counts"))
        session.execute(text("DELETE FROM project WHERE slug = 'index-cost'"))
    spec = {"name": "Index cost", "slug": "index-cost", "kind": "labeling", "labels": ["a", "b"]}
    project_id = services.create_project(db, parse_spec(spec), actor_id=OPERATOR).id
    with db.write() as session:
        connection = session.connection()
        batch_id = session.execute(
            insert(Batch).values(project_id=project_id, filename="cost.csv", status="done",
                                 n_items=n_tasks, n_tasks=n_tasks).returning(Batch.id)
        ).scalar_one()  # fmt: skip
        items = bulk.IdRange(connection, "item").take(n_tasks)
        bulk.insert_rows(connection, "item", bulk.ITEM_COLUMNS,
                         [(item, project_id, batch_id, f"i{item}", 0, '{"text": "t"}')
                          for item in items])  # fmt: skip
        created = bulk.timestamp(connection, datetime.now(UTC))
    values = {"project_id": project_id, "batch_id": batch_id, "position": 0, "stage": "answer",
              "round": 1, "payload": '{"text": "t"}', "is_gold": False, "gold_answer": None,
              "status": "open", "priority": 0, "target": 3, "n_answers": 0, "n_leased": 0,
              "created_at": created}  # fmt: skip
    rows = [tuple({**values, "item_id": item}[name] for name in bulk.TASK_COLUMNS)
            for item in items]  # fmt: skip
    times: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
    for _ in range(rounds):
        for indexed in (False, True):
            with db.write() as session:
                session.execute(text("DROP INDEX IF EXISTS ix_task_status_counts"))
                if indexed:
                    session.execute(text(CANDIDATE_INDEX))
            with db.write() as session:
                started = time.perf_counter()
                bulk.insert_rows(session.connection(), "task", bulk.TASK_COLUMNS, rows)
                inserted = time.perf_counter() - started
            with db.read() as session:
                tasks = session.execute(
                    text("SELECT id FROM task WHERE project_id = :p ORDER BY id LIMIT :n"),
                    {"p": project_id, "n": STATUS_CHANGES},
                ).scalars().all()  # fmt: skip
            started = time.perf_counter()
            for task in tasks:
                with db.write() as session:
                    session.execute(text("UPDATE task SET status = 'complete' WHERE id = :t"),
                                    {"t": task})  # fmt: skip
            times[indexed].append((inserted, time.perf_counter() - started))
            with db.write() as session:
                session.execute(text("DELETE FROM task WHERE project_id = :p"), {"p": project_id})
    with db.write() as session:
        session.execute(text("DROP INDEX IF EXISTS ix_task_status_counts"))
        session.execute(text("DELETE FROM project WHERE id = :p"), {"p": project_id})
    db.dispose()
    load = "/".join(f"{value:.2f}" for value in os.getloadavg())
    for indexed, runs in times.items():
        insert_s = statistics.median(run[0] for run in runs)
        update_s = statistics.median(run[1] for run in runs)
        print(f"{'with' if indexed else 'without'} the index: insert {n_tasks} tasks "
              f"{insert_s:.3f} s, {STATUS_CHANGES} status changes {update_s:.3f} s "
              f"(medians of {rounds}, load {load})", flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--sqlite-path", default="/tmp/essaim_cli_speed.db")
    parser.add_argument("--baseline", type=Path, help="Source tree of the version to compare.")
    parser.add_argument("--tree", type=Path, help="Source tree to time as the working tree.")
    parser.add_argument("--index-cost", type=int, metavar="N",
                        help="Weigh the status-count index on N tasks instead.")  # fmt: skip
    options = parser.parse_args()
    if options.index_cost:
        scratch = {"sqlite": "sqlite:////tmp/essaim_index_cost.db",
                   "postgresql": POSTGRES.rsplit("/", 1)[0] + "/essaim_index_cost"}  # fmt: skip
        for name in ("sqlite", "postgresql"):
            if options.backend in (name, "both"):
                print(f"{name}:", flush=True)
                index_cost(scratch[name], options.index_cost, options.runs)
        return
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESSAIM_")}
    env.pop("PYTHONPATH", None)
    # As a user runs it: with the bytecode cache (a sandbox may set this to keep trees clean;
    # then every module of the project is compiled from source at each start, +20-40 ms).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    variants = {"working tree": env}
    for name, tree in (("working tree", options.tree), ("baseline", options.baseline)):
        if tree is None:
            continue
        if not (tree / "engine" / "__init__.py").is_file():
            raise SystemExit(f"{tree}: not a source tree (no engine/__init__.py)")
        variants[name] = {**env, "PYTHONPATH": str(tree.resolve())}
    report("essaim --help", [ESSAIM, "--help"], options.runs, variants)
    report("essaim status --help", [ESSAIM, "status", "--help"], options.runs, variants)
    urls = []
    if options.backend in ("sqlite", "both"):
        urls.append(("sqlite", f"sqlite:///{options.sqlite_path}"))
    if options.backend in ("postgresql", "both"):
        urls.append(("postgresql", POSTGRES))
    for name, url in urls:
        build(url, options.items)
        report(f"essaim status ({name}, {options.items} items)",
               [ESSAIM, "--database-url", url, "status", SLUG], options.runs, variants)  # fmt: skip


if __name__ == "__main__":
    main()
