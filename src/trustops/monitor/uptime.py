"""How each component has been doing: 90 daily uptime bars, and the signals behind its status today.

Uptime is read from the incident timeline. Each ``component_status`` event sets the status one incident
gives the component; a closed incident gives none. Where incidents overlap, the worst status counts.
Downtime is weighted as Statuspage and Instatus weigh it (rules.md §9): a major outage counts fully, a
partial outage 0.3, degraded performance and maintenance not at all. Days are UTC days, and the
arithmetic is exact to the second: a status that changes at 10:00:30 counts from 10:00:30.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from trustops.catalog.models import Component
from trustops.catalog.service import list_components
from trustops.clock import as_utc
from trustops.enums import STATUS_ORDER, ComponentStatus, IncidentState
from trustops.monitor.health_models import Alert, Heartbeat, Probe
from trustops.monitor.heartbeats import list_heartbeats, shown_status
from trustops.monitor.incidents import component_statuses, list_incidents
from trustops.monitor.models import EventKind, Incident, IncidentComponent, IncidentEvent

PARTIAL_OUTAGE_WEIGHT = 0.3  # Statuspage/Instatus; incident.io counts a partial outage fully (1.0)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class DayUptime:
    day: date
    uptime: float  # 0..1
    worst: ComponentStatus
    downtime: float = 0.0  # weighted seconds
    measured: float = DAY.total_seconds()  # seconds of the day that have passed (less for today)


def daily_uptime(
    session: Session,
    component_id: str,
    *,
    days: int = 90,
    now: datetime,
    partial_weight: float = PARTIAL_OUTAGE_WEIGHT,
) -> list[DayUptime]:
    """One entry per UTC day, oldest first, ending with today (measured up to ``now``)."""
    now = as_utc(now)
    first = datetime.combine(now.date() - timedelta(days=days - 1), time(), UTC)
    return uptime_days(_changes(session, component_id, first, now), days=days, now=now, partial_weight=partial_weight)


def uptime_days(
    changes: list[StatusChange], *, days: int, now: datetime, partial_weight: float = PARTIAL_OUTAGE_WEIGHT
) -> list[DayUptime]:
    """The daily bars from one component's status changes (oldest first, none after ``now``)."""
    now = as_utc(now)
    first = datetime.combine(now.date() - timedelta(days=days - 1), time(), UTC)
    weights = {ComponentStatus.MAJOR_OUTAGE: 1.0, ComponentStatus.PARTIAL_OUTAGE: partial_weight}
    downtime, worst = [0.0] * days, [ComponentStatus.OPERATIONAL] * days
    for start, end, status in _intervals(changes, first, now):
        for index, seconds in _split_by_day(start, end, first):
            downtime[index] += weights.get(status, 0.0) * seconds
            worst[index] = max(worst[index], status, key=STATUS_ORDER.index)
    result = []
    for index in range(days):
        day_start = first + index * DAY
        measured = max((min(day_start + DAY, now) - day_start).total_seconds(), 0.0)
        uptime = 1.0 - downtime[index] / measured if measured else 1.0
        result.append(DayUptime(day_start.date(), uptime, worst[index], downtime[index], measured))
    return result


def overall(days: Sequence[DayUptime]) -> float:
    """Uptime over all the days together, each weighted by how much of it has passed."""
    measured = sum(d.measured for d in days)
    return 1.0 - sum(d.downtime for d in days) / measured if measured else 1.0


def percent(fraction: float) -> str:
    """Two decimals, cut rather than rounded: a day with any downtime never reads 100.00."""
    return f"{math.floor(round(fraction * 10_000, 6)) / 100:.2f}"


@dataclass(frozen=True)
class StatusChange:
    at: datetime
    incident_id: int
    status: ComponentStatus | None = None  # a component_status event
    open: bool | None = None  # a state_changed event


def _changes(session: Session, component_id: str, first: datetime, now: datetime) -> list[StatusChange]:
    """The component's status events and the state changes of its incidents, in one query.

    Incidents resolved before ``first`` are left out: nothing has reopened them since (reopening clears
    ``resolved_at``), so they give the component nothing in the window. The others come with their whole
    history, which tells what they gave the component when the window starts.
    """
    rows = session.execute(
        select(IncidentEvent.at, IncidentEvent.incident_id, IncidentEvent.kind, IncidentEvent.data)
        .join(Incident, Incident.id == IncidentEvent.incident_id)
        .join(
            IncidentComponent,
            and_(IncidentComponent.incident_id == Incident.id, IncidentComponent.component_id == component_id),
        )
        .where(or_(Incident.resolved_at.is_(None), Incident.resolved_at >= first))
        .where(IncidentEvent.at <= now)
        .where(
            or_(
                IncidentEvent.kind == EventKind.STATE_CHANGED,
                and_(
                    IncidentEvent.kind == EventKind.COMPONENT_STATUS,
                    IncidentEvent.data["component"].as_string() == component_id,
                ),
            )
        )
        .order_by(IncidentEvent.at, IncidentEvent.id)
    )
    changes = []
    for at, incident_id, kind, data in rows:
        if kind is EventKind.COMPONENT_STATUS:
            changes.append(StatusChange(at, incident_id, status=ComponentStatus(data["to"])))
        else:
            changes.append(StatusChange(at, incident_id, open=IncidentState(data["to"]).is_open))
    return changes


