"""Text helpers shared by the free-text task types (proofreading, translation).

Three jobs: cut a document into sentences that join back byte for byte, compare free-text
answers the way a human would (ignoring typographic variants), and turn disagreeing
candidates into a vote.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pysbd
from pysbd.languages import LANGUAGE_CODES

from tasks.base import STAGE_ANSWER, STAGE_VOTE, Choice, InvalidSettings

NONE_OF_THEM = "none"
NONE_OF_THEM_LABEL = "None is right"
CANDIDATE_PREFIX = "c"

# --- normalisation -------------------------------------------------------------------------

_SPACES = "\u00a0\u202f\u2009\u2007 \t"
_QUOTE_MAP = str.maketrans(
    {
        "\u2019": "'",  # ’
        "\u2018": "'",  # ‘
        "\u201a": "'",  # ‚
        "\u201b": "'",  # ‛
        "\u02bc": "'",  # ʼ modifier letter apostrophe
        "\u2039": "'",  # ‹
        "\u203a": "'",  # ›
        "\u201c": '"',  # “
        "\u201d": '"',  # ”
        "\u201e": '"',  # „
        "\u201f": '"',  # ‟
    }
)
_OPEN_GUILLEMET = re.compile(f"«[{_SPACES}]*")
_CLOSE_GUILLEMET = re.compile(f"[{_SPACES}]*»")
_WHITESPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Canonical form of a text, for COMPARISON only (never shown or stored as the answer).

    Two contributors who type the same correction on different keyboards (’ vs ', « » vs "",
    a composed é vs e + combining accent, double spaces) gave the same answer.
    """
    text = unicodedata.normalize("NFC", text)
    text = _OPEN_GUILLEMET.sub('"', text)
    text = _CLOSE_GUILLEMET.sub('"', text)
    text = text.translate(_QUOTE_MAP)
    return _WHITESPACE.sub(" ", text).strip()


def has_letters(text: str) -> bool:
    """Whether a text has anything to translate (numbers and URLs alone do not)."""
    stripped = re.sub(r"(https?://|www\.)\S+", "", text)
    return any(char.isalpha() for char in stripped)


@dataclass(frozen=True)
class CandidateMerge:
    """Free-text answers grouped by normalised form; ``winner`` when one has enough share."""

    distinct: list[tuple[str, int]]
    winner: str | None


def merge_candidates(texts: Sequence[str], win_share: float) -> CandidateMerge:
    """Group answers that are the same after :func:`normalise`.

    The representative of a group is its first answer as typed; groups are ordered by count
    then first appearance, and the top one wins outright when its share reaches ``win_share``
    and it is not tied.
    """
    order: dict[str, int] = {}
    representative: list[str] = []
    counts: list[int] = []
    for text in texts:
        key = normalise(text)
        if key not in order:
            order[key] = len(representative)
            representative.append(text.strip())
            counts.append(0)
        counts[order[key]] += 1
    ranked = sorted(range(len(counts)), key=lambda index: -counts[index])  # stable on ties
    distinct = [(representative[index], counts[index]) for index in ranked]
    winner = None
    total = sum(counts)
    if distinct and distinct[0][1] / total >= win_share:
        tied = len(distinct) > 1 and distinct[1][1] == distinct[0][1]
        winner = None if tied else distinct[0][0]
    return CandidateMerge(distinct=distinct, winner=winner)


# --- sentence splitting --------------------------------------------------------------------


@dataclass(frozen=True)
class Sentence:
    """One sentence and the exact text around it, so ``lead + text + trail`` joins back.

    ``lead`` holds what precedes the sentence and is not to be edited: the document's leading
    blank lines and a Markdown marker ("## ", "- ", "1. ", "> ").
    """

    text: str
    paragraph: int
    trail: str
    lead: str = ""


def join_sentences(sentences: Sequence[Sentence], texts: Sequence[str] | None = None) -> str:
    """Rebuild the document, optionally with replacement texts for each sentence."""
    if texts is None:
        texts = [sentence.text for sentence in sentences]
    return "".join(
        sentence.lead + text + sentence.trail
        for sentence, text in zip(sentences, texts, strict=True)
    )


SUPPORTED_LANGUAGES = tuple(sorted(LANGUAGE_CODES))
_UNSPACED_LANGUAGES = {"zh", "ja", "my"}

