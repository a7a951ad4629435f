"""API tokens: shown once, stored as a SHA-256 hash, looked up by their public part.

A token reads ``tro_<public id>_<secret>``. The secret has 256 bits of entropy, so a fast hash is
enough (a memory-hard hash protects low-entropy passwords, not random keys) and keeps every API call cheap.

Each process remembers a successful authentication for :data:`CACHE_TTL` seconds (:class:`AuthCache`, keyed by
the token's hash, never the token), so a busy client costs the store one query per token every few seconds
rather than one per request. A revocation in this process takes effect at once; one made elsewhere (the CLI,
another worker) within the TTL.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from trustops import clock
from trustops.accounts.models import ApiToken, Scope
from trustops.errors import InvalidInput, NotFound

PREFIX = "tro_"


@dataclass(frozen=True)
class IssuedToken:
    token: str  # the only time the plain token exists
    row: ApiToken


def create_token(
    session: Session, *, name: str, scopes: Iterable[Scope | str], now: datetime | None = None
) -> IssuedToken:
    wanted = parse_scopes(scopes)
    public_id = secrets.token_hex(6)
    plain = f"{PREFIX}{public_id}_{secrets.token_urlsafe(32)}"
    row = ApiToken(
        name=name.strip() or "unnamed",
        public_id=public_id,
        token_hash=_hash(plain),
        scopes=sorted(s.value for s in wanted),
        created_at=now or clock.now(),
    )
    session.add(row)
    session.flush()
    return IssuedToken(plain, row)


def parse_scopes(scopes: Iterable[Scope | str]) -> set[Scope]:
    wanted: set[Scope] = set()
    for value in scopes:
        try:
            wanted.add(Scope(value))
        except ValueError:
            allowed = ", ".join(s.value for s in Scope)
            raise InvalidInput(f"scope: {value!r} is not one of {allowed}", field="scope") from None
    if not wanted:
        raise InvalidInput("scope: give at least one scope", field="scope")
    return wanted


def authenticate(session: Session, plain: str, *, now: datetime | None = None) -> ApiToken | None:
    """The live token matching ``plain``, or ``None``; marks it used."""
    if not plain.startswith(PREFIX) or plain.count("_") < 2:
        return None
    public_id = plain[len(PREFIX) :].split("_", 1)[0]
    row = session.scalar(select(ApiToken).where(ApiToken.public_id == public_id))
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.token_hash, _hash(plain)):
        return None
    now = now or clock.now()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        row.last_used_at = now  # at most once a minute, so reads do not all become writes
    return row


def grants(token_scopes: Iterable[str], accepted: Iterable[Scope]) -> bool:
    held = set(token_scopes)
    return Scope.ADMIN.value in held or any(scope.value in held for scope in accepted)


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))


def revoke_token(session: Session, public_id: str, *, now: datetime | None = None) -> ApiToken:
    row = session.scalar(select(ApiToken).where(ApiToken.public_id == public_id))
    if row is None:
        raise NotFound(f"token {public_id!r} does not exist", field="token")
    row.revoked_at = row.revoked_at or now or clock.now()
    CACHE.forget(row.token_hash)
    return row


CACHE_TTL = 5.0


class AuthCache:
    """Recent successful authentications of this process, by token hash, for at most ``ttl`` seconds.

    It keeps detached copies of the rows (name, scopes, ids), never the plain token, and at most ``size`` of
    them: a flood of distinct valid tokens only makes the cache start over.
    """

    def __init__(self, ttl: float = CACHE_TTL, size: int = 10_000) -> None:
        self.ttl, self.size = ttl, size
        self._entries: dict[str, tuple[float, ApiToken]] = {}
        self._lock = threading.Lock()

    def get(self, plain: str) -> ApiToken | None:
        entry = self._entries.get(_hash(plain))
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, plain: str, row: ApiToken) -> ApiToken:
        """Remember ``row`` for ``plain``; returns the detached copy that later hits will get."""
        copy = ApiToken(
            id=row.id,
            name=row.name,
            public_id=row.public_id,
            token_hash=row.token_hash,
            scopes=list(row.scopes),
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
        )
        with self._lock:
            if len(self._entries) >= self.size:
                self._entries.clear()
            self._entries[_hash(plain)] = (time.monotonic() + self.ttl, copy)
        return copy

    def forget(self, token_hash: str) -> None:
        with self._lock:
            self._entries.pop(token_hash, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


CACHE = AuthCache()


def _hash(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()
