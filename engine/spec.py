"""Project specs (TOML): read, check every field, and name the field when one is wrong."""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field, fields
from datetime import date, time
from pathlib import Path
from typing import Any

from engine.errors import InvalidSpec
from quality.spam import SpamPolicy
from tasks.base import InvalidSettings
from tasks.registry import get_task_type, task_type_names

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{1,62}$")
NAME_LENGTH = 200
"""The size of the project name column: checked here, so both databases refuse alike."""
_TOML_LINE = re.compile(r"at line (\d+)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
GENERAL_FIELDS = {
    "name", "slug", "kind", "instructions", "overlap", "confidence", "gold_rate",
    "lease_seconds", "min_seconds", "points", "languages", "spam",
}  # fmt: skip


@dataclass(frozen=True)
class ProjectSpec:
    name: str
    slug: str
    kind: str
    instructions: str = ""
    overlap_min: int = 3
    overlap_max: int = 5
    confidence: float = 0.9
    gold_rate: float = 0.0
    lease_seconds: int = 600
    min_seconds: float = 0.0
    points: int = 1
    settings: dict[str, Any] = field(default_factory=dict)


def load_spec(path: str | Path) -> ProjectSpec:
    """Read a TOML file; every error names the file, and the line when there is one."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InvalidSpec("file", "does not exist", str(path)) from None
    except IsADirectoryError:
        raise InvalidSpec("file", "is a folder, expected a TOML file", str(path)) from None
    except OSError as exc:
        raise InvalidSpec("file", exc.strerror or str(exc), str(path)) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SpecFileError(path, line, f"not UTF-8 text (byte {data[exc.start]:#04x}); "
                            "save the spec as UTF-8") from None  # fmt: skip
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE.search(str(exc))
        raise SpecFileError(path, int(found.group(1)) if found else None,
                            f"not valid TOML: {exc}") from None  # fmt: skip
    except (ValueError, RecursionError) as exc:  # a 5000-digit number, arrays nested too deep
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise SpecFileError(path, None, f"not valid TOML: {reason}") from None
    return parse_spec(raw, source=str(path))


class SpecFileError(InvalidSpec):
    """A spec file that cannot be read as TOML: the file and line, not a field."""

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        super().__init__("file", message, str(path))
        where = f"{path}:{line}" if line else str(path)
        self.args = (f"{where}: {message}",)
        self.line = line


def parse_spec(raw: dict[str, Any], source: str | None = None) -> ProjectSpec:
    """Validate a spec mapping; kind-specific settings go through the task type."""

    def fail(name: str, message: str) -> InvalidSpec:
        return InvalidSpec(name, message, source)

    _check_values(raw, "", fail)
    name = _text(raw, "name", fail, required=True)
    if len(name) > NAME_LENGTH:
        raise fail("name", f"at most {NAME_LENGTH} characters, got {len(name)}")
    if _CONTROL.search(name) or "\n" in name:
        raise fail("name", "one line of text, without control characters")
    given_slug = _text(raw, "slug", fail, required=False)
    slug = given_slug or _slugify(name)
    if not SLUG.match(slug):
        hint = "" if given_slug else f" (made from the name: {slug!r}; give a slug)"
        raise fail("slug", f"use 2-63 lowercase letters, digits, '-' or '_'{hint}")
    kind = _text(raw, "kind", fail, required=True)
    if kind not in task_type_names():
        raise fail("kind", f"unknown kind {kind!r}; known: {', '.join(task_type_names())}")
    overlap = raw.get("overlap", {"min": 3, "max": 5})
    if isinstance(overlap, int) and not isinstance(overlap, bool):
        overlap = {"min": overlap, "max": overlap}
    if not isinstance(overlap, dict):
        raise fail("overlap", "expected {min = N, max = M} or a number")
    overlap_min = _number(overlap, "min", fail, int, 1, 100, default=3, prefix="overlap.")
    overlap_max = _number(overlap, "max", fail, int, 1, 100, default=max(overlap_min, 5),
                          prefix="overlap.")  # fmt: skip
    if overlap_max < overlap_min:
        raise fail("overlap.max", f"must be >= overlap.min ({overlap_min})")
    settings_raw = {k: v for k, v in raw.items() if k not in GENERAL_FIELDS}
    settings_raw.update(_languages(kind, raw.get("languages"), fail))
    try:
        settings = get_task_type(kind).parse_settings(settings_raw)
    except InvalidSettings as exc:
        raise fail(exc.field, exc.message) from None
    if "spam" in raw:
        settings["spam"] = _spam(raw["spam"], fail)
    return ProjectSpec(
        name=name,
        slug=slug,
        kind=kind,
        instructions=_instructions(raw.get("instructions", ""), fail),
        overlap_min=overlap_min,
        overlap_max=overlap_max,
        confidence=_confidence(raw, fail),
        gold_rate=_number(raw, "gold_rate", fail, float, 0.0, 1.0, default=0.0),
        lease_seconds=_number(raw, "lease_seconds", fail, int, 10, 7 * 86400, default=600),
        min_seconds=_number(raw, "min_seconds", fail, float, 0.0, 3600.0, default=0.0),
        points=_number(raw, "points", fail, int, 0, 1000, default=1),
        settings=settings,
    )


def _confidence(raw: dict[str, Any], fail: Any) -> float:
    """The posterior a task's leading answer must reach: below 1, which no posterior under
    imperfect workers ever reaches (every task would go to review)."""
    value = float(_number(raw, "confidence", fail, float, 0.5, 1.0, default=0.9))
    if value >= 1.0:
        raise fail("confidence", f"must be at least 0.5 and below 1 (e.g. 0.95), got {value!r}")
    return value


def _instructions(value: Any, fail: Any) -> str:
    if not isinstance(value, str):
        raise fail("instructions", f"expected a string (use \"\"\" for several lines), "
                   f"got {type(value).__name__}")  # fmt: skip
    if _CONTROL.search(value.replace("\t", " ")):
        raise fail("instructions", "control characters are not allowed")
    return value.strip()


def _check_values(value: Any, where: str, fail: Any) -> None:
    """What a JSON column on both databases cannot store the same: NUL characters,
    NaN and infinities, TOML dates."""
    if isinstance(value, dict):
        for key, item in value.items():
            _check_values(item, f"{where}.{key}" if where else str(key), fail)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_values(item, f"{where}[{index}]", fail)
    elif isinstance(value, str) and "\x00" in value:
        raise fail(where, "NUL characters are not allowed")
    elif isinstance(value, float) and not math.isfinite(value):
        raise fail(where, f"expected a finite number, got {value!r}")
    elif isinstance(value, date | time):
        raise fail(where, f"expected a string or a number, got a TOML {type(value).__name__}")


def _spam(raw: Any, fail: Any) -> dict[str, Any]:
    """The ``[spam]`` table: thresholds of `quality.spam.SpamPolicy` (``min_seconds`` is a
    project field of its own)."""
    if not isinstance(raw, dict):
        raise fail("spam", "expected a table of thresholds")
    known = {f.name: f.type for f in fields(SpamPolicy) if f.name != "min_seconds"}
    policy: dict[str, Any] = {}
    for key in raw:
        if key not in known:
            raise fail(f"spam.{key}", f"unknown threshold; known: {', '.join(sorted(known))}")
        if known[key] in (int, "int"):  # a count
            policy[key] = _number(raw, key, fail, int, 0, 1_000_000, default=0, prefix="spam.")
        else:  # a share
            policy[key] = _number(raw, key, fail, float, 0.0, 1.0, default=0, prefix="spam.")
    return policy


def _text(raw: dict[str, Any], name: str, fail: Any, *, required: bool) -> str:
    value = raw.get(name)
    if value is None:
        if required:
            raise fail(name, "is required")
        return ""
    if not isinstance(value, str) or not value.strip():
        raise fail(name, "must be a non-empty string")
    return value.strip()


def _number(
    raw: dict[str, Any], name: str, fail: Any, kind: type, low: float, high: float,
    *, default: float, prefix: str = "",
) -> Any:  # fmt: skip
    value = raw.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(prefix + name, f"expected a number, got {value!r}")
    if kind is int and not float(value).is_integer():
        raise fail(prefix + name, f"expected a whole number, got {value!r}")
    if not low <= value <= high:
        raise fail(prefix + name, f"must be between {low} and {high}, got {value!r}")
    return kind(value)


def _languages(kind: str, languages: Any, fail: Any) -> dict[str, str]:
    """``languages = ["fr"]`` or ``["en", "fr"]`` (source, target) as a shorthand."""
    if languages is None:
        return {}
    if isinstance(languages, str):
        languages = [languages]
    if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
        raise fail("languages", "expected a list of language codes")
    if kind == "translation":
        if len(languages) != 2:
            raise fail("languages", "translation needs [source, target]")
        return {"source_language": languages[0], "target_language": languages[1]}
    return {"language": languages[0]} if languages else {}


def _slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:63]
