"""Linking platform identities, reporting a task, and who hears about a batch."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from engine import services
from engine.actors import OPERATOR
from engine.errors import Conflict, EssaimError
from engine.models import Identity, LinkCode, TaskReport, utcnow
from tests.integration.helpers import (
    add_rows,
    answer_task,
    assert_lease_counters,
    count,
    make_project,
    offer,
    person,
    skill_row,
    task_row,
    tasks_of,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def animals(essaim):
    project = make_project(essaim)
    add_rows(essaim, project.slug, [{"id": f"r{i}", "text": f"row {i}"} for i in range(3)])
    return project


def test_link_code_attaches_a_second_platform(essaim, animals):
    ada = services.identify(essaim.db, "telegram", "100", display_name="Ada").id
    first = tasks_of(essaim.db, animals.slug)[0].id
    answer_task(essaim, ada, animals.slug, first, "cat", chain_next=False)
    code = services.create_link_code(essaim.db, ada)
    assert len(code.code) == 8 and code.expires_at > utcnow()
    linked = services.redeem_link_code(essaim.db, code.code.lower(), "discord", "555")
    assert linked.id == ada
    assert services.identify(essaim.db, "discord", "555").id == ada
    assert services.identities_of(essaim.db, ada) == [("telegram", "100"), ("discord", "555")]
    assert count(essaim.db, LinkCode) == 0  # one-time
    # one history: the task answered on Telegram is never offered on Discord
    via_discord = services.identify(essaim.db, "discord", "555").id
    assert offer(essaim, via_discord, animals.slug).task_id != first
    with pytest.raises(EssaimError, match="unknown"):
        services.redeem_link_code(essaim.db, code.code, "discord", "556")


def test_linking_merges_a_separate_history(essaim):
    project = make_project(essaim, overlap={"min": 1, "max": 1})
    add_rows(essaim, project.slug, [{"id": f"r{i}", "text": f"row {i}"} for i in range(3)])
    first, second, third = (t.id for t in tasks_of(essaim.db, project.slug))
    ada = services.identify(essaim.db, "telegram", "100").id
    other = services.identify(essaim.db, "discord", "555").id
    answer_task(essaim, other, project.slug, first, "dog", chain_next=False)
    answer_task(essaim, ada, project.slug, second, "cat", chain_next=False)
    code = services.create_link_code(essaim.db, ada)
    assert services.redeem_link_code(essaim.db, code.code, "discord", "555").id == ada
    skill = skill_row(essaim.db, ada, project.slug)
    assert (skill.n_answers, skill.points, skill.decided) == (2, 2, 2)
    assert skill_row(essaim.db, other, project.slug) is None
    rows = list(services.export_answers(essaim.db, project.slug))
    assert {r["worker"] for r in rows} == {ada}
    assert services.identify(essaim.db, "discord", "555").id == ada
    assert services.contributor_stats(essaim.db, ada, project.slug).answers == 2
    assert offer(essaim, ada, project.slug).task_id == third
    assert_lease_counters(essaim.db)


def test_a_task_skipped_on_one_platform_does_not_block_linking(essaim, animals):
    """The module's contract: merging is refused only when BOTH accounts answered a task.
    Here the Discord account merely skipped the task Ada answered."""
    first, second, _third = (t.id for t in tasks_of(essaim.db, animals.slug))
    ada = services.identify(essaim.db, "telegram", "100").id
    other = services.identify(essaim.db, "discord", "555").id
    answer_task(essaim, ada, animals.slug, first, "cat", chain_next=False)
    skipped = offer(essaim, other, animals.slug)
    assert skipped.task_id == first
    nxt = services.skip_task(essaim.db, other, skipped.assignment_id)
    assert nxt.offer.task_id == second
    services.submit_answer(essaim.db, other, nxt.offer.assignment_id, "dog", chain_next=False)
    code = services.create_link_code(essaim.db, ada)
    assert services.redeem_link_code(essaim.db, code.code, "discord", "555").id == ada
    assert skill_row(essaim.db, ada, animals.slug).n_answers == 2
    assert offer(essaim, ada, animals.slug).task_id == _third


def test_merging_histories_that_share_a_task_is_refused(essaim, animals):
    first = tasks_of(essaim.db, animals.slug)[0].id
    ada = services.identify(essaim.db, "telegram", "100").id
    other = services.identify(essaim.db, "discord", "555").id
    answer_task(essaim, ada, animals.slug, first, "cat", chain_next=False)
    answer_task(essaim, other, animals.slug, first, "dog", chain_next=False)
    code = services.create_link_code(essaim.db, ada)
    with pytest.raises(Conflict, match="same"):
        services.redeem_link_code(essaim.db, code.code, "discord", "555")
    assert services.identify(essaim.db, "discord", "555").id == other
    assert services.identities_of(essaim.db, ada) == [("telegram", "100")]
    assert skill_row(essaim.db, ada, animals.slug).n_answers == 1
    assert skill_row(essaim.db, other, animals.slug).n_answers == 1
    assert count(essaim.db, Identity) == 2


def test_expired_code_is_refused(essaim):
    ada = person(essaim, "ada")
    code = services.create_link_code(essaim.db, ada)
    with essaim.db.write() as session:  # the code's fifteen minutes have passed
        session.execute(update(LinkCode).values(expires_at=utcnow()))
    with pytest.raises(EssaimError, match="expired"):
        services.redeem_link_code(essaim.db, code.code, "discord", "9")
    assert services.identities_of(essaim.db, ada) == [("test", "ada")]


def test_new_code_replaces_the_previous_one(essaim):
    ada = person(essaim, "ada")
    old = services.create_link_code(essaim.db, ada)
    new = services.create_link_code(essaim.db, ada)
    assert count(essaim.db, LinkCode) == 1
    with pytest.raises(EssaimError, match="unknown"):
        services.redeem_link_code(essaim.db, old.code if old.code != new.code else "ZZZZ", "d", "1")
    assert services.redeem_link_code(essaim.db, new.code, "d", "2").id == ada


def test_two_reports_send_a_task_to_review(essaim, animals):
    ada, bob = person(essaim, "ada"), person(essaim, "bob")
    first = offer(essaim, ada, animals.slug)
    nxt = services.report_task(essaim.db, ada, first.assignment_id, "offensive text")
    assert nxt.status == "task" and nxt.offer.task_id != first.task_id
    assert task_row(essaim.db, first.task_id).status == "open"
    reported = offer(essaim, bob, animals.slug)
    assert reported.task_id == first.task_id
    services.report_task(essaim.db, bob, reported.assignment_id, "x" * 5000)
    assert task_row(essaim.db, first.task_id).status == "review"
    assert count(essaim.db, TaskReport) == 2
    with essaim.db.read() as session:
        lengths = [len(r.reason) for r in session.query(TaskReport).order_by(TaskReport.id)]
    assert lengths == [len("offensive text"), 1000]
    queue = services.review_queue(essaim.db, animals.slug, actor_id=OPERATOR)
    assert [item.task_id for item in queue] == [first.task_id]
    assert_lease_counters(essaim.db)


def test_batch_notices_reach_every_linked_account_in_their_language(essaim):
    requester = services.grant_role(essaim.db, "telegram:7", "requester", actor_id=OPERATOR).id
    services.set_language(essaim.db, requester, "fr")
    code = services.create_link_code(essaim.db, requester)
    services.redeem_link_code(essaim.db, code.code, "discord", "77")
    make_project(essaim)
    essaim.add_batch("animals", "b.csv", b"text\nhello\n", actor_id=requester)
    [telegram] = services.take_notices(essaim.db, "telegram")
    [discord] = services.take_notices(essaim.db, "discord")
    assert (telegram.external_id, discord.external_id) == ("7", "77")
    assert telegram.data["n_items"] == 1 and telegram.language == discord.language == "fr"
    essaim.add_batch(
        "animals", "c.csv", b"text\nbye\n", actor_id=OPERATOR
    )  # no uploader: nobody to tell
    assert services.take_notices(essaim.db, "telegram") == []
