"""Every command, fed what a careless or hostile user types: never a traceback, one
``error:`` line and a non-zero exit for what is wrong; user text printed as itself.

The commands are found by walking the real command tree (every lazy module loaded, the
bots' plugin included), so a new command or option is fed the same hostile values
without anyone listing it here. Values are chosen from each parameter's type and name.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from typer._click.core import Context
from typer.core import TyperArgument, TyperGroup, TyperOption
from typer.testing import CliRunner

from engine import services
from engine.actors import OPERATOR
from engine.cli import app, command
from engine.models import Project
from tests.integration.helpers import add_rows, make_project

pytestmark = pytest.mark.integration

HUGE = str(2**70)
DIGITS = "9" * 5000
UNKNOWN_PROJECT = "no-such-project"


@dataclass(frozen=True)
class Case:
    path: tuple[str, ...]
    args: tuple[str, ...]
    why: str
    must_fail: bool = True

    def __str__(self) -> str:
        return f"essaim {' '.join(self.path)} {' '.join(a[:40] for a in self.args)} ({self.why})"


class Files:
    """The files a hostile walk hands to commands, written once per test."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.good_csv = self._write("good.csv", b"id,text\nn1,a new row\n")
        self.answers = self._write("answers.csv", b"task,worker,label\nr1,w1,cat\n")
        spec = b'name = "Other"\nkind = "labeling"\nlabels = ["a", "b"]\n'
        self.spec = self._write("spec.toml", spec)
        self.missing = root / "missing.csv"
        self.folder = root / "folder"
        self.folder.mkdir()
        self.plain_file = self._write("plain.txt", b"I am a file, not a folder\n")
        nested = b'{"text": ' + b"[" * 100_000 + b"}\n"
        latin = "id,text\nc1,caf\xe9 cr\xe8me\n".encode("cp1252")
        bignum = b"task,worker,label\n" + DIGITS.encode() + b",w1,cat\n"
        wide = b"task,worker,label\nr1,w1," + b"x" * 200_000 + b"\n"
        self.hostile_inputs = {  # why: (path, must a command taking it fail)
            "missing file": (self.missing, True),
            "folder for a file": (self.folder, True),
            "binary file": (self._write("binary.csv", bytes(range(256)) * 40), True),
            "nested JSON": (self._write("nested.jsonl", nested), True),
            "nested TOML": (self._write("nested.toml", b"x = " + b"[" * 100_000 + b"\n"), True),
            "non-UTF-8 file": (self._write("latin.csv", latin), False),
            "5000-digit number in a file": (self._write("bignum.csv", bignum), False),
            "field over the csv limit": (self._write("wide.csv", wide), False),
        }

    def _write(self, name: str, data: bytes) -> Path:
        path = self.root / name
        path.write_bytes(data)
        return path


def _leaves(group: TyperGroup, ctx: Context, prefix: tuple[str, ...] = ()) -> Iterator:
    for name in group.list_commands(ctx):
        sub = group.get_command(ctx, name)
        assert sub is not None, name
        if isinstance(sub, TyperGroup):
            yield from _leaves(sub, ctx, (*prefix, name))
        else:
            yield (*prefix, name), sub


def _kind(param: Any) -> Any:
    """The parameter's annotation without its ``| None``."""
    annotation = param.type_descriptor.annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return next(arg for arg in typing.get_args(annotation) if arg is not type(None))
    return annotation


def _base_value(param: Any, files: Files) -> str:
    """A valid value for a required argument, so that only one thing is wrong at a time."""
    known = {"project": "animals", "file": str(files.good_csv), "spec": str(files.spec),
             "answers_file": str(files.answers), "identity": "telegram:5001",
             "role": "moderator", "task": "1", "value": "cat"}  # fmt: skip
    assert param.name in known, f"no valid value known for argument {param.name!r}"
    return known[param.name]


