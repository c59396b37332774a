"""`ConsoleSession`: one contributor answering tasks in a terminal, through `Chat`.

The session reads lines and writes texts through two callables, so tests drive it with a
list of lines and read what it wrote; every text written goes through `render.screen` (no
control character reaches the terminal). The only state it keeps is the task on screen (what
a number or a typed text answers) and its next page; everything else is in the database.
Before each line is read, the notices the outbox owes this person (batch reports) are shown.

    (start) → task on screen ─ number / text / Enter ─→ answer → next task on screen
                 │  s, r ──→ skip / report ──→ next task          │
                 │  m ──→ next page of a long text (the task stays) │
                 └─ stats, lb, help: shown, the task stays ───────┘   q or end of input: quit
"""

from __future__ import annotations

from collections.abc import Callable

from bots.console import render
from bots.core import Chat, Reply, User
from bots.core import payload as p
from bots.core.replies import Msg, TaskView, msg

PLATFORM = "console"
QUIT = frozenset({"q", "quit", "exit"})
YES = frozenset({"yes", "y", "oui", "o"})


class ConsoleSession:
    """Answer tasks by typing; ``read(prompt)`` returns a line, ``write(text)`` shows one."""

    def __init__(
        self,
        chat: Chat,
        user: User,
        *,
        read: Callable[[str], str],
        write: Callable[[str], None],
        project: str | None = None,
    ) -> None:
        self.chat = chat
        self.user = user
        self.read = read
        self.write: Callable[[str], None] = lambda shown: write(render.screen(shown))
        self.project = project
        self.task: TaskView | None = None
        self.more: str | None = None
        """The payload of the next page of the task on screen's text ("m"), if any."""
        self.lang = "en"

    def run(self) -> None:
        """Welcome, the first task, then one line at a time until ``q`` or end of input."""
        self.show(self.chat.start(self.user, self.project))
        self.write(
            render.TEXTS.translate(self.lang, "console.welcome", name=self.user.display_name or "")
        )
        if self.task is None:
            self.show(self.chat.next(self.user, self.project))
        while True:
            self.show_notices()
            try:
                line = self.read("> ")
            except (EOFError, KeyboardInterrupt):
                break
            if not self.handle(line):
                break
        self.write(render.TEXTS.translate(self.lang, "console.bye"))

    def show_notices(self) -> None:
        """What the outbox owes this person on the console (batch reports), between tasks;
        notices for other console users sharing the database stay for their sessions."""
        for _external_id, reply in self.chat.notices(PLATFORM, external_id=self.user.external_id):
            self.write(render.lines(reply.lang, reply.lines))

    def handle(self, line: str) -> bool:
        """Do what one typed line asks; ``False`` to quit."""
        command = line.strip().lower()
        if command in QUIT:
            return False
        if command == "forget":
            return not self.forget()
        if command == "help":
            self.show(self.chat.help(self.user), keep_task=True)
        elif command == "stats":
            self.show(self.chat.stats(self.user, self.project), keep_task=True)
        elif command == "lb":
            self.show(self.chat.leaderboard(self.user, self.project), keep_task=True)
        elif self.task is None:
            if command in ("", "n", "next"):
                self.show(self.chat.next(self.user, self.project))
            else:
                self.write(render.TEXTS.translate(self.lang, "console.no_task"))
        else:
            self.on_task(self.task, line)
        return True

    def forget(self) -> bool:
        """Say what goes, ask to type yes; ``True`` when the data was deleted (the session
        ends: its identity is gone)."""
        ask = self.chat.forget(self.user)
        self.write(render.lines(ask.lang, ask.lines))
        typed = self.read(render.TEXTS.translate(self.lang, "console.forget_confirm") + " ")
        if typed.strip().lower() not in YES:
            self.show(self.chat.forget_cancel(self.user), keep_task=True)
            return False
        self.show(self.chat.forget_confirm(self.user))
        return True

    def on_task(self, task: TaskView, line: str) -> None:
        """A line typed while ``task`` is on screen."""
        command = line.strip().lower()
        aid = task.assignment_id
        if command == "m" and self.more is not None:
            page = self.chat.press(self.user, self.more)
            self.more = render.read_more(page.buttons)
            self.show(page, keep_task=True)
        elif command == "m" and task.text_pages > 1:
            self.write(render.text(self.lang, msg("task.no_more")))
        elif command == "s":
            self.show(self.chat.skip(self.user, aid))
        elif command == "r":
            reason = self.read(render.TEXTS.translate(self.lang, "console.report_reason") + " ")
            self.show(self.chat.report(self.user, aid, reason.strip()))
        elif render.typed(task):
            self.typed_answer(task, line)
        else:
            data = self.choice_payload(task, command)
            if data is None:
                self.write(render.TEXTS.translate(self.lang, "console.unknown", text=line.strip()))
            else:
                self.show(self.chat.press(self.user, data))

    def typed_answer(self, task: TaskView, line: str) -> None:
        """Enter alone takes the shortcut choice ("No error"); any text is the answer."""
        if line.strip():
            self.show(self.chat.answer(self.user, task.assignment_id, line.strip()))
            return
        shortcut = render.shortcut(task)
        if shortcut is None:
            self.write(render.text(self.lang, task.reply.text) if task.reply else "")
            return
        self.show(self.chat.press(self.user, shortcut.payload))

    def choice_payload(self, task: TaskView, command: str) -> str | None:
        """The payload of the typed number(s): "2", or "1,3" for a multi-choice task."""
        choices = render.numbered(task)
        numbers = [part.strip() for part in command.split(",") if part.strip()]
        if not numbers or not all(n.isdigit() and 0 < int(n) <= len(choices) for n in numbers):
            return None
        picked = [choices[int(n) - 1] for n in numbers]
        toggles = [p.parse(b.payload) for b in picked]
        if all(isinstance(toggle, p.MultiToggle) for toggle in toggles):
            mask = 0
            for toggle in toggles:
                assert isinstance(toggle, p.MultiToggle)
                mask |= toggle.mask  # the first render has nothing selected: one bit each
            return p.encode(p.MultiSubmit(task.assignment_id, mask))
        return picked[0].payload if len(picked) == 1 else None

    def show(self, reply: Reply, *, keep_task: bool = False) -> None:
        """Write every part of ``reply``; the task on screen becomes the reply's."""
        self.lang = reply.lang
        shown: list[Msg] = []
        for part in (*(reply.edit or ()), *reply.lines):
            if part not in shown:
                shown.append(part)
        if reply.toast is not None and reply.toast not in shown:
            shown.insert(0, reply.toast)
        if shown:
            self.write(render.lines(reply.lang, shown))
        if reply.prompt is not None and reply.task is None:
            self.write(render.text(reply.lang, reply.prompt.text))
        if reply.task is not None:
            self.task = reply.task
            self.more = render.read_more(reply.task.buttons)
            self.write(render.task_text(reply.lang, reply.task))
        elif not keep_task and reply.prompt is None:
            self.task = None
