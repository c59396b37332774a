"""Button payloads: the one place that builds and parses every callback string.

A payload travels through the chat platform and comes back when a button is pressed, so it
may have been forged by a modified client. Parsing is strict (anything malformed is
``None``) and a parsed payload is only a claim: the services check it against the database.
Telegram allows 64 bytes of callback data; Discord's ``custom_id`` allows 100, so the tighter
limit is enforced for everyone.

Formats (ids are positive decimal integers)::

    a:<assignment>:<choice value>   answer with a choice value
    ai:<assignment>:<index>         answer with the index of a choice (value too long)
    m:<assignment>:<mask>           multi-choice: show the selection ``mask`` (bit i = choice i)
    ms:<assignment>:<mask>          multi-choice: submit the selection ``mask``
    s:<assignment>                  skip
    r:<assignment>                  report a problem
    w:<assignment>                  ask again for the text answer (a new reply prompt)
    t:<assignment>:<page>           read page ``page`` (from 0) of a long task text
    n                               next task
    v:<task>:<index>                review: pick answer number ``index``
    vd:<task>                       review: discard the task
    vw:<task>                       review: write the answer
    fc / fx                         forget: confirm / cancel
    l:<code>                        language

Each payload also says what it is, so no adapter reads its string to know: its ``kind`` (how
a button of it is shown and placed), its ``owner`` (the assignment or review task it acts on)
and its ``form`` (whether pressing it asks for text first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

MAX_BYTES = 64
"""Telegram's limit on callback data, in UTF-8 bytes."""

MAX_ID = 2**63 - 1
MAX_INDEX = 99
MAX_MASK = 2**16 - 1
MAX_PAGE = 9_999
"""Pages of a task text (a million characters at 1,000 a page fit)."""


class PayloadTooLong(ValueError):
    """A payload would exceed `MAX_BYTES`: render it another way (e.g. by index)."""


class Kind(StrEnum):
    """What a button does, so an adapter styles and places it without parsing its payload."""

    CHOICE = "choice"
    """Answers the task, or decides a review, with one value."""
    TOGGLE = "toggle"
    """Changes a multi-choice selection; nothing is stored."""
    SUBMIT = "submit"
    """Sends the selection, or moves on to the next task."""
    TOOL = "tool"
    """Anything beside the answer: skip, report, write, read more, a language, cancel."""
    DANGER = "danger"
    """Cannot be undone: deleting the person's data, discarding a task from the results."""


class Form(StrEnum):
    """The text a press asks for before anything is done, where a platform has forms."""

    TEXT = "text"
    """A typed answer: the reply is a `bots.core.replies.ReplyPrompt` (a Discord form)."""
    REASON = "reason"
    """An optional reason: asked in a form first where there are forms, else none is."""


@dataclass(frozen=True)
class TextRef:
    """An assignment (kind "answer") or a review task (kind "review"): what a reply prompt
    asks for, and what a button acts on."""

    kind: str  # "answer" or "review"
    id: int


@dataclass(frozen=True)
class _Press:
    """What every payload says about itself (defaults: a tool of the person's own account)."""

    kind: ClassVar[Kind] = Kind.TOOL
    form: ClassVar[Form | None] = None

    @property
    def owner(self) -> TextRef | None:
        """The assignment or review task the press acts on; None for the person's account."""
        match self:
            case _OfAssignment(assignment_id):
                return TextRef("answer", assignment_id)
            case _OfReview(task_id):
                return TextRef("review", task_id)
        return None


@dataclass(frozen=True)
class _OfAssignment(_Press):
    assignment_id: int


@dataclass(frozen=True)
class _OfReview(_Press):
    task_id: int


@dataclass(frozen=True)
class Answer(_OfAssignment):
    choice: str
    kind = Kind.CHOICE


@dataclass(frozen=True)
class AnswerIndex(_OfAssignment):
    index: int
    kind = Kind.CHOICE


@dataclass(frozen=True)
class MultiToggle(_OfAssignment):
    mask: int
    kind = Kind.TOGGLE


@dataclass(frozen=True)
class MultiSubmit(_OfAssignment):
    mask: int
    kind = Kind.SUBMIT


@dataclass(frozen=True)
class Skip(_OfAssignment):
    pass


@dataclass(frozen=True)
class Report(_OfAssignment):
    form = Form.REASON


@dataclass(frozen=True)
class WriteAnswer(_OfAssignment):
    form = Form.TEXT


@dataclass(frozen=True)
class ReadMore(_OfAssignment):
    """Show page ``page`` of the text of an assignment's task: the page is in the payload,
    so nothing is remembered between presses."""

    page: int


@dataclass(frozen=True)
class Next(_Press):
    kind = Kind.SUBMIT


@dataclass(frozen=True)
class ReviewPick(_OfReview):
    index: int
    kind = Kind.CHOICE


@dataclass(frozen=True)
class ReviewDiscard(_OfReview):
    kind = Kind.DANGER


@dataclass(frozen=True)
class ReviewWrite(_OfReview):
    form = Form.TEXT


@dataclass(frozen=True)
class ForgetConfirm(_Press):
    kind = Kind.DANGER


@dataclass(frozen=True)
class ForgetCancel(_Press):
    pass


@dataclass(frozen=True)
class Language(_Press):
    code: str


Payload = (
    Answer
    | AnswerIndex
    | MultiToggle
    | MultiSubmit
    | Skip
    | Report
    | WriteAnswer
    | ReadMore
    | Next
    | ReviewPick
    | ReviewDiscard
    | ReviewWrite
    | ForgetConfirm
    | ForgetCancel
    | Language
)

