import json
import random

import pytest

from tasks.base import InvalidAnswer, InvalidRecord, InvalidSettings
from tasks.registry import get_task_type

pytestmark = pytest.mark.unit

labeling = get_task_type("labeling")


def settings(**raw):
    raw.setdefault("labels", ["positive", "negative", "neutral"])
    return labeling.parse_settings(raw)


# --- settings ------------------------------------------------------------------------------


def test_defaults_and_idempotence():
    parsed = settings()
    assert parsed["multi"] is False and parsed["scale"] is False and parsed["cant_tell"] is False
    assert [entry["value"] for entry in parsed["labels"]] == ["positive", "negative", "neutral"]
    assert labeling.parse_settings(parsed) == parsed
    json.dumps(parsed)


def test_mapping_labels():
    parsed = settings(labels={"pos": "Positive 🙂", "neg": "Negative"})
    assert parsed["labels"] == [
        {"value": "pos", "label": "Positive 🙂"},
        {"value": "neg", "label": "Negative"},
    ]


@pytest.mark.parametrize(
    "raw",
    [
        {"labels": ["only"]},
        {"labels": ["a", "A"]},
        {"labels": []},
        {"labels": ["a", ""]},
        {"labels": ["x" * 40, "b"]},
        {},
        {"labels": 3},
    ],
)
def test_bad_labels(raw):
    with pytest.raises(InvalidSettings) as error:
        labeling.parse_settings(raw)
    assert error.value.field == "labels"


def test_bad_flags():
    with pytest.raises(InvalidSettings) as error:
        settings(multi="maybe")
    assert error.value.field == "multi"
    with pytest.raises(InvalidSettings) as error:
        settings(multi=True, scale=True)
    assert error.value.field == "scale"
    assert settings(multi="yes")["multi"] is True


def test_agreement_level():
    assert labeling.agreement_level(settings()) == "nominal"
    assert labeling.agreement_level(settings(labels=["1", "2", "3"], scale=True)) == "ordinal"


# --- records -------------------------------------------------------------------------------


def test_split_one_task_with_display_fields_and_gold():
    parsed = settings()
    record = {"id": "r1", "text": "Great!", "gold": "Positive", "image_url": "https://x/y.png"}
    [task] = labeling.split(record, parsed)
    assert task.position == 0
    assert task.gold == "positive"
    assert task.payload == {"text": "Great!", "image_url": "https://x/y.png"}
    assert "gold" not in json.dumps(task.payload)


def test_split_without_gold():
    [task] = labeling.split({"text": "Meh", "gold": ""}, settings())
    assert task.gold is None


def test_split_errors():
    with pytest.raises(InvalidRecord) as error:
        labeling.split({"id": 1, "text": "  "}, settings())
    assert error.value.field == "text"
    with pytest.raises(InvalidRecord) as error:
        labeling.split({"id": 1}, settings())
    assert error.value.field == "text"
    with pytest.raises(InvalidRecord) as error:
        labeling.split({"text": "x", "gold": "angry"}, settings())
    assert error.value.field == "gold"
    assert "positive" in error.value.message


def test_multi_gold_forms():
    parsed = settings(multi=True)
    assert labeling.split({"text": "x", "gold": "neutral|positive"}, parsed)[0].gold == [
        "positive",
        "neutral",
    ]
    assert labeling.split({"text": "x", "gold": ["negative"]}, parsed)[0].gold == ["negative"]
    with pytest.raises(InvalidRecord):
        labeling.split({"text": "x", "gold": "positive|nope"}, parsed)


def test_custom_text_field():
    parsed = settings(text_field="sentence")
    [task] = labeling.split({"sentence": "Hi", "lang": "en"}, parsed)
    assert task.payload == {"text": "Hi", "lang": "en"}
    assert labeling.item_payload({"id": 1, "sentence": "Hi", "gold": "neutral"}, parsed) == {
        "text": "Hi"
    }


# --- prompt and answers --------------------------------------------------------------------


