"""Sending a neutral `Reply` through the Bot API, in the order the reply defines.

``acted_on`` is the message the user acted on: the task card whose button was pressed, or
the reply prompt their text answered; it is edited to show what happened.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from telegram import Bot, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import ContextTypes

from bots.core.chat import Chat
from bots.core.notices import drain
from bots.core.replies import Reply, TaskView
from bots.telegram import views
from bots.telegram.html import MAX_CAPTION, MAX_MESSAGE, split_message, visible_length

log = logging.getLogger(__name__)

PLATFORM = "telegram"
LAST_TEXT_TASK = "last_text_assignment"
"""``user_data`` key of the last text task shown: a cache only (a reply says it anyway)."""


async def send_html(
    bot: Bot, chat_id: int, markup: str, reply_markup: Any = None, **kwargs: Any
) -> Message:
    """Send HTML, split under Telegram's limit; the keyboard goes with the last part."""
    parts = split_message(markup, MAX_MESSAGE)
    message = None
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        message = await bot.send_message(
            chat_id,
            part,
            parse_mode=ParseMode.HTML,
            reply_markup=reply_markup if last else None,
            **kwargs,
        )
    assert message is not None
    return message


async def deliver(
    reply: Reply,
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    *,
    acted_on: Message | None = None,
) -> None:
    """Send every part of ``reply`` to ``chat_id``."""
    bot = context.bot
    lang = reply.lang
    if reply.edit is not None and acted_on is not None:
        await _edit_done(acted_on, views.lines(lang, reply.edit))
    if reply.lines:
        markup = views.keyboard(lang, reply.buttons) or (views.menu(lang) if reply.menu else None)
        await send_html(bot, chat_id, views.lines(lang, reply.lines), markup)
    if reply.image is not None:
        caption = views.text(lang, reply.image.caption) if reply.image.caption else None
        await bot.send_photo(
            chat_id,
            reply.image.data,
            filename=reply.image.filename,
            caption=caption[:MAX_CAPTION] if caption else None,
            parse_mode=ParseMode.HTML,
        )
    if reply.review is not None:
        await send_html(
            bot,
            chat_id,
            views.review_text(lang, reply.review),
            views.keyboard(lang, reply.review.buttons),
        )
    if reply.task is not None:
        await _send_task(context, chat_id, lang, reply.task, reply.task_in_place, acted_on)
    if reply.prompt is not None:
        await bot.send_message(
            chat_id,
            views.prompt_text(lang, reply.prompt),
            parse_mode=ParseMode.HTML,
            reply_markup=views.force_reply(lang, reply.prompt),
        )


async def _send_task(
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    lang: str,
    view: TaskView,
    in_place: bool,
    acted_on: Message | None,
) -> None:
    """The task card with its buttons, then the reply prompt of a text task."""
    card = views.task_text(lang, view)
    markup = views.keyboard(lang, view.buttons)
    if in_place and acted_on is not None:
        try:
            await acted_on.edit_text(card, parse_mode=ParseMode.HTML, reply_markup=markup)
        except BadRequest as exc:  # "message is not modified": a double tap on a toggle
            log.debug("task not redrawn: %s", exc)
        return
    await send_html(context.bot, chat_id, card, markup)
    if view.reply is not None:
        if context.user_data is not None:
            context.user_data[LAST_TEXT_TASK] = view.assignment_id
        await context.bot.send_message(
            chat_id,
            views.prompt_text(lang, view.reply),
            parse_mode=ParseMode.HTML,
            reply_markup=views.force_reply(lang, view.reply),
        )


async def _edit_done(message: Message, done: str) -> None:
    """Keep what the message said, add what was done, and remove its buttons."""
    original = message.text_html if message.text else ""
    combined = f"{original}\n\n{done}" if original else done
    if visible_length(combined) > MAX_MESSAGE:
        combined = done
    if message.from_user is None or not message.from_user.is_bot:
        return  # only the bot's own messages can be edited
    try:
        await message.edit_text(combined, parse_mode=ParseMode.HTML, reply_markup=None)
    except BadRequest as exc:  # already edited (a double tap), or too old to edit
        log.debug("message %s not edited: %s", message.message_id, exc)


async def notify(bot: Bot, external_id: str, reply: Reply) -> None:
    """A notice to someone by id; one who blocked the bot is logged, not raised."""
    try:
        await send_html(bot, int(external_id), views.lines(reply.lang, reply.lines))
    except (Forbidden, BadRequest, ValueError) as exc:
        log.warning("could not notify telegram:%s: %s", external_id, exc)


async def drain_outbox(bot: Bot, chat: Chat) -> int:
    """Send the notices the engine's outbox owes Telegram users; how many were taken."""
    return await drain(chat, PLATFORM, partial(notify, bot))
