"""Hot path benchmark: simulated contributors doing next task + submit, as the bots do.

Each contributor is a separate process with its own connection pool (bots run as several
processes). Every answer is two timed service calls: `next_task` then `submit_answer`
(without chaining, to time each call on its own). Prints answers per second and the p50 and
p99 latency of each call, for SQLite and for PostgreSQL.

    python benchmarks/hot_path.py [--contributors 8] [--seconds 10] [--tasks 20000]
                                  [--backend sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from engine import services
from engine.db import Database
from engine.migrate import upgrade
from engine.spec import parse_spec

POSTGRES = os.environ.get(
    "ESSAIM_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
LABELS = ["a", "b", "c"]


def prepare(url: str, n_tasks: int) -> str:
    """A migrated database with one labeling project of ``n_tasks`` tasks; returns its slug."""
    db = Database(url)
    upgrade(db)
    # Two answers per task, so that with two contributors or more tasks complete (or go to
    # review) and the whole path of an answer is timed. Runs of the same answer are normal
    # here: the spam rule that looks for them is off.
    spec = parse_spec({"name": "Bench", "slug": "bench", "kind": "labeling", "labels": LABELS,
                       "overlap": {"min": 2, "max": 2}, "confidence": 0.5,
                       "spam": {"max_same_run": 0}})  # fmt: skip
    services.create_project(db, spec)
    rows = "id,text\n" + "".join(f"t{i},text number {i}\n" for i in range(n_tasks))
    batch = services.upload_batch(db, "bench", "bench.csv", rows.encode())
    services.ingest_batch(db, batch)
    db.dispose()
    return "bench"


def contributor(
    url: str, slug: str, index: int, seconds: float, chained: bool, out: mp.Queue, start: Any
) -> None:
    """One simulated contributor: next task, answer, repeat, timing each call.

    ``chained`` is what the bots do: the submit returns the next task in the same
    transaction, so there is one call per answer after the first.
    """
    db = Database(url, pool_size=1)  # one connection: one server process to read the CPU of
    me = services.identify(db, "bench", f"c{index}-{int(chained)}").id
    server = _server_pid(db)
    start.wait()  # every process is imported and connected: the clock starts now
    began = time.time()
    cpu = (time.process_time(), _server_cpu(server))
    next_times: list[float] = []
    submit_times: list[float] = []
    answers = 0
    deadline = time.perf_counter() + seconds
    offer = None
    while time.perf_counter() < deadline:
        if offer is None:
            started = time.perf_counter()
            offer = services.next_task(db, me, slug).offer
            next_times.append(time.perf_counter() - started)
            if offer is None:
                break
        # Mostly agreeing (the task completes), sometimes not (it goes to review).
        label = LABELS[0] if (offer.task_id * 7 + index * 13) % 20 < 17 else LABELS[1]
        started = time.perf_counter()
        result = services.submit_answer(db, me, offer.assignment_id, label, seconds=5.0,
                                        chain_next=chained)  # fmt: skip
        submit_times.append(time.perf_counter() - started)
        answers += result.status == "accepted"
        offer = result.next.offer if chained and result.next is not None else None
        if chained and offer is None:
            break
    ended = time.time()
    used = (time.process_time() - cpu[0], _server_cpu(server) - cpu[1])
    db.dispose()
    out.put((answers, next_times, submit_times, began, ended, used))


def _server_pid(db: Database) -> int | None:
    """The PostgreSQL server process serving this contributor's connection (None: SQLite)."""
    if db.is_sqlite:
        return None
    with db.read() as session:
        return int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _server_cpu(pid: int | None) -> float:
    """User + system CPU seconds of a server process, where /proc shows it (same machine)."""
    if pid is None or not os.path.exists(f"/proc/{pid}/stat"):
        return float("nan")
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(
    url: str, label: str, contributors: int, seconds: float, n_tasks: int, chained: bool
) -> dict:
    slug = prepare(url, n_tasks)
    wal = _wal_records(url)
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    start = ctx.Barrier(contributors)
    procs = [ctx.Process(target=contributor, args=(url, slug, i, seconds, chained, out, start))
             for i in range(contributors)]  # fmt: skip
    for proc in procs:
        proc.start()
    results = [out.get() for _ in procs]
    elapsed = max(r[4] for r in results) - min(r[3] for r in results)
    for proc in procs:
        proc.join()
    answers = sum(r[0] for r in results)
    wal = _wal_records(url) - wal
    nexts = sorted(t for r in results for t in r[1])
    submits = sorted(t for r in results for t in r[2])
    return {"backend": label, "mode": "chained" if chained else "separate",
            "contributors": contributors, "answers": answers,
            "seconds": elapsed, "answers_per_s": answers / elapsed,
            "next_p50": _pct(nexts, 50), "next_p99": _pct(nexts, 99),
            "submit_p50": _pct(submits, 50), "submit_p99": _pct(submits, 99),
            "client_cpu": sum(r[5][0] for r in results) / max(answers, 1) * 1000,
            "server_cpu": sum(r[5][1] for r in results) / max(answers, 1) * 1000,
            "wal_records": wal / max(answers, 1)}  # fmt: skip