_MARKDOWN_MARKER = re.compile(r"(#{1,6}[ \t]+|[-*+][ \t]+|\d{1,3}[.)][ \t]+|>[ \t]?)")
_NEW_BLOCK_LINE = re.compile(r"[ \t]{0,3}(#{1,6}[ \t]|[-*+][ \t]|\d{1,3}[.)][ \t])")
_HEADING_LINE = re.compile(r"[ \t]{0,3}#{1,6}[ \t]")
_QUOTE_END = re.compile(r"(?:[.!?…][ \u00a0\u202f]*»|…)(\s+)(?=[«\"]?[^\W\d_])")
_LAST_TOKEN = re.compile(r"(\S+)$")

# pysbd misses a few abbreviations that are followed by a capitalised name or a number.
_TITLES = {
    "m.", "mm.", "mme.", "mmes.", "mlle.", "mlles.", "me.", "mgr.", "dr.", "pr.",
    "mr.", "mrs.", "ms.", "prof.", "sgt.", "gen.", "capt.", "st.", "ste.",
}  # fmt: skip
_BEFORE_NUMBER = {
    "p.", "pp.", "chap.", "ch.", "fig.", "vol.", "art.", "no.", "n.", "nr.", "sect.", "t.",
    "éd.", "ed.", "tab.", "al.", "cf.",
}  # fmt: skip


def check_language(language: object, field: str = "language") -> str:
    """A language code pysbd can split, or InvalidSettings naming ``field``."""
    if not isinstance(language, str) or not language.strip():
        raise InvalidSettings(field, "is required (a language code such as 'en' or 'fr')")
    code = language.strip().lower().replace("_", "-").split("-")[0]
    if code not in LANGUAGE_CODES:
        raise InvalidSettings(
            field,
            f"cannot split sentences in {language!r}; supported: {', '.join(SUPPORTED_LANGUAGES)}",
        )
    return code


@lru_cache(maxsize=32)
def _segmenter(language: str) -> pysbd.Segmenter:
    return pysbd.Segmenter(language=language, clean=False)


def _blocks(text: str) -> list[tuple[int, int]]:
    """Spans of paragraphs: separated by blank lines; headings and list items stand alone."""
    spans: list[tuple[int, int]] = []
    start: int | None = None
    end = 0
    position = 0
    for line in text.splitlines(keepends=True):
        content = line.rstrip("\r\n")
        line_start, position = position, position + len(line)
        if not content.strip():
            if start is not None:
                spans.append((start, end))
                start = None
            continue
        first = line_start + (len(content) - len(content.lstrip()))
        last = line_start + len(content.rstrip())
        if start is not None and _NEW_BLOCK_LINE.match(content):
            spans.append((start, end))
            start = None
        if start is None:
            start = first
        end = last
        if _HEADING_LINE.match(content):  # a heading is a paragraph on its own
            spans.append((start, end))
            start = None
    if start is not None:
        spans.append((start, end))
    return spans


def _segment(block: str, language: str) -> list[tuple[str, str]]:
    """(sentence, trailing whitespace) pairs covering ``block`` exactly."""
    pieces = [piece for piece in _segmenter(language).segment(block) if piece.strip()]
    starts: list[int] = []
    cursor = 0
    for piece in pieces:
        found = block.find(piece.strip(), cursor)
        if found < 0:  # pysbd altered the text: keep the rest of the block as one sentence
            break
        starts.append(found)
        cursor = found + len(piece.strip())
    if not starts:
        starts = [0]
    starts[0] = 0
    bounds = [*starts[1:], len(block)]
    spans = [block[start:stop] for start, stop in zip(starts, bounds, strict=True)]
    pairs: list[tuple[str, str]] = []
    for span in spans:
        body = span.rstrip()
        pairs.append((body, span[len(body) :]))
    return _repair(pairs, language)


def _should_join(sentence: str, trail: str, following: str, language: str) -> bool:
    if not trail and language not in _UNSPACED_LANGUAGES:
        return True  # no space, no boundary: a URL or a decimal pysbd cut through
    match = _LAST_TOKEN.search(sentence)
    token = match.group(1).lower().lstrip("(«\"'") if match else ""
    first = following[:1]
    if first.islower():
        return True  # a sentence does not start in lowercase: "etc. et", "p.m. when"
    if token in _TITLES:
        return True
    return bool(first.isdigit() and token in _BEFORE_NUMBER)