def _hostile_values(param: Any, files: Files) -> Iterator[tuple[str, str, bool]]:
    """(value, why, must the command fail) for one parameter, from its type and name."""
    name = param.name or ""
    kind = _kind(param)
    if kind is Path or name in {"output", "chart"}:
        if "dir" in name:  # a folder expected
            yield str(files.plain_file), "a file where a folder is expected", True
        elif name in {"output", "chart"}:
            yield str(files.folder), "-o pointing at a folder", True
            yield str(files.root / "no" / "such" / "out.csv"), "output in a missing folder", False
        else:
            for why, (path, must_fail) in files.hostile_inputs.items():
                yield str(path), why, must_fail
    elif kind is int:
        yield DIGITS, "a 5000-digit number", True
        yield HUGE, "a number beyond 64 bits", True
    elif kind is float:
        yield "nan", "not a number", True
        yield DIGITS, "a 5000-digit number", True
    elif name == "project":
        yield UNKNOWN_PROJECT, "an unknown project", True
        yield "[/]", "markup as a project", True
    elif name == "encoding":
        yield "base64", "a bytes codec as the encoding", True
        yield "nope", "an unknown encoding", True
    elif name in {"fmt", "method", "level"}:
        yield "nope", f"an unknown --{name}", True
    elif name == "identity":
        yield "tg:5001", "an unknown platform", True
        yield "telegram: 5001", "a space in the identity", True
    elif name == "role":
        yield "overlord", "an unknown role", True


def cases(files: Files) -> list[Case]:
    root = command()
    root.load_all()
    ctx = Context(root)
    found = []
    for path, leaf in _leaves(root, ctx):
        params = [p for p in leaf.params if p.name != "help"]
        required = {p.name: _base_value(p, files) for p in params
                    if isinstance(p, TyperArgument) and p.required}  # fmt: skip
        for param in params:
            for value, why, must_fail in _hostile_values(param, files):
                args = []
                for other in params:
                    if isinstance(other, TyperArgument) and other is param:
                        args.append(value)
                    elif isinstance(other, TyperArgument) and other.name in required:
                        args.append(required[other.name])
                if isinstance(param, TyperOption):
                    args += [param.opts[0], value]
                if path == ("chat",):  # the console session answers it, as a chat does
                    must_fail = False
                found.append(Case(path, tuple(args), f"{param.name}: {why}", must_fail))
    return found


KNOWN: dict[tuple[tuple[str, ...], str], str] = {}
"""Defects of modules outside the command line's own, reported to their owners. Strict: a
case listed here that behaves fails the test, so the entry is removed once fixed."""


@pytest.fixture
def hostile_env(monkeypatch):
    for variable in ("ESSAIM_REDIS_URL", "ESSAIM_TELEGRAM_TOKEN", "ESSAIM_DISCORD_TOKEN",
                     "ESSAIM_DEBUG"):  # fmt: skip
        monkeypatch.delenv(variable, raising=False)


def _run(url: str, *args: str, stdin: str = ""):
    command()  # the bots' plugin registered on the app
    return CliRunner().invoke(app, ["--database-url", url, *args], input=stdin,
                              catch_exceptions=False)  # fmt: skip


def test_every_command_takes_hostile_arguments_without_a_traceback(essaim, tmp_path, hostile_env,
                                                                   monkeypatch):  # fmt: skip
    monkeypatch.chdir(tmp_path)
    make_project(essaim)
    add_rows(essaim, "animals", [{"id": "r1", "text": "a row"}, {"id": "r2", "text": "another"}])
    files = Files(tmp_path)
    problems = []
    known_seen = set()
    all_cases = cases(files)
    assert len({case.path for case in all_cases}) >= 12  # the walk found the commands
    for case in all_cases:
        before = len(problems)
        result = _run(essaim.db.url, *case.path, *case.args)
        output = result.output
        error_lines = [line for line in output.splitlines() if line.startswith("error:")]
        if "Traceback" in output or "internal error" in output:
            problems.append(f"{case}: {output.strip()[-300:]}")
        elif case.must_fail and result.exit_code == 0:
            problems.append(f"{case}: accepted (exit 0)")
        elif result.exit_code == 1 and len(error_lines) != 1:
            problems.append(f"{case}: {len(error_lines)} error lines: {output.strip()[-300:]}")
        elif result.exit_code not in (0, 1, 2):
            problems.append(f"{case}: exit code {result.exit_code}")
        if (case.path, case.why) in KNOWN:
            known_seen.add((case.path, case.why))
            if len(problems) > before:
                del problems[before:]
            else:
                problems.append(f"{case}: fixed, remove it from KNOWN")
    assert known_seen == set(KNOWN), "KNOWN lists cases the walk no longer makes"
    assert not problems, "\n".join(problems)


