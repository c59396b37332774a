"""Errors the services raise; entry points (bots, CLI) turn them into messages.

Each carries enough to name what was wrong: the field, the file and line, the missing role.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tasks.uploads import UploadError


class EssaimError(Exception):
    """Base of every error a user can cause; the message is safe to show."""


class NotFound(EssaimError):
    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"{what} {key!r} not found")
        self.what = what
        self.key = key


class PermissionDenied(EssaimError):
    def __init__(self, role: str, action: str) -> None:
        super().__init__(f"{action} needs the {role} role")
        self.role = role
        self.action = action


class Conflict(EssaimError):
    """The request contradicts what is stored (a slug already taken, a task already decided)."""


class InvalidSpec(EssaimError):
    def __init__(self, field: str, message: str, source: str | None = None) -> None:
        where = f"{source}: " if source else ""
        super().__init__(f"{where}field '{field}': {message}")
        self.field = field
        self.source = source


class InvalidUpload(EssaimError):
    """An upload that cannot be ingested; ``str()`` names the file, the line and the field."""

    def __init__(
        self, filename: str, message: str, line: int | None = None, field: str | None = None
    ) -> None:
        location = filename + (f":{line}" if line else "")
        detail = f"field '{field}': {message}" if field else message
        super().__init__(f"{location}: {detail}")
        self.filename = filename
        self.line = line
        self.field = field
        self.message = message


def invalid_upload(error: UploadError) -> InvalidUpload:
    """What `tasks.uploads` found wrong, as the engine raises it (same file, line, field and
    message): the one place an `UploadError` becomes an `InvalidUpload`."""
    return InvalidUpload(error.filename, error.message, error.line, error.field)
