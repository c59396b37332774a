"""Jobs on real RQ over a real Redis, with the worker in this process, on PostgreSQL."""

from __future__ import annotations

import pytest

from engine import jobs, services
from engine.actors import OPERATOR
from engine.models import Item, Task
from tests.integration.helpers import count, make_project, upload_csv, work_burst

pytestmark = pytest.mark.integration


def test_ingest_job_runs_on_rq(rq_essaim, redis_conn):
    assert not rq_essaim.queue.is_inline
    make_project(rq_essaim)
    rows = [{"id": f"r{i}", "text": f"row {i}", "gold": "cat" if i == 0 else ""} for i in range(4)]
    handle = rq_essaim.add_batch("animals", "b.csv", upload_csv(rows), actor_id=OPERATOR)
    assert handle.status == "queued" and handle.id != "inline"
    assert count(rq_essaim.db, Item) == 0  # nothing before a worker runs it
    assert rq_essaim.queue.fetch(handle).status == "queued"
    work_burst(rq_essaim, redis_conn)
    done = rq_essaim.queue.fetch(handle)
    assert done.status == "finished" and done.error is None
    assert (done.result["status"], done.result["n_items"], done.result["n_gold"]) == (
        "open", 4, 1,
    )  # fmt: skip
    assert count(rq_essaim.db, Task) == 4


def test_bad_upload_job_returns_the_failed_report(rq_essaim, redis_conn):
    make_project(rq_essaim)
    data = upload_csv([{"id": "r1", "text": "fine"}, {"id": "r1", "text": "again"}])
    handle = rq_essaim.add_batch("animals", "dup.csv", data, actor_id=OPERATOR)
    work_burst(rq_essaim, redis_conn)
    done = rq_essaim.queue.fetch(handle)
    assert done.status == "finished"
    assert done.result["status"] == "failed"
    assert done.result["error"].startswith("dup.csv:3: field 'id'")
    assert count(rq_essaim.db, Item) == 0
    assert services.batch_report(rq_essaim.db, done.result["batch_id"]).status == "failed"


def test_refit_and_release_jobs_on_rq(rq_essaim, redis_conn):
    make_project(rq_essaim)
    refit = rq_essaim.queue.enqueue(jobs.refit_skills_job, "animals")
    sweep = rq_essaim.queue.enqueue(jobs.sweep_job)
    work_burst(rq_essaim, redis_conn)
    assert rq_essaim.queue.fetch(refit).result["fitted"] is False
    assert rq_essaim.queue.fetch(sweep).result == {"leases_released": 0, "batches_closed": ()}
