"""Who asks for a guarded action: a contributor, by id, or the operator, named explicitly.

The services that need a role take an ``actor_id``. A caller that gives none is refused
(`engine.services.contributors.require_role`): forgetting the argument must not skip the
check. The CLI, run on the server by whoever already holds the database, says `OPERATOR`.

Pure (no database): the CLI imports it at start-up.
"""

from __future__ import annotations

from enum import Enum


class Operator(Enum):
    """The type of `OPERATOR` (one member, so that ``actor is OPERATOR`` narrows types)."""

    OPERATOR = "operator"


OPERATOR = Operator.OPERATOR
"""The actor of a command run on the server (the CLI, the demo, tools): every role."""

Actor = int | Operator
"""A contributor's id, or `OPERATOR`."""


def recorded(actor: Actor | None) -> int | None:
    """The contributor to record as having acted (an owner, an event's actor): none for the
    operator."""
    return None if actor is OPERATOR else actor
