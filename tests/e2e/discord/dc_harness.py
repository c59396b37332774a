"""Harness: the real discord.py bot of `build_bot`, offline.

Interactions are raw INTERACTION_CREATE payloads built from the JSON templates in
``tests/fixtures/discord`` and fed to ``bot._connection.parse_interaction_create``. What the
bot answers is captured at the two seams where discord.py meets the network:

- the interaction webhook adapter (``discord.webhook.async_.async_context``): responses,
  follow-ups and edits of the original message;
- ``bot.http.request``: normal REST calls (the direct message to an uploader).

Both record the JSON payload discord.py would send and answer like Discord would. The
engine is real: SQLite in ``tmp_path``, inline jobs.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
from discord.http import Route
from discord.webhook.async_ import AsyncWebhookAdapter, async_context

from bots.discord.app import build_bot
from bots.discord.send import drain_outbox
from engine.app import Essaim
from tests.e2e.builders import fill, mood_spec

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "discord"
APPLICATION_ID = 1250000000000000001
GUILD_ID = 1260000000000000001
EPHEMERAL = 64
DISCORD_EPOCH_MS = 1420070400000


def template(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class Snowflakes:
    """Fresh Discord ids, dated now (as real ones are)."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def __call__(self) -> int:
        millis = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (millis << 22) | (next(self._counter) & 0x3FFFFF)


@dataclass(frozen=True)
class Person:
    id: int
    username: str
    locale: str = "en-US"


@dataclass
class Call:
    """One request the bot made: ``kind`` is callback, followup, edit or rest."""

    kind: str
    method: str
    path: str
    payload: dict[str, Any]
    files: list[str] = field(default_factory=list)
    message: dict[str, Any] | None = None

    @property
    def callback_type(self) -> int | None:
        return self.payload.get("type") if self.kind == "callback" else None

    @property
    def data(self) -> dict[str, Any]:
        """The message part: a callback's ``data``, else the payload itself."""
        if self.kind == "callback":
            return self.payload.get("data") or {}
        return self.payload

    @property
    def content(self) -> str:
        return self.data.get("content") or ""

    @property
    def flags(self) -> int:
        return int(self.data.get("flags") or 0)

    @property
    def allowed_mentions(self) -> Any:
        return self.data.get("allowed_mentions")


def custom_ids(data: dict[str, Any]) -> list[str]:
    """Every ``custom_id`` in a message or modal payload, in order."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "custom_id" in node and node.get("type") != 9:
                found.append(node["custom_id"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(data.get("components") or [])
    return found


def options_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The options of the first select menu of a message payload."""
    for row in data.get("components") or []:
        for component in row.get("components", []):
            if component.get("type") == 3:
                return list(component["options"])
    return []


