"""Request-scoped dependencies shared by every route."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import anyio.to_thread
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from trustops import clock
from trustops.accounts.models import ApiToken, Role, Scope, User
from trustops.accounts.tokens import CACHE, authenticate, grants
from trustops.config import Policy, Settings
from trustops.db import Database

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class AuthError(Exception):
    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


class LoginRequired(Exception):
    """Raised by dashboard routes; answered with a redirect to the login page."""


class Forbidden(Exception):
    """A logged-in user whose role may not do this."""


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_policy(request: Request) -> Policy:
    policy: Policy = request.app.state.policy
    return policy


def get_session(request: Request) -> Iterator[Session]:
    database: Database = request.app.state.database
    if request.method in SAFE_METHODS:
        with database.sessions() as session:
            yield session
        return
    # Write requests take SQLite's write lock at BEGIN, so a read-then-write never fails with "database is
    # locked". No process lock here: FastAPI runs this generator's exit in the same thread pool that the
    # waiting requests would fill.
    with database.write_sessions() as session:
        yield session


def get_now() -> datetime:
    return clock.now()


SettingsDep = Annotated[Settings, Depends(get_settings)]
PolicyDep = Annotated[Policy, Depends(get_policy)]
SessionDep = Annotated[Session, Depends(get_session)]
ClockDep = Annotated[datetime, Depends(get_now)]


@dataclass(frozen=True)
class ScopeGuard:
    """Demands a bearer token holding one of ``scopes`` (or ``admin``).

    The app's OpenAPI generator reads ``scopes`` from every route's guard into ``x-required-scopes``,
    which the route-walking auth test checks.
    """

    scopes: tuple[Scope, ...]

    async def __call__(self, request: Request) -> ApiToken:
        header = request.headers.get("authorization", "")
        kind, _, plain = header.partition(" ")
        plain = plain.strip()
        if kind.lower() != "bearer" or not plain:
            raise AuthError(401, "missing bearer token: send 'Authorization: Bearer <token>'")
        # A recent success of this process answers without the store (tokens.AuthCache, a few seconds).
        token = CACHE.get(plain) or await anyio.to_thread.run_sync(_authenticate, request.app.state.database, plain)
        if token is None:
            raise AuthError(401, "invalid or revoked token")
        if not grants(token.scopes, self.scopes):
            needed = " or ".join(s.value for s in self.scopes)
            raise AuthError(403, f"token {token.name!r} lacks scope: needs {needed}")
        return token


def _authenticate(database: Database, plain: str) -> ApiToken | None:
    """Look the token up in its own short transaction, which keeps ``last_used_at`` (once a minute).

    On SQLite it begins as a writer (``BEGIN IMMEDIATE``): a read that later writes ``last_used_at`` would
    otherwise fail with "database is locked" when many first requests arrive at once.
    """
    with database.write_sessions.begin() as session:
        token = authenticate(session, plain)
        return None if token is None else CACHE.put(plain, token)


def require(*scopes: Scope) -> ScopeGuard:
    return ScopeGuard(tuple(scopes))


def token_actor(token: ApiToken) -> str:
    return f"token:{token.name}"


def current_user(request: Request, session: SessionDep) -> User:
    user_id = request.session.get("user_id")
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active or request.session.get("version") != user.session_version:
        request.session.pop("user_id", None)
        raise LoginRequired()
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require_role(*roles: Role) -> object:
    def check(user: CurrentUser) -> User:
        if user.role is not Role.ADMIN and user.role not in roles:
            raise Forbidden()
        return user

    return Depends(check)


def csrf_token(request: Request) -> str:
    import secrets

    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def verify_csrf(request: Request) -> None:
    form = await request.form()
    sent = form.get("csrf_token")
    expected = request.session.get("csrf")
    if not isinstance(sent, str) or not isinstance(expected, str) or not hmac.compare_digest(sent, expected):
        raise AuthError(403, "csrf_token: missing or wrong; reload the page and try again")
