"""A contributor's own account: consent, language, stats, forgetting, pausing, linking."""

from __future__ import annotations

from bots.core import payload as p
from bots.core.base import User, polite
from bots.core.contributing import Contributing
from bots.core.i18n import languages, normalise_language
from bots.core.replies import Msg, Reply, button, msg
from engine import services
from engine.errors import EssaimError, NotFound
from engine.services.linking import CODE_MINUTES


def percent(share: float | None) -> str:
    return "—" if share is None else f"{share:.0%}"


class Account(Contributing):
    """Built on `Contributing`: joining a project shows its first task."""

    @polite
    def start(self, user: User, project: str | None = None) -> Reply:
        """Welcome and consent; ``/start <project>`` (a deep link) joins that project."""
        who = self.speaker(user)
        lines: list[Msg] = [
            msg("start.welcome", name=who.info.display_name or ""),
            msg("start.consent"),
        ]
        if not project:
            lines.append(msg("start.next"))
            return Reply(who.lang, lines=tuple(lines), menu=True)
        try:
            slug = services.join_project(self.db, who.id, project)
        except NotFound:
            lines.append(msg("start.no_such_project", project=project))
            return Reply(who.lang, lines=tuple(lines), menu=True)
        except EssaimError:
            lines.append(msg("next.closed", project=project))
            return Reply(who.lang, lines=tuple(lines), menu=True)
        lines.append(msg("start.joined", project=slug))
        nxt = services.next_task(self.db, who.id, slug)
        return self._with_next(who, nxt, lines=lines, menu=True)

    @polite
    def help(self, user: User) -> Reply:
        """The commands this person may use, by role."""
        who = self.speaker(user)
        roles = set(who.info.roles)
        lines = [msg("help.contributor")]
        if roles & {"requester", "admin"}:
            lines.append(msg("help.requester"))
        if roles & {"moderator", "admin"}:
            lines.append(msg("help.moderator"))
        return Reply(who.lang, lines=tuple(lines), menu=True)

    @polite
    def stats(self, user: User, project: str | None = None) -> Reply:
        """Answers, agreement with final results, points and rank (one project or all)."""
        who = self.speaker(user)
        st = services.contributor_stats(self.db, who.id, project)
        gold = percent(st.gold_correct / st.gold_seen) if st.gold_seen else "—"
        scope = msg("stats.project", project=project) if project else msg("stats.all")
        return Reply(
            who.lang,
            lines=(
                msg(
                    "stats.body",
                    scope=scope,
                    answers=st.answers,
                    decided=st.decided,
                    agreement=percent(st.agreement),
                    points=st.points,
                    rank=st.rank if st.rank is not None else "—",
                    gold=gold,
                ),
            ),
        )

    @polite
    def leaderboard(self, user: User, project: str | None = None) -> Reply:
        """The top contributors by points; forgotten ones stay anonymous."""
        who = self.speaker(user)
        rows = services.leaderboard(self.db, project)
        if not rows:
            return Reply(who.lang, lines=(msg("leaderboard.empty"),))
        lines = [msg("leaderboard.title")]
        for row in rows:
            name: str | Msg = row.display_name or msg("leaderboard.anonymous")
            key = "leaderboard.row_you" if row.contributor_id == who.id else "leaderboard.row"
            lines.append(msg(key, rank=row.rank, name=name, points=row.points, answers=row.answers))
        return Reply(who.lang, lines=tuple(lines))

    # --- language ------------------------------------------------------------------------

    @polite
    def language_menu(self, user: User) -> Reply:
        """One button per catalog, each named in its own language."""
        who = self.speaker(user)
        buttons = tuple(
            button(msg("meta.language_name", _lang=code), p.Language(code)) for code in languages()
        )
        return Reply(who.lang, lines=(msg("lang.choose"),), buttons=(buttons,))

    @polite
    def set_language(self, user: User, code: str) -> Reply:
        """Store the chosen language; the reply is already in it."""
        who = self.speaker(user)
        lang = normalise_language(code)
        if lang is None:
            return Reply(who.lang, lines=(msg("lang.unknown", code=code),))
        services.set_language(self.db, who.id, lang)
        return Reply(lang, edit=(msg("lang.set"),), lines=(msg("lang.set"),), menu=True)

    # --- forgetting ----------------------------------------------------------------------

    @polite
    def forget(self, user: User) -> Reply:
        """Step one: say what will be deleted and ask to confirm."""
        who = self.speaker(user)
        buttons = (
            (
                button(msg("button.forget_confirm"), p.ForgetConfirm()),
                button(msg("button.cancel"), p.ForgetCancel()),
            ),
        )
        return Reply(who.lang, lines=(msg("forget.ask"),), buttons=buttons)

    @polite
    def forget_confirm(self, user: User) -> Reply:
        """Step two: delete the personal data (answers stay, anonymous)."""
        who = self.speaker(user)
        services.forget_contributor(self.db, who.id, actor_id=who.id)
        return Reply(who.lang, edit=(msg("forget.done"),))

    @polite
    def forget_cancel(self, user: User) -> Reply:
        who = self.speaker(user)
        return Reply(who.lang, edit=(msg("forget.cancelled"),))

    # --- notifications and linking ---------------------------------------------------------

    @polite
    def pause(self, user: User) -> Reply:
        who = self.speaker(user)
        services.set_notifications(self.db, who.id, False)
        return Reply(who.lang, lines=(msg("pause.done"),))

    @polite
    def resume(self, user: User) -> Reply:
        who = self.speaker(user)
        services.set_notifications(self.db, who.id, True)
        return Reply(who.lang, lines=(msg("resume.done"),))

    @polite
    def link(self, user: User, code: str | None = None) -> Reply:
        """Without a code: make one; with a code from the other platform: link to it."""
        who = self.speaker(user)
        if not code:
            offer = services.create_link_code(self.db, who.id)
            return Reply(who.lang, lines=(msg("link.code", code=offer.code, minutes=CODE_MINUTES),))
        try:
            services.redeem_link_code(
                self.db, code, user.platform, user.external_id, display_name=user.display_name
            )
        except EssaimError as exc:
            return Reply(who.lang, lines=(msg("link.failed", detail=str(exc)),))
        return Reply(who.lang, lines=(msg("link.done"),))
