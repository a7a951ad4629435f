"""API tokens: shown once, stored as a SHA-256 hash, looked up by their public part.

A token reads ``tro_<public id>_<secret>``. The secret has 256 bits of entropy, so a fast hash is
enough (a memory-hard hash protects low-entropy passwords, not random keys) and keeps every API call cheap.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
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
    return row


def _hash(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()
