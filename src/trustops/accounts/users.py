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
    _check_length(password)
    role = _role(role)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"username: {username!r} is taken", field="username")
    user = User(username=username, password_hash=_hasher.hash(password), role=role)
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, username: str, password: str) -> User:
    """Give a user a new password and end every session they have (a stolen cookie dies with the old one)."""
    user = get_user(session, username)
    _check_length(password)
    user.password_hash = _hasher.hash(password)
    user.session_version += 1
    session.flush()
    return user


def set_role(session: Session, username: str, role: Role | str) -> User:
    """Change a user's role; it applies from their next request, as each request reads the user anew."""
    user = get_user(session, username)
    user.role = _role(role)
    session.flush()
    return user


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"username: no user {username!r}", field="username")
    return user


def _check_length(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"password: must have at least {MIN_PASSWORD_LENGTH} characters", field="password")


def _role(value: Role | str) -> Role:
    try:
        return Role(value)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise InvalidInput(f"role: {value!r} is not one of {allowed}", field="role") from None


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
    session.delete(get_user(session, username))
    session.flush()
