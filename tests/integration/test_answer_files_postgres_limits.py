"""What PostgreSQL would refuse in an answers file or a recording is refused first, with its
line and field, identically on both databases, and nothing is stored."""

from __future__ import annotations

import pytest

from engine import services
from engine.actors import OPERATOR
from engine.models import Answer, Assignment, Identity
from engine.replay import PLATFORM, replay
from engine.services.importing import WORKER_NAME_MAX
from engine.spec import parse_spec
from engine.tables import TableError
from tests.integration.helpers import add_rows, count, make_project


def _free_text_project(essaim) -> None:
    spec = {"name": "Relecture", "slug": "rel", "kind": "proofreading"}
    services.create_project(essaim.db, parse_spec(spec), actor_id=OPERATOR)
    assert essaim.add_batch(
        "rel", "d.txt", b"Bonjour tout le monde.\n", actor_id=OPERATOR
    ).status == ("finished")


def test_a_nul_in_a_free_text_answer_is_refused_by_line(essaim):
    _free_text_project(essaim)
    data = b"task,worker,label\nd,w1,Bonjour\nd,w2,Bon\x00jour\n"
    with pytest.raises(TableError) as caught:
        services.import_answers(essaim.db, "rel", "in.csv", data, actor_id=OPERATOR)
    assert str(caught.value) == "in.csv:3: field 'label': contains a NUL character (0x00)"
    assert count(essaim.db, Answer) == 0 and count(essaim.db, Assignment) == 0


def test_a_worker_name_over_the_column_is_refused_by_line(essaim):
    make_project(essaim, slug="rp", labels=["cat", "dog"])
    add_rows(essaim, "rp", [{"id": "a", "text": "x"}])
    long = "w" * (WORKER_NAME_MAX + 1)
    data = f"task,worker,label\na,w1,cat\na,{long},dog\n".encode()
    with pytest.raises(TableError) as caught:
        services.import_answers(essaim.db, "rp", "in.csv", data, actor_id=OPERATOR)
    assert str(caught.value).startswith("in.csv:3: field 'worker': is 129 characters long")
    assert count(essaim.db, Answer) == 0
    exact = f"task,worker,label\na,{'w' * WORKER_NAME_MAX},dog\n".encode()
    assert (
        services.import_answers(essaim.db, "rp", "in.csv", exact, actor_id=OPERATOR).imported == 1
    )


@pytest.mark.timeout(60)
def test_a_replayed_worker_name_over_the_column_is_counted_as_refused(essaim, tmp_path):
    make_project(essaim, slug="rp", labels=["cat", "dog"], overlap={"min": 1, "max": 1})
    add_rows(essaim, "rp", [{"id": "a", "text": "x"}, {"id": "b", "text": "y"}])
    recording = tmp_path / "rec.csv"
    recording.write_text(f"task,worker,label\na,w1,cat\nb,{'w' * 200},dog\n")
    report = replay(essaim, "rp", recording)
    assert report.refusals == {f"worker name over {WORKER_NAME_MAX} characters": 1}
    assert report.answers_used == 1
    with essaim.db.read() as session:
        names = session.query(Identity.external_id).filter(Identity.platform == PLATFORM).all()
    assert [name for (name,) in names] == ["w1"]
