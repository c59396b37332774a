"""The contract every task type fulfils, and the errors it raises.

The engine only ever talks to a task type through :class:`TaskType`, so adding a kind of work
means writing one module that subclasses it; nothing here knows about databases or chat
platforms. What only the simulator needs is in `tasks.simulation`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

STAGE_ANSWER = "answer"
STAGE_VOTE = "vote"

INPUT_CHOICE = "choice"
INPUT_MULTI_CHOICE = "multi_choice"
INPUT_TEXT = "text"
INPUT_CHOICE_OR_TEXT = "choice_or_text"
INPUT_KINDS = (INPUT_CHOICE, INPUT_MULTI_CHOICE, INPUT_TEXT, INPUT_CHOICE_OR_TEXT)

AGREEMENT_LEVELS = ("nominal", "ordinal", "interval", "text")


class TaskError(ValueError):
    """Base of every error of the tasks package; ``message`` is plain English."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidSettings(TaskError):
    """A project setting is wrong; ``field`` names it so the CLI can point at it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"setting '{field}': {message}")
        self.field = field
        self.message = message


class InvalidRecord(TaskError):
    """An uploaded record cannot become tasks; the engine adds the file and line."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"field '{field}': {message}")
        self.field = field
        self.message = message


class InvalidAnswer(TaskError):
    """A contributor's answer is refused.

    ``code`` is stable (bots translate by code), ``params`` fills the translated message and
    ``message`` is the English fallback.
    """

    def __init__(self, code: str, message: str, params: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.params: dict[str, Any] = dict(params or {})


@dataclass(frozen=True)
class Choice:
    """One button: ``value`` travels in callback data, ``label`` is what people read."""

    value: str
    label: str


@dataclass(frozen=True, kw_only=True)
class Prompt:
    """Everything a bot needs to show one micro-task, and nothing it must not see.

    Built only from a task payload, which never holds the gold answer, so a prompt cannot
    leak it. Texts are raw: escaping is the adapter's job because it depends on the platform.
    """

    kind: str
    stage: str
    text: str
    instructions: str
    input: str
    context_before: str = ""
    context_after: str = ""
    choices: tuple[Choice, ...] = ()
    default_text: str | None = None
    placeholder: str = ""
    source_language: str | None = None
    target_language: str | None = None
    media_url: str | None = None
    details: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.stage not in (STAGE_ANSWER, STAGE_VOTE):
            raise ValueError(f"unknown stage {self.stage!r}")
        if self.input not in INPUT_KINDS:
            raise ValueError(f"unknown input kind {self.input!r}")


@dataclass(frozen=True)
class MicroTask:
    """One unit of work cut from a record; ``gold`` stays apart from the shown payload."""

    position: int
    payload: dict[str, Any]
    gold: object | None = None


class TaskType(ABC):
    """How one kind of work is split, shown, checked, compared and put back together."""

    name: ClassVar[str]
    answer_kind: ClassVar[str]  # "label" (aggregated as categories) or "text"
    description: ClassVar[str] = ""

    @abstractmethod
    def parse_settings(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Validate and fill defaults for the kind-specific project settings."""

    @abstractmethod
    def split(self, record: Mapping[str, Any], settings: dict[str, Any]) -> list[MicroTask]:
        """Cut one uploaded record into its micro-tasks, in order."""

    @abstractmethod
    def item_payload(self, record: Mapping[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
        """What of the record the item keeps for the export."""

    @abstractmethod
    def prompt(
        self, payload: dict[str, Any], settings: dict[str, Any], instructions: str
    ) -> Prompt:
        """Render a task payload; receives no gold, so none can leak."""

    @abstractmethod
    def validate(
        self, raw: str | Sequence[str], payload: dict[str, Any], settings: dict[str, Any]
    ) -> object:
        """Check and normalise a contributor's raw answer or raise :class:`InvalidAnswer`."""

    @abstractmethod
    def answer_key(self, value: object) -> str:
        """Canonical string under which equal answers are counted together."""

    @abstractmethod
    def label_space(self, payload: dict[str, Any], settings: dict[str, Any]) -> list[str]:
        """The classes for the stopping rule; empty for free text."""

    @abstractmethod
    def agreement_level(self, settings: dict[str, Any]) -> str:
        """Krippendorff's level of measurement for this project's answers."""

    @abstractmethod
    def reassemble(
        self, item_payload: dict[str, Any], results: Sequence[tuple[dict[str, Any], object | None]]
    ) -> dict[str, Any]:
        """Turn the final values of an item's tasks (in order) into its export fields."""

    def gold_key(self, gold: object | None) -> str | None:
        """Key of a gold value, comparable with :meth:`answer_key` of an answer."""
        return None if gold is None else self.answer_key(gold)

    def __repr__(self) -> str:
        return f"<task type {self.name}>"


# --- small setting parsers shared by the task types ---------------------------------------

_TRUE = {"true", "yes", "on", "1", "y"}
_FALSE = {"false", "no", "off", "0", "n", ""}


def setting_bool(raw: Mapping[str, Any], key: str, default: bool) -> bool:
    """Read a boolean the way a YAML/TOML/CLI user might write it."""
    value = raw.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise InvalidSettings(key, f"expected true or false, got {value!r}")


def setting_int(raw: Mapping[str, Any], key: str, default: int, *, low: int, high: int) -> int:
    """Read an integer within [low, high]."""
    value = raw.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool):
        raise InvalidSettings(key, f"expected a whole number, got {value!r}")
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise InvalidSettings(key, f"expected a whole number, got {value!r}") from None
    if not low <= number <= high:
        raise InvalidSettings(key, f"must be between {low} and {high}, got {number}")
    return number


def setting_share(raw: Mapping[str, Any], key: str, default: float) -> float:
    """Read a share in (0, 1]; accepts 0.6 or "60%"."""
    value = raw.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool):
        raise InvalidSettings(key, f"expected a share such as 0.6, got {value!r}")
    try:
        if isinstance(value, str) and value.strip().endswith("%"):
            number = float(value.strip()[:-1]) / 100
        else:
            number = float(value)
    except ValueError:
        raise InvalidSettings(key, f"expected a share such as 0.6, got {value!r}") from None
    if not 0 < number <= 1:
        raise InvalidSettings(key, f"must be above 0 and at most 1, got {number}")
    return number


