"""Dashboard users; passwords hashed with Argon2id (memory-hard, OWASP's first choice)."""

from __future__ import annotations

import re
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from trustops import clock
from trustops.accounts.models import Role, User
from trustops.errors import Conflict, InvalidInput, NotFound

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps the timing of both failures alike.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def create_user(session: Session, *, username: str, password: str, role: Role | str) -> User:
    if not USERNAME.match(username):
        raise InvalidInput(f"username: {username!r} must be 2-64 letters, digits or . _ @ -", field="username")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"password: must have at least {MIN_PASSWORD_LENGTH} characters", field="password")
    try:
        role = Role(role)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise InvalidInput(f"role: {role!r} is not one of {allowed}", field="role") from None
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"username: {username!r} is taken", field="username")
    user = User(username=username, password_hash=_hasher.hash(password), role=role)
    session.add(user)
    session.flush()
    return user


def check_password(session: Session, username: str, password: str, *, now: datetime | None = None) -> User | None:
    user = session.scalar(select(User).where(User.username == username))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = now or clock.now()
    return user


def delete_user(session: Session, username: str) -> None:
    """Delete a user; their sessions die with the row (each request looks the user up)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"username: no user {username!r}", field="username")
    session.delete(user)
    session.flush()
