"""When each breach notification is due, in UTC and in the organisation's time zone.

How a deadline's period is counted (:func:`due`):

- **hours**: exactly N × 3600 seconds after the start instant. A daylight-saving change in between moves only
  the local wall-clock time shown (72 hours from 10:00 CET across the spring change end at 11:00 CEST).
- **calendar days**: the Nth calendar day after the day of the start, ending at the deadline's ``end_of_day``
  (23:59:59 unless the rule says otherwise) local time. Days are counted in the deadline's own zone, or the
  organisation's, so across a daylight-saving change the UTC instant moves by an hour, as the local day does.
- **business days**: the Nth business day after the day of the start, passing over Saturdays, Sundays and the
  holidays of the deadline's ``holidays`` calendar (``US``: federal holidays; ``US-VT``: Vermont's), ending at
  ``end_of_day`` in its zone. The days passed over are listed in :attr:`Clock.skipped`. SEC Form 8-K Item 1.05:
  4 business days after the materiality determination, at 17:30 America/New_York.

A clock that has not started (its start event, discovery or the materiality determination, is not recorded)
has no due time: it is listed last, so the missing fact is seen, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from trustops.breach.jurisdictions import ClockStart, Deadline, Unit, regime
from trustops.clock import as_utc
from trustops.enums import BreachRisk

if TYPE_CHECKING:
    from trustops.breach.models import BreachCase
    from trustops.catalog.schema import OrganisationSpec

RISK_ORDER = list(BreachRisk)  # lowest first
SATURDAY = 5


class ClockState(StrEnum):
    RUNNING = "running"
    MET = "met"  # the notification was recorded on time
    MET_LATE = "met_late"  # recorded after the due time: the reasons for the delay must be documented
    OVERDUE = "overdue"
    NOT_STARTED = "not_started"  # its start event (discovery, materiality) is not recorded


@dataclass(frozen=True)
class Clock:
    deadline: Deadline
    starts_at: datetime | None  # UTC
    due_at: datetime | None  # UTC
    due_local: datetime | None  # the same instant in the organisation's zone
    skipped: tuple[date, ...]  # weekend days and holidays passed over (business-day deadlines)
    met_at: datetime | None
    state: ClockState
    # True: owed on the facts given; None: owed unless an assessment not yet made (risk, count) rules it out.
    owed: bool | None = True

    def left(self, now: datetime) -> timedelta | None:
        """Time until the due time (negative once overdue); None when met or not started."""
        if self.due_at is None or self.met_at is not None:
            return None
        return self.due_at - now


def due(deadline: Deadline, start: datetime, *, org_zone: ZoneInfo) -> tuple[datetime, tuple[date, ...]]:
    """The UTC instant the deadline ends when its clock starts at ``start``, and the days passed over."""
    start = as_utc(start)
    if deadline.unit is Unit.HOURS:
        return start + timedelta(hours=deadline.amount), ()
    zone = ZoneInfo(deadline.zone) if deadline.zone else org_zone
    day = start.astimezone(zone).date()
    if deadline.after_year_end:
        day = date(day.year, 12, 31)
    skipped: list[date] = []
    if deadline.unit is Unit.CALENDAR_DAYS:
        day += timedelta(days=deadline.amount)
    else:
        counted = 0
        while counted < deadline.amount:
            day += timedelta(days=1)
            if day.weekday() >= SATURDAY or day in _holidays(deadline.calendar, day.year):
                skipped.append(day)
            else:
                counted += 1
    local = datetime.combine(day, deadline.end_of_day, tzinfo=zone)
    return local.astimezone(UTC), tuple(skipped)


@lru_cache(maxsize=64)
def _holidays(calendar: str | None, year: int) -> frozenset[date]:
    """The holidays of a calendar such as "US" or "US-VT" (country-subdivision) in one year, from ``holidays``."""
    if calendar is None:
        return frozenset()
    import holidays

    country, _, subdivision = calendar.partition("-")
    return frozenset(holidays.country_holidays(country, subdiv=subdivision or None, years=year))


def owed(deadline: Deadline, *, risk: BreachRisk | None, people: int | None) -> bool | None:
    """Whether the deadline is owed: False when the facts rule it out, None when a fact is missing.

    ``risk`` None means not assessed yet; ``people`` None (or 0) means not counted yet.
    """
    answers: list[bool | None] = [True]
    if deadline.needs_risk is not None:
        answers.append(None if risk is None else RISK_ORDER.index(risk) >= RISK_ORDER.index(deadline.needs_risk))
    if deadline.min_people is not None:
        answers.append(None if not people else people >= deadline.min_people)
    if deadline.below_people is not None:
        answers.append(None if not people else people < deadline.below_people)
    if False in answers:
        return False
    return None if None in answers else True


def clocks_for(
    *,
    aware_at: datetime,
    jurisdictions: Sequence[str],
    org_zone: ZoneInfo,
    now: datetime,
    discovered_at: datetime | None = None,
    material_at: datetime | None = None,
    risk: BreachRisk | None = None,
    people_by_jurisdiction: Mapping[str, int] | None = None,
    met: Mapping[str, datetime] | None = None,
    owed_only: bool = False,
) -> list[Clock]:
    """Every deadline of the jurisdictions that is or may be owed, with its clock, the earliest due first.

    A deadline the facts rule out (risk below its threshold, too few people) is left out. One that depends
    on a fact not known yet (risk not assessed, people not counted) is listed, the worst case, unless
    ``owed_only``. ``met`` maps a deadline key to when its notification was made.
    """
    starts = {ClockStart.AWARE: aware_at, ClockStart.DISCOVERED: discovered_at, ClockStart.MATERIAL: material_at}
    counts = {code.strip().upper(): n for code, n in (people_by_jurisdiction or {}).items()}
    met = met or {}
    clocks = []
    for code in dict.fromkeys(regime(c).code for c in jurisdictions):
        for deadline in regime(code).deadlines:
            is_owed = owed(deadline, risk=risk, people=counts.get(code))
            if is_owed is False or (owed_only and is_owed is None):
                continue
            clocks.append(_clock(deadline, starts[deadline.starts], met.get(deadline.key), org_zone, now, is_owed))
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(clocks, key=lambda c: (c.due_at or far, c.deadline.key))


def _clock(
    deadline: Deadline,
    start: datetime | None,
    met_at: datetime | None,
    zone: ZoneInfo,
    now: datetime,
    is_owed: bool | None,
) -> Clock:
    met_at = None if met_at is None else as_utc(met_at)
    if start is None:
        state = ClockState.NOT_STARTED if met_at is None else ClockState.MET
        return Clock(deadline, None, None, None, (), met_at, state, is_owed)
    due_at, skipped = due(deadline, start, org_zone=zone)
    if met_at is not None:
        state = ClockState.MET if met_at <= due_at else ClockState.MET_LATE
    else:
        state = ClockState.OVERDUE if as_utc(now) > due_at else ClockState.RUNNING
    return Clock(deadline, as_utc(start), due_at, due_at.astimezone(zone), skipped, met_at, state, is_owed)


def case_clocks(case: BreachCase, organisation: OrganisationSpec, *, now: datetime) -> list[Clock]:
    """The clocks of a stored case: its jurisdictions (plus the SEC's when the organisation is listed), its
    risk and counts, and the first notification recorded for each deadline as the time it was met."""
    jurisdictions = list(case.people_by_jurisdiction or {})
    if organisation.listed:
        jurisdictions.append("US-SEC")
    met: dict[str, datetime] = {}
    for notification in case.notifications:
        sent = as_utc(notification.sent_at)
        if notification.deadline not in met or sent < met[notification.deadline]:
            met[notification.deadline] = sent
    return clocks_for(
        aware_at=case.aware_at,
        jurisdictions=jurisdictions,
        org_zone=ZoneInfo(organisation.time_zone),
        now=now,
        discovered_at=case.discovered_at,
        material_at=case.material_at,
        risk=case.risk,
        people_by_jurisdiction=case.people_by_jurisdiction,
        met=met,
    )
