"""The one source of time.

Every rule in trustops is about time (update cadences, error windows, cool-downs, cohort horizons), so
domain code never calls ``datetime.now()`` itself: it takes ``now`` as an argument or calls :func:`now`,
which tests pin with ``time_machine.travel``.
"""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Read a naive datetime as UTC; convert an aware one to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
