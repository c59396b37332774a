"""Linking platform identities: one person on Telegram and Discord keeps one history.

``/link`` on one platform gives a one-time code; entering it on the other attaches that
identity to the same contributor. If the second identity already has a history of its own,
it is merged in, unless both answered the same task (the no-repeat rule would break), in
which case linking is refused and nothing changes.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from engine.db import Database
from engine.errors import Conflict, EssaimError
from engine.models import (
    Answer,
    Assignment,
    Contributor,
    Identity,
    LinkCode,
    RoleGrant,
    WorkerSkill,
    utcnow,
)
from engine.services.common import log_event, release_leases_of
from engine.services.contributors import contributor_info, identify
from engine.services.dto import ContributorInfo
from engine.statuses import AssignmentStatus

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are typed by hand
CODE_LENGTH = 8
CODE_MINUTES = 15
SKILL_COUNTERS = ("n_answers", "gold_seen", "gold_correct", "points", "agreed", "decided")


@dataclass(frozen=True)
class LinkOffer:
    code: str
    expires_at: datetime


def create_link_code(db: Database, contributor_id: int) -> LinkOffer:
    """A fresh one-time code for this contributor, valid `CODE_MINUTES` minutes."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    expires_at = utcnow() + timedelta(minutes=CODE_MINUTES)

    def store(session: Session) -> None:
        session.execute(delete(LinkCode).where(LinkCode.contributor_id == contributor_id))
        session.add(LinkCode(code=code, contributor_id=contributor_id, expires_at=expires_at))

    db.run(lambda work: store(work.session))
    return LinkOffer(code, expires_at)


def redeem_link_code(
    db: Database, code: str, platform: str, external_id: str, *, display_name: str | None = None
) -> ContributorInfo:
    """Attach ``platform:external_id`` to the contributor who asked for ``code``.

    The code is checked before anything is created, so a wrong code leaves nothing behind.
    """
    normalised = code.strip().upper().replace("-", "").replace(" ", "")
    with db.read() as session:
        link = session.get(LinkCode, normalised)
        if link is None:
            raise EssaimError("unknown link code")
        if link.expires_at <= utcnow():
            raise EssaimError("this link code has expired; ask for a new one with /link")
    other = identify(db, platform, external_id, display_name=display_name)

    def redeem(session: Session) -> ContributorInfo:
        link = session.get(LinkCode, normalised, with_for_update=True)
        if link is None:  # used by someone else in the meantime
            raise EssaimError("unknown link code")
        target = link.contributor_id
        session.delete(link)
        if other.id != target:
            _merge(session, source=other.id, target=target)
        log_event(session, "identity.link", actor_id=target, platform=platform,
                  merged=other.id if other.id != target else None)  # fmt: skip
        return contributor_info(session, session.get_one(Contributor, target))

    return db.run(lambda work: redeem(work.session))


def _merge(session: Session, *, source: int, target: int) -> None:
    """Move everything of ``source`` onto ``target``; refuse if both answered one task.

    A task only one of them answered (the other skipped it, or let the lease expire) keeps
    the answer; the other assignment goes, as the (task, contributor) pair must stay unique.
    """
    source_tasks = select(Assignment.task_id).where(Assignment.contributor_id == source)
    target_tasks = select(Assignment.task_id).where(Assignment.contributor_id == target)
    shared_answers = session.execute(
        select(func.count()).select_from(Assignment).where(
            Assignment.contributor_id == source, Assignment.status == AssignmentStatus.ANSWERED,
            Assignment.task_id.in_(
                target_tasks.where(Assignment.status == AssignmentStatus.ANSWERED)
            ),
        )
    ).scalar_one()  # fmt: skip
    if shared_answers:
        raise Conflict(f"both accounts answered the same {shared_answers} task(s): "
                       "they cannot be merged")  # fmt: skip
    release_leases_of(session, source)  # open leases are given back, keeping counters true
    release_leases_of(session, target)
    # Of two assignments on one task, keep the answered one (or the target's).
    session.execute(
        delete(Assignment).where(Assignment.contributor_id == source,
                                 Assignment.status != AssignmentStatus.ANSWERED,
                                 Assignment.task_id.in_(target_tasks))
    )  # fmt: skip
    session.execute(
        delete(Assignment).where(Assignment.contributor_id == target,
                                 Assignment.status != AssignmentStatus.ANSWERED,
                                 Assignment.task_id.in_(source_tasks))
    )  # fmt: skip
    for model in (Identity, Assignment, Answer):
        session.execute(
            update(model).where(model.contributor_id == source).values(contributor_id=target)
        )
    _merge_skills(session, source, target)
    held = set(session.execute(
        select(RoleGrant.role, RoleGrant.project_id).where(RoleGrant.contributor_id == target)
    ).all())  # fmt: skip
    for grant in session.execute(
        select(RoleGrant).where(RoleGrant.contributor_id == source)
    ).scalars():
        if (grant.role, grant.project_id) in held:
            session.delete(grant)
        else:
            grant.contributor_id = target
    source_row = session.get_one(Contributor, source)
    source_row.forgotten = True
    source_row.display_name = None


def _merge_skills(session: Session, source: int, target: int) -> None:
    rows = (
        session.execute(select(WorkerSkill).where(WorkerSkill.contributor_id == source))
        .scalars()
        .all()
    )
    for row in rows:
        mine = session.get(WorkerSkill, {"contributor_id": target, "project_id": row.project_id})
        if mine is None:
            session.execute(
                update(WorkerSkill)
                .where(WorkerSkill.contributor_id == source,
                       WorkerSkill.project_id == row.project_id)
                .values(contributor_id=target)
            )  # fmt: skip
            continue
        for counter in SKILL_COUNTERS:
            setattr(mine, counter, getattr(mine, counter) + getattr(row, counter))
        mine.suspended = mine.suspended or row.suspended
        mine.ds_skill = None  # re-estimated by the next refit
        session.delete(row)
