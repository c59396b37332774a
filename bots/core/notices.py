"""Notices from the engine's outbox: what one platform owes its users, ready to send.

The engine writes a notice in the transaction of the event it announces (a batch ingested,
refused, or complete), once for each identity of the person concerned; whichever bot process
serves that platform takes it (`engine.services.take_notices` removes what it returns, so
two drains never send one notice twice) and sends the `Reply` made here. This is the only
path by which anyone hears of a batch: the upload reply only says the file was received.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bots.core.base import ChatBase
from bots.core.replies import Msg, Reply, msg
from engine import services

log = logging.getLogger(__name__)

BATCH = 50
"""Notices taken at a time; `drain` takes batches until the outbox has fewer left."""


KINDS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "batch.ingested": lambda data: {
        "items": data["n_items"],
        "tasks": data["n_tasks"],
        "gold": data.get("n_gold") or 0,
    },
    "batch.failed": lambda data: {"error": data.get("error") or ""},  # names file and line
    "batch.complete": lambda data: {"items": data["n_items"]},
}
"""The kinds of notice the engine writes, each with its parameters beyond the batch's."""


def notice_line(kind: str, data: dict[str, Any]) -> Msg | None:
    """The message of one notice (``notice.batch_ingested`` …); ``None`` for a kind newer
    than these bots."""
    extra = KINDS.get(kind)
    if extra is None:
        return None
    return msg(
        "notice." + kind.replace(".", "_"),
        batch=data["batch_id"],
        project=data["project_slug"],
        filename=data["filename"],
        **extra(data),
    )


class Notifying(ChatBase):
    def notices(
        self, platform: str, *, limit: int = BATCH, external_id: str | None = None
    ) -> list[tuple[str, Reply]]:
        """Take the oldest notices owed on ``platform``: ``(external_id, reply)`` each.

        ``external_id`` limits it to one account (a console session serves one person).
        Each reply is in the recipient's stored language, else the default one. Taken
        notices are gone from the outbox: the caller sends them or they are lost.
        """
        taken = services.take_notices(self.db, platform, limit=limit, external_id=external_id)
        out = []
        for notice in taken:
            line = notice_line(notice.kind, notice.data)
            if line is None:
                log.warning("notice %s of unknown kind %r dropped", notice.id, notice.kind)
                continue
            out.append((notice.external_id, Reply(self.pick(notice.language, None), lines=(line,))))
        return out


Send = Callable[[str, Reply], Awaitable[None]]
"""An adapter's way to send a reply to someone by their platform id."""


async def drain(chat: Notifying, platform: str, send: Send) -> int:
    """Send every notice owed on ``platform`` with ``send``; how many were taken.

    Adapters call it every few seconds and right after an upload. Taking is in a worker
    thread (the services are synchronous). Taken notices are out of the outbox: one that
    cannot be sent is logged, and the others taken with it are still sent.
    """
    taken = 0
    while True:
        notices = await asyncio.to_thread(chat.notices, platform, limit=BATCH)
        for external_id, reply in notices:
            try:
                await send(external_id, reply)
            except Exception:
                log.exception("notice to %s:%s not sent", platform, external_id)
        taken += len(notices)
        if len(notices) < BATCH:
            return taken
