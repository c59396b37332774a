"""A ``text`` column beside another ``text_field`` would be overwritten: refused, by name."""

import pytest

from tasks.base import InvalidRecord
from tasks.registry import get_task_type

SETTINGS = {
    "labeling": {"labels": ["a", "b"], "text_field": "body"},
    "proofreading": {"language": "en", "text_field": "body"},
    "translation": {"source_language": "en", "target_language": "fr", "text_field": "body"},
}
RECORD = {"id": "r1", "body": "The body. Two sentences.", "text": "my own column", "n": "1"}


@pytest.mark.parametrize("kind", list(SETTINGS))
def test_split_and_item_payload_refuse_the_clash(kind):
    task_type = get_task_type(kind)
    settings = task_type.parse_settings(SETTINGS[kind])
    for step in (task_type.split, task_type.item_payload):
        with pytest.raises(InvalidRecord) as refused:
            step(RECORD, settings)
        assert refused.value.field == "text" and "'body' (text_field)" in refused.value.message


@pytest.mark.parametrize("kind", list(SETTINGS))
def test_without_the_clash_every_field_is_kept(kind):
    task_type = get_task_type(kind)
    settings = task_type.parse_settings(SETTINGS[kind])
    record = {key: value for key, value in RECORD.items() if key != "text"}
    payload = task_type.item_payload(record, settings)
    assert payload == {"text": "The body. Two sentences.", "n": "1"}


def test_a_record_without_the_text_field_still_names_the_text_field():
    task_type = get_task_type("labeling")
    settings = task_type.parse_settings(SETTINGS["labeling"])
    with pytest.raises(InvalidRecord) as refused:
        task_type.split({"id": "r1", "text": "only text"}, settings)
    assert refused.value.field == "body"
