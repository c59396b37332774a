"""Replays offer a worker only their recorded tasks, refuse what cannot be answered and end;
imported answers and truth files keep ids exact (engine/replay.py, services/importing.py)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from engine import services
from engine.actors import OPERATOR
from engine.models import Answer, Assignment, Identity, Item, Task
from engine.replay import PLATFORM, read_truth, replay
from engine.tables import TableError
from tests.integration.helpers import add_rows, count, make_project

pytestmark = pytest.mark.integration


def _recording(tmp_path, rows: list[tuple[str, str, str]], name: str = "rec.csv"):
    path = tmp_path / name
    path.write_text("task,worker,label\n" + "".join(f"{t},{w},{lab}\n" for t, w, lab in rows),
                    encoding="utf-8")  # fmt: skip
    return path


def _offered(essaim) -> dict[str, set[str]]:
    """worker name → item ids of every task ever leased to them (answered or not)."""
    with essaim.db.read() as session:
        rows = session.execute(
            select(Identity.external_id, Item.external_id)
            .join(Assignment, Assignment.contributor_id == Identity.contributor_id)
            .join(Task, Task.id == Assignment.task_id)
            .join(Item, Item.id == Task.item_id)
            .where(Identity.platform == PLATFORM)
        ).all()
    offered: dict[str, set[str]] = {}
    for worker, item in rows:
        offered.setdefault(worker, set()).add(item)
    return offered


@pytest.mark.timeout(120)
def test_replay_offers_only_recorded_tasks(essaim, tmp_path):
    make_project(essaim, slug="rp", labels=["cat", "dog"], overlap={"min": 2, "max": 3},
                 confidence=0.9)  # fmt: skip
    add_rows(essaim, "rp", [{"id": f"i{i}", "text": f"item {i}"} for i in range(60)])
    # 30 workers, each recorded on 4 items of 60: the old replay offered each all 60
    rows = [(f"i{(w * 2 + k) % 60}", f"w{w}", "cat" if (w + k) % 4 else "dog")
            for w in range(30) for k in range(4)]  # fmt: skip
    started = time.perf_counter()
    report = replay(essaim, "rp", _recording(tmp_path, rows))
    seconds = time.perf_counter() - started
    recorded: dict[str, set[str]] = {}
    for item, worker, _label in rows:
        recorded.setdefault(worker, set()).add(item)
    offered = _offered(essaim)
    assert offered, "nothing was offered"
    for worker, items in offered.items():
        assert items <= recorded[worker], worker
    assert report.skipped_offers == 0 and report.refused == 0
    assert 0 < report.answers_used <= len(rows)
    assert count(essaim.db, Answer) == report.answers_used
    assert seconds < 30  # 120 rows; measured about 1 s on SQLite


@pytest.mark.timeout(60)
def test_replay_refuses_unknown_and_empty_labels_and_ends(essaim, tmp_path):
    make_project(essaim, slug="rp", labels=["cat", "dog"], overlap={"min": 2, "max": 2})
    add_rows(essaim, "rp", [{"id": "a", "text": "a"}, {"id": "b", "text": "b"}])
    rows = [("a", "w1", "cat"), ("a", "w2", "horse"), ("a", "w3", ""), ("a", "w4", "cat"),
            ("b", "w1", "dog"), ("b", "w1", "cat"), ("zz", "w2", "cat"),
            ("b", "w2", "dog")]  # fmt: skip
    report = replay(essaim, "rp", _recording(tmp_path, rows))
    assert report.refused == 4
    assert report.refusals == {
        "label refused by the project": 1,
        "empty label": 1,
        "a second answer of the same worker to the task": 1,
        "no such task in the project": 1,
    }
    assert report.answers_used == 4 and report.tasks["complete"] == 2


def test_truth_and_recording_ids_are_exact_strings(essaim, tmp_path):
    make_project(essaim, slug="rp", labels=["cat", "dog"], overlap={"min": 2, "max": 2})
    add_rows(essaim, "rp", [{"id": "007", "text": "a"}, {"id": "7", "text": "b"}])
    recording = _recording(tmp_path, [("007", "u", "cat"), ("007", "v", "cat"),
                                      ("7", "u", "dog"), ("7", "v", "dog")])  # fmt: skip
    truth_file = tmp_path / "truth.csv"
    truth_file.write_text("task,label\n007,cat\n7,dog\n", encoding="utf-8")
    truth = read_truth(truth_file)
    assert truth == {"007": "cat", "7": "dog"}
    report = replay(essaim, "rp", recording, truth)
    assert (report.items_with_truth, report.accuracy) == (2, 1.0)


def test_replay_file_errors(essaim, tmp_path):
    make_project(essaim, slug="rp", labels=["cat", "dog"])
    with pytest.raises(TableError, match="no such file"):
        replay(essaim, "rp", tmp_path / "missing.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text('task,worker,label\na,w,cat\n"b,w,cat\n', encoding="utf-8")
    with pytest.raises(TableError, match=r"bad\.csv:3: malformed CSV"):
        replay(essaim, "rp", bad)
    with pytest.raises(TableError, match="no such file"):
        read_truth(tmp_path / "truth.csv")


def test_import_short_row_stores_nothing_and_ids_stay_exact(essaim):
    make_project(essaim, slug="rp", labels=["cat", "dog"], overlap={"min": 3, "max": 3})
    add_rows(essaim, "rp", [{"id": "007", "text": "a"}, {"id": "7", "text": "b"}])
    short = b"task,worker,label\n007,w1,cat\n7,w2\n"
    with pytest.raises(TableError) as caught:
        services.import_answers(essaim.db, "rp", "in.csv", short, actor_id=OPERATOR)
    assert str(caught.value).startswith("in.csv:3: field 'label': row has 2 fields")
    assert count(essaim.db, Answer) == 0 and count(essaim.db, Assignment) == 0
    many = b"task,worker,label\n" + b"".join(b"nope,w,cat\n" for _ in range(3)) + b"7,w,horse\n"
    with pytest.raises(TableError) as caught:
        services.import_answers(essaim.db, "rp", "in.csv", many, actor_id=OPERATOR)
    assert caught.value.total == 4  # every bad row named at once
    assert count(essaim.db, Answer) == 0
    data = "task;worker;label\n007;Zoé;dog\n".encode("cp1252")  # French Excel
    report = services.import_answers(essaim.db, "rp", "in.csv", data, actor_id=OPERATOR)
    assert report.imported == 1
    with essaim.db.read() as session:
        item = session.execute(
            select(Item.external_id).join(Task, Task.item_id == Item.id)
            .join(Answer, Answer.task_id == Task.id)
        ).scalar_one()  # fmt: skip
    assert item == "007"
    assert services.identify(essaim.db, "import", "Zoé").id


def test_filter_of_any_size_offers_only_its_tasks_in_order(essaim):
    """The ids go as one parameter (an array, a JSON list): 40,000 ids (beyond SQLite's
    32,766 bound parameters) are as good as three; the scheduler's order holds among them."""
    make_project(essaim, slug="rp", labels=["cat", "dog"], overlap={"min": 1, "max": 1})
    add_rows(essaim, "rp", [{"id": f"i{i}", "text": f"item {i}"} for i in range(6)])
    with essaim.db.read() as session:
        ids = session.execute(select(Task.id).order_by(Task.item_id)).scalars().all()
    worker = services.identify(essaim.db, "test", "w").id
    chosen = {ids[4], ids[1], ids[3]}
    offered = []
    for _ in range(4):
        offer = services.next_task(essaim.db, worker, "rp", only=chosen).offer
        if offer is None:
            break
        offered.append(offer.task_id)
        assert services.submit_answer(essaim.db, worker, offer.assignment_id, "cat",
                                      chain_next=False).status == "accepted"  # fmt: skip
    assert offered == [ids[1], ids[3], ids[4]]
    other = services.identify(essaim.db, "test", "v").id
    many = set(range(10**9, 10**9 + 40_000)) | {ids[5]}
    offer = services.next_task(essaim.db, other, "rp", only=many).offer
    assert offer is not None and offer.task_id == ids[5]
    assert services.next_task(essaim.db, other, "rp", only=set()).status == "task"  # held
