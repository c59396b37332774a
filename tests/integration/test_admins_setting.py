"""``ESSAIM_ADMINS`` is read with the identity parser of `essaim role grant`: a bad entry
stops the commands at start-up with one line naming the setting and the entry."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from engine import services
from engine.cli import app, command
from engine.config import load_settings
from engine.services.contributors import parse_identity  # still importable from here

pytestmark = pytest.mark.integration

BAD = {
    "tg:5001": "unknown platform 'tg'; did you mean 'telegram'?",
    "telegram:@alice": "a Telegram id is the person's numeric user id",
    "telegram: 5001": "no spaces allowed",
    "discord:1234": "a Discord id is the person's numeric user id",
    "5001": "not of the form platform:id",
}


@pytest.mark.unit
@pytest.mark.parametrize("entry", list(BAD))
def test_a_bad_entry_is_refused_when_the_settings_are_read(entry):
    with pytest.raises(ValidationError) as refused:
        load_settings(admins=f"telegram:5001,{entry}")
    (error,) = refused.value.errors()
    assert error["loc"] == ("admins",)
    assert f"entry {entry.strip()!r}: {BAD[entry]}" in error["msg"]


@pytest.mark.unit
def test_good_entries_are_the_pairs_role_grant_would_make():
    settings = load_settings(admins=" Telegram:5001 , discord:80351110224678912,,console:ann ")
    assert settings.admin_identities == {
        parse_identity("telegram:5001"),
        ("discord", "80351110224678912"),
        ("console", "ann"),
    }
    assert load_settings(admins="").admin_identities == frozenset()


@pytest.mark.unit
def test_the_settings_module_stays_light():
    code = "import sys, engine.config; print('sqlalchemy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("args", [("status", "animals"), ("chat",), ("run", "telegram")])
def test_commands_stop_at_start_up_with_one_line(args, tmp_path, monkeypatch):
    monkeypatch.delenv("ESSAIM_REDIS_URL", raising=False)
    monkeypatch.setenv("ESSAIM_TELEGRAM_TOKEN", "1:fake")  # past the token check
    monkeypatch.setenv("ESSAIM_ADMINS", "telegram:5001,tg:5001")
    command()
    result = CliRunner().invoke(app, ["--database-url", f"sqlite:///{tmp_path}/a.db", *args],
                                input="", catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 1 and "Traceback" not in result.output
    (line,) = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert line.startswith("error: invalid setting ESSAIM_ADMINS:")
    assert "entry 'tg:5001': unknown platform 'tg'" in line


def test_an_admin_entry_grants_the_admin_role_on_first_contact(essaim):
    admins = load_settings(admins="telegram:5001").admin_identities
    info = services.identify(essaim.db, "telegram", "5001", admins=admins)
    assert "admin" in info.roles
    other = services.identify(essaim.db, "telegram", "5002", admins=admins)
    assert "admin" not in other.roles
