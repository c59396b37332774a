"""Hot path benchmark: simulated contributors answering tasks, as the bots do.

Each contributor is a separate process with its own connection pool (bots run as several
processes). Three ways to answer, for SQLite and for PostgreSQL:

- ``press``: what a bot runs for a pressed answer button, timed whole: `Chat.press` with a
  `User` and the button's payload (``a:<assignment id>:<choice>``) on a ``Chat(essaim)``,
  which identifies the person, submits, and builds the reply with the next task.
- ``chained``: the services alone, `submit_answer` returning the next task.
- ``separate``: `next_task` then `submit_answer` without chaining, each call timed alone.

Prints answers per second and the p50 and p99 latency of each call.

    python benchmarks/hot_path.py [--contributors 8] [--seconds 10] [--tasks 20000]
                                  [--backend sqlite|postgresql|both]
                                  [--mode separate|chained|press|all]
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

from bots.core import payload
from bots.core.base import User
from bots.core.chat import Chat
from engine import services
from engine.actors import OPERATOR
from engine.app import Essaim
from engine.config import load_settings
from engine.db import Database
from engine.migrate import upgrade
from engine.queue import JobQueue
from engine.spec import parse_spec

POSTGRES = os.environ.get(
    "ESSAIM_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
LABELS = ["a", "b", "c"]
MODES = ("separate", "chained", "press")


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
    services.create_project(db, spec, actor_id=OPERATOR)
    rows = "id,text\n" + "".join(f"t{i},text number {i}\n" for i in range(n_tasks))
    batch = services.upload_batch(db, "bench", "bench.csv", rows.encode(), actor_id=OPERATOR)
    services.ingest_batch(db, batch)
    db.dispose()
    return "bench"


def contributor(
    url: str, slug: str, index: int, seconds: float, mode: str, out: mp.Queue, start: Any
) -> None:
    """One simulated contributor: next task, answer, repeat, timing each call.

    ``chained`` is what the services do for the bots: the submit returns the next task in
    the same transaction, so there is one call per answer after the first; ``press`` is the
    whole call a bot makes for a pressed button.
    """
    db = Database(url, pool_size=1)  # one connection: one server process to read the CPU of
    server = _server_pid(db)
    if mode == "press":
        # Refits are follow-up jobs (a worker's, with Redis): not part of a press's time.
        settings = load_settings(database_url=url, redis_url=None, skill_refit_every=10**9)
        essaim = Essaim(settings, db, JobQueue.from_settings(settings, db))  # jobs inline
        answer: Any = _Presser(Chat(essaim), slug, index)
    else:
        answer = _Services(db, slug, index, chained=mode == "chained")
    start.wait()  # every process is imported and connected: the clock starts now
    began = time.time()
    cpu = (time.process_time(), _server_cpu(server))
    next_times: list[float] = []
    submit_times: list[float] = []
    answers = 0
    deadline = time.perf_counter() + seconds
    task: tuple[int, int] | None = None  # (task id, assignment id) held
    while time.perf_counter() < deadline:
        if task is None:
            started = time.perf_counter()
            task = answer.next()
            next_times.append(time.perf_counter() - started)
            if task is None:
                break
        # Mostly agreeing (the task completes), sometimes not (it goes to review).
        label = LABELS[0] if (task[0] * 7 + index * 13) % 20 < 17 else LABELS[1]
        started = time.perf_counter()
        accepted, task = answer.submit(task[1], label)
        submit_times.append(time.perf_counter() - started)
        answers += accepted
        if task is None and mode != "separate":
            break
    ended = time.time()
    used = (time.process_time() - cpu[0], _server_cpu(server) - cpu[1])
    db.dispose()
    out.put((answers, next_times, submit_times, began, ended, used))


class _Services:
    """Answers through the services: `next_task`, `submit_answer` (chained or not)."""

    def __init__(self, db: Database, slug: str, index: int, *, chained: bool) -> None:
        self.db, self.slug, self.chained = db, slug, chained
        self.me = services.identify(db, "bench", f"c{index}-{int(chained)}").id

    def next(self) -> tuple[int, int] | None:
        offer = services.next_task(self.db, self.me, self.slug).offer
        return None if offer is None else (offer.task_id, offer.assignment_id)

    def submit(self, assignment_id: int, label: str) -> tuple[bool, tuple[int, int] | None]:
        result = services.submit_answer(self.db, self.me, assignment_id, label, seconds=5.0,
                                        chain_next=self.chained)  # fmt: skip
        offer = result.next.offer if self.chained and result.next is not None else None
        task = None if offer is None else (offer.task_id, offer.assignment_id)
        return result.status == "accepted", task


class _Presser:
    """Answers as a bot does: ``/next``, then the answer button of each task shown."""

    def __init__(self, chat: Chat, slug: str, index: int) -> None:
        self.chat, self.slug = chat, slug
        self.user = User("bench", f"c{index}-press", f"Contributor {index}", "en")

    def next(self) -> tuple[int, int] | None:
        return self._task(self.chat.next(self.user, self.slug))

    def submit(self, assignment_id: int, label: str) -> tuple[bool, tuple[int, int] | None]:
        data = payload.encode(payload.Answer(assignment_id, label))
        reply = self.chat.press(self.user, data, seconds=5.0)
        accepted = reply.toast is not None and reply.toast.key == "submit.accepted"
        return accepted, self._task(reply)

    @staticmethod
    def _task(reply: Any) -> tuple[int, int] | None:
        view = reply.task
        return None if view is None else (view.task_id, view.assignment_id)


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


def run(url: str, label: str, contributors: int, seconds: float, n_tasks: int, mode: str) -> dict:
    slug = prepare(url, n_tasks)
    wal = _wal_records(url)
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    start = ctx.Barrier(contributors)
    procs = [ctx.Process(target=contributor, args=(url, slug, i, seconds, mode, out, start))
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
    return {"backend": label, "mode": mode,
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
    parser.add_argument("--mode", choices=[*MODES, "all"], default="all")
    args = parser.parse_args(argv)
    rows = []
    for mode in MODES if args.mode == "all" else (args.mode,):
        if args.backend in ("sqlite", "both"):
            with tempfile.TemporaryDirectory() as folder:
                url = f"sqlite:///{folder}/bench.db"
                rows.append(run(url, "sqlite", args.contributors, args.seconds, args.tasks,
                                mode))  # fmt: skip
        if args.backend in ("postgresql", "both"):
            url, drop = postgres_database()
            try:
                rows.append(run(url, "postgresql", args.contributors, args.seconds, args.tasks,
                                mode))  # fmt: skip
            finally:
                drop()  # type: ignore[operator]
    print("separate: next_task then submit_answer, two transactions per answer")
    print("chained:  submit_answer returns the next task (services only), one call per answer")
    print("press:    Chat.press of the answer button, timed whole (what a bot runs)")
    print("cpu/answer: CPU time per answer of the contributor processes and of their")
    print("            PostgreSQL server processes (SQLite runs inside the contributor's)")
    print("wal/answer: WAL records PostgreSQL wrote per answer")
    print(f"{'backend':<11} {'mode':<9} {'procs':>5} {'answers':>8} {'answers/s':>10} "
          f"{'next p50':>9} {'next p99':>9} {'submit p50':>11} {'submit p99':>11}"
          f" {'cpu/answer':>14} {'wal/answer':>10}  (ms)")  # fmt: skip
    for r in rows:
        # Chained, press: only the very first next is a call of its own; not worth a figure.
        nexts = (f"{'-':>9} {'-':>9}" if r["mode"] != "separate"
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
