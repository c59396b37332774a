"""Contributors: identities, roles, permissions and forgetting (engine/services/contributors.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import services
from engine.actors import OPERATOR
from engine.errors import EssaimError, PermissionDenied
from engine.models import Answer, Assignment, Contributor, Event, Identity, RoleGrant, Task
from engine.spec import parse_spec
from tests.integration.helpers import (
    add_rows,
    answer,
    assert_lease_counters,
    count,
    make_project,
    offer,
    person,
    tasks_of,
)

pytestmark = pytest.mark.integration


def test_identify_twice_is_the_same_contributor(essaim):
    first = services.identify(essaim.db, "telegram", "42", display_name="Ada")
    again = services.identify(essaim.db, "Telegram", 42, display_name="Ada L.")
    assert first.is_new and not again.is_new
    assert again.id == first.id
    assert again.display_name == "Ada L."
    assert again.roles == ("contributor",)
    assert count(essaim.db, Identity) == 1
    assert count(essaim.db, Contributor) == 1


def test_different_platforms_are_different_contributors(essaim):
    telegram = services.identify(essaim.db, "telegram", "42")
    discord = services.identify(essaim.db, "discord", "42")
    assert telegram.id != discord.id
    assert count(essaim.db, Contributor) == 2


def test_admins_are_bootstrapped_once(essaim):
    admins = {("telegram", "1")}
    admin = services.identify(essaim.db, "telegram", "1", admins=admins)
    assert "admin" in admin.roles
    services.identify(essaim.db, "telegram", "1", admins=admins)
    assert count(essaim.db, RoleGrant, RoleGrant.contributor_id == admin.id) == 1
    assert count(essaim.db, Event, Event.kind == "role.grant") == 1
    plain = services.identify(essaim.db, "telegram", "2", admins=admins)
    assert plain.roles == ("contributor",)


def test_grant_role_unknown_role_and_bad_identity(essaim):
    with pytest.raises(EssaimError, match="unknown role"):
        services.grant_role(essaim.db, "telegram:5", "overlord", actor_id=OPERATOR)
    with pytest.raises(EssaimError, match="platform:id"):
        services.grant_role(essaim.db, "telegram5", "requester", actor_id=OPERATOR)
    assert count(essaim.db, RoleGrant) == 0


def test_grant_role_needs_an_admin_actor(essaim):
    plain = person(essaim, "plain")
    with pytest.raises(PermissionDenied):
        services.grant_role(essaim.db, "test:other", "requester", actor_id=plain)
    admin = services.identify(essaim.db, "telegram", "1", admins={("telegram", "1")})
    granted = services.grant_role(essaim.db, "test:other", "requester", actor_id=admin.id)
    assert "requester" in granted.roles


def test_requester_may_create_and_upload_plain_contributor_may_not(essaim):
    requester = services.grant_role(essaim.db, "test:req", "requester", actor_id=OPERATOR)
    assert "requester" in requester.roles
    spec = parse_spec({"name": "Pets", "slug": "pets", "kind": "labeling", "labels": ["a", "b"]})
    project = services.create_project(essaim.db, spec, actor_id=requester.id)
    batch_id = services.upload_batch(
        essaim.db, project.slug, "b.csv", b"text\nhello\n", actor_id=requester.id
    )
    assert services.ingest_batch(essaim.db, batch_id).n_items == 1

    plain = person(essaim, "plain")
    other = parse_spec({"name": "Other", "slug": "other", "kind": "labeling", "labels": ["a", "b"]})
    with pytest.raises(PermissionDenied):
        services.create_project(essaim.db, other, actor_id=plain)
    with pytest.raises(PermissionDenied):
        services.upload_batch(essaim.db, "pets", "c.csv", b"text\nx\n", actor_id=plain)
    with pytest.raises(PermissionDenied):
        services.review_queue(essaim.db, "pets", actor_id=plain)
    task_id = tasks_of(essaim.db, "pets")[0].id
    with pytest.raises(PermissionDenied):
        services.resolve_review(essaim.db, "pets", task_id, "a", actor_id=plain)
    assert [p.slug for p in services.list_projects(essaim.db)] == ["pets"]
    assert count(essaim.db, Task) == 1


def test_forget_contributor_keeps_answers_and_releases_leases(essaim):
    project = make_project(essaim, overlap={"min": 1, "max": 1})
    add_rows(essaim, project.slug, [{"id": f"r{i}", "text": f"row {i}"} for i in range(3)])
    ada = services.identify(essaim.db, "telegram", "7", display_name="Ada", language="fr").id
    services.grant_role(essaim.db, "telegram:7", "moderator", actor_id=OPERATOR)
    answer(essaim, ada, project.slug, "cat", chain_next=False)
    held = offer(essaim, ada, project.slug)

    released = services.forget_contributor(essaim.db, ada, actor_id=OPERATOR)

    assert released == 1
    assert count(essaim.db, Identity, Identity.contributor_id == ada) == 0
    assert count(essaim.db, RoleGrant, RoleGrant.contributor_id == ada) == 0
    with essaim.db.read() as session:
        row = session.get_one(Contributor, ada)
        assert row.display_name is None and row.language is None and row.forgotten
        status = session.execute(
            select(Assignment.status).where(Assignment.id == held.assignment_id)
        ).scalar_one()
    assert status == "released"
    assert count(essaim.db, Answer, Answer.contributor_id == ada) == 1
    raw = list(services.export_answers(essaim.db, project.slug))
    assert [(r["worker"], r["label"]) for r in raw] == [(ada, "cat")]
    with pytest.raises(EssaimError):
        services.get_contributor(essaim.db, ada)
    # the place Ada held goes to someone else at once
    bob = person(essaim, "bob")
    assert offer(essaim, bob, project.slug).task_id == held.task_id
    assert_lease_counters(essaim.db)
    # the same platform id later is a new, unrelated person
    again = services.identify(essaim.db, "telegram", "7")
    assert again.id != ada and again.is_new


def test_forgetting_another_contributor_needs_admin(essaim):
    ada = person(essaim, "ada")
    bob = person(essaim, "bob")
    with pytest.raises(PermissionDenied):
        services.forget_contributor(essaim.db, ada, actor_id=bob)
    assert services.forget_contributor(essaim.db, ada, actor_id=ada) == 0


def test_forget_also_drops_notices_link_codes_and_report_authorship(essaim):
    from engine.models import LinkCode, Outbox, TaskReport

    make_project(essaim, overlap={"min": 2, "max": 2})
    requester = services.grant_role(essaim.db, "telegram:77", "requester", actor_id=OPERATOR).id
    essaim.add_batch("animals", "b.csv", b"id,text\na,one\nb,two\n", actor_id=requester)
    services.create_link_code(essaim.db, requester)
    offered = services.next_task(essaim.db, requester, "animals").offer
    services.report_task(essaim.db, requester, offered.assignment_id, "my phone is 555-0100")
    assert count(essaim.db, Outbox) == 1 and count(essaim.db, LinkCode) == 1
    services.forget_contributor(essaim.db, requester, actor_id=OPERATOR)
    assert count(essaim.db, Outbox) == 0 and count(essaim.db, LinkCode) == 0
    assert count(essaim.db, TaskReport) == 1
    assert count(essaim.db, TaskReport, TaskReport.contributor_id.is_(None)) == 1
