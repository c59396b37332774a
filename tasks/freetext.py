"""What proofreading and translation share: one task per sentence, generate then vote.

Free text cannot be counted like labels, so the engine collects a few candidates, merges
those that are equal after normalisation, and when they still differ asks the crowd to vote
among them — a vote payload is a plain choice task handled here for both types.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from typing import Any

from tasks.base import (
    INPUT_CHOICE,
    STAGE_VOTE,
    InvalidAnswer,
    InvalidRecord,
    MicroTask,
    Prompt,
    refuse_text_clash,
    setting_int,
    setting_share,
    setting_str,
)
from tasks.simulation import SimulatedTask
from tasks.text import (
    Sentence,
    TooManySentences,
    is_vote,
    join_sentences,
    normalise,
    sentence_payloads,
    split_document,
    truth_key,
    vote_choices,
    vote_keys,
    vote_label_space,
)

GOLD_FIELD = "gold"
DEFAULT_MAX_SENTENCES = 5_000
"""Tasks one document may become (a project's ``max_sentences``): a book is several uploads."""
MAX_DOCUMENT_CHARS = 1_000_000
"""Characters of one document, checked before it is split (about 300 pages)."""
DEFAULT_CANDIDATES = 3
DEFAULT_WIN_SHARE = 0.6
DEFAULT_MAX_ROUNDS = 2
VOTE_INSTRUCTIONS = "Choose the best version, or “None is right” if every version is wrong."


def too_long_limit(sentence: str) -> int:
    """Longest acceptable answer: generous, but a pasted page is not a sentence."""
    return 5 * len(sentence) + 200


class FreeTextTask(SimulatedTask):
    """Base for task types whose answer is a rewritten sentence."""

    answer_kind = "text"

    # --- settings -------------------------------------------------------------------------

    def common_settings(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "candidates": setting_int(raw, "candidates", DEFAULT_CANDIDATES, low=1, high=10),
            "win_share": setting_share(raw, "win_share", DEFAULT_WIN_SHARE),
            "max_rounds": setting_int(raw, "max_rounds", DEFAULT_MAX_ROUNDS, low=1, high=10),
            "text_field": setting_str(raw, "text_field", "text"),
            "max_sentences": setting_int(
                raw, "max_sentences", DEFAULT_MAX_SENTENCES, low=1, high=100_000
            ),
        }

    def split_language(self, settings: Mapping[str, Any]) -> str:
        """The language the source text is written (and split) in."""
        return str(settings["language"])

    # --- records --------------------------------------------------------------------------

    def _text(self, record: Mapping[str, Any], settings: Mapping[str, Any]) -> str:
        field = settings.get("text_field", "text")
        refuse_text_clash(record, field)
        text = record.get(field)
        if not isinstance(text, str) or not text.strip():
            if text is not None and not isinstance(text, str):
                raise InvalidRecord(field, f"must be a text, got {type(text).__name__}")
            raise InvalidRecord(field, "is missing or empty")
        return text

    def sentences(self, record: Mapping[str, Any], settings: Mapping[str, Any]) -> list[Sentence]:
        """The record's sentences, within the caps (`InvalidRecord` naming the text field)."""
        field = settings.get("text_field", "text")
        text = self._text(record, settings)
        if len(text) > MAX_DOCUMENT_CHARS:
            raise InvalidRecord(
                field,
                f"is {len(text):,} characters long; at most {MAX_DOCUMENT_CHARS:,} are allowed "
                "in one document: split it into several uploads",
            )
        limit = int(settings.get("max_sentences", DEFAULT_MAX_SENTENCES))
        try:
            return split_document(text, self.split_language(settings), limit=limit)
        except TooManySentences:
            raise InvalidRecord(
                field,
                f"has more than {limit:,} sentences, the project's max_sentences: split the "
                "document into several uploads or raise max_sentences",
            ) from None

    def split(self, record: Mapping[str, Any], settings: dict[str, Any]) -> list[MicroTask]:
        sentences = self.sentences(record, settings)
        payloads = sentence_payloads(sentences)
        gold = self._gold(record, payloads)
        return [
            MicroTask(position=index, payload=payload, gold=gold)
            for index, payload in enumerate(payloads)
        ]

    def _gold(self, record: Mapping[str, Any], payloads: list[dict[str, Any]]) -> str | None:
        """A gold text is only meaningful for a one-sentence record (a CSV row)."""
        raw = record.get(GOLD_FIELD)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if not isinstance(raw, str):
            raise InvalidRecord(GOLD_FIELD, f"must be a text, got {type(raw).__name__}")
        if len(payloads) != 1:
            raise InvalidRecord(
                GOLD_FIELD,
                f"gold is supported for one-sentence records only; this text has "
                f"{len(payloads)} sentences",
            )
        try:
            return str(self.validate(raw, payloads[0], {}))
        except InvalidAnswer as error:
            raise InvalidRecord(GOLD_FIELD, error.message) from None

    def item_payload(self, record: Mapping[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
        kept = {
            key: value
            for key, value in record.items()
            if key not in (GOLD_FIELD, "id", settings.get("text_field", "text"))
        }
        return {"text": self._text(record, settings), **kept}

    # --- prompts and answers --------------------------------------------------------------

    def vote_prompt(
        self,
        payload: dict[str, Any],
        instructions: str,
        *,
        source_language: str | None = None,
        target_language: str | None = None,
    ) -> Prompt:
        return Prompt(
            kind=self.name,
            stage=STAGE_VOTE,
            text=payload["sentence"],
            instructions=f"{instructions}\n\n{VOTE_INSTRUCTIONS}"
            if instructions
            else VOTE_INSTRUCTIONS,
            input=INPUT_CHOICE,
            context_before=payload.get("before", ""),
            context_after=payload.get("after", ""),
            choices=vote_choices(payload),
            source_language=source_language,
            target_language=target_language,
        )

    @staticmethod
    def single_text(raw: str | Sequence[str]) -> str:
        """Free text arrives as one string; a one-element list is tolerated."""
        if isinstance(raw, str):
            return raw
        items = list(raw)
        if len(items) == 1 and isinstance(items[0], str):
            return items[0]
        raise InvalidAnswer("not_text", "send the text as one message", {"count": len(items)})

    def validate_vote(self, raw: str | Sequence[str], payload: Mapping[str, Any]) -> str:
        value = self.single_text(raw).strip()
        allowed = vote_label_space(payload)
        if value not in allowed:
            raise InvalidAnswer(
                "not_a_choice",
                f"{value!r} is not one of the choices: {', '.join(allowed)}",
                {"value": value, "choices": allowed},
            )
        return value

    @staticmethod
    def check_length(text: str, sentence: str) -> str:
        cleaned = text.strip()
        if not cleaned:
            raise InvalidAnswer("empty", "the answer is empty")
        limit = too_long_limit(sentence)
        if len(cleaned) > limit:
            raise InvalidAnswer(
                "too_long",
                f"the answer is {len(cleaned)} characters long; at most {limit} are allowed "
                "for this sentence",
                {"length": len(cleaned), "limit": limit},
            )
        return cleaned

    def answer_key(self, value: object) -> str:
        return normalise(str(value))

    def label_space(self, payload: dict[str, Any], settings: dict[str, Any]) -> list[str]:
        return vote_label_space(payload) if is_vote(payload) else []

    def agreement_level(self, settings: dict[str, Any]) -> str:
        return "text"

    # --- reassembly -----------------------------------------------------------------------

    def rebuild(
        self, results: Sequence[tuple[dict[str, Any], object | None]]
    ) -> tuple[str, list[dict[str, Any]]]:
        """The document with every decided sentence replaced, and the undecided ones."""
        parts: list[str] = []
        undecided: list[dict[str, Any]] = []
        for index, (payload, value) in enumerate(results):
            text = payload["sentence"]
            if value is None:
                undecided.append({"position": payload.get("position", index), "sentence": text})
            else:
                text = str(value)
            parts.append(payload.get("lead", "") + text + payload.get("trail", ""))
        return "".join(parts), undecided

    # --- simulation -----------------------------------------------------------------------

    def sample_vote(
        self, payload: Mapping[str, Any], truth: object, correct: bool, rng: random.Random
    ) -> str:
        right = truth_key(payload, str(truth))
        if correct:
            return right
        return rng.choice([key for key in vote_label_space(payload) if key != right])


_WORD = re.compile(r"\w+")


def small_edit(text: str, rng: random.Random) -> str:
    """A plausible slip — swapped or dropped letter, dropped word — that changes the text."""
    base = text.strip()
    for _ in range(10):
        words = [match.span() for match in _WORD.finditer(base)]
        move = rng.choice(("swap", "drop_char", "drop_word"))
        if move == "drop_word" and len(words) > 1:
            start, stop = rng.choice(words)
            edited = (base[:start] + base[stop:]).replace("  ", " ")
        elif move == "swap" and len(base) > 2:
            index = rng.randrange(len(base) - 1)
            edited = base[:index] + base[index + 1] + base[index] + base[index + 2 :]
        elif len(base) > 1:
            index = rng.randrange(len(base))
            edited = base[:index] + base[index + 1 :]
        else:
            edited = base + "x"
        if normalise(edited) != normalise(base) and edited.strip():
            return edited.strip()
    return base + " x"


__all__ = [
    "DEFAULT_CANDIDATES",
    "DEFAULT_MAX_ROUNDS",
    "DEFAULT_WIN_SHARE",
    "FreeTextTask",
    "join_sentences",
    "small_edit",
    "too_long_limit",
    "vote_keys",
]
