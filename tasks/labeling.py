"""Labeling: pick one label (or several) for a record — sentiment, topic, image class.

The simplest and most common crowd task: one record is one micro-task, answers are
categories, and the engine aggregates them directly.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping, Sequence
from typing import Any

from tasks.base import (
    INPUT_CHOICE,
    INPUT_MULTI_CHOICE,
    STAGE_ANSWER,
    Choice,
    InvalidAnswer,
    InvalidRecord,
    InvalidSettings,
    MicroTask,
    Prompt,
    refuse_text_clash,
    setting_bool,
    setting_str,
)
from tasks.registry import register
from tasks.simulation import SimulatedTask

CANT_TELL = "cant_tell"
CANT_TELL_LABEL = "Can't tell"
MAX_VALUE_BYTES = 32  # the value travels in Telegram callback data (64 bytes in all)
MAX_MULTI_LABELS = 10  # the label space of a multi-label task is every subset
GOLD_FIELD = "gold"
MAX_TEXT_CHARS = 100_000
"""Characters of one item's text: a page to read, not a book (chat cards show it in pages)."""
MEDIA_FIELDS = ("image_url", "media_url", "image")
DEFAULT_INSTRUCTIONS = "Choose the label that fits best."
DEFAULT_MULTI_INSTRUCTIONS = "Choose every label that applies."


def _parse_labels(raw: object) -> list[dict[str, str]]:
    """Accept ["a", "b"], {"a": "A", ...}, [["a", "A"], ...] or [{"value", "label"}, ...]."""
    if raw is None:
        raise InvalidSettings("labels", "is required: give at least two labels")
    pairs: list[tuple[object, object]] = []
    if isinstance(raw, Mapping):
        pairs = list(raw.items())
    elif isinstance(raw, str):
        pairs = [(part, part) for part in raw.split(",")]
    elif isinstance(raw, Sequence):
        for entry in raw:
            if isinstance(entry, str):
                pairs.append((entry, entry))
            elif isinstance(entry, Mapping) and "value" in entry:
                pairs.append((entry["value"], entry.get("label", entry["value"])))
            elif isinstance(entry, Sequence) and len(entry) == 2:
                pairs.append((entry[0], entry[1]))
            else:
                raise InvalidSettings("labels", f"cannot read label {entry!r}")
    else:
        raise InvalidSettings("labels", "expected a list of labels or a mapping value -> label")
    labels: list[dict[str, str]] = []
    seen: set[str] = set()
    for value, label in pairs:
        if not isinstance(value, str) or not value.strip():
            raise InvalidSettings("labels", f"label value {value!r} must be a non-empty text")
        if not isinstance(label, str) or not label.strip():
            raise InvalidSettings("labels", f"display label of {value!r} must be a non-empty text")
        value = value.strip()
        if len(value.encode()) > MAX_VALUE_BYTES:
            raise InvalidSettings(
                "labels",
                f"label value {value!r} is longer than {MAX_VALUE_BYTES} bytes; use the mapping "
                "form {short_value: 'long display label'}",
            )
        if "|" in value:
            raise InvalidSettings("labels", f"label value {value!r} must not contain '|'")
        if value.casefold() in seen:
            raise InvalidSettings("labels", f"label {value!r} is given twice")
        seen.add(value.casefold())
        labels.append({"value": value, "label": label.strip()})
    if len(labels) < 2:
        raise InvalidSettings("labels", "give at least two labels")
    return labels


def _refuse_text(text_field: str, text: object) -> None:
    """The refusal of a record's text that `Labeling.split`'s quick test let through."""
    if text is None or (isinstance(text, str) and not text.strip()):
        raise InvalidRecord(text_field, "is missing or empty")
    if not isinstance(text, str):
        raise InvalidRecord(text_field, f"must be a text, got {type(text).__name__}")
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidRecord(
            text_field, f"is {len(text):,} characters long; at most {MAX_TEXT_CHARS:,} are allowed"
        )


