"""`Essaim.add_batch`, the one path of an upload: its progress callback and its wait option,
inline and on real RQ over a real Redis."""

from __future__ import annotations

import io
import threading
import time
from collections import defaultdict

import pytest
from rq import Queue

from engine import jobs, services
from engine.actors import OPERATOR
from engine.models import Item
from engine.queue import BatchHandle
from tests.integration.helpers import count, make_project, upload_csv, work_burst

pytestmark = pytest.mark.integration

ROWS = [{"id": f"r{i}", "text": f"row {i}"} for i in range(5)]


class Heard:
    """A progress callback that remembers what it was told."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def __call__(self, stage: str, rows: int) -> None:
        self.calls.append((stage, rows))

    def totals(self) -> dict[str, int]:
        rows: dict[str, int] = defaultdict(int)
        for stage, done in self.calls:
            rows[stage] += done
        return dict(rows)


def test_inline_the_callback_hears_every_row_of_each_stage(essaim):
    make_project(essaim)
    heard = Heard()
    handle = essaim.add_batch(
        "animals", "b.csv", io.BytesIO(upload_csv(ROWS)), progress=heard, actor_id=OPERATOR
    )
    assert isinstance(handle, BatchHandle) and handle.status == "finished"
    assert heard.totals() == {"reading": 5, "storing": 5}
    assert heard.calls[0][0] == "reading"  # in the order they run
    report = services.batch_report(essaim.db, handle.batch_id)
    assert (report.status, report.n_items) == ("open", 5)


def test_inline_a_refused_batch_is_failed_on_return_wait_or_not(essaim):
    make_project(essaim)
    data = upload_csv([{"id": "r1", "text": "fine"}, {"id": "r1", "text": "again"}])
    for wait, name in ((False, "a.csv"), (True, "b.csv")):
        heard = Heard()
        handle = essaim.add_batch(
            "animals", name, data, progress=heard, wait=wait, force=True, actor_id=OPERATOR
        )
        assert handle.status == "finished" and handle.result["status"] == "failed"
        report = services.batch_report(essaim.db, handle.batch_id)
        assert report.status == "failed" and report.error.startswith(f"{name}:3: field 'id'")
        assert "storing" not in heard.totals()  # refused after reading, nothing stored
    assert count(essaim.db, Item) == 0


def test_on_rq_without_wait_the_job_is_left_to_a_worker(rq_essaim):
    make_project(rq_essaim)
    heard = Heard()
    handle = rq_essaim.add_batch(
        "animals", "b.csv", upload_csv(ROWS), progress=heard, actor_id=OPERATOR
    )
    assert handle.status == "queued" and heard.calls == []
    assert services.batch_report(rq_essaim.db, handle.batch_id).status == "pending"


def _add_waiting(rq_essaim, redis_conn, data: bytes, heard: Heard) -> BatchHandle:
    """``add_batch(wait=True)`` in a thread while a real RQ worker runs here (it must be in
    the main thread); the handle it returned."""
    returned: list[BatchHandle | BaseException] = []

    def add() -> None:
        try:
            handle = rq_essaim.add_batch(
                "animals", "b.csv", data, progress=heard, wait=True, actor_id=OPERATOR
            )
        except BaseException as exc:  # raised again in the test's own thread
            returned.append(exc)
        else:
            returned.append(handle)

    adder = threading.Thread(target=add)
    adder.start()
    queue = Queue(rq_essaim.queue.name, connection=redis_conn)
    deadline = time.monotonic() + 30
    while not queue.count and adder.is_alive():
        assert time.monotonic() < deadline, "add_batch never enqueued its job"
        time.sleep(0.02)
    assert adder.is_alive(), returned  # it waits: nothing ingests without a worker
    work_burst(rq_essaim, redis_conn)
    adder.join(timeout=30)
    assert not adder.is_alive(), "add_batch went on waiting after the job ended"
    (outcome,) = returned
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


def test_on_rq_wait_follows_the_job_and_tells_the_rows_the_worker_published(rq_essaim, redis_conn):
    make_project(rq_essaim)
    heard = Heard()
    handle = _add_waiting(rq_essaim, redis_conn, upload_csv(ROWS), heard)
    assert handle.status == "finished" and handle.result["n_items"] == 5
    assert heard.calls[0] == ("queued", 0)  # before the worker says anything: a spinner
    assert heard.totals() == {"queued": 0, "reading": 5, "storing": 5}
    assert jobs.rows_done(rq_essaim.queue.fetch(handle).meta) == {"reading": 5, "storing": 5}
    assert services.batch_report(rq_essaim.db, handle.batch_id).status == "open"


def test_on_rq_wait_ends_the_batch_failed_when_the_job_crashed(rq_essaim, redis_conn, monkeypatch):
    make_project(rq_essaim)

    def broken(*args, **kwargs):
        raise RuntimeError("worker lost its disk")

    monkeypatch.setattr("engine.services.batches.store_rows", broken)
    handle = _add_waiting(rq_essaim, redis_conn, upload_csv(ROWS), Heard())
    assert handle.status == "failed" and "worker lost its disk" in (handle.error or "")
    report = services.batch_report(rq_essaim.db, handle.batch_id)
    assert report.status == "failed" and "worker lost its disk" in (report.error or "")


def test_a_worker_publishes_its_progress_as_it_goes(rq_essaim, redis_conn, monkeypatch):
    """Each publication is one Redis write: the first rows at once, then not more often than
    `jobs.PUBLISH_EVERY`, and the last figures before the job ends."""
    make_project(rq_essaim)
    published: list[dict[str, int]] = []
    publish = jobs._Published.publish

    def spy(self: jobs._Published) -> None:
        publish(self)
        published.append(jobs.rows_done(self.job.meta))

    monkeypatch.setattr(jobs._Published, "publish", spy)
    monkeypatch.setattr(jobs, "PUBLISH_EVERY", 0.0)  # every call publishes
    handle = rq_essaim.add_batch("animals", "b.csv", upload_csv(ROWS), actor_id=OPERATOR)
    work_burst(rq_essaim, redis_conn)
    assert rq_essaim.queue.fetch(handle).status == "finished"
    assert list(published[0]) == ["reading"] and len(published) > 2
    assert published[-1] == {"reading": 5, "storing": 5}

    monkeypatch.setattr(jobs, "PUBLISH_EVERY", 3600.0)  # the first call and the last only
    published.clear()
    rows = [{"id": f"s{i}", "text": f"row {i}"} for i in range(5)]
    rq_essaim.add_batch("animals", "c.csv", upload_csv(rows), actor_id=OPERATOR)
    work_burst(rq_essaim, redis_conn)
    assert list(published[0]) == ["reading"] and len(published) == 2
    assert published[-1] == {"reading": 5, "storing": 5}


def test_progress_redis_refuses_does_not_fail_the_ingestion(rq_essaim, redis_conn, monkeypatch):
    from redis.exceptions import ConnectionError as RedisConnectionError
    from rq.job import Job

    make_project(rq_essaim)

    def refused(self, *args, **kwargs):
        raise RedisConnectionError("no room for meta")

    monkeypatch.setattr(Job, "save_meta", refused)
    handle = rq_essaim.add_batch("animals", "b.csv", upload_csv(ROWS), actor_id=OPERATOR)
    work_burst(rq_essaim, redis_conn)
    assert rq_essaim.queue.fetch(handle).status == "finished"
    assert services.batch_report(rq_essaim.db, handle.batch_id).status == "open"
