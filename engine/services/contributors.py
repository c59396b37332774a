"""Contributors, their identities across platforms, their roles, and forgetting them."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from functools import cache
from typing import TypeVar

from sqlalchemy import Select, bindparam, delete, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.actors import OPERATOR, Actor
from engine.db import Database
from engine.errors import EssaimError, NotFound, PermissionDenied
from engine.identities import parse_identity  # kept importable from here too
from engine.models import (
    Contributor,
    Identity,
    LinkCode,
    Outbox,
    Project,
    RoleGrant,
    TaskReport,
)
from engine.services.common import log_event, project_by_slug, release_leases_of
from engine.services.dto import ContributorInfo
from engine.statuses import ProjectState
from engine.unit_of_work import Work

ROLES = ("contributor", "requester", "moderator", "admin")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Person:
    """Who speaks, as the platform says: the identity, and what the platform tells of them.

    ``admins`` are the (platform, id) pairs of ``ESSAIM_ADMINS``: they get the admin role the
    first time they are seen, so a fresh install can be administered from chat.
    """

    platform: str
    external_id: str
    display_name: str | None = None
    language: str | None = None
    admins: Collection[tuple[str, str]] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "platform", self.platform.lower())
        object.__setattr__(self, "external_id", str(self.external_id))

    @property
    def is_admin(self) -> bool:
        return (self.platform, self.external_id) in self.admins


def identify(
    db: Database,
    platform: str,
    external_id: str,
    *,
    display_name: str | None = None,
    language: str | None = None,
    admins: Collection[tuple[str, str]] = (),
) -> ContributorInfo:
    """The contributor behind a platform identity (see `Person`), created on first contact."""
    person = Person(platform, external_id, display_name, language, admins)
    with db.read() as session:  # every chat message comes through here: read first
        info = _already_known(session, person)
        if info is not None:
            return info
    return first_contact(db, lambda work: identify_in(work.session, person))


def identify_in(session: Session, person: Person) -> ContributorInfo:
    """`identify` inside the caller's write transaction: a pressed answer identifies the
    person and submits in one transaction (`engine.app.Essaim.answer`)."""
    return _already_known(session, person) or _identify(session, person)


def _already_known(session: Session, person: Person) -> ContributorInfo | None:
    """The contributor, when nothing about them needs writing (the usual case: two Core
    reads, no ORM object); None when they are new, changed, or an admin to be."""
    connection = session.connection()
    parameters = {"platform": person.platform, "external_id": person.external_id}
    row = connection.execute(_known_statement(), parameters).first()
    if row is None:
        return None
    contributor_id, name, stored_language, notifications, project_slug = row
    renamed = person.display_name and name != person.display_name
    if renamed or (person.language and stored_language is None):
        return None  # a new name, or the platform's language until /lang: to write
    roles = tuple(sorted(roles_of(session, contributor_id)))
    if person.is_admin and "admin" not in roles:
        return None
    return ContributorInfo(id=contributor_id, display_name=name, language=stored_language,
                           roles=roles, current_project=project_slug,
                           notifications=notifications)  # fmt: skip


@cache
def _known_statement() -> Select[int, str | None, str | None, bool, str]:
    """A contributor's fields (and current project's slug) by identity; built once."""
    return (
        select(Contributor.id, Contributor.display_name, Contributor.language,
               Contributor.notifications, Project.slug)
        .join(Identity, Identity.contributor_id == Contributor.id)
        .outerjoin(Project, Project.id == Contributor.current_project_id)
        .where(Identity.platform == bindparam("platform"),
               Identity.external_id == bindparam("external_id"))
    )  # fmt: skip


def first_contact(db: Database, work: Callable[[Work], T]) -> T:
    """``work`` (which may create an identity) in a write transaction, run once more if
    another process created the same identity at the same moment: then it finds it."""
    try:
        return db.run(work)
    except IntegrityError:
        return db.run(work)


def _identify(session: Session, person: Person) -> ContributorInfo:
    display_name, language = person.display_name, person.language
    contributor = _known(session, person.platform, person.external_id)
    is_new = contributor is None
    if contributor is None:
        contributor = Contributor(display_name=display_name, language=language)
        session.add(contributor)
        session.flush()
        session.add(Identity(platform=person.platform, external_id=person.external_id,
                             contributor_id=contributor.id))  # fmt: skip
        session.flush()
    else:
        if display_name and contributor.display_name != display_name:
            contributor.display_name = display_name
        if language and not contributor.language:  # the platform's language, until /lang
            contributor.language = language
    if person.is_admin and "admin" not in roles_of(session, contributor.id):
        session.add(RoleGrant(contributor_id=contributor.id, role="admin"))
        log_event(session, "role.grant", actor_id=None, role="admin", contributor=contributor.id,
                  reason="ESSAIM_ADMINS")  # fmt: skip
        session.flush()
    return contributor_info(session, contributor, is_new=is_new)


def _known(session: Session, platform: str, external_id: str) -> Contributor | None:
    return session.execute(
        select(Contributor)
        .join(Identity, Identity.contributor_id == Contributor.id)
        .where(Identity.platform == platform, Identity.external_id == external_id)
    ).scalar_one_or_none()


def contributor_info(
    session: Session, contributor: Contributor, *, is_new: bool = False
) -> ContributorInfo:
    slug = None
    if contributor.current_project_id is not None:
        slug = session.execute(
            select(Project.slug).where(Project.id == contributor.current_project_id)
        ).scalar_one_or_none()
    return ContributorInfo(
        id=contributor.id,
        display_name=contributor.display_name,
        language=contributor.language,
        roles=tuple(sorted(roles_of(session, contributor.id))),
        current_project=slug,
        notifications=contributor.notifications,
        is_new=is_new,
    )


def get_contributor(db: Database, contributor_id: int) -> ContributorInfo:
    with db.read() as session:
        return contributor_info(session, _contributor(session, contributor_id))


def identities_of(db: Database, contributor_id: int) -> list[tuple[str, str]]:
    """The (platform, external id) accounts of a contributor, in the order they were linked."""
    with db.read() as session:
        return list(session.execute(
            select(Identity.platform, Identity.external_id)
            .where(Identity.contributor_id == contributor_id).order_by(Identity.id)
        ))  # fmt: skip


def _contributor(session: Session, contributor_id: int) -> Contributor:
    contributor = session.get(Contributor, contributor_id)
    if contributor is None or contributor.forgotten:
        raise NotFound("contributor", contributor_id)
    return contributor


def set_language(db: Database, contributor_id: int, language: str) -> None:
    def change_language(session: Session) -> None:
        _contributor(session, contributor_id).language = language

    db.run(lambda work: change_language(work.session))


def set_notifications(db: Database, contributor_id: int, enabled: bool) -> None:
    """``/pause`` and ``/resume``: whether broadcasts may reach this contributor."""

    def change_notifications(session: Session) -> None:
        _contributor(session, contributor_id).notifications = enabled

    db.run(lambda work: change_notifications(work.session))


def join_project(db: Database, contributor_id: int, slug: str) -> str:
    """Make ``slug`` the contributor's current project (deep links, ``/start <project>``)."""

    def join(session: Session) -> str:
        project = project_by_slug(session, slug)
        if project.status != ProjectState.ACTIVE:
            raise EssaimError(f"project {slug!r} is {project.status}")
        _contributor(session, contributor_id).current_project_id = project.id
        return project.slug

    return db.run(lambda work: join(work.session))


