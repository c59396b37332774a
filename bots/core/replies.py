"""The neutral replies of the use cases: what to say, never how a platform shows it.

Texts are catalog keys with parameters (`Msg`), or raw strings where they come from a project
or a contributor; raw strings are escaped by the adapter like the translated ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bots.core import payload as p
from bots.core.payload import Kind, TextRef


@dataclass(frozen=True)
class Msg:
    """A catalog key and its parameters; `bots.core.i18n.translate` makes it a text."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)


def msg(key: str, /, **params: Any) -> Msg:
    return Msg(key, params)


Label = str | Msg
"""A button label: raw text (a project's label) or a catalog message."""


@dataclass(frozen=True)
class Button:
    """A button as every platform shows it: what it says, what it sends, and what it is.

    ``kind`` and ``owner`` (the assignment or review task it acts on) are known when the
    button is built, so an adapter places and styles it without parsing ``payload``.
    """

    label: Label
    payload: str
    kind: Kind = Kind.TOOL
    owner: TextRef | None = None


def button(label: Label, payload: p.Payload) -> Button:
    """The button that sends ``payload``; its kind and owner are the payload's."""
    return Button(label, p.encode(payload), payload.kind, payload.owner)


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class ReplyPrompt:
    """Ask for a free-text answer: Telegram ForceReply, a Discord modal, a console input.

    ``ref`` (``#123`` or ``#R45``) ends the prompt message so a reply to it says what it
    answers even after a restart; ``target`` is the same reference parsed.
    """

    text: Msg
    ref: str
    target: TextRef
    placeholder: Label = ""
    default_text: str | None = None


@dataclass(frozen=True)
class TaskView:
    """One micro-task ready to show; ``text`` etc. are raw (unescaped)."""

    assignment_id: int
    task_id: int
    project_slug: str
    project_name: str
    kind: str
    stage: str
    input: str
    title: Msg
    instructions: str
    text: str
    """The first page of the task's text (the whole text when it is short)."""
    code: bool = False
    text_pages: int = 1
    """How many pages the whole text has; past one, the card says so and "Read more"
    (`bots.core.payload.ReadMore`) sends the next page."""
    context_before: str = ""
    context_after: str = ""
    details: tuple[tuple[str, str], ...] = ()
    media_url: str | None = None
    source_language: str | None = None
    target_language: str | None = None
    options: tuple[str, ...] = ()
    buttons: Keyboard = ()
    reply: ReplyPrompt | None = None
    selected: int = 0


@dataclass(frozen=True)
class ReviewLine:
    """One distinct answer of a task in review: its value, how many gave it, their skills."""

    index: int
    value: str
    count: int
    skills: tuple[float, ...]


@dataclass(frozen=True)
class ReviewView:
    task_id: int
    project_slug: str
    item_id: str
    instructions: str
    text: str
    context_before: str
    context_after: str
    answers: tuple[ReviewLine, ...]
    agreement: float | None
    n_answers: int
    remaining: int
    buttons: Keyboard


@dataclass(frozen=True)
class Image:
    filename: str
    data: bytes
    caption: Msg | None = None


@dataclass(frozen=True)
class Reply:
    """Everything one interaction answers, in the order an adapter should send it.

    1. ``toast``: a short acknowledgement of a pressed button (Telegram callback answer);
    2. ``edit``: lines that replace or complete the message the user acted on;
    3. ``lines`` with ``buttons``: a message;
    4. ``image``; 5. ``review`` or ``task`` (``task_in_place``: redraw the acted-on message);
    6. ``prompt``: ask for free text.
    ``menu`` asks for the persistent "Next task" keyboard.
    """

    lang: str
    toast: Msg | None = None
    edit: tuple[Msg, ...] | None = None
    lines: tuple[Msg, ...] = ()
    buttons: Keyboard = ()
    image: Image | None = None
    review: ReviewView | None = None
    task: TaskView | None = None
    task_in_place: bool = False
    prompt: ReplyPrompt | None = None
    menu: bool = False


def say(lang: str | None, text: Label) -> str:
    """The plain text of a message or label in ``lang``, from the shared catalog only."""
    from bots.core.i18n import SHARED

    return SHARED.say(lang, text)
