"""`essaim role grant PLATFORM:ID ROLE`: malformed identities create nothing, grants confirm."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from engine import services
from engine.actors import OPERATOR
from engine.db import Database
from engine.errors import EssaimError
from engine.models import Contributor, Identity, RoleGrant
from engine.services.contributors import parse_identity
from tests.integration.helpers import make_project

pytestmark = pytest.mark.integration

MALFORMED = [
    "telegram: 5001",
    " telegram:5001",
    "telegram:5001 ",
    "tg:5001",
    "telegram:@alice",
    "telegram:alice",
    "telegram:-5001",
    "telegram:0",
    "telegram:05001",
    "telegram:" + "9" * 40,
    "discord:1234",
    "discord:" + "1" * 21,
    "discord:99999999999999999999",  # 20 digits, over 2**64
    "console:al\x1bice",
    "console:" + "a" * 129,
    "nowhere:5001",
    "telegram5001",
    ":5001",
    "telegram:",
]


@pytest.mark.unit
@pytest.mark.parametrize("identity", MALFORMED)
def test_malformed_identities_are_refused_naming_the_field(identity):
    with pytest.raises(EssaimError, match="field 'identity'"):
        parse_identity(identity)


@pytest.mark.unit
@pytest.mark.parametrize(
    ("identity", "parsed"),
    [
        ("telegram:5001", ("telegram", "5001")),
        ("Telegram:5001", ("telegram", "5001")),
        ("discord:80351110224678912", ("discord", "80351110224678912")),
        ("console:alice", ("console", "alice")),
        ("test:mod", ("test", "mod")),
    ],
)
def test_well_formed_identities(identity, parsed):
    assert parse_identity(identity) == parsed


def test_an_alias_is_named():
    with pytest.raises(EssaimError, match="did you mean 'telegram'"):
        parse_identity("tg:5001")


def _accounts(db: Database) -> tuple[int, int, int]:
    with db.read() as session:
        return tuple(  # type: ignore[return-value]
            session.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (Contributor, Identity, RoleGrant)
        )


def _cli(db: Database, *args: str):
    from engine.cli import command

    return CliRunner().invoke(command(), ["--database-url", db.url, *args],
                              catch_exceptions=False)  # fmt: skip


@pytest.mark.parametrize("identity", MALFORMED[:6])
def test_the_cli_refuses_and_creates_no_phantom_account(db, identity):
    before = _accounts(db)
    result = _cli(db, "role", "grant", identity, "admin")
    assert result.exit_code == 1
    assert result.output.count("error:") == 1 and "identity" in result.output
    assert "Traceback" not in result.output
    assert _accounts(db) == before


def test_an_unknown_project_creates_no_account(essaim):
    before = _accounts(essaim.db)
    with pytest.raises(EssaimError, match="not found"):
        services.grant_role(
            essaim.db, "telegram:5001", "moderator", project="nope", actor_id=OPERATOR
        )
    assert _accounts(essaim.db) == before


def test_a_per_project_grant_prints_the_roles_on_that_project(essaim):
    make_project(essaim)
    result = _cli(essaim.db, "role", "grant", "telegram:5001", "moderator", "--project", "animals")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "telegram:5001: roles on animals contributor, moderator"
    # elsewhere the person is a contributor only, and says so
    result = _cli(essaim.db, "role", "grant", "telegram:5001", "requester")
    assert result.output.strip() == "telegram:5001: roles contributor, requester"
    info = services.grant_role(
        essaim.db, "telegram:5001", "moderator", project="animals", actor_id=OPERATOR
    )
    assert info.roles == ("contributor", "moderator", "requester")
    assert _accounts(essaim.db) == (1, 1, 2)