class Recorder(AsyncWebhookAdapter):
    """The interaction webhook adapter and the REST client, recording instead of sending."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Call] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.originals: dict[str, int] = {}  # interaction token -> message it may edit
        self.channels: dict[str, int] = {}  # interaction token -> channel id
        self.files: dict[str, bytes] = {}
        self.snowflake = Snowflakes()

    # --- the interaction webhook -------------------------------------------------------

    async def request(  # type: ignore[override]
        self,
        route: Route,
        session: Any,
        *,
        payload: dict[str, Any] | None = None,
        multipart: list[dict[str, Any]] | None = None,
        files: Any = None,
        **_: Any,
    ) -> Any:
        body, names = _body(payload, multipart, files)
        token = route.webhook_token or ""
        if route.path.endswith("/callback"):
            call = Call("callback", route.method, route.path, body, names)
            if body.get("type") in (4, 7):  # a message, or an update of the acted-on one
                call.message = self._store(token, body.get("data") or {}, edit=body["type"] == 7)
            self.calls.append(call)
            return {"interaction": {"id": str(route.webhook_id), "type": body.get("type")}}
        if route.path.endswith("@original"):
            call = Call("edit", route.method, route.path, body, names)
            call.message = self._store(token, body, edit=True)
        else:
            call = Call("followup", route.method, route.path, body, names)
            call.message = self._store(token, body)
        self.calls.append(call)
        return call.message

    def _store(self, token: str, data: dict[str, Any], *, edit: bool = False) -> dict[str, Any]:
        """The message as Discord would hold it (a new one, or the acted-on one edited)."""
        if edit and token in self.originals:
            message = dict(self.messages[self.originals[token]])
            message.update({k: v for k, v in data.items() if k in ("content", "components")})
            if "components" not in data:
                message["components"] = message.get("components", [])
        else:
            message = fill(
                template("bot_message.json"),
                message_id=str(self.snowflake()),
                channel_id=str(self.channels.get(token, 1)),
                application_id=str(APPLICATION_ID),
                content=data.get("content") or "",
                flags=int(data.get("flags") or 0),
                components=data.get("components") or [],
            )
        self.messages[int(message["id"])] = message
        return message

    # --- the REST client ----------------------------------------------------------------

    async def rest(self, route: Route, **kwargs: Any) -> Any:
        form = kwargs.get("form")
        body = kwargs.get("json") or {}
        if form:
            body = json.loads(next(f["value"] for f in form if f["name"] == "payload_json"))
        call = Call("rest", route.method, route.path, body)
        self.calls.append(call)
        if route.path == "/users/{user_id}":
            user_id = route.url.rsplit("/", 1)[-1]
            return fill(
                template("user.json"), user_id=user_id, username="someone", display_name="Someone"
            )
        if route.path == "/users/@me/channels":
            recipient = fill(
                template("user.json"),
                user_id=str(body["recipient_id"]),
                username="someone",
                display_name="Someone",
            )
            return fill(
                template("dm_channel.json"), channel_id=str(self.snowflake()), recipient=recipient
            )
        if route.path == "/channels/{channel_id}/messages":
            call.message = fill(
                template("bot_message.json"),
                message_id=str(self.snowflake()),
                channel_id=str(route.channel_id),
                application_id=str(APPLICATION_ID),
                content=body.get("content") or "",
                flags=0,
                components=body.get("components") or [],
            )
            return call.message
        raise AssertionError(f"unexpected REST call {route.method} {route.path}")

    async def cdn(self, url: str) -> bytes:
        return self.files[url]


def _body(
    payload: dict[str, Any] | None, multipart: list[dict[str, Any]] | None, files: Any
) -> tuple[dict[str, Any], list[str]]:
    if multipart:
        raw = next(p["value"] for p in multipart if p["name"] == "payload_json")
        return json.loads(raw), [f.filename for f in files or []]
    return dict(payload or {}), []


@dataclass
class Discord:
    """Drives the bot like Discord would, and reads what it answered."""

    essaim: Essaim
    bot: Any
    recorder: Recorder
    runner: asyncio.Runner
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    # --- feeding interactions -----------------------------------------------------------

    def feed(self, data: dict[str, Any]) -> list[Call]:
        """Process one interaction until every task it started is done; its calls."""
        before = len(self.recorder.calls)
        self.runner.run(self._feed(data))
        return self.recorder.calls[before:]

    async def _feed(self, data: dict[str, Any]) -> None:
        async_context.set(self.recorder)
        self.bot._connection.parse_interaction_create(data)
        await settle()

    def _envelope(self, person: Person, where: str, token: str) -> dict[str, Any]:
        channel_id = GUILD_ID + 7 if where == "guild" else person.id + 1
        self.recorder.channels[token] = channel_id
        return fill(
            template(f"in_{where}.json"),
            user_id=str(person.id),
            username=person.username,
            display_name=person.username.title(),
            guild_id=str(GUILD_ID),
            channel_id=str(channel_id),
        )

    def _base(self, person: Person, fixture: str, where: str, **values: Any) -> dict[str, Any]:
        token = f"token-{next(self._ids)}"
        data = fill(
            template(fixture),
            interaction_id=str(self.recorder.snowflake()),
            application_id=str(APPLICATION_ID),
            token=token,
            locale=person.locale,
            **values,
        )
        data.update(self._envelope(person, where, token))
        if "message" in data:  # the message acted on, as Discord would know it
            self.recorder.originals[token] = int(data["message"]["id"])
            self.recorder.messages[int(data["message"]["id"])] = data["message"]
        return data

    def command(
        self, person: Person, name: str, *, where: str = "dm", **options: Any
    ) -> list[Call]:
        """A slash command; ``options`` are strings, or an attachment as (filename, bytes)."""
        items, resolved = [], None
        for key, value in options.items():
            if isinstance(value, tuple):
                filename, content = value
                attachment_id = str(self.recorder.snowflake())
                url = f"https://cdn.discordapp.com/attachments/1/{attachment_id}/{filename}"
                self.recorder.files[url] = content
                resolved = {
                    "attachments": {
                        attachment_id: {
                            "id": attachment_id,
                            "filename": filename,
                            "size": len(content),
                            "url": url,
                            "proxy_url": url,
                            "content_type": "text/csv",
                        }
                    }
                }
                items.append({"name": key, "type": 11, "value": attachment_id})
            else:
                items.append({"name": key, "type": 3, "value": value})
        return self.feed(
            self._base(
                person,
                "application_command.json",
                where,
                name=name,
                options=items or None,
                resolved=resolved,
            )
        )

    def press(
        self,
        person: Person,
        message: dict[str, Any],
        custom_id: str,
        *,
        values: list[str] | None = None,
        where: str = "dm",
    ) -> list[Call]:
        """Press a button (or choose ``values`` in a menu) of a message the bot sent."""
        return self.feed(
            self._base(
                person,
                "message_component.json",
                where,
                message=message,
                custom_id=custom_id,
                component_type=3 if values is not None else 2,
                values=values,
            )
        )

    def submit(
        self,
        person: Person,
        custom_id: str,
        value: str,
        *,
        message: dict[str, Any] | None = None,
        where: str = "dm",
    ) -> list[Call]:
        """Submit a form (the modal the bot opened) with ``value`` in its text field."""
        return self.feed(
            self._base(
                person,
                "modal_submit.json",
                where,
                message=message,
                custom_id=custom_id,
                field="text",
                value=value,
            )
        )

    def drain(self) -> list[Call]:
        """One drain of the outbox, as the notices cog runs it every few seconds."""
        before = len(self.recorder.calls)
        self.runner.run(drain_outbox(self.bot, self.bot.chat))
        return self.recorder.calls[before:]

    # --- reading what the bot answered ---------------------------------------------------

    @staticmethod
    def sent(calls: list[Call]) -> list[Call]:
        """Calls that showed a message (new or edited)."""
        return [c for c in calls if c.message is not None]

    @staticmethod
    def texts(calls: list[Call]) -> list[str]:
        return [c.content for c in calls if c.message is not None]

    @staticmethod
    def cards(calls: list[Call], prefix: str = "essaim:a") -> list[Call]:
        """Messages with components whose ids start with ``prefix`` (task cards by default)."""
        return [
            c
            for c in calls
            if c.message is not None and any(i.startswith(prefix) for i in custom_ids(c.data))
        ]

    @staticmethod
    def modals(calls: list[Call]) -> list[dict[str, Any]]:
        return [c.payload["data"] for c in calls if c.callback_type == 9]

    @staticmethod
    def dms(calls: list[Call]) -> list[Call]:
        """Messages sent by REST: direct messages to someone outside an interaction."""
        return [c for c in calls if c.kind == "rest" and c.path.endswith("/messages")]

    def dm_recipients(self, calls: list[Call]) -> list[int]:
        """Who each direct message channel of ``calls`` was opened for, in order."""
        return [c.payload["recipient_id"] for c in calls if c.path == "/users/@me/channels"]


async def settle() -> None:
    """Wait for every task the interaction started (a view's timeout timer excepted)."""
    for _ in range(100):
        pending = [
            task
            for task in asyncio.all_tasks()
            if task is not asyncio.current_task() and "timeout_task_impl" not in repr(task)
        ]
        if not pending:
            return
        await asyncio.wait(pending, timeout=10)
    raise AssertionError("tasks never settled")


MOOD = mood_spec()
MOOD_CSV = b"id,text\nc1,I love it\nc2,Terrible service\n"

ALICE = Person(280000000000000001, "alice")
BRUNO = Person(280000000000000002, "bruno", "fr")
RITA = Person(280000000000000003, "rita")
MOSES = Person(280000000000000004, "moses")


def start_bot(essaim: Essaim, runner: asyncio.Runner) -> Discord:
    """A bot set up as after a login, never connected (a restart is a second call)."""
    bot = build_bot(essaim.settings, essaim)
    recorder = Recorder()
    bot.http.request = recorder.rest  # type: ignore[method-assign]
    bot.http.get_from_cdn = recorder.cdn  # type: ignore[method-assign]
    state = bot._connection
    state.application_id = APPLICATION_ID
    state.user = discord.ClientUser(
        state=state,
        data={
            "id": str(APPLICATION_ID),
            "username": "Essaim",
            "discriminator": "0",
            "avatar": None,
            "bot": True,
        },
    )
    runner.run(bot._async_setup_hook())
    runner.run(bot.setup_hook())
    return Discord(essaim, bot, recorder, runner)