def _wal_records(url: str) -> float:
    """WAL records written so far by the whole PostgreSQL server (NaN on SQLite).

    Unlike time, this does not drift with the machine: a change that writes less shows here.
    The server is the benchmark's alone, or other clients' writes count too.
    """
    if url.startswith("sqlite"):
        return float("nan")
    engine = create_engine(url)
    with engine.connect() as connection:
        records = connection.execute(text("SELECT wal_records FROM pg_stat_wal")).scalar_one()
    engine.dispose()
    return float(records)


def _pct(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0] * 1000
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def postgres_database() -> tuple[str, object]:
    name = f"essaim_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contributors", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--tasks", type=int, default=20_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args(argv)
    rows = []
    for chained in (False, True):
        if args.backend in ("sqlite", "both"):
            with tempfile.TemporaryDirectory() as folder:
                url = f"sqlite:///{folder}/bench.db"
                rows.append(run(url, "sqlite", args.contributors, args.seconds, args.tasks,
                                chained))  # fmt: skip
        if args.backend in ("postgresql", "both"):
            url, drop = postgres_database()
            try:
                rows.append(run(url, "postgresql", args.contributors, args.seconds, args.tasks,
                                chained))  # fmt: skip
            finally:
                drop()  # type: ignore[operator]
    print("separate: next_task then submit_answer, two transactions per answer")
    print("chained:  submit_answer returns the next task (what the bots do), one per answer")
    print("cpu/answer: CPU time per answer of the contributor processes and of their")
    print("            PostgreSQL server processes (SQLite runs inside the contributor's)")
    print("wal/answer: WAL records PostgreSQL wrote per answer")
    print(f"{'backend':<11} {'mode':<9} {'procs':>5} {'answers':>8} {'answers/s':>10} "
          f"{'next p50':>9} {'next p99':>9} {'submit p50':>11} {'submit p99':>11}"
          f" {'cpu/answer':>14} {'wal/answer':>10}  (ms)")  # fmt: skip
    for r in rows:
        # Chained: only the very first next_task is a call of its own; not worth a figure.
        nexts = (f"{'-':>9} {'-':>9}" if r["mode"] == "chained"
                 else f"{r['next_p50']:>9.2f} {r['next_p99']:>9.2f}")  # fmt: skip
        print(f"{r['backend']:<11} {r['mode']:<9} {r['contributors']:>5} {r['answers']:>8} "
              f"{r['answers_per_s']:>10.0f} {nexts} "
              f"{r['submit_p50']:>11.2f} {r['submit_p99']:>11.2f} "
              f"{_cpu(r):>14} {_wal(r):>10}")  # fmt: skip
    return rows


def _wal(row: dict) -> str:
    return "-" if row["backend"] == "sqlite" else f"{row['wal_records']:.1f}"


def _cpu(row: dict) -> str:
    if row["backend"] == "sqlite":
        return f"{row['client_cpu']:.2f}"
    return f"{row['client_cpu']:.2f} + {row['server_cpu']:.2f}"


if __name__ == "__main__":
    main()
