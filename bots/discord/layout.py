"""Pure layout: neutral keyboards → Discord component rows, within Discord's limits.

Discord allows 5 rows of 5 buttons, or a select menu (25 options) taking a whole row. Up to
five choices stay buttons; past five they become a select menu, paged 25 at a time with
previous/next buttons; a multi-label task past five labels becomes a multi-select. Buttons
are told apart by their ``kind`` and ``owner`` (`bots.core.replies.Button`), set when they
were built: no payload is parsed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bots.core.payload import Kind, TextRef
from bots.core.render import rows as pack
from bots.core.replies import Button, Keyboard, Label, Msg
from bots.discord import ids

MAX_ROWS = 5
PER_ROW = 5
MAX_CHOICE_BUTTONS = 5
"""More choices than this are offered in a select menu."""
MAX_OPTIONS = 25
"""Discord's limit of options in one select menu."""


@dataclass(frozen=True)
class Option:
    label: Label
    value: str


@dataclass(frozen=True)
class Select:
    custom_id: str
    owner: int
    """The assignment (or review task) the choices belong to."""
    options: tuple[Option, ...]
    multi: bool = False
    first: int = 1
    total: int = 0


@dataclass(frozen=True)
class Pager:
    """Previous/next buttons of a paged select (``None``: no such page)."""

    assignment_id: int
    previous: int | None
    next: int | None


@dataclass(frozen=True)
class Layout:
    select: Select | None = None
    pager: Pager | None = None
    rows: tuple[tuple[Button, ...], ...] = ()


def classify(buttons: Keyboard) -> tuple[list[Button], list[Button], list[Button]]:
    """Split into choices (answer or pick), multi-choice toggles, and the rest (tools)."""
    choices, toggles, tools = [], [], []
    for button in (b for row in buttons for b in row):
        if button.kind is Kind.CHOICE:
            choices.append(button)
        elif button.kind is Kind.TOGGLE:
            toggles.append(button)
        else:
            tools.append(button)
    return choices, toggles, tools


def layout(buttons: Keyboard, *, options: Sequence[str] = (), page: int = 0) -> Layout:
    """The components for ``buttons``; ``options`` are the full labels of numbered choices."""
    choices, toggles, tools = classify(buttons)
    if len(toggles) > MAX_CHOICE_BUTTONS:
        done = [b for b in tools if b.kind is Kind.SUBMIT]
        tools = [b for b in tools if b not in done]
        return Layout(select=_multi(toggles), rows=_chunk(tools))
    if len(choices) > MAX_CHOICE_BUTTONS:
        select, pager = _paged(choices, options, page)
        return Layout(select=select, pager=pager, rows=_chunk(tools))
    head = choices + toggles
    packed = pack(head)
    if len(packed) + len(_chunk(tools)) > MAX_ROWS:
        packed = tuple(_chunk(head))
    return Layout(rows=(*packed, *_chunk(tools)))


def _chunk(buttons: Sequence[Button]) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(buttons[i : i + PER_ROW]) for i in range(0, len(buttons), PER_ROW))


def _owner(button: Button) -> TextRef:
    """What a menu's choices belong to: the owner of its first one."""
    if button.owner is None:
        raise ValueError(f"a choice of nothing: {button!r}")
    return button.owner


def _paged(choices: list[Button], options: Sequence[str], page: int) -> tuple[Select, Pager | None]:
    owner = _owner(choices[0])
    pages = (len(choices) + MAX_OPTIONS - 1) // MAX_OPTIONS
    page = min(max(page, 0), pages - 1)
    start = page * MAX_OPTIONS
    shown = choices[start : start + MAX_OPTIONS]
    select = Select(
        ids.select(owner.id, page),
        owner.id,
        tuple(Option(_full_label(b.label, options), b.payload) for b in shown),
        first=start + 1,
        total=len(choices),
    )
    pager = None
    if pages > 1 and owner.kind == "answer":  # a task's menu (not a review's picks)
        pager = Pager(
            owner.id,
            page - 1 if page > 0 else None,
            page + 1 if page < pages - 1 else None,
        )
    return select, pager


def _full_label(label: Label, options: Sequence[str]) -> Label:
    """A numbered button ("3") shows its whole text in a menu ("3. A long label…")."""
    if isinstance(label, str) and label.isdigit() and 0 < int(label) <= len(options):
        return f"{label}. {options[int(label) - 1]}"
    return label


def _multi(toggles: list[Button]) -> Select:
    """A multi-select whose values are the choices' indices (toggles come in choice order)."""
    options = []
    for index, button in enumerate(toggles):
        label = button.label
        if isinstance(label, Msg) and label.key == "choice.marked":
            label = label.params["label"]  # the label without its ☐ mark
        options.append(Option(label, str(index)))
    owner = _owner(toggles[0]).id
    return Select(ids.multi(owner), owner, tuple(options), multi=True, total=len(options))