def roles_of(session: Session, contributor_id: int, project_id: int | None = None) -> set[str]:
    """Roles held on every project, plus those held on ``project_id``."""
    query = select(RoleGrant.role).where(RoleGrant.contributor_id == contributor_id)
    if project_id is None:
        query = query.where(RoleGrant.project_id.is_(None))
    else:
        query = query.where((RoleGrant.project_id.is_(None)) | (RoleGrant.project_id == project_id))
    return {"contributor", *session.execute(query).scalars()}


def require_role(
    session: Session,
    actor_id: Actor | None,
    role: str,
    action: str,
    project_id: int | None = None,
) -> None:
    """Refuse ``action`` unless the actor holds ``role`` (or admin), or is `OPERATOR`.

    No actor (``None``: a caller that forgot to say who acts) is refused: fail closed.
    """
    if actor_id is OPERATOR:
        return
    if actor_id is None:
        raise PermissionDenied(role, action)
    held = roles_of(session, actor_id, project_id)
    if role not in held and "admin" not in held:
        raise PermissionDenied(role, action)


def grant_role(
    db: Database,
    identity: str,
    role: str,
    *,
    project: str | None = None,
    actor_id: Actor | None = None,
) -> ContributorInfo:
    """Grant ``role`` to ``platform:id``; the identity is created if it was never seen.

    Everything is checked before anything is written: a malformed identity or an unknown
    project leaves no account behind. The roles returned are those held where the grant
    applies: on ``project`` when one is given, so the caller can confirm it.
    """
    if role not in ROLES:
        raise EssaimError(f"field 'role': unknown role {role!r}; roles: {', '.join(ROLES)}")
    platform, external_id = parse_identity(identity)

    def grant(session: Session) -> ContributorInfo:
        require_role(session, actor_id, "admin", "granting roles")
        project_id = project_by_slug(session, project).id if project else None
        target = _identify(session, Person(platform, external_id))
        existing = session.execute(
            select(RoleGrant.id).where(
                RoleGrant.contributor_id == target.id,
                RoleGrant.role == role,
                RoleGrant.project_id.is_(None)
                if project_id is None
                else RoleGrant.project_id == project_id,
            )
        ).first()
        if existing is None and role != "contributor":
            session.add(RoleGrant(contributor_id=target.id, role=role, project_id=project_id))
            log_event(session, "role.grant", actor_id=actor_id, project_id=project_id,
                      role=role, contributor=target.id)  # fmt: skip
        session.flush()
        info = contributor_info(session, _contributor(session, target.id))
        if project_id is not None:
            info = replace(info, roles=tuple(sorted(roles_of(session, target.id, project_id))))
        return info

    return db.run(lambda work: grant(work.session))