def _intervals(
    changes: Iterable[StatusChange], first: datetime, now: datetime
) -> Iterator[tuple[datetime, datetime, ComponentStatus]]:
    """Consecutive spans of [first, now) with the worst status any open incident gives the component."""
    given: dict[int, ComponentStatus] = {}
    closed: set[int] = set()
    cursor = first
    for change in changes:
        if change.at > cursor:
            yield cursor, change.at, _worst(given, closed)
            cursor = change.at
        if change.status is not None:
            given[change.incident_id] = change.status
        elif change.open:
            closed.discard(change.incident_id)
        else:
            closed.add(change.incident_id)
    if now > cursor:
        yield cursor, now, _worst(given, closed)


def _worst(given: dict[int, ComponentStatus], closed: set[int]) -> ComponentStatus:
    statuses = [status for incident_id, status in given.items() if incident_id not in closed]
    return max(statuses, key=STATUS_ORDER.index, default=ComponentStatus.OPERATIONAL)


def _split_by_day(start: datetime, end: datetime, first: datetime) -> Iterator[tuple[int, float]]:
    """(day index, seconds) for each UTC day the span [start, end) touches."""
    while start < end:
        index = (start - first) // DAY
        stop = min(end, first + (index + 1) * DAY)
        yield index, (stop - start).total_seconds()
        start = stop


@dataclass(frozen=True)
class ComponentHealth:
    """One component on the health page: its status now, its history, and what watches it."""

    component: Component
    status: ComponentStatus
    days: list[DayUptime]
    probes: list[Probe] = field(default_factory=list)
    heartbeats: list[tuple[Heartbeat, str]] = field(default_factory=list)  # with its shown status
    incidents: list[Incident] = field(default_factory=list)

    @property
    def uptime(self) -> float:
        return overall(self.days)


@dataclass(frozen=True)
class HealthBoard:
    groups: list[tuple[str, list[ComponentHealth]]]  # in catalog order
    loose_heartbeats: list[tuple[Heartbeat, str]]  # on no component: their silence opens no incident
    unmapped_alerts: list[Alert]


def health_board(session: Session, *, now: datetime, days: int = 90) -> HealthBoard:
    statuses = component_statuses(session)
    probes = list(session.scalars(select(Probe).where(Probe.active.is_(True)).order_by(Probe.name, Probe.id)))
    heartbeats = [(h, shown_status(h, now)) for h in list_heartbeats(session)]
    board: dict[str, ComponentHealth] = {}
    for component in list_components(session):
        days_up = daily_uptime(session, component.id, days=days, now=now)
        board[component.id] = ComponentHealth(component, statuses[component.id], days_up)
    for probe in probes:
        board[probe.component_id].probes.append(probe)
    for heartbeat, shown in heartbeats:
        if heartbeat.component_id is not None:
            board[heartbeat.component_id].heartbeats.append((heartbeat, shown))
    for incident in list_incidents(session, open_only=True):
        for link in incident.components:
            if link.status is not ComponentStatus.OPERATIONAL:  # a component the incident has let go of
                board[link.component_id].incidents.append(incident)
    return HealthBoard(
        groups=_grouped(board.values()),
        loose_heartbeats=[(h, shown) for h, shown in heartbeats if h.component_id is None],
        unmapped_alerts=unmapped_alerts(session),
    )


def _grouped(components: Iterable[ComponentHealth]) -> list[tuple[str, list[ComponentHealth]]]:
    groups: dict[str, list[ComponentHealth]] = {}
    for health in components:
        groups.setdefault(health.component.group or "Other", []).append(health)
    return list(groups.items())


def unmapped_alerts(session: Session, limit: int = 100) -> list[Alert]:
    """Firing alerts that no mapping rule or label tied to a component: they open no incident."""
    query = select(Alert).where(Alert.component_id.is_(None), Alert.firing.is_(True))
    return list(session.scalars(query.order_by(Alert.last_seen_at.desc()).limit(limit)))
