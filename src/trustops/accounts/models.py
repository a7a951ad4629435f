from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from trustops import clock
from trustops.db import Base, UTCDateTime
from trustops.enums import enum_column


class Scope(StrEnum):
    """What an API token may do. ``admin`` may do everything."""

    READ = "read"
    INGEST = "ingest"
    # Only reports errors users saw. A Sentry DSN key ships inside browser and mobile apps, where anyone can
    # read it: such a key must not also be able to open incidents (and so message customers), as ingest can.
    ERRORS = "errors"
    COMMS = "comms"
    MARKETING = "marketing"
    LEGAL = "legal"
    ADMIN = "admin"


class Role(StrEnum):
    """What a dashboard user may do. ``viewer`` only reads; ``admin`` may do everything."""

    IT = "it"
    MARKETING = "marketing"
    COMMS = "comms"
    LEGAL = "legal"
    EXECUTIVE = "executive"  # reads everything but breach cases, led by debt and trust
    VIEWER = "viewer"
    ADMIN = "admin"


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of every session cookie; bumping it (logout, password change) voids all copies at once.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginThrottle(Base):
    """Consecutive failed logins for one typed username, which is kept only as a keyed hash.

    Usernames that do not exist are counted too: otherwise being slowed down would tell an attacker which
    names are real. A typed "username" is sometimes a password typed into the wrong field, hence the hash.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
