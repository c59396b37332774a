"""Custom ids: every ``custom_id`` the bot puts on a component or a modal, and their parsing.

Three namespaces, so one template never matches another's ids:

    essaim:<payload>               a button carrying a `bots.core.payload` string as is
    essaim-ui:sel:<owner>:<page>   the select menu of a task's choices (values are payloads)
    essaim-ui:multi:<assignment>   the multi-select of a multi-label task (values are indices)
    essaim-ui:pg:<assignment>:<page>  show another page of a long select menu
    essaim-modal:<payload>         a form opened by the button ``<payload>`` (w:, r:, vw:)

Like payloads, a custom id is only a claim: the services check it against the database.
"""

from __future__ import annotations

import re

from bots.core import payload as p

BUTTON = "essaim:"
UI = "essaim-ui:"
MODAL = "essaim-modal:"
MAX_CUSTOM_ID = 100
"""Discord's limit on a ``custom_id``, in characters."""

BUTTON_TEMPLATE = r"essaim:(?P<data>[^\x00-\x1f]{1,64})"
SELECT_TEMPLATE = r"essaim-ui:sel:(?P<owner>[1-9][0-9]{0,18}):(?P<page>[0-9]{1,2})"
MULTI_TEMPLATE = r"essaim-ui:multi:(?P<assignment>[1-9][0-9]{0,18})"
PAGE_TEMPLATE = r"essaim-ui:pg:(?P<assignment>[1-9][0-9]{0,18}):(?P<page>[0-9]{1,2})"
_MODAL = re.compile(r"essaim-modal:(?P<data>[^\x00-\x1f]{1,64})")


def button(payload: str) -> str:
    return BUTTON + payload


def select(owner: int, page: int = 0) -> str:
    return f"{UI}sel:{owner}:{page}"


def multi(assignment_id: int) -> str:
    return f"{UI}multi:{assignment_id}"


def page(assignment_id: int, number: int) -> str:
    return f"{UI}pg:{assignment_id}:{number}"


def modal(payload: str) -> str:
    return MODAL + payload


def parse_modal(custom_id: str | None) -> p.Payload | None:
    """The payload of the button that opened a form, or ``None`` if the id is not ours."""
    match = _MODAL.fullmatch(custom_id or "")
    return p.parse(match["data"]) if match else None
