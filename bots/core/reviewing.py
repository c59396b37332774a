"""Moderators' use cases: the review queue, and deciding one item (pick, write, discard).

Buttons carry only the task id; the project is found again by looking for the task in the
queues this moderator may see, so nothing is remembered between calls.
"""

from __future__ import annotations

from typing import Any

from bots.core.base import ChatBase, Speaker, User, polite
from bots.core.render import render_review, review_prompt, value_text
from bots.core.replies import Reply, msg
from engine import services
from engine.services.dto import ReviewItem

QUEUE_LIMIT = 1000


class Reviewing(ChatBase):
    @polite
    def review(self, user: User, project: str) -> Reply:
        """The next undecided item with every answer, counts and the answerers' skills."""
        who = self.speaker(user)
        return self._next_item(who, project)

    def _next_item(self, who: Speaker, project: str, **fields: Any) -> Reply:
        items = services.review_queue(self.db, project, actor_id=who.id, limit=QUEUE_LIMIT)
        if not items:
            lines = (*fields.pop("lines", ()), msg("review.empty", project=project))
            return Reply(who.lang, lines=lines, **fields)
        view = render_review(items[0], remaining=len(items) - 1)
        return Reply(who.lang, review=view, **fields)

    def _find(self, who: Speaker, task_id: int) -> ReviewItem | None:
        """The review item of ``task_id``; the engine checks the moderator's role on it."""
        return services.review_item(self.db, task_id, actor_id=who.id)

    @polite
    def review_pick(self, user: User, task_id: int, index: int) -> Reply:
        """Decide the task with one of the crowd's answers."""
        who = self.speaker(user)
        item = self._find(who, task_id)
        if item is None or not 0 <= index < len(item.answers):
            return Reply(who.lang, toast=msg("review.gone"), lines=(msg("review.gone"),))
        value = item.answers[index].value
        return self._resolve(who, item, value)

    @polite
    def review_discard(self, user: User, task_id: int) -> Reply:
        """Decide that the task has no answer (dropped from the results)."""
        who = self.speaker(user)
        item = self._find(who, task_id)
        if item is None:
            return Reply(who.lang, toast=msg("review.gone"), lines=(msg("review.gone"),))
        return self._resolve(who, item, None)

    @polite
    def review_write_prompt(self, user: User, task_id: int) -> Reply:
        """Ask the moderator to type the answer (a reply to the prompt carries the task)."""
        who = self.speaker(user)
        item = self._find(who, task_id)
        if item is None:
            return Reply(who.lang, toast=msg("review.gone"), lines=(msg("review.gone"),))
        return Reply(who.lang, prompt=review_prompt(task_id, item.prompt.default_text))

    @polite
    def review_write(self, user: User, task_id: int, text: str) -> Reply:
        """Decide the task with the moderator's own answer."""
        who = self.speaker(user)
        item = self._find(who, task_id)
        if item is None:
            return Reply(who.lang, lines=(msg("review.gone"),))
        return self._resolve(who, item, text)

    def _resolve(self, who: Speaker, item: ReviewItem, value: Any) -> Reply:
        stored = services.resolve_review(
            self.db, item.project_slug, item.task_id, value, actor_id=who.id
        )
        line = (
            msg("review.discarded")
            if stored is None
            else msg("review.resolved", value=value_text(stored, item.prompt))
        )
        return self._next_item(who, item.project_slug, toast=line, edit=(line,))