def forget_contributor(db: Database, contributor_id: int, *, actor_id: Actor | None = None) -> int:
    """Delete a contributor's personal data; their answers stay, tied to an anonymous id.

    Identities, name, language and roles go, and with them what names a platform account:
    pending notices, link codes, and the authorship of problem reports (the reports stay for
    moderators). Open leases are released so the tasks they held are offered to others at
    once. Returns the number of leases released. A contributor may forget themself; anyone
    else needs the admin role.
    """

    def forget(session: Session) -> int:
        if actor_id != contributor_id:
            require_role(session, actor_id, "admin", "forgetting another contributor")
        contributor = _contributor(session, contributor_id)
        released = release_leases_of(session, contributor_id)
        accounts = select(Identity.platform, Identity.external_id).where(
            Identity.contributor_id == contributor_id
        )
        session.execute(
            delete(Outbox).where(tuple_(Outbox.platform, Outbox.external_id).in_(accounts))
        )
        session.execute(delete(LinkCode).where(LinkCode.contributor_id == contributor_id))
        session.execute(
            update(TaskReport).where(TaskReport.contributor_id == contributor_id)
            .values(contributor_id=None)
        )  # fmt: skip
        session.execute(delete(Identity).where(Identity.contributor_id == contributor_id))
        session.execute(delete(RoleGrant).where(RoleGrant.contributor_id == contributor_id))
        contributor.display_name = None
        contributor.language = None
        contributor.current_project_id = None
        contributor.notifications = False
        contributor.forgotten = True
        log_event(session, "contributor.forget", actor_id=actor_id, contributor=contributor_id)
        return released

    return db.run(lambda work: forget(work.session))
