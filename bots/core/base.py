"""What every use case shares: who is speaking, in which language, and polite refusals."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar

from bots.core.i18n import normalise_language, pick_language
from bots.core.replies import Reply, msg
from engine import services
from engine.app import Essaim
from engine.errors import Conflict, EssaimError, InvalidUpload, NotFound, PermissionDenied
from engine.services.dto import ContributorInfo, SubmitResult

log = logging.getLogger(__name__)

P = ParamSpec("P")
S = TypeVar("S", bound="ChatBase")


@dataclass(frozen=True)
class User:
    """A person as a platform knows them; the only thing an adapter must provide.

    ``language_code`` is the platform's hint (Telegram's ``language_code``, Discord's
    ``locale``), used until the person picks a language with ``/lang``.
    """

    platform: str
    external_id: str
    display_name: str | None = None
    language_code: str | None = None


@dataclass(frozen=True)
class Speaker:
    """The contributor behind a `User`, and the language to answer them in."""

    user: User
    info: ContributorInfo
    lang: str

    @property
    def id(self) -> int:
        return self.info.id


def polite(
    method: Callable[Concatenate[S, User, P], Reply],
) -> Callable[Concatenate[S, User, P], Reply]:
    """Turn the errors a user can cause into a message; anything else goes to the adapter."""

    @wraps(method)
    def wrapper(self: S, user: User, *args: P.args, **kwargs: P.kwargs) -> Reply:
        try:
            return method(self, user, *args, **kwargs)
        except EssaimError as exc:
            return Reply(self.language_of(user), lines=(refusal(exc),))

    return wrapper


def refusal(exc: EssaimError) -> Any:
    """The message for a refused request; the services' English text is kept as detail."""
    if isinstance(exc, PermissionDenied):
        return msg("error.permission", role=msg(f"role.{exc.role}"))
    if isinstance(exc, NotFound):
        return msg("error.not_found", what=exc.what, key=str(exc.key))
    if isinstance(exc, InvalidUpload):
        return msg("upload.refused", error=str(exc))
    if isinstance(exc, Conflict):
        return msg("error.conflict", detail=str(exc))
    return msg("error.refused", detail=str(exc))


class ChatBase:
    """Holds the engine; each use case is a synchronous method (adapters use a thread)."""

    def __init__(self, essaim: Essaim) -> None:
        self.essaim = essaim

    @property
    def db(self) -> Any:
        return self.essaim.db

    def speaker(self, user: User) -> Speaker:
        """Identify the user (created on first contact) and pick their language."""
        info = services.identify(
            self.db,
            user.platform,
            user.external_id,
            display_name=user.display_name,
            language=normalise_language(user.language_code),
            admins=self.essaim.settings.admin_identities,
        )
        return self.speaker_of(user, info)

    def answering(
        self, user: User, assignment_id: int, raw: str | list[str], seconds: float | None
    ) -> tuple[Speaker, SubmitResult]:
        """Identify the user as `speaker` does and submit their answer, in one transaction
        (`Essaim.answer`): a pressed answer button costs one."""
        info, result = self.essaim.answer(
            user.platform,
            user.external_id,
            assignment_id,
            raw,
            display_name=user.display_name,
            language=normalise_language(user.language_code),
            seconds=seconds,
        )
        return self.speaker_of(user, info), result

    def speaker_of(self, user: User, info: ContributorInfo) -> Speaker:
        """The `Speaker` of a user the engine has identified."""
        return Speaker(user, info, self.pick(info.language, user.language_code))

    def pick(self, stored: str | None, platform_code: str | None) -> str:
        return pick_language(stored, platform_code, self.essaim.settings.default_language)

    def language_of(self, user: User) -> str:
        """The language for an error reply (never raises: errors must still be answered)."""
        try:
            return self.speaker(user).lang
        except Exception:  # the database itself may be what failed
            log.exception("could not identify %s:%s", user.platform, user.external_id)
            return self.pick(None, user.language_code)
