"""Numbers, times and spans written for people: the summary's sentences and the template use the same."""

from __future__ import annotations

import math
from datetime import datetime

from trustops.clock import as_utc


def duration(minutes: float) -> str:
    """``45 min``, ``2 h``, ``2 h 5 min``, ``3 d 4 h``."""
    total = max(0, round(minutes))
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


def when(moment: datetime | None) -> str:
    """``2026-10-19 15:12 UTC``; an em dash for no time."""
    return "—" if moment is None else f"{as_utc(moment):%Y-%m-%d %H:%M} UTC"


def between(start: datetime, end: datetime) -> str:
    """``2026-10-19 15:12 to 17:12 UTC``, with the end's date only when it is another day."""
    start, end = as_utc(start), as_utc(end)
    until = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}"
    return f"{start:%Y-%m-%d %H:%M} to {until} UTC"


def clock_time(moment: datetime) -> str:
    return f"{as_utc(moment):%H:%M}"


def count(value: int) -> str:
    return f"{value:,}"


def counted(value: int, noun: str, plural: str | None = None) -> str:
    """``1 mention``, ``2 mentions``, ``1,204 key accounts``."""
    return f"{value:,} {noun if value == 1 else plural or noun + 's'}"


def after(minutes: float, moment: str) -> str:
    """``12 min after detection``; under a minute, ``on detection``."""
    return f"on {moment}" if minutes < 1 else f"{duration(minutes)} after {moment}"


def index_points(value: float) -> str:
    """Trust-index points with one decimal; a drop too small to show says so."""
    return f"{value:.1f}" if value >= 0.05 or value == 0 else "under 0.1"


def amount(value: float) -> str:
    """A sum of money without a currency (the customers table has none): ``1,234,567``."""
    return "—" if not math.isfinite(value) else f"{value:,.0f}"


def money(value: float | None, currency: str) -> str:
    """``EUR 34,744``; a dash when there is no finite amount."""
    return "—" if value is None or not math.isfinite(value) else f"{currency} {value:,.0f}"


def pct(share: float) -> str:
    """``8.0%``; below 1 %, one more digit (``0.13%``)."""
    return f"{share * 100:.2f}%" if 0 < share < 0.01 else f"{share * 100:.1f}%"


def points(share: float) -> str:
    """A difference of shares in percentage points: ``+14.7 pts``."""
    return f"{share * 100:+.1f} pts"


def label(value: str) -> str:
    """``status_page`` -> ``status page``."""
    return value.replace("_", " ")