def setting_str(raw: Mapping[str, Any], key: str, default: str | None) -> str:
    """Read a non-empty string; a missing one without default is an error."""
    value = raw.get(key, default)
    if value is None:
        raise InvalidSettings(key, "is required")
    if not isinstance(value, str) or not value.strip():
        raise InvalidSettings(key, f"expected a non-empty text, got {value!r}")
    return value.strip()


def refuse_text_clash(record: Mapping[str, Any], text_field: str) -> None:
    """Task types keep the text under ``text`` whatever ``text_field`` names; a record that
    has both that field and a ``text`` column of its own would lose the column (overwritten
    by the text, in the item and on the card), so it is refused, naming the column."""
    if text_field != "text" and "text" in record and text_field in record:
        raise InvalidRecord(
            "text",
            f"the project reads its text from column {text_field!r} (text_field) and keeps "
            "it as 'text', so this column 'text' would be lost: rename it",
        )


__all__ = [
    "AGREEMENT_LEVELS",
    "INPUT_CHOICE",
    "INPUT_CHOICE_OR_TEXT",
    "INPUT_KINDS",
    "INPUT_MULTI_CHOICE",
    "INPUT_TEXT",
    "STAGE_ANSWER",
    "STAGE_VOTE",
    "Choice",
    "InvalidAnswer",
    "InvalidRecord",
    "InvalidSettings",
    "MicroTask",
    "Prompt",
    "TaskError",
    "TaskType",
    "refuse_text_clash",
    "setting_bool",
    "setting_int",
    "setting_share",
    "setting_str",
]
