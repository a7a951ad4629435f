"""Exceptions raised by trustops domain code.

    TrustopsError
    ├── ConfigError        a settings value or catalog entry is invalid (names file, key path, value)
    ├── NotFound           a referenced row does not exist
    ├── Conflict           the request clashes with stored state (duplicate, illegal transition)
    └── InvalidInput       a value passed to a domain function is not acceptable

The web adapter turns these into 4xx JSON responses and the CLI into a one-line message and a non-zero
exit; neither ever shows a traceback for them.
"""

from __future__ import annotations

from pydantic import ValidationError


class TrustopsError(Exception):
    """Base class of every error trustops raises on purpose."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ConfigError(TrustopsError):
    status_code = 422


class NotFound(TrustopsError):
    status_code = 404


class Conflict(TrustopsError):
    status_code = 409


class InvalidInput(TrustopsError):
    status_code = 422

    @classmethod
    def from_validation(cls, exc: ValidationError, default_field: str | None = None) -> InvalidInput:
        """The first problem pydantic found, as ``field: message``."""
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or default_field
        message = first["msg"].removeprefix("Value error, ")
        return cls(f"{field}: {message}" if field else message, field=field)
