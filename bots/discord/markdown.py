"""Discord markdown: escaping every outside text, and splitting long messages safely.

Discord refuses a message over 2000 characters. A split prefers a blank line, then a line
break, then a space; it never separates a backslash from the character it escapes, never
falls inside an inline code span, closes and reopens a fenced code block cut in two, and
carries a block quote (``> ``) over to the next part.
"""

from __future__ import annotations

import re

from discord.utils import escape_markdown, escape_mentions

from bots.core.cards import Markup

MAX_MESSAGE = 2000
FENCE = "```"

_RAW_MENTION = re.compile(r"<(?=[@#:/]|a:|t:|id:)")
"""User (<@1>), role (<@&1>), channel (<#1>), command (</x:1>), emoji, timestamp markup."""


def escape(text: object) -> str:
    """Show ``text`` literally: markdown escaped, mentions neither rendered nor pinging."""
    escaped = escape_mentions(escape_markdown(str(text)))
    return _RAW_MENTION.sub(r"\\<", escaped)


def quote(escaped: str) -> str:
    """A block quote of an already escaped text (every line prefixed)."""
    return "\n".join(f"> {line}" if line else ">" for line in escaped.split("\n"))


MARKDOWN = Markup(
    escape=escape,
    heading=lambda escaped: f"**{escaped}**",
    bold=lambda escaped: f"**{escaped}**",
    italic=lambda escaped: f"*{escaped}*",
    quote=quote,
    code=quote,  # a form opens with the text to edit: the card only shows it
)
"""Cards in Discord markdown (`bots.core.cards`)."""


def split_message(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Cut ``text`` into parts of at most ``limit`` characters (see the module docstring)."""
    if limit < 40:
        raise ValueError("limit too small to split markdown safely")
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = _cut_point(rest, limit - len(FENCE) - 4)
        head, tail = rest[:cut], rest[cut:]
        head, tail = _carry_fence(head, tail)
        head, tail = _carry_quote(head, tail)
        parts.append(head.rstrip("\n"))
        rest = tail.lstrip("\n") if not tail.startswith(FENCE) else tail
    if rest or not parts:
        parts.append(rest)
    return [part for part in parts if part.strip()] or [text[:limit]]


def _cut_point(text: str, budget: int) -> int:
    """Where to cut: the best break in the last half of the budget, made safe."""
    window = text[:budget]
    floor = budget // 2
    for separator in ("\n\n", "\n", " "):
        found = window.rfind(separator, floor)
        if found > 0:
            cut = found + len(separator)
            break
    else:
        cut = budget
    return _safe(text, cut)


def _safe(text: str, cut: int) -> int:
    """Move ``cut`` back out of an escape sequence or an inline code span."""
    backslashes = 0
    while cut - backslashes - 1 >= 0 and text[cut - backslashes - 1] == "\\":
        backslashes += 1
    if backslashes % 2:  # "\" then the escaped character: keep them together
        cut -= 1
    head = text[:cut]
    if head.count(FENCE) % 2 == 0:  # outside a fence: is an inline span open?
        inline = _unescaped_ticks(head.replace(FENCE, ""))
        if inline % 2:
            opening = _last_unescaped_tick(head)
            if opening > 0:
                cut = opening
    return max(cut, 1)


def _unescaped_ticks(text: str) -> int:
    return len(re.findall(r"(?<!\\)`", text))


def _last_unescaped_tick(text: str) -> int:
    for index in range(len(text) - 1, -1, -1):
        if text[index] == "`" and (index == 0 or text[index - 1] != "\\"):
            return index
    return -1


def _carry_fence(head: str, tail: str) -> tuple[str, str]:
    """Close a fenced block left open at the cut and reopen it, with its language, after."""
    if head.count(FENCE) % 2 == 0:
        return head, tail
    opening = head.rfind(FENCE)
    language = head[opening + len(FENCE) :].split("\n", 1)[0].strip()
    closing = "" if head.endswith("\n") else "\n"
    return f"{head}{closing}{FENCE}", f"{FENCE}{language}\n{tail}"


def _carry_quote(head: str, tail: str) -> tuple[str, str]:
    """A quoted line cut in the middle goes on quoted in the next part."""
    if head.endswith("\n") or not tail:
        return head, tail
    line = head[head.rfind("\n") + 1 :]
    if line.startswith("> ") and not tail.startswith(">"):
        return head, "> " + tail
    return head, tail
