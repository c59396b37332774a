"""Each row's payload JSON is encoded once when its task shows what its item holds, and the
stored texts stay exact when they differ (key order, ``true`` against ``1``)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from engine import services
from engine.actors import OPERATOR
from engine.services.ingesting import _same_json
from tests.integration.helpers import make_project

pytestmark = pytest.mark.integration


def test_the_item_text_is_reused_only_for_the_very_same_objects():
    flag = True
    known = {"text": "a", "flag": flag}
    assert _same_json({"text": known["text"], "flag": flag}, known, "KNOWN") == "KNOWN"
    assert _same_json({"text": "a", "flag": 1}, known, "KNOWN") == '{"text":"a","flag":1}'
    assert _same_json({"flag": flag, "text": "a"}, known, "KNOWN") == '{"flag":true,"text":"a"}'
    assert _same_json({"text": "a"}, known, "KNOWN") == '{"text":"a"}'
    longer = {"text": known["text"], "flag": flag, "more": flag}
    assert _same_json(longer, known, "KNOWN") == '{"text":"a","flag":true,"more":true}'
    renamed = {"text": known["text"], "other": flag}
    assert _same_json(renamed, known, "KNOWN") == '{"text":"a","other":true}'


def _stored(db, table: str) -> list[str]:
    with db.engine.connect() as connection:
        cast = "payload::text" if db.engine.dialect.name == "postgresql" else "payload"
        return list(connection.execute(text(f"SELECT {cast} FROM {table} ORDER BY id")).scalars())


def test_item_and_task_payloads_are_stored_as_read(essaim):
    make_project(essaim)
    lines = [
        {"id": "a", "text": "Déjà vu", "n": 1, "ok": True, "x": 1.0},  # task = item
        {"id": "b", "ok": True, "text": "vu", "n": 2},  # the task puts text first
    ]
    data = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()
    batch_id = services.upload_batch(essaim.db, "animals", "rows.jsonl", data, actor_id=OPERATOR)
    services.ingest_batch(essaim.db, batch_id)
    items = [json.loads(payload) for payload in _stored(essaim.db, "item")]
    tasks = [json.loads(payload) for payload in _stored(essaim.db, "task")]
    assert items == [{"text": "Déjà vu", "n": 1, "ok": True, "x": 1.0},
                     {"ok": True, "text": "vu", "n": 2}]  # fmt: skip
    assert tasks == [{"text": "Déjà vu", "n": 1, "ok": True, "x": 1.0},
                     {"text": "vu", "ok": True, "n": 2}]  # fmt: skip
    assert [type(task["ok"]) for task in tasks] == [bool, bool]
    assert [type(tasks[0][key]) for key in ("n", "x")] == [int, float]
    if essaim.db.engine.dialect.name == "sqlite":  # JSON kept as text: its key order too
        assert [list(task) for task in tasks] == [["text", "n", "ok", "x"], ["text", "ok", "n"]]
