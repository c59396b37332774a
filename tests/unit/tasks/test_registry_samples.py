import csv
import io

import pytest

from tasks.base import Prompt, TaskType
from tasks.registry import UnknownTaskType, get_task_type, task_type_names
from tasks.samples import sample_path
from tasks.text import split_document
from tasks.uploads import read_records

pytestmark = pytest.mark.unit


def test_registry_lists_builtin_types():
    assert task_type_names() == ["labeling", "proofreading", "translation"]
    for name in task_type_names():
        task_type = get_task_type(name)
        assert isinstance(task_type, TaskType) and task_type.name == name
        assert task_type.answer_kind in ("label", "text")


def test_unknown_type_lists_known_names():
    with pytest.raises(UnknownTaskType) as error:
        get_task_type("transcription")
    assert "labeling" in str(error.value) and "transcription" in str(error.value)
    assert isinstance(error.value, KeyError) and isinstance(error.value, ValueError)


def test_sample_path():
    assert sample_path("labels.csv").is_file()
    with pytest.raises(FileNotFoundError, match=r"labels\.csv"):
        sample_path("nope.csv")
    with pytest.raises(FileNotFoundError):
        sample_path("../base.py")


def test_labels_sample_loads_through_labeling():
    data = sample_path("labels.csv").read_bytes()
    labeling = get_task_type("labeling")
    settings = labeling.parse_settings({"labels": ["positive", "negative", "neutral"]})
    tasks = [labeling.split(r.fields, settings)[0] for r in read_records(data, "labels.csv")]
    assert len(tasks) == 40
    assert 6 <= sum(t.gold is not None for t in tasks) <= 10
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert len({row["id"] for row in rows}) == 40


@pytest.mark.parametrize(
    ("name", "language"),
    [("proofreading_fr.md", "fr"), ("proofreading_en.md", "en")],
)
def test_proofreading_samples_have_the_promised_features(name, language):
    text = sample_path(name).read_text(encoding="utf-8")
    assert "https://" in text and ("…" in text or "..." in text) and "etc." in text
    sentences = [s.text for s in split_document(text, language)]
    assert not any(s.endswith(("Dr.", "M.", "Mr.", "Mrs.", "Mme.")) for s in sentences)
    assert any("https://" in s and s.endswith(".") for s in sentences)


def test_prompt_is_frozen_and_checked():
    prompt = Prompt(kind="k", stage="answer", text="t", instructions="i", input="text")
    with pytest.raises(AttributeError):
        prompt.text = "other"  # type: ignore[misc]
    with pytest.raises(ValueError):
        Prompt(kind="k", stage="later", text="t", instructions="i", input="text")
    with pytest.raises(ValueError):
        Prompt(kind="k", stage="answer", text="t", instructions="i", input="voice")
