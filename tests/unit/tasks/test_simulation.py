"""The simulator's needs stay out of `TaskType`: the built-in kinds add them as `SimulatedTask`."""

import random
from typing import Any

import pytest

from tasks.base import TaskType
from tasks.registry import get_task_type, task_type_names
from tasks.simulation import NotSimulated, SimulatedTask, simulated

pytestmark = pytest.mark.unit


class Unsimulated(TaskType):  # TaskType's contract only, nothing of the simulator's
    name = "unsimulated"
    answer_kind = "label"

    def parse_settings(self, raw: Any) -> dict[str, Any]:
        return {}

    def split(self, record: Any, settings: Any) -> list:
        return []

    def item_payload(self, record: Any, settings: Any) -> dict[str, Any]:
        return {}

    def prompt(self, payload: Any, settings: Any, instructions: str) -> Any:
        raise NotImplementedError

    def validate(self, raw: Any, payload: Any, settings: Any) -> object:
        return raw

    def answer_key(self, value: object) -> str:
        return str(value)

    def label_space(self, payload: Any, settings: Any) -> list[str]:
        return []

    def agreement_level(self, settings: Any) -> str:
        return "nominal"

    def reassemble(self, item_payload: Any, results: Any) -> dict[str, Any]:
        return {}


def test_the_abstract_task_type_has_no_simulator_methods():
    assert not hasattr(TaskType, "hidden_truth") and not hasattr(TaskType, "sample_answer")
    assert {"hidden_truth", "sample_answer"} <= SimulatedTask.__abstractmethods__


def test_every_built_in_kind_can_be_simulated():
    for name in task_type_names():
        kind = get_task_type(name)
        assert simulated(kind) is kind


def test_a_kind_without_simulation_is_a_task_type_the_simulator_refuses():
    kind = Unsimulated()  # instantiable: the simulator's methods are not TaskType's
    with pytest.raises(NotSimulated, match="unsimulated"):
        simulated(kind)


def test_a_simulated_kind_answers_right_on_purpose():
    kind = simulated(get_task_type("labeling"))
    settings = kind.parse_settings({"labels": ["pos", "neg"]})
    rng = random.Random(3)
    truth = kind.hidden_truth({"text": "x"}, settings, rng)
    assert kind.sample_answer({"text": "x"}, settings, truth=truth, correct=True, rng=rng) == truth
