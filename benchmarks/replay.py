"""Benchmark: `simulate --replay` of a recording, on the embedded SQLite database.

Run:  .venv/bin/python benchmarks/replay.py [--answers 10000] [--workers 164] [--items 2000]

A recording like the issue's (8,000 answers by 164 workers): each worker answered a random
share of the items (about answers / workers each), right with probability 0.8. The project
asks 3 to 7 answers per item at confidence 0.9, so the replay uses only part of the
recording. Printed: the replay's wall time (project set up before the clock starts), the
answers used, the refused rows, and whether any worker was offered a task outside their
recording (it must not be).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select

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
    per_worker = max(1, min(n_items, n_answers // n_workers))
    rows = []
    for worker in range(n_workers):
        for item in rng.sample(range(n_items), per_worker):
            label = truth[item] if rng.random() < 0.8 else rng.choice(LABELS)
            rows.append((f"i{item:05d}", f"w{worker}", label))
    return rows


def run(n_answers: int, n_workers: int, n_items: int) -> list[str]:
    folder = Path(tempfile.mkdtemp())
    db = Database(f"sqlite:///{folder}/replay.db")
    upgrade(db)
    essaim = Essaim(load_settings(database_url=db.url, redis_url=None), db, JobQueue(db))
    spec = {"name": "Replay", "slug": "replay", "kind": "labeling", "labels": LABELS,
            "overlap": {"min": 3, "max": 7}, "confidence": 0.9}  # fmt: skip
    create_project(db, parse_spec(spec))
    items = "".join(f"i{i:05d},item {i}\n" for i in range(n_items))
    handle = essaim.add_batch("replay", "items.csv", f"id,text\n{items}".encode())
    assert handle.status == "finished", handle.error
    rows = recording(n_answers, n_workers, n_items)
    path = folder / "recording.csv"
    path.write_text("task,worker,label\n" + "".join(f"{t},{w},{lab}\n" for t, w, lab in rows))
    started = time.perf_counter()
    report = replay(essaim, "replay", path)
    seconds = time.perf_counter() - started
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
    return [
        f"recorded answers {report.recorded_answers:,} by {n_workers} workers on {n_items:,} "
        f"items (SQLite)",
        f"replay {seconds:.2f} s; answers used {report.answers_used:,}; tasks {report.tasks}",
        f"refused {report.refused}; offers outside a worker's recording: {outside}",
    ]


def main(argv: list[str] | None = None) -> list[str]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=164)
    parser.add_argument("--items", type=int, default=2_000)
    args = parser.parse_args(argv)
    lines = run(args.answers, args.workers, args.items)
    for line in lines:
        print(line, flush=True)
    return lines


if __name__ == "__main__":
    main()
