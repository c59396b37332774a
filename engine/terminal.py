"""Text from users made safe for a terminal: no escape sequences, no control characters.

Task texts, project names and answers come from requesters and contributors. Printed raw,
an ESC sequence clears the contributor's screen or sets the window title, and a carriage
return overwrites what was printed before it. Everything a person's text puts on a terminal
goes through :func:`printable`; rich output of such text is also printed with markup off.
"""

from __future__ import annotations

import re

__all__ = ["printable"]

_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 (but tab and newline), DEL, C1 (CSI is \x9b)
    "\u200e\u200f\u202a-\u202e\u2066-\u2069]"  # bidirectional overrides: text that lies
)


def printable(text: str, *, keep_newlines: bool = True) -> str:
    """``text`` without control characters; newlines kept unless ``keep_newlines`` is False,
    then folded to spaces (a table cell, a one-line summary)."""
    cleaned = _CONTROL.sub("", text.replace("\r\n", "\n"))
    if not keep_newlines:
        cleaned = cleaned.replace("\n", " ").replace("\t", " ")
    return cleaned