@register
class Labeling(SimulatedTask):
    """One record, one question, a fixed set of labels."""

    name = "labeling"
    answer_kind = "label"
    description = "Choose a label (or several) for each record."

    # --- settings -------------------------------------------------------------------------

    def parse_settings(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        labels = _parse_labels(raw.get("labels"))
        multi = setting_bool(raw, "multi", False)
        scale = setting_bool(raw, "scale", False)
        cant_tell = setting_bool(raw, "cant_tell", False)
        text_field = setting_str(raw, "text_field", "text")
        if multi and scale:
            raise InvalidSettings("scale", "a rating scale cannot be multi-label")
        if multi and len(labels) > MAX_MULTI_LABELS:
            raise InvalidSettings(
                "labels", f"multi-label projects support at most {MAX_MULTI_LABELS} labels"
            )
        if cant_tell and any(entry["value"].casefold() == CANT_TELL for entry in labels):
            raise InvalidSettings("labels", f"{CANT_TELL!r} is reserved when cant_tell is on")
        return {
            "labels": labels,
            "multi": multi,
            "scale": scale,
            "cant_tell": cant_tell,
            "text_field": text_field,
        }

    @staticmethod
    def _values(settings: Mapping[str, Any]) -> list[str]:
        return [entry["value"] for entry in settings["labels"]]

    def _choices(self, settings: Mapping[str, Any]) -> list[Choice]:
        choices = [Choice(entry["value"], entry["label"]) for entry in settings["labels"]]
        if settings.get("cant_tell"):
            choices.append(Choice(CANT_TELL, CANT_TELL_LABEL))
        return choices

    def _lookup(self, raw: str, settings: Mapping[str, Any]) -> str | None:
        """Match a pressed value exactly, or a typed value/label ignoring case."""
        text = raw.strip()
        choices = self._choices(settings)
        for choice in choices:
            if choice.value == text:
                return choice.value
        folded = text.casefold()
        for choice in choices:
            if folded in (choice.value.casefold(), choice.label.casefold()):
                return choice.value
        return None

    # --- records --------------------------------------------------------------------------

    def split(self, record: Mapping[str, Any], settings: dict[str, Any]) -> list[MicroTask]:
        text_field = settings.get("text_field", "text")
        if text_field != "text":
            refuse_text_clash(record, text_field)
        text = record.get(text_field)
        # One cheap test for the usual text; the refusals, in their order, only when it fails.
        if type(text) is not str or not text or text.isspace() or len(text) > MAX_TEXT_CHARS:
            _refuse_text(text_field, text)
        payload: dict[str, Any] = {"text": text}
        for key, value in record.items():  # a loop: no generator frame per record
            if value is not None and key != text_field and key != GOLD_FIELD and key != "id":
                payload[key] = value
        raw = record.get(GOLD_FIELD)
        gold = None if raw is None or raw == "" else self._parse_gold(record, settings)
        return [MicroTask(0, payload, gold)]  # positional: half the cost of keywords

    def _parse_gold(self, record: Mapping[str, Any], settings: Mapping[str, Any]) -> object | None:
        raw = record.get(GOLD_FIELD)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if settings.get("multi"):
            parts = raw.split("|") if isinstance(raw, str) else raw
            if not isinstance(parts, Sequence) or not all(isinstance(p, str) for p in parts):
                raise InvalidRecord(GOLD_FIELD, f"expected labels separated by '|', got {raw!r}")
            try:
                return self._normalise_multi([p for p in parts if p.strip()], settings)
            except InvalidAnswer as error:
                raise InvalidRecord(GOLD_FIELD, error.message) from None
        if not isinstance(raw, str):
            raw = str(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else raw
        value = self._lookup(raw, settings) if isinstance(raw, str) else None
        if value is None:
            raise InvalidRecord(
                GOLD_FIELD,
                f"{raw!r} is not one of the labels: {', '.join(self._values(settings))}",
            )
        return value

    def item_payload(self, record: Mapping[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
        text_field = settings.get("text_field", "text")
        kept = dict(record)  # a copy in C, then the two reserved keys out: no comprehension
        kept.pop(GOLD_FIELD, None)
        kept.pop("id", None)
        if text_field != "text":
            refuse_text_clash(record, text_field)
            if text_field in kept:
                kept["text"] = kept.pop(text_field)
        return kept

    # --- prompts and answers --------------------------------------------------------------

    def prompt(
        self, payload: dict[str, Any], settings: dict[str, Any], instructions: str
    ) -> Prompt:
        multi = bool(settings.get("multi"))
        media = next((str(payload[key]) for key in MEDIA_FIELDS if payload.get(key)), None)
        details = tuple(
            (key, str(value))
            for key, value in payload.items()
            if key != "text" and key not in MEDIA_FIELDS and value not in (None, "")
        )
        default = DEFAULT_MULTI_INSTRUCTIONS if multi else DEFAULT_INSTRUCTIONS
        return Prompt(
            kind=self.name,
            stage=STAGE_ANSWER,
            text=str(payload.get("text", "")),
            instructions=instructions or default,
            input=INPUT_MULTI_CHOICE if multi else INPUT_CHOICE,
            choices=tuple(self._choices(settings)),
            media_url=media,
            details=details,
        )

    def _not_a_choice(self, raw: object, settings: Mapping[str, Any]) -> InvalidAnswer:
        values = [choice.value for choice in self._choices(settings)]
        return InvalidAnswer(
            "not_a_choice",
            f"{raw!r} is not one of the choices: {', '.join(values)}",
            {"value": str(raw), "choices": values},
        )

    def _normalise_multi(self, raw: Sequence[str], settings: Mapping[str, Any]) -> list[str]:
        picked: set[str] = set()
        for part in raw:
            value = self._lookup(part, settings)
            if value is None:
                raise self._not_a_choice(part, settings)
            picked.add(value)
        if not picked:
            raise InvalidAnswer("empty", "choose at least one label")
        if CANT_TELL in picked and len(picked) > 1:
            raise InvalidAnswer(
                "cant_tell_exclusive", '"Can\'t tell" cannot be combined with other labels'
            )
        order = [choice.value for choice in self._choices(settings)]
        return [value for value in order if value in picked]

    def validate(
        self, raw: str | Sequence[str], payload: dict[str, Any], settings: dict[str, Any]
    ) -> object:
        if settings.get("multi"):
            parts = raw.split("|") if isinstance(raw, str) else list(raw)
            return self._normalise_multi([p for p in parts if p.strip()], settings)
        if not isinstance(raw, str):
            items = list(raw)
            if len(items) != 1:
                raise InvalidAnswer(
                    "single_choice", "choose exactly one label", {"count": len(items)}
                )
            raw = items[0]
        if not raw.strip():
            raise InvalidAnswer("empty", "choose a label")
        value = self._lookup(raw, settings)
        if value is None:
            raise self._not_a_choice(raw, settings)
        return value

    def answer_key(self, value: object) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, Sequence):
            return "|".join(sorted(str(part) for part in value))
        return str(value)

    def label_space(self, payload: dict[str, Any], settings: dict[str, Any]) -> list[str]:
        values = self._values(settings)
        if settings.get("multi"):
            space = [
                self.answer_key(combo)
                for size in range(1, len(values) + 1)
                for combo in itertools.combinations(values, size)
            ]
        else:
            space = list(values)
        if settings.get("cant_tell"):
            space.append(CANT_TELL)
        return space

    def agreement_level(self, settings: dict[str, Any]) -> str:
        return "ordinal" if settings.get("scale") else "nominal"

    def reassemble(
        self, item_payload: dict[str, Any], results: Sequence[tuple[dict[str, Any], object | None]]
    ) -> dict[str, Any]:
        value = results[0][1] if results else None
        return {"answer": value}

    # --- simulation -----------------------------------------------------------------------

    def hidden_truth(
        self, payload: dict[str, Any], settings: dict[str, Any], rng: random.Random
    ) -> object:
        values = self._values(settings)
        if settings.get("multi"):
            size = rng.randint(1, min(2, len(values)))
            picked = set(rng.sample(values, size))
            return [value for value in values if value in picked]
        return rng.choice(values)

    def sample_answer(
        self,
        payload: dict[str, Any],
        settings: dict[str, Any],
        *,
        truth: object,
        correct: bool,
        rng: random.Random,
    ) -> str | list[str]:
        values = self._values(settings)
        if settings.get("multi"):
            if isinstance(truth, str):
                chosen = [truth]
            elif isinstance(truth, Sequence):
                chosen = [str(value) for value in truth]
            else:
                chosen = [str(truth)]
            if correct:
                return chosen
            flipped = set(chosen) ^ {rng.choice(values)}
            if not flipped:  # removed the only label: pick another one instead
                flipped = {rng.choice([v for v in values if v not in chosen])}
            return [value for value in values if value in flipped]
        if correct:
            return str(truth)
        return rng.choice([value for value in values if value != truth])
