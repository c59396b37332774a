"""The platform-neutral layer every chat adapter shares (Telegram, Discord, console).

An adapter turns a platform event into a `User` and a call of a `Chat` method, and the
returned `Reply` into platform messages; button payloads go through `bots.core.payload`,
texts through `bots.core.i18n`, tasks are shown from the `TaskView` of `bots.core.render`.
Nothing here imports a chat library.
"""

from bots.core.base import User
from bots.core.chat import Chat
from bots.core.replies import Button, Image, Msg, Reply, ReplyPrompt, TaskView, msg, say

__all__ = [
    "Button",
    "Chat",
    "Image",
    "Msg",
    "Reply",
    "ReplyPrompt",
    "TaskView",
    "User",
    "msg",
    "say",
]
