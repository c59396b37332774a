"""Which text encoding a file is in: BOMs, then UTF-8, then a plausible legacy encoding.

Requesters upload what their spreadsheet saved: UTF-8 with or without a BOM, UTF-16 from
"Unicode text", Windows-1252 from a French or English Excel. A chat user cannot pass an
``--encoding`` option, so the encoding is detected, and the batch report says which one was
used. Every reader of the project (uploads, answers, gold, truth and recording files) goes
through :func:`detect_encoding`, so a file is read the same way whatever command reads it.
"""

from __future__ import annotations

import codecs
import unicodedata
from collections import Counter

__all__ = ["UTF8", "detect_encoding", "encoding_label", "normalise_encoding"]

UTF8 = "utf-8"

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
WESTERN = "cp1252"
"""What a Western Excel saves as "CSV": tried first among the legacy encodings."""

_TYPOGRAPHY = set("€‚„…†‡‰‹›‘’“”•–—˜™«»°±·×÷¡¿§¶©®ªº¬ ")
"""Non-letters that Western text in cp1252 plausibly holds (quotes, dashes, €, no-break space)."""


def normalise_encoding(name: str) -> str | None:
    """The codec's canonical name, ``utf-8-sig`` for UTF-8 (a BOM is never data); None when
    ``name`` is not a text encoding (unknown, or a bytes-to-bytes codec such as ``base64``)."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True):
        return None
    return "utf-8-sig" if info.name == UTF8 else info.name


def detect_encoding(data: bytes) -> str:
    """The encoding to decode ``data`` with (a sample, or the whole file).

    BOM first, then strict UTF-8 (``utf-8-sig``), then cp1252 when every non-ASCII character it
    gives is a letter or Western typography, then charset-normalizer's best guess; UTF-8 when
    nothing fits (decoding then fails with the offset of the first bad byte). A sample cut in
    the middle of a multi-byte character still counts as UTF-8.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    try:
        data.decode(UTF8)
        return "utf-8-sig"
    except UnicodeDecodeError as error:
        if error.start >= len(data) - 3 and error.reason == "unexpected end of data":
            return "utf-8-sig"
    utf16 = _bomless_utf16(data)
    if utf16:
        return utf16
    if _plausible_western(data):
        return WESTERN
    from charset_normalizer import from_bytes  # imported here: slow to import, rarely needed

    best = from_bytes(data).best()
    if best is None:
        return "utf-8-sig"
    return normalise_encoding(best.encoding) or "utf-8-sig"


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM: mostly-ASCII text has a NUL in every other byte."""
    sample = data[: 1 << 16]
    if len(sample) < 2 or b"\x00" not in sample:
        return None
    half = len(sample) // 2
    for name, nuls in (("utf-16-le", sample[1::2]), ("utf-16-be", sample[0::2])):
        if nuls.count(0) > 0.3 * half:
            try:
                data[: len(data) // 2 * 2].decode(name)
            except UnicodeDecodeError:
                continue
            return name
    return None


def _plausible_western(data: bytes) -> bool:
    if b"\x00" in data:  # UTF-16 without a BOM, or binary
        return False
    try:
        text = data.decode(WESTERN)
    except UnicodeDecodeError:  # 0x81, 0x8d, 0x8f, 0x90, 0x9d are unassigned in cp1252
        return False
    letters = foreign = 0
    for char, count in Counter(text).items():
        if char.isascii():
            letters += count if char.isalpha() else 0
            continue
        if char in _TYPOGRAPHY:
            continue
        if not unicodedata.category(char).startswith("L"):
            return False
        letters += count
        foreign += count
    # French or German text has a few accented letters; Cyrillic or Greek read as cp1252
    # gives nothing but accented letters.
    return letters < 20 or foreign <= 0.4 * letters


_LABELS = {
    "utf-8-sig": "UTF-8",
    "utf-8": "UTF-8",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16 (little-endian, no BOM)",
    "utf-16-be": "UTF-16 (big-endian, no BOM)",
    "utf-32": "UTF-32",
    "cp1252": "Windows-1252",
    "cp1250": "Windows-1250",
    "cp1251": "Windows-1251",
    "iso8859-1": "ISO-8859-1",
    "iso8859-15": "ISO-8859-15",
    "mac-roman": "Mac Roman",
}


def encoding_label(name: str | None) -> str:
    """The name people know an encoding by (``UTF-8``, ``Windows-1252``), for reports: the
    codec names (``utf-8-sig``, ``cp1252``) are Python's."""
    if not name:
        return ""
    canonical = normalise_encoding(name) or name
    return _LABELS.get(canonical, canonical.upper())
