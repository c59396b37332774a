"""Ingestion on real RQ over a real Redis: a crash ends the batch ``failed``, and whoever
waits stops waiting."""

from __future__ import annotations

import pytest

from engine import jobs, services
from engine.actors import OPERATOR
from tests.integration.helpers import make_project, work_burst

pytestmark = pytest.mark.integration


def test_a_crashing_ingestion_job_fails_the_batch(rq_essaim, redis_conn, monkeypatch):
    make_project(rq_essaim)

    def broken(*args, **kwargs):
        raise RuntimeError("worker lost its disk")

    monkeypatch.setattr("engine.services.batches.store_rows", broken)
    handle = rq_essaim.add_batch("animals", "b.csv", b"id,text\n1,a\n", actor_id=OPERATOR)
    work_burst(rq_essaim, redis_conn)
    assert rq_essaim.queue.fetch(handle).status == "failed"
    batch_id = services.batch_report(rq_essaim.db, 1).batch_id
    rq_essaim.wait_for_ingestion(handle, batch_id)  # returns at once: the batch is failed
    report = services.batch_report(rq_essaim.db, batch_id)
    assert report.status == "failed" and "worker lost its disk" in (report.error or "")


def test_a_job_that_died_without_a_word_stops_the_wait(rq_essaim, redis_conn):
    make_project(rq_essaim)
    batch_id = rq_essaim.upload("animals", "b.csv", b"id,text\n1,a\n", actor_id=OPERATOR)
    dead = rq_essaim.queue.enqueue(jobs.refit_skills_job, "no-such-project")  # fails
    work_burst(rq_essaim, redis_conn)
    rq_essaim.wait_for_ingestion(dead, batch_id)
    report = services.batch_report(rq_essaim.db, batch_id)
    assert report.status == "failed"
    assert report.error.startswith("b.csv: the ingestion job failed: ")
