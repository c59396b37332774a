"""A batch closes, and its uploader hears of it, once all its tasks are decided: by the
decision of its last task, or by the periodic sweep when the last two were decided together."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import update

from engine import jobs, services
from engine.actors import OPERATOR
from engine.db import Database
from engine.models import Task, utcnow
from engine.services import completion
from tests.integration.helpers import NO_GOLD, add_rows, count, make_project, person

pytestmark = pytest.mark.integration


def _requester(essaim) -> int:
    return services.grant_role(essaim.db, "telegram:100", "requester", actor_id=OPERATOR).id


def _upload(essaim, rows: str, uploader: int, name: str = "b.csv") -> int:
    handle = essaim.add_batch("animals", name, rows.encode(), actor_id=uploader)
    assert handle.status == "finished", handle.error
    return handle.result["batch_id"]


def _status(essaim, batch_id: int) -> str:
    return services.batch_report(essaim.db, batch_id).status


def _completion_notices(essaim) -> list:
    return [n for n in services.take_notices(essaim.db, "telegram") if n.kind == "batch.complete"]


def _decide_behind_the_batch(essaim, batch_id: int) -> None:
    """Every task of the batch decided while the batch row stays open (what the race leaves)."""
    with essaim.db.write() as session:
        session.execute(update(Task).where(Task.batch_id == batch_id).values(status="complete"))


def test_the_sweep_closes_a_finished_batch_once_and_tells_the_uploader(essaim):
    make_project(essaim, overlap={"min": 1, "max": 1})
    uploader = _requester(essaim)
    finished = _upload(essaim, "id,text\na,one\nb,two\n", uploader, "done.csv")
    unfinished = _upload(essaim, "id,text\nc,three\nd,four\n", uploader, "todo.csv")
    _decide_behind_the_batch(essaim, finished)
    services.take_notices(essaim.db, "telegram")  # the ingest notices

    report = services.sweep(essaim.db)

    assert report.batches_closed == (finished,)
    assert (_status(essaim, finished), _status(essaim, unfinished)) == ("complete", "open")
    [notice] = _completion_notices(essaim)
    assert notice.data["filename"] == "done.csv" and notice.data["n_items"] == 2
    assert services.sweep(essaim.db).batches_closed == ()
    assert _completion_notices(essaim) == []


def test_the_sweep_leaves_batches_of_control_tasks_and_pending_uploads_alone(essaim):
    make_project(essaim, overlap={"min": 1, "max": 1})
    uploader = _requester(essaim)
    controls = _upload(essaim, "id,text,gold\ng1,one,cat\ng2,two,dog\n", uploader)
    pending = services.upload_batch(essaim.db, "animals", "later.csv", b"id,text\nx,y\n",
                                    actor_id=uploader)  # fmt: skip
    assert services.sweep(essaim.db).batches_closed == ()
    assert (_status(essaim, controls), _status(essaim, pending)) == ("open", "pending")


def test_the_sweep_also_frees_expired_leases(essaim):
    make_project(essaim, lease_seconds=60)
    add_rows(essaim, "animals", [{"id": "a", "text": "one"}])
    worker = person(essaim, "w")
    services.next_task(essaim.db, worker, "animals", rng=NO_GOLD)
    report = services.sweep(essaim.db, now=utcnow() + timedelta(seconds=61))
    assert report.leases_released == 1
    assert services.sweep(essaim.db, now=utcnow() + timedelta(seconds=61)).leases_released == 0


def test_the_job_runs_the_sweep_inline(essaim, monkeypatch):
    make_project(essaim, overlap={"min": 1, "max": 1})
    batch_id = _upload(essaim, "id,text\na,one\n", _requester(essaim))
    _decide_behind_the_batch(essaim, batch_id)
    monkeypatch.setattr(jobs, "current_database", lambda: essaim.db)
    assert jobs.sweep_job() == {"leases_released": 0, "batches_closed": (batch_id,)}


def test_last_two_tasks_decided_together_leave_the_batch_to_the_sweep(pg_essaim, monkeypatch):
    """Two transactions decide a batch's last two tasks, each before the other commits: each
    sees the other task undecided, so neither closes the batch (asserted, so this test keeps
    exercising the race); the sweep then closes it, with exactly one notice."""
    essaim = pg_essaim
    make_project(essaim, overlap={"min": 1, "max": 1})
    batch_id = _upload(essaim, "id,text\na,one\nb,two\n", _requester(essaim))
    services.take_notices(essaim.db, "telegram")
    people = [person(essaim, f"w{i}") for i in range(2)]
    leases = [services.next_task(essaim.db, me, "animals", rng=NO_GOLD).offer for me in people]
    assert all(offer is not None for offer in leases)  # one of the two tasks each

    both_decided = threading.Barrier(2, timeout=20)
    close_if_done = completion._close_batch_if_done

    def after_both_decided(*args, **kwargs):
        both_decided.wait()  # each transaction has stored its result, neither has committed
        return close_if_done(*args, **kwargs)

    monkeypatch.setattr(completion, "_close_batch_if_done", after_both_decided)
    statuses: list[str] = []
    errors: list[BaseException] = []

    def answer(me: int, assignment_id: int) -> None:
        db = Database(essaim.db.url, pool_size=1)
        try:
            result = services.submit_answer(db, me, assignment_id, "cat", chain_next=False)
            statuses.append(result.status)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            db.dispose()

    threads = [threading.Thread(target=answer, args=(me, offer.assignment_id))
               for me, offer in zip(people, leases, strict=True)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert statuses == ["accepted", "accepted"]
    assert count(essaim.db, Task, Task.batch_id == batch_id, Task.status == "complete") == 2
    assert _status(essaim, batch_id) == "open"
    assert _completion_notices(essaim) == []

    assert services.sweep(essaim.db).batches_closed == (batch_id,)
    assert _status(essaim, batch_id) == "complete"
    assert len(_completion_notices(essaim)) == 1
