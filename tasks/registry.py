"""Find a task type by the name stored on a project.

Types register themselves with :func:`register`; the built-in modules are imported lazily so
that importing one type module never drags in the others (and no import cycle appears).
"""

from __future__ import annotations

import importlib
from typing import TypeVar

from tasks.base import TaskError, TaskType

_T = TypeVar("_T", bound=type[TaskType])

_BUILTIN_MODULES = ("tasks.labeling", "tasks.proofreading", "tasks.translation")
_REGISTRY: dict[str, TaskType] = {}
_loaded = False


class UnknownTaskType(TaskError, KeyError):
    """Raised for a project kind nobody registered; lists the known ones."""

    def __init__(self, name: str, known: list[str]) -> None:
        TaskError.__init__(
            self, f"unknown task type {name!r}; known types: {', '.join(known) or 'none'}"
        )
        self.name = name
        self.known = known

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return self.message


def register(cls: _T) -> _T:
    """Class decorator: make a task type available under its ``name``."""
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name:
        raise TypeError(f"{cls.__name__} needs a non-empty class attribute 'name'")
    existing = _REGISTRY.get(name)
    if existing is not None and type(existing) is not cls:
        raise ValueError(f"task type {name!r} is already registered by {type(existing).__name__}")
    _REGISTRY[name] = cls()
    return cls


def _load_builtins() -> None:
    global _loaded
    if not _loaded:
        for module in _BUILTIN_MODULES:
            importlib.import_module(module)
        _loaded = True


def get_task_type(name: str) -> TaskType:
    """The task type registered under ``name``."""
    _load_builtins()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownTaskType(name, task_type_names()) from None


def task_type_names() -> list[str]:
    """Names of every registered task type, sorted."""
    _load_builtins()
    return sorted(_REGISTRY)
