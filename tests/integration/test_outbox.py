"""The outbox: notices owed to requesters, written with the event, taken once."""

from __future__ import annotations

import threading

import pytest

from engine import services
from engine.actors import OPERATOR
from engine.errors import InvalidUpload
from engine.models import Outbox
from tests.integration.helpers import count, make_project, person

pytestmark = pytest.mark.integration


def _uploader(essaim, platform="telegram", external="100"):
    info = services.grant_role(essaim.db, f"{platform}:{external}", "requester", actor_id=OPERATOR)
    return info.id


def test_ingest_and_completion_are_announced_on_every_platform(essaim):
    make_project(essaim, overlap={"min": 1, "max": 1}, confidence=0.5)
    uploader = _uploader(essaim)
    code = services.create_link_code(essaim.db, uploader).code
    services.redeem_link_code(essaim.db, code, "discord", "200")
    data = b"id,text\na,first\nb,second\n"
    handle = essaim.add_batch("animals", "b.csv", data, actor_id=uploader)
    assert handle.status == "finished"
    telegram = services.take_notices(essaim.db, "telegram")
    discord = services.take_notices(essaim.db, "discord")
    assert [(n.kind, n.external_id) for n in telegram] == [("batch.ingested", "100")]
    assert [(n.kind, n.external_id) for n in discord] == [("batch.ingested", "200")]
    assert telegram[0].data["n_items"] == 2 and telegram[0].data["filename"] == "b.csv"
    assert services.take_notices(essaim.db, "telegram") == []  # taken once
    worker = person(essaim, "w")
    for _ in range(2):
        offer = services.next_task(essaim.db, worker, "animals").offer
        services.submit_answer(essaim.db, worker, offer.assignment_id, "cat")
    done = services.take_notices(essaim.db, "telegram")
    assert [n.kind for n in done] == ["batch.complete"]
    assert done[0].data["project_slug"] == "animals"


def test_a_failed_upload_tells_the_uploader_where(essaim):
    make_project(essaim)
    uploader = _uploader(essaim)
    batch = services.upload_batch(essaim.db, "animals", "bad.csv", b"id,text\na,ok\nb,\n",
                                  actor_id=uploader)  # fmt: skip
    with pytest.raises(InvalidUpload):
        services.ingest_batch(essaim.db, batch)
    [notice] = services.take_notices(essaim.db, "telegram")
    assert notice.kind == "batch.failed" and "bad.csv:3" in notice.data["error"]


def test_two_processes_never_take_the_same_notice(essaim):
    make_project(essaim)
    uploader = _uploader(essaim)
    for i in range(30):
        essaim.add_batch("animals", f"b{i}.csv", f"id,text\nx{i},row\n".encode(),
                         actor_id=uploader)  # fmt: skip
    assert count(essaim.db, Outbox) == 30
    taken: list = []

    def drain() -> None:
        while batch := services.take_notices(essaim.db, "telegram", limit=4):
            taken.extend(n.id for n in batch)

    threads = [threading.Thread(target=drain) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(taken) == sorted(set(taken)) and len(taken) == 30
