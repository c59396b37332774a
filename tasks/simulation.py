"""What the simulator needs of a task type beyond `TaskType`: a hidden truth, and answers.

Only the simulated crowd (`engine.simulate`, and the demo through it) asks for these, so
they are not part of the abstract `TaskType`: a kind of work that is never simulated need
not write them. The built-in kinds are `SimulatedTask`s.
"""

from __future__ import annotations

from abc import abstractmethod
from random import Random
from typing import Any

from tasks.base import TaskError, TaskType

Fields = dict[str, Any]
"""A task's payload or a project's settings, as a task type receives them."""


class NotSimulated(TaskError):
    """The project's kind of work has no simulated answers."""


class SimulatedTask(TaskType):
    """A task type a simulated crowd can answer, right or wrong on purpose."""

    @abstractmethod
    def hidden_truth(self, payload: Fields, settings: Fields, rng: Random) -> object:
        """The simulator's ground truth for a task without gold."""

    @abstractmethod
    def sample_answer(
        self, payload: Fields, settings: Fields, *, truth: object, correct: bool, rng: Random
    ) -> str | list[str]:
        """The raw answer a simulated contributor sends, right or wrong on purpose."""


def simulated(task_type: TaskType) -> SimulatedTask:
    """``task_type`` as the simulator uses it; `NotSimulated` if it cannot be simulated."""
    if not isinstance(task_type, SimulatedTask):
        raise NotSimulated(f"task type {task_type.name!r} has no simulated answers")
    return task_type
