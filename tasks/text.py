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


def _segmenter(language: str) -> pysbd.Segmenter:
    """A fresh segmenter per document: pysbd keeps the text being cut on the instance, so one
    shared between threads (two uploads ingested at once) would mix their texts up."""
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


# pysbd's own work grows with the square of the text it is given (each abbreviation it meets
# rewrites the whole text, and each sentence found is searched for from the start), so it is
# only ever given a window of a few sentences: the cost of a document is then linear.
WINDOW = 1_500
"""Characters given to pysbd at once (measured: 1-2k is where its cost per character is low)."""
MAX_WINDOW = 24_000
"""A window grows (doubling) up to this while it holds no boundary; past it, a cut is forced."""
LOOKAHEAD = 250
"""A boundary is kept only with at least this much of the window after it: pysbd decides a
boundary from the characters around it, which must all be in the window."""


def _sentence_starts(block: str, language: str) -> list[int]:
    """Offsets where the sentences of ``block`` start, pysbd window by window.

    Each window starts at a boundary found by the previous one, so pysbd sees it as the start
    of a text, as it would in the whole block. A stretch of ``MAX_WINDOW`` characters without
    any boundary is cut after its last space (the parts still join back exactly).
    """
    segmenter = _segmenter(language)
    starts = [0]
    cursor = 0
    size = WINDOW
    while len(block) - cursor > size:
        found = [
            start
            for start in _window_starts(segmenter, block[cursor : cursor + size])
            if 0 < start <= size - LOOKAHEAD
        ]
        if found:
            starts.extend(cursor + start for start in found)
            cursor += found[-1]
            size = WINDOW
        elif size < MAX_WINDOW:
            size *= 2
        else:
            cursor += _forced_cut(block[cursor : cursor + size - LOOKAHEAD])
            starts.append(cursor)
            size = WINDOW
    starts.extend(cursor + start for start in _window_starts(segmenter, block[cursor:])[1:])
    return starts


def _window_starts(segmenter: pysbd.Segmenter, window: str) -> list[int]:
    """Where pysbd starts sentences in ``window`` (0 first); stops where it altered the text."""
    starts: list[int] = []
    cursor = 0
    for piece in segmenter.segment(window):
        body = piece.strip()
        if not body:
            continue
        found = window.find(body, cursor)
        if found < 0:  # pysbd altered the text: what follows stays with the last sentence
            break
        starts.append(found)
        cursor = found + len(body)
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    return starts


def _forced_cut(stretch: str) -> int:
    """Where to cut a stretch without a sentence boundary: after its last run of spaces."""
    body = stretch.rstrip()
    space = max(body.rfind(" "), body.rfind("\n"), body.rfind("\t"))
    if space <= 0:
        return len(stretch)
    return space + 1


def _segment(block: str, language: str) -> list[tuple[str, str]]:
    """(sentence, trailing whitespace) pairs covering ``block`` exactly."""
    starts = _sentence_starts(block, language)
    bounds = [*starts[1:], len(block)]
    pairs: list[tuple[str, str]] = []
    for start, stop in zip(starts, bounds, strict=True):
        span = block[start:stop]
        body = span.rstrip()
        pairs.append((body, span[len(body) :]))
    return _repair(pairs, language)


def _should_join(sentence: str, trail: str, following: str, language: str) -> bool:
    if not trail and language not in _UNSPACED_LANGUAGES:
        return True  # no space, no boundary: a URL or a decimal pysbd cut through
    words = sentence.rsplit(maxsplit=1)  # the last word (a regex search would rescan)
    token = words[-1].lower().lstrip("(«\"'") if words else ""
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
    """Join back what pysbd cut wrongly; a joined sentence is built once from its pieces
    (joining by concatenation would copy a long run of joins again at every piece)."""
    repaired: list[tuple[list[str], str]] = []
    for body, trail in _split_after_guillemets(pairs):
        if repaired:
            pieces, previous_trail = repaired[-1]
            if _should_join(pieces[-1], previous_trail, body, language):
                pieces.extend((previous_trail, body))
                repaired[-1] = (pieces, trail)
                continue
        repaired.append(([body], trail))
    return [("".join(pieces), trail) for pieces, trail in repaired]


class TooManySentences(ValueError):
    """A document has more sentences than allowed; splitting stopped as soon as it knew."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit:,} sentences")
        self.limit = limit


def split_document(text: str, language: str, *, limit: int | None = None) -> list[Sentence]:
    """Cut a document (plain text or Markdown) into sentences that join back exactly.

    With ``limit``, raise `TooManySentences` as soon as a paragraph takes the count past it
    (a huge upload is refused without being split to the end). Linear in the text's length.
    """
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
        if limit is not None and len(sentences) > limit:
            raise TooManySentences(limit)
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
