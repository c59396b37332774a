"""Telegram HTML: escaping every outside text, and splitting long messages safely.

Telegram refuses a message over 4096 characters (counted after entities are parsed) and any
part whose tags do not balance, so a split never falls inside a tag or an ``&entity;``, and
tags open at the cut are closed at the end of one part and reopened at the start of the next.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from bots.core.cards import Markup

MAX_MESSAGE = 4096
MAX_CAPTION = 1024

_TOKEN = re.compile(r"<[^<>]*>|&#?[A-Za-z0-9]+;|[^<&]+|[<&]", re.DOTALL)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^>]*>")


def escape(text: object) -> str:
    """Escape an outside text for parse_mode HTML (none ever goes in a tag attribute)."""
    return html.escape(str(text), quote=False)


def _tag(name: str) -> Callable[[str], str]:
    return lambda escaped: f"<{name}>{escaped}</{name}>"


HTML = Markup(
    escape=escape,
    heading=_tag("b"),
    bold=_tag("b"),
    italic=_tag("i"),
    quote=_tag("blockquote"),
    code=_tag("code"),
)
"""Cards in parse_mode HTML (`bots.core.cards`)."""


def visible_length(markup: str) -> int:
    """Characters Telegram counts (UTF-16 units): tags removed, each entity one character."""
    return sum(_width(char) for char in html.unescape(re.sub(r"<[^<>]*>", "", markup)))


def _width(token: str) -> int:
    """An entity is one character; a character beyond the BMP is two UTF-16 units."""
    if token.startswith("&"):
        return 1
    return 2 if ord(token) > 0xFFFF else 1


def _tokens(markup: str) -> list[str]:
    """Tags and entities whole, text one character at a time (cut points between tokens)."""
    out: list[str] = []
    for token in _TOKEN.findall(markup):
        if token.startswith(("<", "&")) and len(token) > 1:
            out.append(token)
        else:
            out.extend(token)
    return out


def split_message(markup: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Cut ``markup`` into parts of at most ``limit`` visible characters, balanced tags.

    Prefers to cut after a newline, then after a space, within the last quarter of a part.
    """
    if visible_length(markup) <= limit:
        return [markup]
    parts: list[str] = []
    tokens = _tokens(markup)
    stack: list[tuple[str, str]] = []  # (name, opening tag) of the tags open here
    current: list[str] = []
    size = 0
    soft_cut: tuple[int, int, list[tuple[str, str]]] | None = None  # (index, size, stack)
    for token in tokens:
        is_tag = token.startswith("<") and len(token) > 1
        width = 0 if is_tag else _width(token)
        if not is_tag and size + width > limit:
            parts_text, current, size, stack_at_cut = _cut(current, soft_cut, stack, size, limit)
            parts.append(parts_text)
            soft_cut = None
            stack = stack_at_cut
        current.append(token)
        if is_tag:
            _track(token, stack)
            continue
        size += width
        if token in ("\n", " ") and size > limit * 3 // 4:
            soft_cut = (len(current), size, list(stack))
    if current:
        tail = "".join(current)
        if visible_length(tail) or not parts:
            parts.append(tail)
    return parts


def _track(tag: str, stack: list[tuple[str, str]]) -> None:
    match = _TAG.fullmatch(tag)
    if match is None:
        return
    closing, name = match.group(1), match.group(2).lower()
    if not closing:
        stack.append((name, tag))
        return
    for index in range(len(stack) - 1, -1, -1):
        if stack[index][0] == name:
            del stack[index]
            break


def _cut(
    current: list[str],
    soft_cut: tuple[int, int, list[tuple[str, str]]] | None,
    stack: list[tuple[str, str]],
    size: int,
    limit: int,
) -> tuple[str, list[str], int, list[tuple[str, str]]]:
    """Close the part at the soft cut if there is one (else here); reopen tags after it."""
    if soft_cut is not None:
        index, cut_size, open_tags = soft_cut
        head, rest, rest_size = current[:index], current[index:], size - cut_size
    else:
        head, rest, rest_size, open_tags = current, [], 0, list(stack)
    closing = "".join(f"</{name}>" for name, _tag in reversed(open_tags))
    reopening = [tag for _name, tag in open_tags]
    stack_after = list(open_tags)
    for token in rest:  # tags inside the carried-over text keep their effect
        if token.startswith("<") and len(token) > 1:
            _track(token, stack_after)
    return "".join(head) + closing, reopening + rest, rest_size, stack_after
