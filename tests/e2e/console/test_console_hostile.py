"""`essaim chat` against hostile texts: nothing acts on the terminal, markup stays literal."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bots.console.session import PLATFORM, ConsoleSession
from bots.core import Chat, User
from engine.app import Essaim
from tests.e2e.builders import engine, make_project, mood_spec

pytestmark = pytest.mark.e2e

ESC = "\x1b"
HOSTILE = f"{ESC}[2J{ESC}]0;pwned\x07Click [bold]here[/] {ESC}[31mred\x9b1m\r\u202eevil"
"""Clear the screen, set the window title, colour, a C1 CSI, a carriage return, bidi override."""
SHOWN = "[2J]0;pwnedClick [bold]here[/] [31mred1mevil"
"""The same once every control character is gone: inert text, markup as typed."""


@pytest.fixture
def essaim(tmp_path: Path) -> Iterator[Essaim]:
    essaim = engine(tmp_path)
    yield essaim
    essaim.close()


def session(
    essaim: Essaim, lines: list[str], project: str | None, lang: str = "en", who: str = "ana"
) -> str:
    typed = iter(lines)
    out: list[str] = []

    def read(_prompt: str) -> str:
        line = next(typed, None)
        if line is None:
            raise EOFError
        return line

    user = User(PLATFORM, who, who.title(), lang)
    ConsoleSession(Chat(essaim), user, read=read, write=out.append, project=project).run()
    return "\n".join(out)


def no_control_characters(text: str) -> bool:
    return not any(
        (ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F or c == "\u202e" for c in text
    )


def hostile_project(essaim: Essaim) -> None:
    spec = mood_spec("Mood [red]x[/]", overlap=1)
    spec["labels"] = {"positive": f"good {ESC}[5m[blink]", "negative": "bad", "neutral": "meh"}
    spec["instructions"] = "Read [i]carefully[/i] [/]"  # the spec refuses control characters
    csv = f'id,text,source\nh1,"{HOSTILE}","{ESC}]8;;http://x{ESC}\\link"\n'
    make_project(essaim, spec, "h.csv", csv.encode())


def test_escape_sequences_never_reach_the_terminal_and_markup_stays_literal(essaim: Essaim):
    hostile_project(essaim)
    out = session(essaim, ["q"], project="mood")
    assert no_control_characters(out)
    assert SHOWN in out
    assert "== Task — Mood [red]x[/] ==" in out
    assert "Read [i]carefully[/i] [/]" in out
    assert "1. good [5m[blink]" in out
    assert "]8;;http://x\\link" in out  # an OSC 8 hyperlink, disarmed


def test_the_real_chat_command_prints_the_text_literally(essaim: Essaim, tmp_path: Path):
    hostile_project(essaim)
    from engine.cli import command

    url = essaim.settings.database_url
    essaim.close()
    result = CliRunner().invoke(
        command(),
        ["--database-url", url, "chat", "--project", "mood", "--name", "ana"],
        input="q\n",
        env={"LANG": "en", "LC_ALL": ""},
    )
    assert result.exit_code == 0, result.output
    assert SHOWN in result.output and no_control_characters(result.output)


def test_a_long_text_shows_one_screen_and_m_reads_on(essaim: Essaim):
    text = " ".join(f"word{n}" for n in range(500))  # about 3,900 characters: 5 pages
    make_project(essaim, mood_spec(overlap=1), "l.csv", f"id,text\nl1,{text}\n".encode())
    out = session(essaim, ["m", "m", "m", "m", "m", "q"], project="mood")
    assert "(page 1 of 5: type m for the rest)" in out
    assert "m = read more" in out
    assert out.count("Page 2 of 5:") == out.count("Page 5 of 5:") == 1
    assert "That was the end of the text." in out
    assert "word0 " in out and "word499" in out
    assert out.index("word0 ") < out.index("Page 2 of 5:") < out.index("word499")


def test_an_unknown_project_says_so_in_both_languages(essaim: Essaim):
    make_project(essaim, mood_spec(overlap=1), "m.csv", b"id,text\nc1,I love it\n")
    assert (
        "There is no project called “moood”. Check the name given to --project, or run "
        "essaim chat without it."
    ) in session(essaim, ["q"], project="moood")
    assert (
        "Il n’y a pas de projet appelé «\u202fmoood\u202f». Vérifiez le nom donné à --project, "
        "ou lancez essaim chat sans lui."
    ) in session(essaim, ["q"], project="moood", lang="fr_FR.UTF-8", who="zoe")
