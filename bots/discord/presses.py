"""What a press does: every persistent button and menu calls these (`bots.discord.items`).

The payload goes to `Chat.press`, which judges it. A payload that asks for text
(`bots.core.payload.Form`) opens a form instead of being acknowledged, because Discord only
opens a form as the first answer to an interaction: a reason (the report button) or a typed
answer (the reply is a prompt, drawn as a form pre-filled from the task). A report button
of a task the person does not hold opens no form: it is answered like any other button.

``flow`` and ``modals`` are imported as modules: drawing a reply leads back to the items.
"""

from __future__ import annotations

import asyncio
import dataclasses

import discord

from bots.core import Chat, Reply, User
from bots.core import payload as p
from bots.discord import flow, modals


async def press(interaction: discord.Interaction, data: str) -> None:
    """A pressed button or a chosen option, as the payload it carries."""
    payload = p.parse(data)
    form = payload.form if payload is not None else None
    if form is p.Form.REASON and payload is not None and payload.owner is not None:
        await _ask_reason(interaction, data, payload.owner.id)
    elif form is p.Form.TEXT:
        await flow.run(flow.responder(interaction), Chat.press, data)  # a form, not deferred
    else:
        await flow.component(interaction, Chat.press, data)


async def _ask_reason(interaction: discord.Interaction, data: str, assignment_id: int) -> None:
    """The form asking why a task is reported, if the person holds the task."""
    chat, user = flow.chat_of(interaction), flow.user_of(interaction)
    lang = await asyncio.to_thread(chat.report_form_language, user, assignment_id)
    if lang is None:  # not their task: no form, the press says so and reports nothing
        await flow.component(interaction, Chat.press, data)
        return
    await interaction.response.send_modal(modals.report_form(lang, assignment_id))


def current_task(chat: Chat, user: User) -> Reply:
    """The contributor's current task, to redraw in place (another page of its menu)."""
    return dataclasses.replace(chat.next(user), task_in_place=True)


async def page(interaction: discord.Interaction, page: int) -> None:
    """Another page of a task's menu: the task is read again, nothing is remembered."""
    await flow.component(interaction, current_task, page=page)
