"""Translation: contributors translate one sentence at a time, with its neighbours shown.

The document is split in the source language and rebuilt in order with its paragraphs, so
the translation keeps the layout of the original.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from typing import Any

from tasks.base import INPUT_TEXT, STAGE_ANSWER, InvalidAnswer, InvalidSettings, Prompt
from tasks.freetext import FreeTextTask, small_edit
from tasks.registry import register
from tasks.text import check_language, has_letters, is_vote, normalise

DEFAULT_INSTRUCTIONS = "Translate this sentence. Keep names, numbers and links as they are."
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")


def pseudo_translate(sentence: str, target: str) -> str:
    """A deterministic stand-in translation for the simulator (never equal to the source)."""
    return f"[{target}] {sentence.strip()}"


@register
class Translation(FreeTextTask):
    """One source sentence per task; the answer is its translation."""

    name = "translation"
    description = "Translate a document sentence by sentence."

    def parse_settings(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        source = check_language(raw.get("source_language"), "source_language")
        target_raw = raw.get("target_language")
        if not isinstance(target_raw, str) or not target_raw.strip():
            raise InvalidSettings("target_language", "is required (a code such as 'fr')")
        target = target_raw.strip()
        if not _LANGUAGE_TAG.match(target):
            raise InvalidSettings("target_language", f"{target!r} is not a language code")
        target = target.replace("_", "-")
        if target.lower().split("-")[0] == source:
            raise InvalidSettings("target_language", "must differ from source_language")
        return {
            "source_language": source,
            "target_language": target,
            **self.common_settings(raw),
        }

    def split_language(self, settings: Mapping[str, Any]) -> str:
        return str(settings["source_language"])

    def prompt(
        self, payload: dict[str, Any], settings: dict[str, Any], instructions: str
    ) -> Prompt:
        source = settings.get("source_language")
        target = settings.get("target_language")
        if is_vote(payload):
            return self.vote_prompt(
                payload, instructions, source_language=source, target_language=target
            )
        return Prompt(
            kind=self.name,
            stage=STAGE_ANSWER,
            text=payload["sentence"],
            instructions=instructions or DEFAULT_INSTRUCTIONS,
            input=INPUT_TEXT,
            context_before=payload.get("before", ""),
            context_after=payload.get("after", ""),
            placeholder="Translation",
            source_language=source,
            target_language=target,
        )

    def validate(
        self, raw: str | Sequence[str], payload: dict[str, Any], settings: dict[str, Any]
    ) -> object:
        if is_vote(payload):
            return self.validate_vote(raw, payload)
        sentence = payload["sentence"]
        cleaned = self.check_length(self.single_text(raw), sentence)
        if normalise(cleaned) == normalise(sentence) and has_letters(sentence):
            raise InvalidAnswer(
                "unchanged_translation",
                "this is the original sentence; send its translation",
            )
        return cleaned

    def reassemble(
        self, item_payload: dict[str, Any], results: Sequence[tuple[dict[str, Any], object | None]]
    ) -> dict[str, Any]:
        translation, undecided = self.rebuild(results)
        return {"translation": translation, "undecided": undecided}

    def hidden_truth(
        self, payload: dict[str, Any], settings: dict[str, Any], rng: random.Random
    ) -> object:
        return pseudo_translate(payload["sentence"], str(settings.get("target_language", "xx")))

    def sample_answer(
        self,
        payload: dict[str, Any],
        settings: dict[str, Any],
        *,
        truth: object,
        correct: bool,
        rng: random.Random,
    ) -> str | list[str]:
        if is_vote(payload):
            return self.sample_vote(payload, truth, correct, rng)
        if correct:
            return str(truth)
        edited = small_edit(str(truth), rng)
        if normalise(edited) == normalise(payload["sentence"]):
            edited = f"{edited} …"
        return edited
