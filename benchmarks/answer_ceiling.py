"""The least an answer can cost on Essaim's own tables: its writes alone, psycopg only.

`ceiling.py` measures a transaction that updates one row. An answer writes more: it locks
its assignment and task, inserts the answer, marks the assignment answered, counts the answer
on the task (and every other answer completes the task with a result, as in `hot_path.py`),
adds to the worker's counters, and leases the next task (find it with ``SKIP LOCKED``,
insert the lease, count it). This benchmark runs exactly those writes on a database migrated
by Essaim, with none of Essaim's Python: no SQLAlchemy, no validation, no stopping rule, no
prompt. Each answer takes two round trips, the fewest its logic allows (read what decides,
then send every write and the COMMIT together in psycopg's pipeline mode).

No engine that keeps this data model and stores each answer durably can beat these figures
on the same machine; ``--answers-per-commit`` shows what grouping several contributors'
answers into one transaction would add.

    python benchmarks/answer_ceiling.py [--seconds 8] [--processes 2 4]
                                        [--answers-per-commit 1 8]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from hot_path import postgres_database, prepare
from sqlalchemy.engine import make_url

from engine import services
from engine.db import Database

READ = """
SELECT t.id, t.item_id, t.position, t.n_answers, t.n_leased, a.project_id
FROM assignment a JOIN task t ON t.id = a.task_id
WHERE a.id = %(assignment)s AND a.contributor_id = %(me)s AND a.status = 'leased'
FOR UPDATE OF a, t
"""

WRITE = """
WITH stored AS (
    INSERT INTO answer (assignment_id, task_id, contributor_id, value, key, seconds,
                        created_at, counted, flags)
    VALUES (%(assignment)s, %(task)s, %(me)s, %(value)s, %(key)s, 5.0, %(now)s, true, '{}')
), answered AS (
    UPDATE assignment SET status = 'answered' WHERE id = %(assignment)s
), counted AS (
    UPDATE task SET n_answers = %(n_answers)s, n_leased = %(n_leased)s, status = %(status)s,
                    completed_at = CASE WHEN %(complete)s THEN %(now)s END
    WHERE id = %(task)s
), decided AS (
    INSERT INTO result (task_id, value, key, confidence, agreement, method, n_answers,
                        decided_at)
    SELECT %(task)s, %(value)s, %(key)s, 0.9, 1.0, 'ceiling', %(n_answers)s, %(now)s
    WHERE %(complete)s
), credited AS (
    UPDATE worker_skill SET n_answers = n_answers + 1, last_item = %(item)s,
                            last_position = %(position)s, last_task = %(task)s
    WHERE contributor_id = %(me)s AND project_id = %(project)s
), pick AS (
    SELECT t.id FROM task t
    WHERE t.project_id = %(project)s AND t.status = 'open' AND NOT t.is_gold
      AND t.priority = 0 AND t.n_answers + t.n_leased < t.target
      AND (t.item_id, t.position, t.id) > (%(item)s, %(position)s, %(task)s)
      AND NOT EXISTS (SELECT 1 FROM assignment s
                      WHERE s.task_id = t.id AND s.contributor_id = %(me)s)
    ORDER BY t.priority DESC, t.item_id, t.position, t.id
    LIMIT 1 FOR UPDATE SKIP LOCKED
), leased AS (
    INSERT INTO assignment (task_id, contributor_id, project_id, status, leased_at, expires_at)
    SELECT id, %(me)s, %(project)s, 'leased', %(now)s, %(expires)s FROM pick
    RETURNING id, task_id
), lease_counted AS (
    UPDATE task SET n_leased = n_leased + 1 WHERE id = (SELECT id FROM pick)
)
SELECT leased.id FROM leased
"""


def _contributor(
    dsn: str, contributors: list[tuple[int, int]], per_commit: int, seconds: float,
    out: Any, start: Any,
) -> None:  # fmt: skip
    """Answer as fast as possible for ``per_commit`` contributors, one commit per round.

    Always reports, even on an error, so that the parent never waits for a dead process.
    """
    try:
        out.put(_answer_rounds(dsn, dict(contributors), per_commit, seconds, start))
    except BaseException as exc:
        out.put(exc)
        raise


def _answer_rounds(
    dsn: str, leases: dict[int, int], per_commit: int, seconds: float, start: Any
) -> tuple[int, float, float, list[float], int]:
    """Committed answers, CPU, elapsed time, commit latencies and deadlocks retried.

    Several answers in one transaction lock several tasks one after the other, so two such
    transactions can deadlock: PostgreSQL aborts one, which is rolled back and run again,
    as the engine does. Only committed answers count.
    """
    with psycopg.connect(dsn, prepare_threshold=0) as connection:
        start.wait()
        cpu, began = time.process_time(), time.perf_counter()
        answers, deadlocks, latencies = 0, 0, []
        while time.perf_counter() - began < seconds and leases:
            started = time.perf_counter()
            group = list(leases)[:per_commit]
            try:
                next_leases = [
                    _answer(connection, me, leases[me], commit=index == len(group) - 1)
                    for index, me in enumerate(group)
                ]  # the last one's writes go with the COMMIT
            except psycopg.errors.DeadlockDetected:
                connection.rollback()
                deadlocks += 1
                continue
            answers += len(group)
            for me, next_lease in zip(group, next_leases, strict=True):
                if next_lease is None:
                    del leases[me]  # nothing left for them
                else:
                    leases[me] = next_lease
            latencies.append(time.perf_counter() - started)
        return answers, time.process_time() - cpu, time.perf_counter() - began, latencies, deadlocks


def _answer(
    connection: psycopg.Connection, me: int, assignment: int, *, commit: bool
) -> int | None:
    """Store one answer and lease the next task; returns the new lease (None: no task).

    Pipeline mode sends a BEGIN with the first read, and the COMMIT with the writes.
    """
    with connection.pipeline():
        reading = connection.execute(READ, {"assignment": assignment, "me": me})
    row = reading.fetchone()
    assert row is not None, "the lease is held by this contributor"
    task, item, position, n_answers, n_leased, project = row
    now = datetime.now(UTC).replace(tzinfo=None)
    complete = n_answers + 1 >= 2  # two answers per task, as in hot_path.py
    parameters = {
        "assignment": assignment, "me": me, "task": task, "item": item, "position": position,
        "project": project, "value": Jsonb("a"), "key": "a", "now": now,
        "expires": now + timedelta(seconds=600), "n_answers": n_answers + 1,
        "n_leased": n_leased - 1, "complete": complete,
        "status": "complete" if complete else "open",
    }  # fmt: skip
    with connection.pipeline():
        leased = connection.execute(WRITE, parameters)
        if commit:
            connection.commit()
    next_lease = leased.fetchone()
    return None if next_lease is None else int(next_lease[0])


def run(
    url: str, processes: int, per_commit: int, seconds: float, tasks: int = 40_000
) -> dict[str, float]:
    """Answers per second and commit latency of ``processes`` processes on a fresh project."""
    slug = prepare(url, tasks)
    db = Database(url, pool_size=1)
    groups = []
    for process in range(processes):
        group = []
        for index in range(per_commit):
            me = services.identify(db, "ceiling", f"{process}-{index}").id
            offer = services.next_task(db, me, slug).offer
            assert offer is not None
            group.append((me, offer.assignment_id))
        groups.append(group)
    db.dispose()
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    ctx = mp.get_context("spawn")
    out, start = ctx.Queue(), ctx.Barrier(processes)
    workers = [ctx.Process(target=_contributor, args=(dsn, group, per_commit, seconds, out, start))
               for group in groups]  # fmt: skip
    for worker in workers:
        worker.start()
    results = [out.get() for _ in workers]
    for worker in workers:
        worker.join()
    for result in results:
        if isinstance(result, BaseException):
            raise result
    answers = sum(r[0] for r in results)
    latencies = sorted(t for r in results for t in r[3])
    return {
        "answers": answers,
        "deadlocks": sum(r[4] for r in results),
        "answers_per_s": answers / max(r[2] for r in results),
        "client_cpu_ms": sum(r[1] for r in results) / answers * 1000,
        "commit_p50_ms": statistics.median(latencies) * 1000,
        "commit_p99_ms": statistics.quantiles(latencies, n=100)[98] * 1000,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--processes", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--answers-per-commit", type=int, nargs="+", default=[1, 8])
    args = parser.parse_args(argv)
    print("the writes of one answer, two round trips, psycopg only (no Essaim code):")
    print(f"{'procs':>5} {'answers/commit':>14} {'answers/s':>10} {'commit p50':>11} "
          f"{'commit p99':>11} {'client cpu/answer':>18} {'deadlocks':>9}  (ms)")  # fmt: skip
    for per_commit in args.answers_per_commit:
        for processes in args.processes:
            url, drop = postgres_database()
            try:
                r = run(url, processes, per_commit, args.seconds)
            finally:
                drop()  # type: ignore[operator]
            print(f"{processes:>5} {per_commit:>14} {r['answers_per_s']:>10.0f} "
                  f"{r['commit_p50_ms']:>11.2f} {r['commit_p99_ms']:>11.2f} "
                  f"{r['client_cpu_ms']:>18.2f} {r['deadlocks']:>9}")  # fmt: skip


if __name__ == "__main__":
    main()