def test_prompt_choices_and_no_gold():
    parsed = settings(labels={"pos": "Positive", "neg": "Negative"}, cant_tell=True)
    [task] = labeling.split({"text": "Nice", "gold": "pos", "image_url": "https://i"}, parsed)
    prompt = labeling.prompt(task.payload, parsed, "Sentiment?")
    assert prompt.kind == "labeling" and prompt.stage == "answer" and prompt.input == "choice"
    assert prompt.text == "Nice" and prompt.instructions == "Sentiment?"
    assert [(c.value, c.label) for c in prompt.choices] == [
        ("pos", "Positive"),
        ("neg", "Negative"),
        ("cant_tell", "Can't tell"),
    ]
    assert prompt.media_url == "https://i"


def test_prompt_multi():
    prompt = labeling.prompt({"text": "x"}, settings(multi=True), "")
    assert prompt.input == "multi_choice"
    assert prompt.instructions  # a default is given


def test_validate_single():
    parsed = settings(labels={"pos": "Positive", "neg": "Negative"}, cant_tell=True)
    assert labeling.validate("pos", {}, parsed) == "pos"
    assert labeling.validate(" negative ", {}, parsed) == "neg"  # typed display label
    assert labeling.validate(["cant_tell"], {}, parsed) == "cant_tell"
    with pytest.raises(InvalidAnswer) as error:
        labeling.validate("happy", {}, parsed)
    assert error.value.code == "not_a_choice"
    assert error.value.params["choices"] == ["pos", "neg", "cant_tell"]
    with pytest.raises(InvalidAnswer) as error:
        labeling.validate("", {}, parsed)
    assert error.value.code == "empty"
    with pytest.raises(InvalidAnswer) as error:
        labeling.validate(["pos", "neg"], {}, parsed)
    assert error.value.code == "single_choice"


def test_validate_multi():
    parsed = settings(multi=True, cant_tell=True)
    assert labeling.validate(["neutral", "positive", "neutral"], {}, parsed) == [
        "positive",
        "neutral",
    ]
    assert labeling.validate("negative|positive", {}, parsed) == ["positive", "negative"]
    for bad, code in [
        ([], "empty"),
        (["nope"], "not_a_choice"),
        (["cant_tell", "positive"], "cant_tell_exclusive"),
    ]:
        with pytest.raises(InvalidAnswer) as error:
            labeling.validate(bad, {}, parsed)
        assert error.value.code == code


def test_answer_key_and_label_space():
    assert labeling.answer_key("pos") == "pos"
    assert labeling.answer_key(["neutral", "positive"]) == labeling.answer_key(
        ["positive", "neutral"]
    )
    assert labeling.answer_key(["b", "a"]) == "a|b"
    assert labeling.label_space({}, settings(cant_tell=True)) == [
        "positive",
        "negative",
        "neutral",
        "cant_tell",
    ]
    multi = labeling.label_space({}, settings(labels=["a", "b", "c"], multi=True))
    assert multi == ["a", "b", "c", "a|b", "a|c", "b|c", "a|b|c"]


def test_multi_label_limit():
    with pytest.raises(InvalidSettings):
        settings(labels=[f"l{i}" for i in range(11)], multi=True)


def test_reassemble():
    assert labeling.reassemble({"text": "x"}, [({"text": "x"}, "pos")]) == {"answer": "pos"}
    assert labeling.reassemble({"text": "x"}, [({"text": "x"}, None)]) == {"answer": None}


# --- simulation ----------------------------------------------------------------------------


@pytest.mark.parametrize("multi", [False, True])
def test_simulated_answers_validate_and_match_truth(multi):
    parsed = settings(multi=multi)
    rng = random.Random(7)
    for _ in range(50):
        truth = labeling.hidden_truth({"text": "x"}, parsed, rng)
        right = labeling.sample_answer({"text": "x"}, parsed, truth=truth, correct=True, rng=rng)
        wrong = labeling.sample_answer({"text": "x"}, parsed, truth=truth, correct=False, rng=rng)
        key = labeling.answer_key(truth)
        assert labeling.answer_key(labeling.validate(right, {}, parsed)) == key
        assert labeling.answer_key(labeling.validate(wrong, {}, parsed)) != key
