"""Proofreading: contributors fix one sentence at a time, or say it has no error.

Sentences are small enough to check on a phone, the neighbours give the context, and the
document is rebuilt with a diff the requester can review.
"""

from __future__ import annotations

import difflib
import random
from collections.abc import Mapping, Sequence
from typing import Any

from tasks.base import (
    INPUT_CHOICE_OR_TEXT,
    STAGE_ANSWER,
    Choice,
    Prompt,
)
from tasks.freetext import FreeTextTask, small_edit
from tasks.registry import register
from tasks.text import check_language, is_vote, normalise

NO_ERROR = "no_error"
NO_ERROR_LABEL = "No error"
DEFAULT_LANGUAGE = "en"
DEFAULT_INSTRUCTIONS = (
    "Correct spelling, grammar and punctuation in this sentence, keeping its meaning; "
    "press “No error” if it is already right."
)


@register
class Proofreading(FreeTextTask):
    """One sentence per task; the answer is the corrected sentence."""

    name = "proofreading"
    description = "Correct a document sentence by sentence."

    def parse_settings(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        language = check_language(raw.get("language") or DEFAULT_LANGUAGE)
        return {"language": language, **self.common_settings(raw)}

    def prompt(
        self, payload: dict[str, Any], settings: dict[str, Any], instructions: str
    ) -> Prompt:
        if is_vote(payload):
            return self.vote_prompt(payload, instructions)
        return Prompt(
            kind=self.name,
            stage=STAGE_ANSWER,
            text=payload["sentence"],
            instructions=instructions or DEFAULT_INSTRUCTIONS,
            input=INPUT_CHOICE_OR_TEXT,
            context_before=payload.get("before", ""),
            context_after=payload.get("after", ""),
            choices=(Choice(NO_ERROR, NO_ERROR_LABEL),),
            default_text=payload["sentence"],
            placeholder="Corrected sentence",
        )

    def validate(
        self, raw: str | Sequence[str], payload: dict[str, Any], settings: dict[str, Any]
    ) -> object:
        if is_vote(payload):
            return self.validate_vote(raw, payload)
        sentence = payload["sentence"]
        text = self.single_text(raw)
        if text.strip() == NO_ERROR:
            return sentence
        cleaned = self.check_length(text, sentence)
        if normalise(cleaned) == normalise(sentence):
            return sentence  # same sentence typed again: "no error", in its original form
        return cleaned

    def reassemble(
        self, item_payload: dict[str, Any], results: Sequence[tuple[dict[str, Any], object | None]]
    ) -> dict[str, Any]:
        original = str(item_payload.get("text", ""))
        corrected, undecided = self.rebuild(results)
        diff_lines = list(
            difflib.unified_diff(
                original.splitlines(),
                corrected.splitlines(),
                fromfile="original",
                tofile="corrected",
                lineterm="",
            )
        )
        diff = "\n".join(diff_lines) + "\n" if diff_lines else ""
        changed = sum(
            1
            for payload, value in results
            if value is not None and str(value) != payload["sentence"]
        )
        return {"corrected": corrected, "diff": diff, "changed": changed, "undecided": undecided}

    def hidden_truth(
        self, payload: dict[str, Any], settings: dict[str, Any], rng: random.Random
    ) -> object:
        return payload["sentence"]

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
        truth_text = str(truth)
        if correct:
            same = normalise(truth_text) == normalise(payload["sentence"])
            return NO_ERROR if same else truth_text
        return small_edit(truth_text, rng)
