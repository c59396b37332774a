"""The outbox: notices to people, delivered by whichever bot process serves their platform.

A requester who uploaded on Telegram hears on Telegram (and Discord, if linked) that their
batch was ingested or is complete, even when the job ran in a worker and the last answer came
from Discord. Notices are written in the transaction of the event they announce.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from engine.db import Database
from engine.models import Contributor, Identity, Outbox


@dataclass(frozen=True)
class Notice:
    id: int
    platform: str
    external_id: str
    language: str | None
    kind: str
    data: dict[str, Any]
    created_at: datetime


def notify(session: Session, contributor_id: int | None, kind: str, **data: Any) -> int:
    """Owe ``contributor_id`` a notice on each of their platforms; returns how many."""
    if contributor_id is None:
        return 0
    language = session.execute(
        select(Contributor.language).where(Contributor.id == contributor_id)
    ).scalar_one_or_none()
    identities = session.execute(
        select(Identity.platform, Identity.external_id).where(
            Identity.contributor_id == contributor_id,
            Identity.platform.not_in(("import", "replay", "sim", "bench")),
        )
    ).all()
    if identities:
        session.execute(
            insert(Outbox),
            [{"platform": platform, "external_id": external_id, "language": language,
              "kind": kind, "data": data} for platform, external_id in identities],
        )  # fmt: skip
    return len(identities)


def take_notices(
    db: Database, platform: str, *, limit: int = 50, external_id: str | None = None
) -> list[Notice]:
    """Remove and return the oldest notices for ``platform`` (or one account on it).

    Taken rows are deleted in the same transaction; with ``SKIP LOCKED`` two bot processes of
    one platform never take the same notice. A process that crashes after taking loses at
    most what it was sending (the notices are informative, the data they announce is stored).
    """

    def take(session: Session) -> list[Notice]:
        query = select(Outbox).where(Outbox.platform == platform)
        if external_id is not None:
            query = query.where(Outbox.external_id == external_id)
        rows = (
            session.execute(
                query.order_by(Outbox.id).limit(limit).with_for_update(skip_locked=True)
            )
            .scalars()
            .all()
        )
        taken = [Notice(r.id, r.platform, r.external_id, r.language, r.kind, dict(r.data),
                        r.created_at) for r in rows]  # fmt: skip
        if taken:
            session.execute(delete(Outbox).where(Outbox.id.in_([n.id for n in taken])))
        return taken

    return db.run(lambda work: take(work.session))
