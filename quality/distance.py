"""String distances for free-text agreement (proofreading, translation)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["edit_distance", "levenshtein", "normalize_text"]

_SPACES = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """NFC, whitespace runs collapsed to one space, stripped.

    Case and punctuation are kept: in proofreading they are the answer.
    """
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def levenshtein(a: str, b: str) -> int:
    """Minimum number of single-character insertions, deletions and substitutions.

    Two-row dynamic programme (Wagner & Fischer, 1974) after stripping the common prefix and
    suffix, which is most of the text when two people proofread the same sentence.
    """
    start = 0
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a -= 1
        end_b -= 1
    a, b = a[start:end_a], b[start:end_b]
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return len(a)
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]


@lru_cache(maxsize=65536)
def edit_distance(a: str, b: str) -> float:
    """Normalised edit distance: levenshtein(a, b) / max(len(a), len(b)), in [0, 1].

    0 for identical strings (two empty strings included), 1 when nothing can be kept. The
    normalisation makes a typo in a sentence cost less than a typo in a word.
    """
    longest = max(len(a), len(b))
    return levenshtein(a, b) / longest if longest else 0.0