def _split_after_guillemets(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """pysbd keeps « Oui ! » Puis … and « … » Puis together: split there (lowercase rejoins)."""
    result: list[tuple[str, str]] = []
    for body, trail in pairs:
        start = 0
        for match in _QUOTE_END.finditer(body):
            result.append((body[start : match.start(1)], match.group(1)))
            start = match.end(1)
        result.append((body[start:], trail))
    return result


def _repair(pairs: list[tuple[str, str]], language: str) -> list[tuple[str, str]]:
    repaired: list[tuple[str, str]] = []
    for body, trail in _split_after_guillemets(pairs):
        if repaired and _should_join(repaired[-1][0], repaired[-1][1], body, language):
            previous, previous_trail = repaired.pop()
            body = previous + previous_trail + body
        repaired.append((body, trail))
    return repaired


def split_document(text: str, language: str) -> list[Sentence]:
    """Cut a document (plain text or Markdown) into sentences that join back exactly."""
    code = check_language(language)
    blocks = _blocks(text)
    sentences: list[Sentence] = []
    if not blocks:
        return sentences
    lead = text[: blocks[0][0]]
    for paragraph, (start, stop) in enumerate(blocks):
        block = text[start:stop]
        marker = _MARKDOWN_MARKER.match(block)
        if marker and block[marker.end() :].strip():
            lead += marker.group(0)
            block = block[marker.end() :]
        following = blocks[paragraph + 1][0] if paragraph + 1 < len(blocks) else len(text)
        pairs = _segment(block, code)
        for index, (body, trail) in enumerate(pairs):
            if index == len(pairs) - 1:
                trail += text[stop:following]
            sentences.append(Sentence(text=body, paragraph=paragraph, trail=trail, lead=lead))
            lead = ""
    return sentences


# --- payloads shared by the text task types ------------------------------------------------


def sentence_payloads(sentences: Sequence[Sentence]) -> list[dict[str, Any]]:
    """Answer-stage payloads: the sentence, its neighbours and where it sits."""
    payloads = []
    for index, sentence in enumerate(sentences):
        payloads.append(
            {
                "stage": STAGE_ANSWER,
                "position": index,
                "sentence": sentence.text,
                "before": sentences[index - 1].text if index > 0 else "",
                "after": sentences[index + 1].text if index + 1 < len(sentences) else "",
                "paragraph": sentence.paragraph,
                "lead": sentence.lead,
                "trail": sentence.trail,
            }
        )
    return payloads


def is_vote(payload: Mapping[str, Any]) -> bool:
    return payload.get("stage") == STAGE_VOTE


def vote_payload(answer_payload: Mapping[str, Any], candidates: Sequence[str]) -> dict[str, Any]:
    """Turn disagreeing free-text answers into a choice among them (plus "none is right").

    Candidates that are the same after normalisation are merged, keeping the first.
    """
    unique: list[str] = []
    seen: set[str] = set()
    for candidate in candidates:
        key = normalise(candidate)
        if key and key not in seen:
            seen.add(key)
            unique.append(candidate.strip())
    if not unique:
        raise ValueError("a vote needs at least one non-empty candidate")
    payload = {key: value for key, value in answer_payload.items() if key != "candidates"}
    payload["stage"] = STAGE_VOTE
    payload["candidates"] = {
        f"{CANDIDATE_PREFIX}{index}": text for index, text in enumerate(unique)
    }
    return payload


def vote_keys(payload: Mapping[str, Any]) -> list[str]:
    """Candidate keys in order (c0, c1, … — JSON stores may not keep key order)."""
    return sorted(payload.get("candidates", {}), key=lambda key: int(key[len(CANDIDATE_PREFIX) :]))


def vote_choices(payload: Mapping[str, Any]) -> tuple[Choice, ...]:
    candidates = payload.get("candidates", {})
    choices = [Choice(key, candidates[key]) for key in vote_keys(payload)]
    return (*choices, Choice(NONE_OF_THEM, NONE_OF_THEM_LABEL))


def vote_label_space(payload: Mapping[str, Any]) -> list[str]:
    return [*vote_keys(payload), NONE_OF_THEM]


def resolve_vote(payload: Mapping[str, Any], key: str) -> str | None:
    """The candidate text a winning vote key stands for; None for "none is right"."""
    if key == NONE_OF_THEM:
        return None
    return payload.get("candidates", {}).get(key)


def truth_key(payload: Mapping[str, Any], truth: str) -> str:
    """The vote key whose candidate equals ``truth`` after normalisation, else "none"."""
    target = normalise(truth)
    candidates = payload.get("candidates", {})
    for key in vote_keys(payload):
        if normalise(candidates[key]) == target:
            return key
    return NONE_OF_THEM
