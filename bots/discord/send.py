"""Sending a neutral `Reply` as the answer to one interaction, in the order it defines.

The first message answers the interaction itself; the others are follow-ups. Every message
is ephemeral outside the bot's own DM (nobody sees another's tasks and answers), is split
under 2000 characters, and mentions nobody (`discord.AllowedMentions.none` on every send).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

import discord

from bots.core import payload as p
from bots.core.chat import Chat
from bots.core.notices import drain
from bots.core.replies import Msg, Reply, ReplyPrompt, TaskView, button, msg
from bots.discord import components, modals, views
from bots.discord.markdown import MAX_MESSAGE, split_message

log = logging.getLogger(__name__)

PLATFORM = "discord"
NO_MENTIONS = discord.AllowedMentions.none()


@dataclass
class Responder:
    """Answers one interaction; ``acted_on``: it came from a message the bot can edit."""

    interaction: discord.Interaction
    ephemeral: bool
    spoke: bool = False

    @property
    def acted_on(self) -> bool:
        return self.interaction.message is not None and self.interaction.type in (
            discord.InteractionType.component,
            discord.InteractionType.modal_submit,
        )

    @property
    def can_open_form(self) -> bool:
        return not self.interaction.response.is_done()

    async def send(
        self, content: str, *, view: discord.ui.View | None = None, file: discord.File | None = None
    ) -> None:
        """A message split under the limit; the view and the file go with the last part."""
        parts = split_message(content) if content else [""]
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            kwargs: dict[str, Any] = {
                "content": part or None,
                "ephemeral": self.ephemeral,
                "allowed_mentions": NO_MENTIONS,
            }
            if last and view is not None:
                kwargs["view"] = view
            if last and file is not None:
                kwargs["file"] = file
            if self.interaction.response.is_done():
                await self.interaction.followup.send(**kwargs)
            else:
                await self.interaction.response.send_message(**kwargs)
        self.spoke = True

    async def edit(self, content: str, *, view: discord.ui.View | None = None) -> None:
        """Replace the message the user acted on (``view=None`` removes its components)."""
        content = content if len(content) <= MAX_MESSAGE else split_message(content)[0]
        if self.interaction.response.is_done():
            await self.interaction.edit_original_response(
                content=content, view=view, allowed_mentions=NO_MENTIONS
            )
        else:
            await self.interaction.response.edit_message(
                content=content, view=view, allowed_mentions=NO_MENTIONS
            )
        self.spoke = True

    async def open_form(self, form: discord.ui.Modal) -> None:
        await self.interaction.response.send_modal(form)
        self.spoke = True


async def deliver(responder: Responder, reply: Reply, *, page: int = 0) -> None:
    """Send every part of ``reply``: edit, lines, image, review, task, prompt."""
    lang = reply.lang
    edited = reply.edit is not None and responder.acted_on
    shown: tuple[Msg, ...] = reply.edit if edited and reply.edit is not None else ()
    toast = reply.toast if reply.toast not in (*shown, *reply.lines) else None
    if edited:
        await _edit_done(responder, lang, (*shown, *([toast] if toast else [])))
        toast = None
    lines = tuple(line for line in reply.lines if line not in shown)
    if lines:
        view = components.view_of(lang, reply.buttons)
        if view is None and reply.menu:
            view = components.next_button(lang)
        await responder.send(views.lines(lang, lines), view=view)
    elif toast is not None and not _has_more(reply):
        await responder.send(views.text(lang, toast))
    if reply.image is not None:
        image = reply.image
        caption = views.text(lang, image.caption) if image.caption else ""
        file = discord.File(io.BytesIO(image.data), filename=image.filename)
        await responder.send(caption, file=file)
    if reply.review is not None:
        review = reply.review
        await responder.send(
            views.review_card(lang, review), view=components.view_of(lang, review.buttons)
        )
    if reply.task is not None:
        await _send_task(responder, lang, reply.task, reply.task_in_place, page)
    if reply.prompt is not None:
        await _prompt(responder, lang, reply.prompt)
    if not responder.spoke and reply.edit:  # a command must not stay "thinking"
        await responder.send(views.lines(lang, reply.edit))


def _has_more(reply: Reply) -> bool:
    return any((reply.image, reply.review, reply.task, reply.prompt))


async def _edit_done(responder: Responder, lang: str, done: tuple[Msg, ...]) -> None:
    """Keep what the message said, add what was done, and remove its components."""
    message = responder.interaction.message
    original = message.content if message is not None else ""
    addition = views.lines(lang, done)
    combined = f"{original}\n\n{addition}" if original else addition
    if len(combined) > MAX_MESSAGE:
        combined = addition
    try:
        await responder.edit(combined, view=None)
    except discord.HTTPException as exc:  # too old to edit, or already gone
        log.debug("message not edited: %s", exc)


async def _send_task(
    responder: Responder, lang: str, task: TaskView, in_place: bool, page: int
) -> None:
    card = views.task_card(lang, task)
    view = components.view_of(lang, task.buttons, options=task.options, page=page)
    if in_place and responder.acted_on:
        await responder.edit(card, view=view)
    else:
        await responder.send(card, view=view)


async def _prompt(responder: Responder, lang: str, prompt: ReplyPrompt) -> None:
    """A form at once if the interaction allows it, else a button that opens it."""
    target = prompt.target
    asking = p.asking(target)
    if responder.can_open_form:
        await responder.open_form(modals.answer_form(lang, p.encode(asking), prompt))
        return
    label = msg("button.review_write" if target.kind == "review" else "button.write")
    view = components.build_buttons(lang, (button(label, asking),))
    await responder.send(views.prompt_line(lang, prompt), view=view)


async def notify(client: discord.Client, external_id: str, reply: Reply) -> None:
    """A notice by direct message; someone who does not accept DMs is logged, not raised."""
    try:
        user = client.get_user(int(external_id)) or await client.fetch_user(int(external_id))
        for part in split_message(views.lines(reply.lang, reply.lines)):
            await user.send(part, allowed_mentions=NO_MENTIONS)
    except (discord.HTTPException, ValueError) as exc:
        log.warning("could not notify discord:%s: %s", external_id, exc)


async def drain_outbox(client: discord.Client, chat: Chat) -> int:
    """Send the notices the engine's outbox owes Discord users; how many were taken."""
    return await drain(chat, PLATFORM, partial(notify, client))
