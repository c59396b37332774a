import json
import random

import pytest

from tasks.base import InvalidAnswer, InvalidRecord, InvalidSettings
from tasks.registry import get_task_type
from tasks.samples import sample_path
from tasks.text import normalise, resolve_vote, vote_payload

pytestmark = pytest.mark.unit

proofreading = get_task_type("proofreading")
FR = proofreading.parse_settings({"language": "fr"})
DOCUMENT = "Bonjour a tous. M. Dupont est la.\n\n« Fin » du texte… Merci !\n"


def test_settings_defaults_and_errors():
    assert proofreading.parse_settings({}) == {
        "language": "en",
        "candidates": 3,
        "win_share": 0.6,
        "max_rounds": 2,
        "text_field": "text",
        "max_sentences": 5_000,
    }
    assert proofreading.parse_settings({"win_share": "75%"})["win_share"] == 0.75
    for raw, field in [
        ({"language": "tlh"}, "language"),
        ({"candidates": 0}, "candidates"),
        ({"win_share": 1.5}, "win_share"),
        ({"max_rounds": "two"}, "max_rounds"),
        ({"max_sentences": 0}, "max_sentences"),
        ({"max_sentences": 100_001}, "max_sentences"),
    ]:
        with pytest.raises(InvalidSettings) as error:
            proofreading.parse_settings(raw)
        assert error.value.field == field
    assert proofreading.agreement_level(FR) == "text"
    assert proofreading.answer_kind == "text"


def test_split_payloads_with_neighbours():
    tasks = proofreading.split({"id": "d1", "text": DOCUMENT}, FR)
    assert [t.position for t in tasks] == [0, 1, 2, 3]
    assert [t.payload["sentence"] for t in tasks] == [
        "Bonjour a tous.",
        "M. Dupont est la.",
        "« Fin » du texte…",
        "Merci !",
    ]
    second = tasks[1].payload
    assert second["before"] == "Bonjour a tous." and second["after"] == "« Fin » du texte…"
    assert second["paragraph"] == 0 and second["trail"] == "\n\n"
    assert tasks[2].payload["paragraph"] == 1
    assert all(t.gold is None for t in tasks)
    json.dumps([t.payload for t in tasks])


def test_split_errors():
    with pytest.raises(InvalidRecord) as error:
        proofreading.split({"id": "x", "text": ""}, FR)
    assert error.value.field == "text"
    with pytest.raises(InvalidRecord) as error:
        proofreading.split({"text": "One. Two.", "gold": "One. Two!"}, FR)
    assert error.value.field == "gold"


def test_single_sentence_gold():
    [task] = proofreading.split({"text": "Il est la.", "gold": "Il est là."}, FR)
    assert task.gold == "Il est là."
    assert "Il est là" not in json.dumps(task.payload)


def test_prompt():
    [task, *_] = proofreading.split({"text": DOCUMENT}, FR)
    prompt = proofreading.prompt(task.payload, FR, "")
    assert prompt.input == "choice_or_text" and prompt.stage == "answer"
    assert [(c.value, c.label) for c in prompt.choices] == [("no_error", "No error")]
    assert prompt.default_text == prompt.text == "Bonjour a tous."
    assert prompt.context_after == "M. Dupont est la." and prompt.context_before == ""


def test_validate():
    payload = {"stage": "answer", "sentence": "L’été est la."}
    assert proofreading.validate("no_error", payload, FR) == "L’été est la."
    assert proofreading.validate("  L'été  est la. ", payload, FR) == "L’été est la."
    assert proofreading.validate(" L’été est là. ", payload, FR) == "L’été est là."
    assert proofreading.validate(["L’été est là."], payload, FR) == "L’été est là."
    with pytest.raises(InvalidAnswer) as error:
        proofreading.validate("   ", payload, FR)
    assert error.value.code == "empty"
    limit = 5 * len(payload["sentence"]) + 200
    assert proofreading.validate("x" * limit, payload, FR) == "x" * limit
    with pytest.raises(InvalidAnswer) as error:
        proofreading.validate("x" * (limit + 1), payload, FR)
    assert error.value.code == "too_long"
    assert error.value.params["limit"] == limit


def test_answer_key_merges_typographic_variants():
    assert proofreading.answer_key("L’été") == proofreading.answer_key("L'été ")
    assert proofreading.label_space({"stage": "answer", "sentence": "x"}, FR) == []


def test_round_trip_unchanged():
    for name, language in [("proofreading_fr.md", "fr"), ("proofreading_en.md", "en")]:
        text = sample_path(name).read_text(encoding="utf-8")
        settings = proofreading.parse_settings({"language": language})
        record = {"id": name, "text": text}
        tasks = proofreading.split(record, settings)
        assert len(tasks) > 5
        results = [
            (t.payload, proofreading.validate("no_error", t.payload, settings)) for t in tasks
        ]
        out = proofreading.reassemble(proofreading.item_payload(record, settings), results)
        assert out["corrected"] == text
        assert out["diff"] == ""
        assert out["changed"] == 0 and out["undecided"] == []


