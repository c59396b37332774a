"""Harness: the real python-telegram-bot `Application`, offline.

`RecordingRequest` replaces the HTTP layer: it records every Bot API call (method and
parameters) and answers with plausible JSON built from the recorded payloads in
``tests/fixtures/telegram``. Updates are built from the same templates and fed through
``application.process_update``. The engine is real: SQLite in ``tmp_path``, inline jobs.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.request import BaseRequest, RequestData

from bots.telegram.app import drain_notices
from engine.app import Essaim
from tests.e2e.builders import fill, mood_spec

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "telegram"
TOKEN = "7000000001:AAF-test-token"
BOT_ID = 7000000001


def template(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    result: Any = None


@dataclass
class Person:
    id: int
    first_name: str
    language_code: str = "en"


class RecordingRequest(BaseRequest):
    """Records the bot's calls; answers like the Bot API would."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.files: dict[str, bytes] = {}
        self._ids = itertools.count(5000)

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        if "/file/bot" in url:  # a download of an uploaded document
            return 200, self.files[url.rsplit("/", 1)[-1]]
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data is not None else {}
        result = self._result(name, params)
        self.calls.append(Call(name, params, result))
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _result(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return template("get_me.json")
        if name in ("sendMessage", "editMessageText", "sendPhoto"):
            text = params.get("text") or params.get("caption") or ""
            markup = params.get("reply_markup")
            if isinstance(markup, str):
                markup = json.loads(markup)
            message = fill(
                template("sent_message.json"),
                message_id=params.get("message_id") or next(self._ids),
                chat_id=params["chat_id"],
                first_name="X",
                text=plain(text),
                reply_markup=markup if markup and "inline_keyboard" in markup else None,
            )
            if name == "sendPhoto":
                message["photo"] = [
                    {"file_id": "P1", "file_unique_id": "U1", "width": 1000, "height": 400}
                ]
            return message
        if name == "getFile":
            file_id = params["file_id"]
            return {
                "file_id": file_id,
                "file_unique_id": "AgADxQUAAtl9",
                "file_size": len(self.files[file_id]),
                "file_path": f"documents/{file_id}",
            }
        return True  # answerCallbackQuery, setMyCommands, ...


def plain(markup: str) -> str:
    """What a client shows of an HTML message: tags gone, entities decoded."""
    return html.unescape(re.sub(r"<[^<>]*>", "", markup))


@dataclass
class Bot:
    """Drives the application like Telegram would, and reads what it sent."""

    essaim: Essaim
    request: RecordingRequest
    runner: asyncio.Runner
    application: Any
    _updates: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _messages: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def feed(self, data: dict[str, Any]) -> list[Call]:
        """Process one update; returns the calls the bot made for it."""
        before = len(self.request.calls)
        update = Update.de_json(data, self.application.bot)
        self.runner.run(self.application.process_update(update))
        return self.request.calls[before:]

    def _base(self, person: Person) -> dict[str, Any]:
        return {
            "update_id": next(self._updates),
            "message_id": next(self._messages),
            "user_id": person.id,
            "first_name": person.first_name,
            "language_code": person.language_code,
        }

    def say(self, person: Person, text: str, reply_to: dict[str, Any] | None = None) -> list[Call]:
        """A text message (a command when it starts with "/")."""
        entities = None
        if text.startswith("/"):
            entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self.feed(
            fill(
                template("message.json"),
                **self._base(person),
                text=text,
                entities=entities,
                reply_to_message=reply_to,
            )
        )

    def press(self, person: Person, message: dict[str, Any], data: str) -> list[Call]:
        """Press a button of ``message`` (a message the bot sent) with callback ``data``."""
        return self.feed(
            fill(
                template("callback_query.json"),
                **self._base(person),
                query_id=str(next(self._updates)),
                message=message,
                data=data,
            )
        )

    def upload(self, person: Person, filename: str, data: bytes, caption: str) -> list[Call]:
        file_id = f"BQACAgQAAxk{len(self.request.files)}"
        self.request.files[file_id] = data
        entities = None
        if caption.startswith("/"):
            entities = [{"type": "bot_command", "offset": 0, "length": len(caption.split()[0])}]
        return self.feed(
            fill(
                template("document.json"),
                **self._base(person),
                file_name=filename,
                file_id=file_id,
                file_size=len(data),
                caption=caption,
                caption_entities=entities,
            )
        )

    def drain(self) -> list[Call]:
        """One drain of the outbox, as the bot runs it every few seconds."""
        before = len(self.request.calls)
        self.runner.run(drain_notices(self.application))
        return self.request.calls[before:]

    # --- reading what was sent ----------------------------------------------------------

    @staticmethod
    def sent_to(calls: list[Call], person: Person) -> list[str]:
        """The texts of the messages ``calls`` sent to ``person``."""
        return [
            c.params["text"]
            for c in calls
            if c.method == "sendMessage" and c.params["chat_id"] == person.id
        ]

    @staticmethod
    def texts(calls: list[Call], method: str = "sendMessage") -> list[str]:
        return [
            c.params.get("text") or c.params.get("caption") or ""
            for c in calls
            if c.method == method
        ]

    def message_of(self, call: Call) -> dict[str, Any]:
        """The Message the Bot API returned for a sendMessage call (to press its buttons)."""
        return call.result

    @staticmethod
    def payloads(call: Call) -> list[str]:
        markup = call.params.get("reply_markup") or {}
        if isinstance(markup, str):
            markup = json.loads(markup)
        return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]

    def task_cards(self, calls: list[Call]) -> list[Call]:
        """sendMessage calls that show a task (they carry a skip button)."""
        return [
            c
            for c in calls
            if c.method == "sendMessage" and any(p.startswith("s:") for p in self.payloads(c))
        ]

    def prompts(self, calls: list[Call]) -> list[Call]:
        """sendMessage calls with a ForceReply (a text answer is expected)."""
        return [
            c
            for c in calls
            if c.method == "sendMessage" and "force_reply" in (c.params.get("reply_markup") or {})
        ]


MOOD = mood_spec("Mood <of> comments")
"""Its name and first item hold markup characters: every card must escape them."""
MOOD_CSV = b"id,text\nc1,I love it & more <3\nc2,Terrible service\n"

ALICE = Person(1001, "Alice", "en")
BRUNO = Person(1002, "Bruno", "fr-FR")
RITA = Person(2001, "Rita", "en")
MOSES = Person(3001, "Moses", "en")
