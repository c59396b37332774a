"""One contributor far ahead of everyone: does each answer get slower as they answer more?

A lone contributor answers a project where nobody else works, so every task they answered
stays open (it needs two answers). Prints, for each block of answers on PostgreSQL, the time
per answer (chained submit, as the bots call it) and the time of one plain `next_task` call
with no lease held (a /next after a pause), whose look for a task starts past the last task
they answered instead of walking every task they already answered.

    python benchmarks/far_ahead.py [--tasks 6000] [--answers 3000] [--block 500]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from hot_path import postgres_database, prepare

from engine import services
from engine.db import Database


def main(argv: list[str] | None = None) -> list[float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=6000)
    parser.add_argument("--answers", type=int, default=3000)
    parser.add_argument("--block", type=int, default=500)
    args = parser.parse_args(argv)
    url, drop = postgres_database()
    timings = []
    try:
        slug = prepare(url, args.tasks)
        db = Database(url)
        me = services.identify(db, "bench", "ahead").id
        offer = services.next_task(db, me, slug).offer
        done = 0
        while done < args.answers and offer is not None:
            started = time.perf_counter()
            for i in range(args.block):
                last = i == args.block - 1  # the block's last answer leases nothing more
                result = services.submit_answer(db, me, offer.assignment_id, "ab"[i % 2],
                                                seconds=5.0, chain_next=not last)  # fmt: skip
                offer = result.next.offer if result.next else None
                if offer is None:
                    break
            done += args.block
            timings.append((time.perf_counter() - started) / args.block * 1000)
            started = time.perf_counter()
            offer = services.next_task(db, me, slug).offer
            fresh = (time.perf_counter() - started) * 1000
            print(f"after {done:>6} answers: {timings[-1]:6.2f} ms/answer, "
                  f"next_task {fresh:6.2f} ms", flush=True)  # fmt: skip
        db.dispose()
    finally:
        drop()  # type: ignore[operator]
    return timings


if __name__ == "__main__":
    main()
