"""``platform:id`` as the platforms write it: the one parser of identities.

Pure (no database, no SQLAlchemy), so the settings can check ``ESSAIM_ADMINS`` with it at
start-up and the role commands can check an identity before anything is written.
"""

from __future__ import annotations

import re

from engine.errors import EssaimError

PLATFORMS = ("telegram", "discord", "console", "import", "replay", "sim", "bench", "test")
"""Where identities come from: the chat adapters, then the engine's own synthetic workers
(imported answers, replays, simulations, benchmarks) and tests."""
_ALIASES = {"tg": "telegram", "dc": "discord", "discord.com": "discord", "t.me": "telegram"}
_TELEGRAM_ID = re.compile(r"[1-9][0-9]{0,15}")  # user ids are positive, at most 52 bits
_SNOWFLAKE = re.compile(r"[1-9][0-9]{16,19}")  # Discord ids: 17 to 20 digits, under 2**64
EXTERNAL_ID_MAX = 128
"""Characters of an identity's external id (the column's size): a longer one is refused
before PostgreSQL would refuse the insert."""
_OTHER_ID = re.compile(rf"[^\s\x00-\x1f\x7f]{{1,{EXTERNAL_ID_MAX}}}")


class BadIdentity(ValueError):
    """An identity nobody could ever use; the message says why, without the identity."""


def split_identity(identity: str) -> tuple[str, str]:
    """``(platform, external_id)`` of ``platform:id``, or `BadIdentity` saying what is wrong:
    a typo must not create an account nobody can use (``tg:5001``, ``telegram:@alice``)."""
    if any(ch.isspace() for ch in identity):
        raise BadIdentity("no spaces allowed, write it as platform:id (e.g. telegram:12345)")
    platform, sep, external_id = identity.partition(":")
    if not sep or not platform or not external_id:
        raise BadIdentity("not of the form platform:id (e.g. telegram:12345)")
    platform = platform.lower()
    if platform not in PLATFORMS:
        hint = f"; did you mean {_ALIASES[platform]!r}?" if platform in _ALIASES else ""
        raise BadIdentity(f"unknown platform {platform!r}{hint} (known: {', '.join(PLATFORMS)})")
    if platform == "telegram" and not _TELEGRAM_ID.fullmatch(external_id):
        raise BadIdentity("a Telegram id is the person's numeric user id (not an @username)")
    if platform == "discord" and not (
        _SNOWFLAKE.fullmatch(external_id) and int(external_id) < 2**64
    ):
        raise BadIdentity("a Discord id is the person's numeric user id (17 to 20 digits)")
    if not _OTHER_ID.fullmatch(external_id):
        raise BadIdentity(
            f"the id has control characters or more than {EXTERNAL_ID_MAX} characters"
        )
    return platform, external_id


def parse_identity(identity: str) -> tuple[str, str]:
    """`split_identity` for an identity a user typed: the error names the field and it.

    ``telegram:5001``, ``discord:<snowflake>``, ``console:<name>``.
    """
    try:
        return split_identity(identity)
    except BadIdentity as exc:
        raise EssaimError(f"field 'identity': {identity!r}: {exc}") from None
