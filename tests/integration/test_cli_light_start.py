"""``essaim status`` starts without pydantic and without SQLAlchemy's PostgreSQL dialect on
SQLite, and what stands in for them gives the same values:

- typer's text and flag parameters take a plain value (`engine.cli.lazy.PlainValue`) as
  typer's own pydantic adapter would;
- the settings are read without pydantic-settings when they are plain (tests/unit/
  test_settings_reading.py checks that reading against pydantic-settings);
- the JSON columns still are JSONB on PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import typer
from hypothesis import given
from hypothesis import strategies as st
from typer._coercion import build_runtime_param

from engine.cli import command
from engine.cli.lazy import PlainValue, plain_parameters
from engine.models import Task
from tests.integration.helpers import run_essaim

pytestmark = pytest.mark.integration

ESSAIM = str(os.path.join(os.path.dirname(sys.executable), "essaim"))
SPEC = 'name = "Light"\nslug = "light"\nkind = "labeling"\nlabels = ["a", "b"]\n'
WATCHED = ("pydantic", "pydantic_settings", "sqlalchemy.dialects.postgresql")


def _environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("ESSAIM_")}


def test_status_on_sqlite_imports_neither_pydantic_nor_the_postgresql_dialect(tmp_path):
    url = f"sqlite:///{tmp_path}/light.db"
    spec = tmp_path / "light.toml"
    spec.write_text(SPEC)
    rows = tmp_path / "rows.csv"
    rows.write_text("id,text\n007,first\n1_10,second\n")
    for args in (["db", "upgrade"], ["project", "create", str(spec)],
                 ["batch", "add", "light", str(rows)]):  # fmt: skip
        subprocess.run([ESSAIM, "--database-url", url, *args], check=True, capture_output=True,
                       env=_environment(), cwd=tmp_path)  # fmt: skip
    stdout, report = run_essaim(
        "--database-url", url, "status", "light", watched=WATCHED, cwd=tmp_path
    )
    assert report == {"code": 0, "heavy": []}, report
    assert "items 2" in stdout and "open 2" in stdout


def _parameters(*path: str) -> dict[str, typer.core._TyperParameter]:
    group = command(["status"])
    group.get_command(None, path[0])  # type: ignore[arg-type]
    found = group.commands[path[0]]
    plain_parameters(found)
    return {param.name: param for param in found.params}  # type: ignore[misc]


@given(value=st.one_of(st.text(), st.binary(max_size=8), st.booleans(), st.none()))
def test_a_plain_value_is_what_typer_s_adapter_gives(value):
    params = _parameters("status")
    for name in ("project", "as_json"):
        param = params[name]
        assert isinstance(param._runtime_param, PlainValue)
        expected: object
        try:
            expected = build_runtime_param(param.type_descriptor).coerce(value, param, None)
        except Exception as error:  # the adapter refuses: so must the plain value
            expected = type(error)
        try:
            got: object = param._runtime_param.coerce(value, param, None)
        except Exception as error:
            got = type(error)
        assert got == expected and type(got) is type(expected)


def test_the_json_columns_are_jsonb_on_postgresql():
    from sqlalchemy.dialects import postgresql

    column = Task.__table__.c.payload
    assert column.type.compile(dialect=postgresql.dialect()) == "JSONB"
    assert isinstance(column.type.dialect_impl(postgresql.dialect()).impl_instance,
                      postgresql.JSONB)  # fmt: skip
    assert column.type.should_evaluate_none and not column.type.hashable  # as JSON says
