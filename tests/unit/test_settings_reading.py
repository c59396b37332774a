"""The plain reading of the settings (`engine.config.plain_values`) gives what
pydantic-settings gives, or leaves the reading to it: never other values, never a value it
would refuse. And a `.env` file is still read."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from engine.config import ENV_PREFIX, MAX_UPLOAD_ROWS, Settings, load_settings, plain_values
from engine.settings_check import validated

pytestmark = pytest.mark.unit

FIELDS = list(Settings.__dataclass_fields__)

texts = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "1",
            "007",
            "50",
            "+5",
            " 5",
            "5 ",
            "1_000",
            "2147483647",
            "2147483648",
            str(2**63 - 1),
            str(2**63),
            "-1",
            "often",
            "none",
            "null",
            "postgres://u@h/db",
            "postgresql://h/db",
            "sqlite:///x.db",
            "redis://r",
            "telegram:5001",
            "telegram:5001, console:ann",
            "tg:5001",
            "telegram:@a",
            ",,",
            "console:ann,discord:80351110224678912",
        ]
    ),
    # What an environment can hold: no NUL, no lone surrogate.
    st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=12),
)
overrides = st.one_of(texts, st.none(), st.integers(-2, 2**64), st.booleans())


def _name(field: str, upper: bool) -> str:
    name = f"{ENV_PREFIX}{field}"
    return name.upper() if upper else name.lower()


@contextlib.contextmanager
def _environment(variables: dict[str, str], folder: str):
    kept = {k: v for k, v in os.environ.items() if not k.upper().startswith(ENV_PREFIX)}
    with mock.patch.dict(os.environ, {**kept, **variables}, clear=True), contextlib.chdir(folder):
        yield


def _same_reading(given_overrides: dict[str, object]) -> None:
    try:
        expected = validated(given_overrides)
    except ValidationError:
        expected = None
    plain = plain_values(given_overrides)
    if plain is None:
        return  # left to pydantic-settings: load_settings gives `expected` or its refusal
    assert expected is not None, f"plain reading accepted what pydantic refuses: {plain}"
    assert {name: getattr(Settings(**plain), name) for name in FIELDS} == expected


@settings(max_examples=300, deadline=None)
@given(
    variables=st.dictionaries(st.tuples(st.sampled_from(FIELDS), st.booleans()), texts,
                              max_size=4),
    given_overrides=st.dictionaries(st.sampled_from(FIELDS), overrides, max_size=2),
)  # fmt: skip
def test_the_plain_reading_agrees_with_pydantic_settings(
    variables, given_overrides, tmp_path_factory
):
    env = {_name(field, upper): value for (field, upper), value in variables.items()}
    with _environment(env, str(tmp_path_factory.getbasetemp())):
        _same_reading(given_overrides)


def test_plain_values_are_taken_where_they_are_plain(tmp_path):
    env = {"ESSAIM_DATABASE_URL": "postgresql://h/db", "essaim_skill_refit_every": "50",
           "ESSAIM_REDIS_URL": "", "ESSAIM_ADMINS": "telegram:5001"}  # fmt: skip
    with _environment(env, str(tmp_path)):
        values = plain_values({"max_upload_rows": MAX_UPLOAD_ROWS})
        assert values is not None
        settings = load_settings(max_upload_rows=MAX_UPLOAD_ROWS)
    assert settings.database_url == "postgresql+psycopg://h/db"
    assert settings.skill_refit_every == 50 and settings.redis_url is None
    assert settings.admin_identities == {("telegram", "5001")}


def test_a_dotenv_file_is_read_by_pydantic_settings(tmp_path):
    (tmp_path / ".env").write_text('ESSAIM_QUEUE_NAME="from-file"\nESSAIM_SKILL_REFIT_EVERY=7\n')
    with _environment({"ESSAIM_SKILL_REFIT_EVERY": "9"}, str(tmp_path)):
        assert plain_values({}) is None
        settings = load_settings()
    assert settings.queue_name == "from-file" and settings.skill_refit_every == 9


def test_a_refused_value_is_pydantic_s_refusal(tmp_path):
    environment = _environment({"ESSAIM_MAX_UPLOAD_ROWS": "0"}, str(tmp_path))
    with environment, pytest.raises(ValidationError) as refused:
        load_settings()
    assert refused.value.title == "Settings"
    assert refused.value.errors()[0]["loc"] == ("max_upload_rows",)


def test_reading_plain_settings_imports_no_pydantic(tmp_path):
    code = "import sys, engine.config as c; c.load_settings(); print('pydantic' in sys.modules)"
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    env["PYTHONPATH"] = os.getcwd()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=tmp_path, env=env)  # fmt: skip
    assert out.stdout.strip() == "False"
