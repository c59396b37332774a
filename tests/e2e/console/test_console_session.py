"""The console contributor, driven by typed lines; what it writes is read as plain text."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bots.console.session import PLATFORM, ConsoleSession
from bots.core import Chat, User
from engine import services
from engine.actors import OPERATOR
from engine.app import Essaim
from engine.models import Identity
from engine.spec import parse_spec
from tests.e2e.builders import PROOF_MD, engine, make_project, mood_spec, proof_spec

pytestmark = pytest.mark.e2e

MOOD = mood_spec("Mood", overlap=1)
PROOF = proof_spec(overlap=(1, 2), candidates=1)


@pytest.fixture
def essaim(tmp_path: Path) -> Iterator[Essaim]:
    essaim = engine(tmp_path)
    yield essaim
    essaim.close()


def session(essaim: Essaim, lines: list[str], project: str | None = None) -> list[str]:
    """Run a session over ``lines``; everything it wrote."""
    typed = iter(lines)
    out: list[str] = []

    def read(_prompt: str) -> str:
        line = next(typed, None)
        if line is None:
            raise EOFError  # what input() raises at the end of the input
        return line

    user = User(PLATFORM, "ana", "Ana", "en_GB.UTF-8")
    ConsoleSession(Chat(essaim), user, read=read, write=out.append, project=project).run()
    return out


def test_answer_skip_stats_and_quit(essaim: Essaim):
    make_project(essaim, MOOD, "m.csv", b"id,text\nc1,I love it\nc2,Terrible\nc3,Meh\n")
    out = session(essaim, ["1", "s", "2", "stats", "lb", "q"], project="mood")
    text = "\n".join(out)
    assert "== Task — Mood ==" in text
    assert "  1. positive\n  2. negative\n  3. neutral" in text
    assert "Your answer: positive" in text and "Skipped." in text
    assert "Your answer: negative" in text
    assert "answers: 2" in text  # stats
    assert "1. Ana — " in text  # leaderboard
    assert out[-1] == "Goodbye, and thank you!"
    rows = list(services.export_answers(essaim.db, "mood"))
    assert sorted(r["label"] for r in rows) == ["negative", "positive"]


def test_unknown_input_changes_nothing(essaim: Essaim):
    make_project(essaim, MOOD, "m.csv", b"id,text\nc1,I love it\n")
    out = session(essaim, ["7", "maybe", "q"], project="mood")
    assert sum("Not understood" in line for line in out) == 2
    assert services.project_status(essaim.db, "mood", actor_id=OPERATOR).answers == 0


def test_proofreading_enter_alone_is_no_error_and_text_is_a_correction(essaim: Essaim):
    make_project(essaim, PROOF, "d.md", PROOF_MD)
    out = session(essaim, ["The cat sat on the mat.", "", "q"], project="proof")
    text = "\n".join(out)
    assert "press Enter alone if there is no error" in text
    values = {str(r) for r in services.export_answers(essaim.db, "proof")}
    assert any("The cat sat on the mat." in v for v in values)
    assert services.project_status(essaim.db, "proof", actor_id=OPERATOR).answers == 2


def test_end_of_input_quits_and_the_next_session_continues(essaim: Essaim):
    make_project(essaim, MOOD, "m.csv", b"id,text\nc1,I love it\nc2,Terrible\n")
    session(essaim, ["1"], project="mood")  # the input ends: the session ends cleanly
    out = session(essaim, ["2", "", "q"], project="mood")
    assert any("No task left" in line for line in out)
    assert services.project_status(essaim.db, "mood", actor_id=OPERATOR).answers == 2


def test_notices_for_this_person_are_shown_between_tasks(essaim: Essaim):
    """Ana uploads (through the neutral use case) and completes her own batch."""
    services.create_project(essaim.db, parse_spec(MOOD), actor_id=OPERATOR)
    for name in ("ana", "zoe"):
        services.grant_role(essaim.db, f"{PLATFORM}:{name}", "requester", actor_id=OPERATOR)
    ana = User(PLATFORM, "ana", "Ana", "en")
    received = Chat(essaim).upload(ana, "mood", "m.csv", b"id,text\nc1,I love it\n")
    assert received.lines[0].key == "upload.received"
    Chat(essaim).upload(User(PLATFORM, "zoe"), "mood", "z.csv", b"id,text\nz1,Meh\n")
    out = session(essaim, ["1", "1", "q"], project="mood")
    ready = [line for line in out if "is ready: m.csv" in line]
    done = [line for line in out if "Your batch 1 (m.csv, 1 items) of “mood” is complete" in line]
    assert len(ready) == 1 and len(done) == 1
    assert out.index(ready[0]) < out.index(done[0])
    assert not any("z.csv" in line for line in out)  # Zoe's are not shown to Ana
    assert not any("m.csv" in line for line in session(essaim, ["q"]))  # shown once


def test_help_names_the_typed_commands(essaim: Essaim):
    out = "\n".join(session(essaim, ["help", "q"]))
    assert "stats  your answers" in out and "q      quit" in out
    assert "/next" not in out and "/task" not in out


def test_forget_asks_deletes_on_yes_and_ends_the_session(essaim: Essaim):
    make_project(essaim, MOOD, "m.csv", b"id,text\nc1,I love it\nc2,Terrible\n")
    out = session(essaim, ["1", "forget", "no", "forget", "yes", "1"], project="mood")
    text = "\n".join(out)
    assert "type forget" in text and "/forget" not in text  # the consent names the command
    assert "Nothing was deleted." in text
    assert "your personal data is deleted. Run essaim chat again" in text
    assert "/start" not in text
    rows = list(services.export_answers(essaim.db, "mood"))
    assert [r["label"] for r in rows] == ["positive"]  # it stays; the session ended before "1"
    with essaim.db.read() as db_session:
        identities = db_session.execute(select(func.count()).select_from(Identity)).scalar()
    assert identities == 0
