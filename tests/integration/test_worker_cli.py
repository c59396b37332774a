"""`essaim worker` on a real Redis: batch ingestion and exports run as RQ jobs.

The commands run as separate processes, as they would in production (Procfile).
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time

import pytest

from engine import services
from engine.actors import OPERATOR
from engine.spec import parse_spec
from tests.conftest import REDIS_URL

pytestmark = pytest.mark.integration


def _essaim(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "engine", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


def _wait_for_job(redis_conn, count: int) -> None:
    deadline = time.monotonic() + 60
    while len(redis_conn.keys("rq:job:*")) < count:
        assert time.monotonic() < deadline, "the command never enqueued its job"
        time.sleep(0.1)


def test_jobs_go_through_redis_and_the_worker(pg_db, redis_conn, tmp_path):
    env = dict(os.environ, ESSAIM_REDIS_URL=REDIS_URL, ESSAIM_DATABASE_URL=pg_db.url,
               ESSAIM_QUEUE_NAME="essaim-test")  # fmt: skip
    spec = {"name": "Queued", "slug": "queued", "kind": "labeling", "labels": ["a", "b"]}
    services.create_project(pg_db, parse_spec(spec), actor_id=OPERATOR)
    rows = tmp_path / "rows.csv"
    rows.write_text("id,text\n" + "".join(f"r{i},row {i}\n" for i in range(50)))

    adder = _essaim(env, "batch", "add", "queued", str(rows), "--json")
    _wait_for_job(redis_conn, 1)
    assert adder.poll() is None  # still waiting: nothing ingests without a worker
    worker = _essaim(env, "worker", "--burst")
    assert worker.wait(timeout=120) == 0, worker.stderr.read() if worker.stderr else ""
    out, err = adder.communicate(timeout=120)
    assert adder.returncode == 0, err
    assert '"n_items": 50' in out
    assert services.project_status(pg_db, "queued", actor_id=OPERATOR).items == 50

    target = tmp_path / "export.csv"
    exporter = _essaim(env, "export", "queued", "-o", str(target))
    _wait_for_job(redis_conn, 2)
    worker = _essaim(env, "worker", "--burst")
    assert worker.wait(timeout=120) == 0
    _out, err = exporter.communicate(timeout=120)
    assert exporter.returncode == 0, err
    assert len(list(csv.DictReader(target.open()))) == 50
