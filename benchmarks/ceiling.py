"""What this machine allows at most: durable transactions per second from Python processes.

An answer is at least one durable transaction (a crash must not lose an acknowledged
answer), which holds a lock, writes a row and commits. This benchmark runs only that, with
psycopg and nothing of Essaim: N processes each lock a row of their own
(``SELECT ... FOR UPDATE``), update it and commit, as fast as they can. No engine that stores
one answer per transaction can beat these figures on the same machine and server settings;
compare them with `hot_path.py`. It also prints the CPU time of one round trip and of one
commit, client and server side, measured in one process.

    python benchmarks/ceiling.py [--seconds 5] [--processes 2 4 8]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import time
import uuid
from typing import Any

import psycopg

SERVER = os.environ.get("ESSAIM_BENCH_POSTGRES_DSN", "host=127.0.0.1 user=postgres dbname=postgres")
ROWS_PER_PROCESS = 1000


def _loop(dsn: str, index: int, seconds: float, out: Any, start: Any) -> None:
    with psycopg.connect(dsn) as connection:
        start.wait()
        done = 0
        deadline = time.perf_counter() + seconds
        first = index * ROWS_PER_PROCESS
        while time.perf_counter() < deadline:
            row = first + done % ROWS_PER_PROCESS
            connection.execute("SELECT n FROM ceiling WHERE id = %s FOR UPDATE", (row,))
            connection.execute("UPDATE ceiling SET n = n + 1 WHERE id = %s", (row,))
            connection.commit()
            done += 1
    out.put(done)


def transactions_per_second(dsn: str, processes: int, seconds: float) -> float:
    ctx = mp.get_context("spawn")
    out, start = ctx.Queue(), ctx.Barrier(processes)
    workers = [ctx.Process(target=_loop, args=(dsn, i, seconds, out, start))
               for i in range(processes)]  # fmt: skip
    for worker in workers:
        worker.start()
    total = sum(out.get() for _ in workers)
    for worker in workers:
        worker.join()
    return total / seconds


def _server_cpu(pid: int) -> float:
    """User + system CPU seconds of one server process (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_costs(dsn: str, repeat: int = 2000) -> dict[str, tuple[float, float]]:
    """CPU microseconds (client, server) of a round trip and of a round trip plus a commit."""
    costs = {}
    with psycopg.connect(dsn) as connection:
        pid = connection.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
        if not os.path.exists(f"/proc/{pid}/stat"):
            return {}  # the server runs elsewhere: its CPU cannot be read from here
        for name, commit in (("round trip", False), ("round trip + commit", True)):
            client, server = time.process_time(), _server_cpu(pid)
            for i in range(repeat):
                connection.execute("UPDATE ceiling SET n = n + 1 WHERE id = %s", (i % 100,))
                if commit:
                    connection.commit()
            connection.commit()
            costs[name] = ((time.process_time() - client) / repeat * 1e6,
                           (_server_cpu(pid) - server) / repeat * 1e6)  # fmt: skip
    return costs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--processes", type=int, nargs="+", default=[2, 4, 8])
    args = parser.parse_args(argv)
    name = f"essaim_ceiling_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(SERVER, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    dsn = f"{SERVER} dbname={name}"
    try:
        with psycopg.connect(dsn) as connection:
            connection.execute("CREATE TABLE ceiling (id integer PRIMARY KEY, n integer)")
            rows = ROWS_PER_PROCESS * max(args.processes)
            connection.execute("INSERT INTO ceiling SELECT i, 0 FROM generate_series(0, %s) i",
                               (rows,))  # fmt: skip
        for label, (client, server) in cpu_costs(dsn).items():
            print(f"{label:<20} CPU: client {client:6.0f} us, server {server:6.0f} us")
        print("lock + update + commit, one row per transaction, psycopg only:")
        for processes in args.processes:
            rate = transactions_per_second(dsn, processes, args.seconds)
            print(f"{processes:>3} processes: {rate:7.0f} transactions/s")
    finally:
        with psycopg.connect(SERVER, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
