"""Benchmark: `simulate --replay` of a recording, on SQLite and PostgreSQL.

Run:  .venv/bin/python benchmarks/replay.py [--answers 10000] [--workers 164] [--items 2000]
                                            [--backend sqlite|postgresql|both] [--profile N]

A recording like the issue's (8,000 answers by 164 workers): each worker answered a random
share of the items (about answers / workers each), right with probability 0.8. The project
asks 3 to 7 answers per item at confidence 0.9, so the replay uses only part of the
recording. Printed: the replay's wall time (project set up before the clock starts), the
answers used, the refused rows, and whether any worker was offered a task outside their
recording (it must not be). The wall time counts the database server's work and the
machine's other load; the CPU time is this process's alone. ``--profile N`` also prints the N
costliest functions of the replay (cProfile, cumulative; the times then include its cost).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from hot_path import postgres_database  # the benchmarks' scratch PostgreSQL database
from sqlalchemy import select

from engine.actors import OPERATOR
from engine.app import Essaim
from engine.config import load_settings
from engine.db import Database
from engine.migrate import upgrade
from engine.models import Assignment, Identity, Item, Task
from engine.queue import JobQueue
from engine.replay import PLATFORM, replay
from engine.services import create_project
from engine.spec import parse_spec

LABELS = ["cat", "dog", "bird"]


def recording(n_answers: int, n_workers: int, n_items: int, seed: int = 0) -> list[tuple]:
    """(item, worker, label) rows: distinct items per worker, 80% right."""
    rng = random.Random(seed)
    truth = [rng.choice(LABELS) for _ in range(n_items)]
    per_worker = max(1, min(n_items, -(-n_answers // n_workers)))  # at least n_answers
    rows = []
    for worker in range(n_workers):
        for item in rng.sample(range(n_items), per_worker):
            label = truth[item] if rng.random() < 0.8 else rng.choice(LABELS)
            rows.append((f"i{item:05d}", f"w{worker}", label))
    return rows


def run(url: str, n_answers: int, n_workers: int, n_items: int, profile: int = 0) -> list[str]:
    folder = Path(tempfile.mkdtemp())
    db = Database(url)
    upgrade(db)
    essaim = Essaim(load_settings(database_url=db.url, redis_url=None), db, JobQueue(db))
    spec = {"name": "Replay", "slug": "replay", "kind": "labeling", "labels": LABELS,
            "overlap": {"min": 3, "max": 7}, "confidence": 0.9}  # fmt: skip
    create_project(db, parse_spec(spec), actor_id=OPERATOR)
    items = "".join(f"i{i:05d},item {i}\n" for i in range(n_items))
    handle = essaim.add_batch(
        "replay", "items.csv", f"id,text\n{items}".encode(), actor_id=OPERATOR
    )
    assert handle.status == "finished", handle.error
    rows = recording(n_answers, n_workers, n_items)
    path = folder / "recording.csv"
    path.write_text("task,worker,label\n" + "".join(f"{t},{w},{lab}\n" for t, w, lab in rows))
    profiler = cProfile.Profile() if profile else None
    started, cpu = time.perf_counter(), time.process_time()
    if profiler is not None:
        profiler.enable()
    report = replay(essaim, "replay", path)
    if profiler is not None:
        profiler.disable()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    recorded = {(w, t) for t, w, _ in rows}
    with db.read() as session:
        offered = session.execute(
            select(Identity.external_id, Item.external_id)
            .join(Assignment, Assignment.contributor_id == Identity.contributor_id)
            .join(Task, Task.id == Assignment.task_id)
            .join(Item, Item.id == Task.item_id)
            .where(Identity.platform == PLATFORM)
        ).all()
    outside = sum((w, t) not in recorded for w, t in offered)
    db.dispose()
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(profile)
    return [
        f"recorded answers {report.recorded_answers:,} by {n_workers} workers on {n_items:,} "
        f"items ({db.dialect})",
        f"replay {seconds:.2f} s (this process's CPU {cpu:.2f} s); "
        f"answers used {report.answers_used:,}; tasks {report.tasks}",
        f"refused {report.refused}; offers outside a worker's recording: {outside}",
    ]


def main(argv: list[str] | None = None) -> list[str]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=164)
    parser.add_argument("--items", type=int, default=2_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args(argv)
    sizes = (args.answers, args.workers, args.items)
    lines: list[str] = []
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            lines += run(f"sqlite:///{folder}/replay.db", *sizes, profile=args.profile)
    if args.backend in ("postgresql", "both"):
        url, drop = postgres_database()
        try:
            lines += run(url, *sizes, profile=args.profile)
        finally:
            drop()
    for line in lines:
        print(line, flush=True)
    return lines


if __name__ == "__main__":
    main()
