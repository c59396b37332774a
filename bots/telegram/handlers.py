"""One ``async def`` per interaction: update → neutral call (in a thread) → messages.

No business logic here: each handler reads what the update says, calls one `Chat` method
through `asyncio.to_thread` (the services are synchronous and own their transactions), and
hands the `Reply` to `bots.telegram.send.deliver`.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import Any

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bots.core import Chat, Reply, User
from bots.core.i18n import pick_language
from bots.core.replies import msg
from bots.telegram import views
from bots.telegram.send import LAST_TEXT_TASK, PLATFORM, deliver, drain_outbox

log = logging.getLogger(__name__)

CHAT = "essaim_chat"
"""``bot_data`` key of the `Chat` (the engine's use cases; holds no per-user state)."""
MAX_DOWNLOAD = "essaim_max_download"
UPLOAD_CAPTION = re.compile(r"^/upload(?:@\w+)?(?:\s+(\S+))?\s*$", re.IGNORECASE)


def user_of(update: Update) -> User:
    """The neutral identity of whoever sent the update."""
    sender = update.effective_user
    assert sender is not None
    return User(PLATFORM, str(sender.id), sender.full_name or None, sender.language_code)


async def _run(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    call: Callable[..., Reply],
    *args: Any,
    acted_on: Message | None = None,
    **kwargs: Any,
) -> None:
    """Call a `Chat` method in a worker thread and deliver its reply."""
    chat: Chat = context.bot_data[CHAT]
    reply = await asyncio.to_thread(call, chat, user_of(update), *args, **kwargs)
    assert update.effective_chat is not None
    await deliver(reply, context, update.effective_chat.id, acted_on=acted_on)


def _arg(context: ContextTypes.DEFAULT_TYPE) -> str | None:
    return context.args[0] if context.args else None


async def _usage(update: Update, context: ContextTypes.DEFAULT_TYPE, key: str) -> None:
    """Tell how a command is used, in the user's language."""
    chat: Chat = context.bot_data[CHAT]
    lang = await asyncio.to_thread(chat.language_of, user_of(update))
    await _run(update, context, lambda _c, _u: Reply(lang, lines=(msg(key),)))


# --- contributors ----------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: welcome and consent; /start <project> (a deep link) joins that project."""
    await _run(update, context, Chat.start, _arg(context))


async def next_task(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/next or the "Next task" button: the current task, or why there is none."""
    await _run(update, context, Chat.next, _arg(context))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help: the commands this person may use."""
    await _run(update, context, Chat.help)


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats [project]: answers, agreement, points and rank."""
    await _run(update, context, Chat.stats, _arg(context))


async def leaderboard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/leaderboard [project]: the top contributors."""
    await _run(update, context, Chat.leaderboard, _arg(context))


async def lang(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/lang: buttons to pick a language; /lang fr sets it at once."""
    code = _arg(context)
    if code:
        await _run(update, context, Chat.set_language, code)
    else:
        await _run(update, context, Chat.language_menu)


async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/forget: ask to confirm the deletion of personal data."""
    await _run(update, context, Chat.forget)


async def pause(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/pause: no more messages about new tasks."""
    await _run(update, context, Chat.pause)


async def resume(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/resume: messages about new tasks again."""
    await _run(update, context, Chat.resume)


async def link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/link: a one-time code; /link CODE: join the account that asked for it."""
    await _run(update, context, Chat.link, " ".join(context.args or ()) or None)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any inline button: acknowledge at once, then let the services judge the payload."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    message = query.message if isinstance(query.message, Message) else None
    await _run(update, context, Chat.press, query.data, acted_on=message)


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Typed text: the "Next task" button, or a text answer (a reply to a task's prompt)."""
    message = update.effective_message
    assert message is not None and message.text is not None
    if message.text.strip() in views.next_labels():
        await _run(update, context, Chat.next)
        return
    replied = message.reply_to_message
    from_bot = replied is not None and replied.from_user is not None and replied.from_user.is_bot
    last = context.user_data.get(LAST_TEXT_TASK) if context.user_data is not None else None
    await _run(
        update,
        context,
        Chat.text,
        message.text,
        replied_to=replied.text if from_bot and replied else None,
        last_assignment=None if from_bot else last,
        acted_on=replied if from_bot else None,
    )


# --- requesters --------------------------------------------------------------------------


async def upload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A document captioned /upload <project>: becomes a batch (ingested as a job)."""
    message = update.effective_message
    assert message is not None and message.document is not None
    match = UPLOAD_CAPTION.match(message.caption or "")
    if match is None or not match.group(1):
        await _usage(update, context, "upload.usage")
        return
    document = message.document
    limit = context.bot_data.get(MAX_DOWNLOAD, 20 * 1024 * 1024)
    if document.file_size and document.file_size > limit:
        size, top = round(document.file_size / 2**20, 1), limit // 2**20
        await _run(
            update,
            context,
            lambda _c, u: Reply(
                _lang_hint(u), lines=(msg("upload.too_big", size=size, limit=top),)
            ),
        )
        return
    data = bytes(await (await document.get_file()).download_as_bytearray())
    filename = document.file_name or "upload.txt"
    await _run(update, context, Chat.upload, match.group(1), filename, data)
    await drain_outbox(context.bot, context.bot_data[CHAT])  # an inline report is owed now


def _lang_hint(user: User) -> str:
    return pick_language(None, user.language_code)


async def upload_without_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/upload typed as a message: a file must come with it, as the caption of a document."""
    await _usage(update, context, "upload.no_document")


async def document_without_caption(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A document without /upload: say how to upload."""
    await _usage(update, context, "upload.usage")


async def status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/status <project>: progress and the quality chart."""
    project = _arg(context)
    if not project:
        await _usage(update, context, "status.usage")
        return
    await _run(update, context, Chat.status, project)


# --- moderators ----------------------------------------------------------------------------


async def review(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/review <project>: the next item the crowd could not settle."""
    project = _arg(context)
    if not project:
        await _usage(update, context, "review.usage")
        return
    await _run(update, context, Chat.review, project)


# --- errors --------------------------------------------------------------------------------


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log, and tell the user; a service either committed or not, so nothing half-stored."""
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    code = update.effective_user.language_code if update.effective_user else None
    text = views.text(pick_language(None, code), msg("error.internal"))
    try:
        await context.bot.send_message(update.effective_chat.id, text, parse_mode=ParseMode.HTML)
    except Exception:  # the error may be that Telegram cannot be reached
        log.exception("could not tell the user about the error")