def test_an_unexpected_error_is_one_line_with_the_way_to_the_traceback(tmp_path, monkeypatch,
                                                                       hostile_env):  # fmt: skip
    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(services, "list_projects", broken)
    url = f"sqlite:///{tmp_path}/e.db"
    result = _run(url, "project", "list")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.count("error:") == 1
    assert "internal error (KeyError" in result.output and "ESSAIM_DEBUG=1" in result.output
    monkeypatch.setenv("ESSAIM_DEBUG", "1")
    with pytest.raises(KeyError):
        _run(url, "project", "list")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("nope://x", "bad database URL"),
        ("postgresql+psycopg://postgres@127.0.0.1:1/x", "cannot use the database"),
        ("sqlite:////no/such/folder/x.db", "cannot use the database"),
    ],
)
def test_a_database_out_of_reach_is_one_line(url, expected, hostile_env):
    result = _run(url, "status", "animals")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.startswith(f"error: {expected}"), result.output


def test_a_bad_setting_is_one_line(tmp_path, monkeypatch, hostile_env):
    monkeypatch.setenv("ESSAIM_SKILL_REFIT_EVERY", "often")
    result = _run(f"sqlite:///{tmp_path}/s.db", "status", "animals")
    assert result.exit_code == 1
    assert result.output.startswith("error: invalid setting ESSAIM_SKILL_REFIT_EVERY")


MARKUP = "[/] [bold red]loud[/bold red] [link=http://x]"
ESCAPES = "\x1b[2J\x1b]0;pwned\x07\r"


def test_user_text_is_printed_as_itself_never_as_markup_or_escapes(essaim, tmp_path,
                                                                    hostile_env):  # fmt: skip
    url = essaim.db.url
    make_project(essaim, name=f"Pets {MARKUP}", slug="pets")
    with essaim.db.write() as session:  # a name stored before specs refused control characters
        session.execute(update(Project).where(Project.slug == "pets")
                        .values(name=f"Pets {MARKUP} {ESCAPES}end"))  # fmt: skip
    row = {"id": "[b]1[/b]", "text": f"look {MARKUP} {ESCAPES}here"}
    handle = essaim.add_batch(
        "pets", "pets.jsonl", json.dumps(row).encode() + b"\n", actor_id=OPERATOR
    )
    assert handle.status == "finished", handle.error
    answers = tmp_path / "answers.csv"
    answers.write_text("task,worker,label\n[b]1[/b],w1,cat\n[b]1[/b],w2,dog\n[b]1[/b],w3,bird\n")
    imported = _run(url, "answers", "import", "pets", str(answers))
    assert imported.exit_code == 0, imported.output
    outputs = {}
    for args in (("status", "pets"), ("project", "list"), ("review", "list", "pets")):
        result = _run(url, *args)
        assert result.exit_code == 0, (args, result.output)
        assert (
            "\x1b" not in result.output
            and "\x07" not in result.output
            and "\r" not in (result.output)
        ), args
        outputs[args[0]] = result.output
    assert f"Pets {MARKUP}" in outputs["status"].splitlines()[0]
    assert "[/]" in outputs["project"] and "[bold" in outputs["project"]
    assert "[b]1[/b]" in outputs["review"] and "look [/]" in outputs["review"]
    task = services.review_queue(essaim.db, "pets", actor_id=OPERATOR)[0].task_id
    result = _run(url, "review", "resolve", "pets", str(task), "cat")
    assert result.exit_code == 0 and "'cat'" in result.output
    result = _run(url, "status", MARKUP)  # and in an error message
    assert result.exit_code == 1 and result.output.startswith("error: project '[/] [bold red]")


def test_a_long_error_lists_every_problem_under_one_error_line(essaim, tmp_path, hostile_env):
    make_project(essaim)
    add_rows(essaim, "animals", [{"id": "r1", "text": "a row"}])
    bad = tmp_path / "bad.csv"
    bad.write_text("task,worker,label\n" + "".join(f"r1,w{i},zebra\n" for i in range(5)))
    result = _run(essaim.db.url, "answers", "import", "animals", str(bad))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("error: ") and all(line.startswith("  ") for line in lines[1:])
    assert len(lines) >= 5, result.output
