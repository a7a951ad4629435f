"""Slowing down password guessing: after a few failed logins for a username, each further try must wait.

NIST SP 800-63B §5.2.2 asks verifiers to limit consecutive failed attempts on one account; OWASP's
Authentication Cheat Sheet prefers an exponentially growing delay to a hard lock-out, which an attacker
could use to keep a real user out for good. Here the first ``FREE_FAILURES`` failures cost nothing; after
that each one blocks the name for 1, 2, 4 … seconds, at most ``MAX_DELAY``. A blocked try is refused
before the password is hashed, so guessing costs the server no Argon2 time either; a success, or a day
without failures, forgets the count. The count lives in the database, so every process shares it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trustops import clock
from trustops.accounts.models import LoginThrottle
from trustops.privacy import pseudonymise

FREE_FAILURES = 5
MAX_DELAY = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=24)


def key_for(secret: bytes, username: str) -> str:
    """The stored key of a typed username: case-folded, so "Alice" and "alice" share one count."""
    return pseudonymise(secret, "login:" + username.strip().casefold())


def wait_left(session: Session, key: str, *, now: datetime) -> timedelta | None:
    """How long this username must still wait before its next try, or None when it may try now."""
    row = session.get(LoginThrottle, key)
    if row is None or row.blocked_until is None:
        return None
    left = clock.as_utc(row.blocked_until) - clock.as_utc(now)
    return left if left > timedelta(0) else None


def delay_after(failures: int) -> timedelta | None:
    """The wait that the ``failures``-th consecutive failure imposes."""
    if failures <= FREE_FAILURES:
        return None
    return min(timedelta(seconds=2 ** min(failures - FREE_FAILURES - 1, 20)), MAX_DELAY)


def record_failure(session: Session, key: str, *, now: datetime) -> int:
    """Count one more failure (a failure a day after the last starts again at one); returns the count."""
    now = clock.as_utc(now)
    row = session.get(LoginThrottle, key, populate_existing=True)
    if row is None:
        try:
            with session.begin_nested():
                session.add(LoginThrottle(key=key, failures=1, last_failed_at=now, blocked_until=delay_at(1, now)))
            return 1
        except IntegrityError:  # another process counted the first failure at the same moment
            row = session.get(LoginThrottle, key, populate_existing=True)
            assert row is not None
    forgotten = clock.as_utc(row.last_failed_at) < now - FORGET_AFTER
    # One statement, so two processes counting at once both count.
    session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key)
        .values(failures=1 if forgotten else LoginThrottle.failures + 1, last_failed_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(row)
    row.blocked_until = delay_at(row.failures, now)
    session.flush()
    return row.failures


def delay_at(failures: int, now: datetime) -> datetime | None:
    delay = delay_after(failures)
    return now + delay if delay is not None else None


def record_success(session: Session, key: str) -> None:
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))


def purge(session: Session, *, now: datetime) -> int:
    """Drop the counts of names that have not failed for a day (they would start again at one anyway)."""
    result = session.execute(delete(LoginThrottle).where(LoginThrottle.last_failed_at < now - FORGET_AFTER))
    return int(result.rowcount)  # type: ignore[attr-defined]