_ID = r"[1-9][0-9]{0,18}"
_SMALL = r"0|[1-9][0-9]{0,4}"
_LANG = re.compile(r"[a-z]{2,3}")
_CHOICE_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f]")

_PATTERNS: dict[str, re.Pattern[str]] = {
    "a": re.compile(rf"({_ID}):(.+)", re.DOTALL),
    "ai": re.compile(rf"({_ID}):({_SMALL})"),
    "m": re.compile(rf"({_ID}):({_SMALL})"),
    "ms": re.compile(rf"({_ID}):({_SMALL})"),
    "s": re.compile(rf"({_ID})"),
    "r": re.compile(rf"({_ID})"),
    "w": re.compile(rf"({_ID})"),
    "t": re.compile(rf"({_ID}):({_SMALL})"),
    "v": re.compile(rf"({_ID}):({_SMALL})"),
    "vd": re.compile(rf"({_ID})"),
    "vw": re.compile(rf"({_ID})"),
    "l": _LANG,
}


def encode(payload: Payload) -> str:
    """The string form of ``payload``; raises `PayloadTooLong` or `ValueError` if it can't be."""
    data = _encode(payload)
    if len(data.encode()) > MAX_BYTES:
        raise PayloadTooLong(f"payload {data[:20]!r}... is over {MAX_BYTES} bytes")
    if parse(data) != payload:  # every encoded payload must come back the same
        raise ValueError(f"cannot encode {payload!r}")
    return data


def fits(payload: Payload) -> bool:
    """Whether ``payload`` can be encoded (e.g. a choice value short enough for an answer)."""
    try:
        encode(payload)
    except ValueError:
        return False
    return True


def _encode(payload: Payload) -> str:
    match payload:
        case Answer(assignment_id, choice):
            return f"a:{assignment_id}:{choice}"
        case AnswerIndex(assignment_id, index):
            return f"ai:{assignment_id}:{index}"
        case MultiToggle(assignment_id, mask):
            return f"m:{assignment_id}:{mask}"
        case MultiSubmit(assignment_id, mask):
            return f"ms:{assignment_id}:{mask}"
        case Skip(assignment_id):
            return f"s:{assignment_id}"
        case Report(assignment_id):
            return f"r:{assignment_id}"
        case WriteAnswer(assignment_id):
            return f"w:{assignment_id}"
        case ReadMore(assignment_id, page):
            return f"t:{assignment_id}:{page}"
        case Next():
            return "n"
        case ReviewPick(task_id, index):
            return f"v:{task_id}:{index}"
        case ReviewDiscard(task_id):
            return f"vd:{task_id}"
        case ReviewWrite(task_id):
            return f"vw:{task_id}"
        case ForgetConfirm():
            return "fc"
        case ForgetCancel():
            return "fx"
        case Language(code):
            return f"l:{code}"
    raise TypeError(f"not a payload: {payload!r}")


def parse(data: object) -> Payload | None:
    """The payload in ``data``, or ``None`` for anything malformed (never raises)."""
    if not isinstance(data, str) or not data or len(data.encode()) > MAX_BYTES:
        return None
    simple: dict[str, Payload] = {"n": Next(), "fc": ForgetConfirm(), "fx": ForgetCancel()}
    if data in simple:
        return simple[data]
    kind, sep, rest = data.partition(":")
    pattern = _PATTERNS.get(kind)
    if not sep or pattern is None:
        return None
    match = pattern.fullmatch(rest)
    if match is None:
        return None
    return _build(kind, match)


def _build(kind: str, match: re.Match[str]) -> Payload | None:
    if kind == "l":
        return Language(match.group(0))
    first = int(match.group(1))
    if first > MAX_ID:
        return None
    if kind == "a":
        choice = match.group(2)
        if _CHOICE_FORBIDDEN.search(choice) or choice != choice.strip():
            return None
        return Answer(first, choice)
    one_id: dict[str, type[Skip | Report | WriteAnswer | ReviewDiscard | ReviewWrite]] = {
        "s": Skip,
        "r": Report,
        "w": WriteAnswer,
        "vd": ReviewDiscard,
        "vw": ReviewWrite,
    }
    if kind in one_id:
        return one_id[kind](first)
    second = int(match.group(2))
    if kind == "t":
        return ReadMore(first, second) if second <= MAX_PAGE else None
    if kind in ("ai", "v"):
        if second > MAX_INDEX:
            return None
        return AnswerIndex(first, second) if kind == "ai" else ReviewPick(first, second)
    if second > MAX_MASK:
        return None
    return MultiToggle(first, second) if kind == "m" else MultiSubmit(first, second)


# --- references carried in message text ----------------------------------------------------
# A text answer comes as a reply to the bot's prompt message, which can carry no hidden data
# on every platform; the prompt ends with a short visible reference instead.

_REF = re.compile(r"#(R?)([1-9][0-9]{0,18})\s*$")


def asking(target: TextRef) -> WriteAnswer | ReviewWrite:
    """The press that asks again for what a prompt asks (its text form)."""
    return ReviewWrite(target.id) if target.kind == "review" else WriteAnswer(target.id)


def text_ref(ref: TextRef) -> str:
    """``#123`` for an assignment, ``#R45`` for a review task."""
    return f"#{'R' if ref.kind == 'review' else ''}{ref.id}"


def find_text_ref(text: str | None) -> TextRef | None:
    """The reference at the end of a prompt message, or ``None``."""
    if not text:
        return None
    match = _REF.search(text)
    if match is None:
        return None
    number = int(match.group(2))
    if number > MAX_ID:
        return None
    return TextRef("review" if match.group(1) else "answer", number)