def test_reassemble_with_corrections_and_undecided():
    record = {"text": DOCUMENT}
    tasks = proofreading.split(record, FR)
    values = ["Bonjour à tous.", None, tasks[2].payload["sentence"], "Merci !"]
    out = proofreading.reassemble(
        proofreading.item_payload(record, FR),
        [(t.payload, v) for t, v in zip(tasks, values, strict=True)],
    )
    assert out["corrected"] == "Bonjour à tous. M. Dupont est la.\n\n« Fin » du texte… Merci !\n"
    assert out["changed"] == 1
    assert out["undecided"] == [{"position": 1, "sentence": "M. Dupont est la."}]
    assert "-Bonjour a tous. M. Dupont est la." in out["diff"]
    assert "+Bonjour à tous. M. Dupont est la." in out["diff"]
    assert out["diff"].startswith("--- original\n+++ corrected\n")


def test_vote_round_trip():
    [task, *_] = proofreading.split({"text": DOCUMENT}, FR)
    payload = vote_payload(task.payload, ["Bonjour à tous.", "Bonjour à tous !", "Bonjour à tous."])
    prompt = proofreading.prompt(payload, FR, "Corrigez.")
    assert prompt.stage == "vote" and prompt.input == "choice"
    assert [(c.value, c.label) for c in prompt.choices] == [
        ("c0", "Bonjour à tous."),
        ("c1", "Bonjour à tous !"),
        ("none", "None is right"),
    ]
    assert proofreading.label_space(payload, FR) == ["c0", "c1", "none"]
    rng = random.Random(3)
    truth = "Bonjour  à tous."
    right = proofreading.sample_answer(payload, FR, truth=truth, correct=True, rng=rng)
    assert proofreading.validate(right, payload, FR) == "c0"
    assert resolve_vote(payload, "c0") == "Bonjour à tous."
    for _ in range(20):
        wrong = proofreading.sample_answer(payload, FR, truth=truth, correct=False, rng=rng)
        assert proofreading.validate(wrong, payload, FR) in ("c1", "none")
    absent = proofreading.sample_answer(payload, FR, truth="Salut.", correct=True, rng=rng)
    assert absent == "none" and resolve_vote(payload, "none") is None
    with pytest.raises(InvalidAnswer) as error:
        proofreading.validate("c7", payload, FR)
    assert error.value.code == "not_a_choice"


def test_simulated_answers():
    rng = random.Random(11)
    for task in proofreading.split({"text": DOCUMENT}, FR):
        truth = proofreading.hidden_truth(task.payload, FR, rng)
        assert truth == task.payload["sentence"]
        right = proofreading.sample_answer(task.payload, FR, truth=truth, correct=True, rng=rng)
        assert right == "no_error"
        assert proofreading.validate(right, task.payload, FR) == truth
        for _ in range(10):
            wrong = proofreading.sample_answer(
                task.payload, FR, truth=truth, correct=False, rng=rng
            )
            value = proofreading.validate(wrong, task.payload, FR)
            assert normalise(str(value)) != normalise(str(truth))
    gold = "Il est là."
    payload = {"stage": "answer", "sentence": "Il est la."}
    assert proofreading.sample_answer(payload, FR, truth=gold, correct=True, rng=rng) == gold


# --- caps: a document is refused whole, with the field named, before it becomes tasks ---------


def test_a_document_over_max_sentences_is_refused_naming_the_field():
    settings = proofreading.parse_settings({"max_sentences": 3})
    assert len(proofreading.split({"text": "One. Two. Three."}, settings)) == 3
    with pytest.raises(InvalidRecord) as error:
        proofreading.split({"text": "One. Two. Three.\n\nFour."}, settings)
    assert error.value.field == "text"
    assert error.value.message == (
        "has more than 3 sentences, the project's max_sentences: split the document into "
        "several uploads or raise max_sentences"
    )


def test_the_default_cap_is_5000_sentences():
    settings = proofreading.parse_settings({})
    at_cap = " ".join(f"Sentence number {n}." for n in range(5_000))
    assert len(proofreading.split({"text": at_cap}, settings)) == 5_000
    with pytest.raises(InvalidRecord, match="more than 5,000 sentences"):
        proofreading.split({"text": at_cap + " One more."}, settings)


def test_a_document_over_a_million_characters_is_refused_before_splitting():
    settings = proofreading.parse_settings({"text_field": "body"})
    with pytest.raises(InvalidRecord) as error:
        proofreading.split({"body": "a" * 1_000_001}, settings)
    assert error.value.field == "body"
    assert error.value.message.startswith("is 1,000,001 characters long; at most 1,000,000")
