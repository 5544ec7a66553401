"""Refusals: a rule said no, with a message in the user's language; the use case that raised it left nothing."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule said no. `field` names the form field it belongs to, if any; nothing has been changed.

    `error` is a machine-readable reason for the JSON API and `details` more facts for it (both optional)."""

    status_code = 422
    error: str | None = None
    details: dict[str, Any] | None = None

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    status_code = 404


class Forbidden(DomainError):
    status_code = 403
