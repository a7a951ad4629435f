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


def iso(moment: datetime | None) -> str | None:
    """ISO-8601 in UTC with milliseconds and an explicit offset (``2026-03-02T14:21:07.412+00:00``), as the
    Statuspage API and its webhooks write times."""
    return None if moment is None else as_utc(moment).isoformat(timespec="milliseconds")
