import random

import pytest

from tasks.base import InvalidAnswer, InvalidSettings
from tasks.registry import get_task_type
from tasks.samples import sample_path
from tasks.text import vote_payload

pytestmark = pytest.mark.unit

translation = get_task_type("translation")
EN_FR = translation.parse_settings({"source_language": "en", "target_language": "fr"})


def test_settings():
    assert EN_FR == {
        "source_language": "en",
        "target_language": "fr",
        "candidates": 3,
        "win_share": 0.6,
        "max_rounds": 2,
        "text_field": "text",
        "max_sentences": 5_000,
    }
    assert translation.parse_settings(EN_FR) == EN_FR
    for raw, field in [
        ({"target_language": "fr"}, "source_language"),
        ({"source_language": "en"}, "target_language"),
        ({"source_language": "xx", "target_language": "fr"}, "source_language"),
        ({"source_language": "en", "target_language": "en-GB"}, "target_language"),
        ({"source_language": "en", "target_language": "not a code"}, "target_language"),
    ]:
        with pytest.raises(InvalidSettings) as error:
            translation.parse_settings(raw)
        assert error.value.field == field


def test_split_and_prompt():
    tasks = translation.split({"id": "t", "text": "Hello there. Dr. Ahmed is here.\n\nBye."}, EN_FR)
    assert [t.payload["sentence"] for t in tasks] == [
        "Hello there.",
        "Dr. Ahmed is here.",
        "Bye.",
    ]
    prompt = translation.prompt(tasks[1].payload, EN_FR, "")
    assert prompt.input == "text" and prompt.choices == ()
    assert prompt.source_language == "en" and prompt.target_language == "fr"
    assert prompt.context_before == "Hello there." and prompt.context_after == "Bye."
    assert prompt.default_text is None


def test_validate():
    payload = {"stage": "answer", "sentence": "It’s fine."}
    assert translation.validate(" C'est bien. ", payload, EN_FR) == "C'est bien."
    for raw, code in [
        ("", "empty"),
        ("It's  fine.", "unchanged_translation"),
        ("x" * 300, "too_long"),
    ]:
        with pytest.raises(InvalidAnswer) as error:
            translation.validate(raw, payload, EN_FR)
        assert error.value.code == code


def test_unchanged_allowed_without_letters():
    for sentence in ("42.", "https://example.org/a.html", "3.14 + 2,5 = 5.64"):
        payload = {"stage": "answer", "sentence": sentence}
        assert translation.validate(sentence, payload, EN_FR) == sentence


def test_round_trip_keeps_paragraphs():
    text = sample_path("translation_en.txt").read_text(encoding="utf-8")
    record = {"id": "doc", "text": text}
    tasks = translation.split(record, EN_FR)
    same = translation.reassemble(
        translation.item_payload(record, EN_FR), [(t.payload, t.payload["sentence"]) for t in tasks]
    )
    assert same == {"translation": text, "undecided": []}
    translated = translation.reassemble(
        translation.item_payload(record, EN_FR),
        [(t.payload, f"FR{i}.") for i, t in enumerate(tasks)],
    )["translation"]
    assert translated.count("\n\n") == text.count("\n\n")
    assert translated.startswith("FR0. FR1.\n\nFR2.")


def test_undecided_listed():
    tasks = translation.split({"text": "One. Two."}, EN_FR)
    out = translation.reassemble(
        {"text": "One. Two."}, [(tasks[0].payload, "Un."), (tasks[1].payload, None)]
    )
    assert out["translation"] == "Un. Two."
    assert out["undecided"] == [{"position": 1, "sentence": "Two."}]


def test_simulation_and_vote_round_trip():
    rng = random.Random(5)
    [task, *_] = translation.split({"text": "Thank you for your time! See you."}, EN_FR)
    truth = translation.hidden_truth(task.payload, EN_FR, rng)
    assert truth == translation.hidden_truth(task.payload, EN_FR, random.Random(99))
    right = translation.sample_answer(task.payload, EN_FR, truth=truth, correct=True, rng=rng)
    assert translation.validate(right, task.payload, EN_FR) == truth
    wrongs = [
        translation.validate(
            translation.sample_answer(task.payload, EN_FR, truth=truth, correct=False, rng=rng),
            task.payload,
            EN_FR,
        )
        for _ in range(20)
    ]
    assert all(translation.answer_key(w) != translation.answer_key(truth) for w in wrongs)
    payload = vote_payload(task.payload, [wrongs[0], str(truth)])
    prompt = translation.prompt(payload, EN_FR, "")
    assert prompt.input == "choice" and prompt.target_language == "fr"
    assert [c.value for c in prompt.choices] == ["c0", "c1", "none"]
    answer = translation.sample_answer(payload, EN_FR, truth=truth, correct=True, rng=rng)
    assert translation.validate(answer, payload, EN_FR) == "c1"
    assert translation.label_space(payload, EN_FR) == ["c0", "c1", "none"]
