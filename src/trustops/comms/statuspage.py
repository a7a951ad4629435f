"""The public status page as data: one snapshot, and the eight Atlassian Statuspage v2 documents built from it.

:func:`load_snapshot` reads everything the page shows in a handful of queries: public components with
their groups and uptime bars, public incidents with their public updates, and maintenances. The HTML
page, the JSON API, the feeds and the static export are all built from that one snapshot, so they always
agree, and what :mod:`trustops.comms.audience` does not call public never reaches any of them.

The documents follow formats.md §1 exactly: every key always present (``null`` allowed), Statuspage's
enums, ISO-8601 times with milliseconds and an explicit offset, updates newest first. Our own extras
(uptime bars, "next update by") live under one key, ``x_trustops``, so strict clients keep working.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from trustops.catalog.models import Component
from trustops.catalog.schema import StatusPageSpec
from trustops.clock import as_utc, iso
from trustops.comms.audience import PUBLIC_CHANNELS, public_statuses, public_updates
from trustops.comms.cadence import next_update_by
from trustops.comms.ids import public_id
from trustops.comms.models import Maintenance
from trustops.config import Policy
from trustops.enums import STATUS_ORDER, ComponentStatus, Impact, IncidentState, MaintenanceState, Visibility
from trustops.monitor.incidents import derive_impact
from trustops.monitor.models import EventKind, Incident, IncidentComponent, IncidentEvent
from trustops.monitor.uptime import (
    DayUptime,
    StatusChange,
    overall,
    percent,
    uptime_days,
)

RECENT = 50  # incidents.json and scheduled-maintenances.json: "the 50 most recent"
OPEN_STATES = [s for s in IncidentState if s.is_open]
DOCUMENTS = (
    "summary",
    "status",
    "components",
    "incidents/unresolved",
    "incidents",
    "scheduled-maintenances/upcoming",
    "scheduled-maintenances/active",
    "scheduled-maintenances",
)
INDICATOR_RANK = {"none": 0, "maintenance": 0, "minor": 1, "major": 2, "critical": 3}
DESCRIPTIONS = {
    ComponentStatus.MAJOR_OUTAGE: ("major", "Major Service Outage"),
    ComponentStatus.PARTIAL_OUTAGE: ("minor", "Partial System Outage"),
    ComponentStatus.DEGRADED_PERFORMANCE: ("minor", "Partially Degraded Service"),
    ComponentStatus.UNDER_MAINTENANCE: ("maintenance", "Service Under Maintenance"),
    ComponentStatus.OPERATIONAL: ("none", "All Systems Operational"),
}
IMPACT_DESCRIPTIONS = {
    "minor": "Minor Service Outage",
    "major": "Major Service Outage",
    "critical": "Major Service Outage",
}


@dataclass(frozen=True)
class PageInfo:
    id: str
    name: str
    url: str
    time_zone: str
    history_days: int
    updated_at: datetime


@dataclass(frozen=True)
class Rollup:
    indicator: str  # none | minor | major | critical | maintenance
    description: str


@dataclass(frozen=True)
class PageComponent:
    """A public component as the page shows it. ``key`` is its catalog id, used only by the subscribe form."""

    id: str
    key: str
    name: str
    description: str | None
    status: ComponentStatus
    position: int
    group_id: str | None
    only_show_if_degraded: bool
    start_date: date | None
    created_at: datetime
    updated_at: datetime
    days: list[DayUptime] = field(default_factory=list)

    @property
    def uptime(self) -> float:
        return overall(self.days)

    @property
    def shown(self) -> bool:
        """Hidden on the page while operational when ``only_show_if_degraded`` says so."""
        return not self.only_show_if_degraded or self.status is not ComponentStatus.OPERATIONAL


@dataclass(frozen=True)
class PageGroup:
    id: str
    name: str
    position: int
    members: list[PageComponent]

    @property
    def status(self) -> ComponentStatus:
        return max((m.status for m in self.members), key=STATUS_ORDER.index, default=ComponentStatus.OPERATIONAL)

    @property
    def shown(self) -> bool:
        return any(m.shown for m in self.members)


@dataclass(frozen=True)
class Affected:
    component: PageComponent
    old_status: ComponentStatus
    new_status: ComponentStatus


@dataclass(frozen=True)
class PageUpdate:
    id: str
    status: str
    body: str
    at: datetime
    display_at: datetime
    affected: list[Affected]
    deliver_notifications: bool


@dataclass(frozen=True)
class PageIncident:
    """A public incident, or a maintenance (``scheduled_for`` set), as the page tells it."""

    id: str
    name: str
    status: str
    impact: str
    created_at: datetime
    updated_at: datetime
    started_at: datetime
    monitoring_at: datetime | None
    resolved_at: datetime | None
    updates: list[PageUpdate]  # newest first
    components: list[PageComponent]
    next_update_by: datetime | None = None
    scheduled_for: datetime | None = None
    scheduled_until: datetime | None = None

    @property
    def is_maintenance(self) -> bool:
        return self.scheduled_for is not None

    @property
    def is_open(self) -> bool:
        return self.status in ("investigating", "identified", "monitoring")

    @property
    def postmortem(self) -> PageUpdate | None:
        """The post-mortem, once published: the newest update posted in state ``postmortem``."""
        return next((u for u in self.updates if u.status == IncidentState.POSTMORTEM.value), None)


@dataclass(frozen=True)
class Snapshot:
    """Everything the public page shows, read at one moment."""

    page: PageInfo
    status: Rollup
    layout: list[PageGroup | PageComponent]  # top level, in page order
    incidents: list[PageIncident]  # newest first: open ones, the last history_days and at least the last 50
    maintenances: list[PageIncident]  # newest scheduled_for first
    now: datetime

    @property
    def components(self) -> list[PageComponent]:
        found: list[PageComponent] = []
        for item in self.layout:
            found.extend(item.members if isinstance(item, PageGroup) else [item])
        return found

    @property
    def unresolved(self) -> list[PageIncident]:
        return [i for i in self.incidents if i.is_open]

    @property
    def upcoming(self) -> list[PageIncident]:
        found = [m for m in self.maintenances if m.status == MaintenanceState.SCHEDULED.value]
        return sorted(found, key=lambda m: (m.scheduled_for, m.id))

    @property
    def active(self) -> list[PageIncident]:
        return [m for m in self.maintenances if MaintenanceState(m.status).is_active]

    def past(self) -> list[PageIncident]:
        """Resolved incidents of the last ``history_days``, newest first."""
        cutoff = self.now - timedelta(days=self.page.history_days)
        return [i for i in self.incidents if not i.is_open and i.started_at >= cutoff]


def load_snapshot(
    session: Session, *, secret: bytes, spec: StatusPageSpec, base_url: str, policy: Policy, now: datetime
) -> Snapshot:
    """Read the page in a few queries.

    Steps: 1. every component (internal ones only to weigh incident impact, never shown); 2. public
    incidents with their links and timelines; 3. maintenances with their updates; 4. one query of status
    changes for the uptime bars; 5. statuses as the page tells them, then the rollup.
    """
    now = as_utc(now)
    ids = _Ids(secret)
    catalog = list(session.scalars(select(Component).order_by(Component.position, Component.id)))
    public = {c.id: c for c in catalog if c.visibility is Visibility.PUBLIC}
    incidents = _load_incidents(session, set(public), now - timedelta(days=spec.history_days))
    maintenances = _load_maintenances(session, set(public), now - timedelta(days=spec.history_days))
    changes = _status_changes(session, now - timedelta(days=spec.history_days - 1))
    statuses = public_statuses(incidents, public)
    for maintenance in maintenances:
        if maintenance.state.is_active:
            for cid in maintenance.components:
                if cid in statuses:
                    statuses[cid] = max(statuses[cid], ComponentStatus.UNDER_MAINTENANCE, key=STATUS_ORDER.index)
    days = _uptime(changes, set(public), spec.history_days, now)
    page_id = ids("page", "page")
    last_change = _last_public_change(changes, set(public))
    layout = _layout(ids, list(public.values()), statuses, days, last_change)
    shown = {c.id: c for item in layout for c in (item.members if isinstance(item, PageGroup) else [item])}
    by_key = {cid: shown[ids("component", cid)] for cid in public}
    url = (str(spec.url) if spec.url else f"{base_url.rstrip('/')}/status").rstrip("/")
    page_incidents = [_incident(ids, i, by_key, policy, now) for i in incidents]
    page_maintenances = [_maintenance(ids, m, by_key) for m in maintenances]
    moments = [c.updated_at for c in by_key.values()]
    moments += [i.updated_at for i in page_incidents] + [m.updated_at for m in page_maintenances]
    updated = max(moments, default=datetime.combine(now.date(), time(), UTC))
    page = PageInfo(page_id, spec.name, url, spec.time_zone, spec.history_days, updated)
    told = [(i.impact, dict(_links(i))) for i in incidents if i.is_open]
    in_maintenance = any(m.state.is_active for m in maintenances)
    rollup = rollup_status(statuses.values(), told, catalog, in_maintenance=in_maintenance)
    return Snapshot(page, rollup, layout, page_incidents, page_maintenances, now)


class _Ids:
    def __init__(self, secret: bytes) -> None:
        self.secret = secret
        self.cache: dict[tuple[str, object], str] = {}

    def __call__(self, kind: str, key: object) -> str:
        found = self.cache.get((kind, key))
        if found is None:
            found = self.cache[(kind, key)] = public_id(self.secret, kind, key)
        return found


def _load_incidents(session: Session, public_ids: set[str], cutoff: datetime) -> list[Incident]:
    """Public incidents: the open ones, those of the last history days, and at least the 50 most recent."""
    base = select(Incident).where(
        Incident.channel.in_(PUBLIC_CHANNELS),
        Incident.components.any(IncidentComponent.component_id.in_(public_ids)),
    )
    newest = Incident.started_at.desc(), Incident.id.desc()
    recent = list(session.scalars(base.with_only_columns(Incident.id).order_by(*newest).limit(RECENT)))
    query = base.where(or_(Incident.id.in_(recent), Incident.state.in_(OPEN_STATES), Incident.started_at >= cutoff))
    options = selectinload(Incident.components), selectinload(Incident.events)
    # populate_existing: a session that wrote to these incidents since loading them sees their new rows too.
    fresh = query.options(*options).order_by(*newest).execution_options(populate_existing=True)
    return list(session.scalars(fresh))


def _load_maintenances(session: Session, public_ids: set[str], cutoff: datetime) -> list[Maintenance]:
    """Maintenances on public components (or on none named): not completed, recent, or among the last 50."""
    newest = Maintenance.scheduled_for.desc(), Maintenance.id.desc()
    rows = session.execute(select(Maintenance.id, Maintenance.components).order_by(*newest))
    recent = [mid for mid, components in rows if _is_public_maintenance(components, public_ids)][:RECENT]
    query = select(Maintenance).where(
        or_(
            Maintenance.id.in_(recent),
            Maintenance.state != MaintenanceState.COMPLETED,
            Maintenance.scheduled_for >= cutoff,
        )
    )
    options = selectinload(Maintenance.updates)
    found = session.scalars(query.options(options).order_by(*newest).execution_options(populate_existing=True))
    return [m for m in found if _is_public_maintenance(m.components, public_ids)]


def _is_public_maintenance(components: Sequence[str] | None, public_ids: set[str]) -> bool:
    return not components or any(cid in public_ids for cid in components)


@dataclass(frozen=True)
class _StatusEvent:
    id: int
    at: datetime
    incident_id: int
    kind: EventKind
    data: dict[str, Any]


def _status_changes(session: Session, first: datetime) -> list[_StatusEvent]:
    """Component-status and state changes of public incidents that touch the uptime window, in one query."""
    first = datetime.combine(first.date(), time(), UTC)
    query = (
        select(IncidentEvent.id, IncidentEvent.at, IncidentEvent.incident_id, IncidentEvent.kind, IncidentEvent.data)
        .join(Incident, Incident.id == IncidentEvent.incident_id)
        .where(Incident.channel.in_(PUBLIC_CHANNELS))
        .where(or_(Incident.resolved_at.is_(None), Incident.resolved_at >= first))
        .where(IncidentEvent.kind.in_([EventKind.COMPONENT_STATUS, EventKind.STATE_CHANGED]))
        .order_by(IncidentEvent.at, IncidentEvent.id)
    )
    return [_StatusEvent(eid, at, iid, kind, data or {}) for eid, at, iid, kind, data in session.execute(query)]


def _uptime(changes: list[_StatusEvent], public_ids: set[str], days: int, now: datetime) -> dict[str, list[DayUptime]]:
    """Daily uptime of every public component from the public timeline (as monitor.uptime computes it)."""
    per_component: dict[str, list[_StatusEvent]] = {cid: [] for cid in public_ids}
    touched: dict[int, set[str]] = {}
    for change in changes:
        cid = change.data.get("component")
        if change.kind is EventKind.COMPONENT_STATUS and cid in per_component:
            per_component[cid].append(change)
            touched.setdefault(change.incident_id, set()).add(cid)
    for change in changes:
        if change.kind is EventKind.STATE_CHANGED:
            for cid in touched.get(change.incident_id, ()):
                per_component[cid].append(change)
    return {cid: _days(sorted(events, key=lambda e: (e.at, e.id)), days, now) for cid, events in per_component.items()}


def _days(events: Iterable[_StatusEvent], days: int, now: datetime) -> list[DayUptime]:
    return uptime_days([_as_change(e) for e in events if e.at <= now], days=days, now=now)


def _as_change(event: _StatusEvent) -> StatusChange:
    if event.kind is EventKind.COMPONENT_STATUS:
        return StatusChange(event.at, event.incident_id, status=ComponentStatus(event.data["to"]))
    return StatusChange(event.at, event.incident_id, open=IncidentState(event.data["to"]).is_open)


def _last_public_change(changes: list[_StatusEvent], public_ids: set[str]) -> dict[str, datetime]:
    last: dict[str, datetime] = {}
    for change in changes:
        cid = change.data.get("component")
        if change.kind is EventKind.COMPONENT_STATUS and cid in public_ids:
            last[cid] = max(last.get(cid, change.at), change.at)
    return last


def _layout(
    ids: _Ids,
    components: list[Component],
    statuses: dict[str, ComponentStatus],
    days: dict[str, list[DayUptime]],
    last_change: dict[str, datetime],
) -> list[PageGroup | PageComponent]:
    """Components in catalog order; a group stands where its first member stands, its members after it."""
    members: dict[str, list[Component]] = {}
    for component in components:
        if component.group:
            members.setdefault(component.group, []).append(component)
    layout: list[PageGroup | PageComponent] = []
    position = 0
    for component in components:
        if component.group is None:
            position += 1
            layout.append(_component(ids, component, position, None, statuses, days, last_change))
        elif component.group in members:
            position += 1
            group_id, group_position = ids("group", component.group), position
            shown = []
            for member in members.pop(component.group):
                position += 1
                shown.append(_component(ids, member, position, group_id, statuses, days, last_change))
            layout.append(PageGroup(group_id, component.group, group_position, shown))
    return layout


def _component(
    ids: _Ids,
    component: Component,
    position: int,
    group_id: str | None,
    statuses: dict[str, ComponentStatus],
    days: dict[str, list[DayUptime]],
    last_change: dict[str, datetime],
) -> PageComponent:
    changed = last_change.get(component.id)
    updated = max(component.updated_at, changed) if changed else component.updated_at
    return PageComponent(
        id=ids("component", component.id),
        key=component.id,
        name=component.name,
        description=component.description or None,
        status=statuses[component.id],
        position=position,
        group_id=group_id,
        only_show_if_degraded=component.only_show_if_degraded,
        start_date=component.created_at.date(),
        created_at=component.created_at,
        updated_at=updated,
        days=days[component.id],
    )


def _incident(
    ids: _Ids, incident: Incident, by_key: dict[str, PageComponent], policy: Policy, now: datetime
) -> PageIncident:
    public_events = public_updates(incident)
    updates = [_update(ids, incident, event, by_key) for event in reversed(public_events)]
    status_moments = [
        e.at for e in incident.events if e.kind is EventKind.COMPONENT_STATUS and e.data.get("component") in by_key
    ]
    moments = [incident.created_at, *(u.at for u in updates), *status_moments]
    if incident.resolved_at is not None:
        moments.append(incident.resolved_at)
    monitoring = [
        e.at
        for e in incident.events
        if e.kind is EventKind.STATE_CHANGED and e.data.get("to") == IncidentState.MONITORING.value
    ]
    return PageIncident(
        id=ids("incident", incident.id),
        name=incident.title,
        status=incident.state.value,
        impact=incident.impact.value,
        created_at=incident.created_at,
        updated_at=max(moments),
        started_at=incident.started_at,
        monitoring_at=max(monitoring, default=None),
        resolved_at=incident.resolved_at,
        updates=updates,
        components=[by_key[link.component_id] for link in incident.components if link.component_id in by_key],
        next_update_by=next_update_by(incident, policy, now),
    )


def _update(ids: _Ids, incident: Incident, event: IncidentEvent, by_key: dict[str, PageComponent]) -> PageUpdate:
    data = event.data or {}
    # Component changes made in the same call as the message belong to it (update_incident stamps one time).
    affected = [
        Affected(
            by_key[e.data["component"]],
            ComponentStatus(e.data.get("from") or "operational"),
            ComponentStatus(e.data["to"]),
        )
        for e in incident.events
        if e.kind is EventKind.COMPONENT_STATUS and e.at == event.at and e.data.get("component") in by_key
    ]
    return PageUpdate(
        id=ids("update", event.id),
        status=event.state.value,
        body=event.message or "",
        at=event.at,
        display_at=_display_at(data, event.at),
        affected=affected,
        deliver_notifications=data.get("deliver_notifications") is not False and not incident.backfilled,
    )


def _display_at(data: dict[str, Any], default: datetime) -> datetime:
    shown = data.get("display_at")
    if isinstance(shown, str):
        try:
            return as_utc(datetime.fromisoformat(shown))
        except ValueError:
            pass
    return default


def _maintenance(ids: _Ids, maintenance: Maintenance, by_key: dict[str, PageComponent]) -> PageIncident:
    mid = ids("maintenance", maintenance.id)
    updates = [
        PageUpdate(ids("maintenance-update", u.id), u.state.value, u.body, u.at, u.at, [], True)
        for u in reversed(maintenance.updates)
    ]
    moments = [maintenance.created_at, maintenance.updated_at, *(u.at for u in updates)]
    return PageIncident(
        id=mid,
        name=maintenance.title,
        status=maintenance.state.value,
        impact="maintenance",
        created_at=maintenance.created_at,
        updated_at=max(moments),
        started_at=maintenance.started_at or maintenance.scheduled_for,
        monitoring_at=None,
        resolved_at=maintenance.completed_at,
        updates=updates,
        components=[by_key[cid] for cid in maintenance.components if cid in by_key],
        scheduled_for=maintenance.scheduled_for,
        scheduled_until=maintenance.scheduled_until,
    )


def _links(incident: Incident) -> list[tuple[str, ComponentStatus]]:
    return [(link.component_id, link.status) for link in incident.components]


def rollup_status(
    statuses: Iterable[ComponentStatus],
    open_incidents: Sequence[tuple[Impact, dict[str, ComponentStatus]]],
    catalog: Sequence[Component],
    *,
    in_maintenance: bool = False,
) -> Rollup:
    """The page's overall status (formats.md §1.2, "suggested trustops rollup").

    The worst public component status sets it: a major outage is ``major``, a partial outage or degraded
    performance ``minor``; a maintenance in progress with nothing broken is ``maintenance``. An open public
    incident (its impact, and the statuses it gives its components) raises it to that impact when the
    impact says more than the components do: a person's override, or a severity already told that the
    components have since come down from. ``critical`` comes only that way. ``catalog`` holds every
    component, internal ones included, so that their weight is not mistaken for an override.
    """
    worst = max(statuses, key=STATUS_ORDER.index, default=ComponentStatus.OPERATIONAL)
    if worst is ComponentStatus.OPERATIONAL and in_maintenance:
        worst = ComponentStatus.UNDER_MAINTENANCE
    indicator, description = DESCRIPTIONS[worst]
    known = {c.id: c for c in catalog}
    for told, links in open_incidents:
        derived = derive_impact({known[cid]: status for cid, status in links.items() if cid in known})
        if told.rank > derived.rank and INDICATOR_RANK[told.value] > INDICATOR_RANK[indicator]:
            indicator, description = told.value, IMPACT_DESCRIPTIONS[told.value]
    return Rollup(indicator, description)


# --- the eight documents --------------------------------------------------------------------------------


def page_object(snapshot: Snapshot) -> dict[str, Any]:
    page = snapshot.page
    return {
        "id": page.id,
        "name": page.name,
        "url": page.url,
        "time_zone": page.time_zone,
        "updated_at": iso(page.updated_at),
    }


def component_object(page_id: str, component: PageComponent) -> dict[str, Any]:
    return {
        "id": component.id,
        "name": component.name,
        "status": component.status.value,
        "created_at": iso(component.created_at),
        "updated_at": iso(component.updated_at),
        "position": component.position,
        "description": component.description,
        "showcase": True,
        "start_date": component.start_date.isoformat() if component.start_date else None,
        "group_id": component.group_id,
        "page_id": page_id,
        "group": False,
        "only_show_if_degraded": component.only_show_if_degraded,
    }


def group_object(page_id: str, group: PageGroup) -> dict[str, Any]:
    return {
        "id": group.id,
        "name": group.name,
        "status": group.status.value,
        "created_at": iso(min(m.created_at for m in group.members)),
        "updated_at": iso(max(m.updated_at for m in group.members)),
        "position": group.position,
        "description": None,
        "showcase": False,
        "start_date": None,
        "group_id": None,
        "page_id": page_id,
        "group": True,
        "only_show_if_degraded": False,
        "components": [m.id for m in group.members],
    }


def components_list(snapshot: Snapshot) -> list[dict[str, Any]]:
    """Every public component, each group container just before its members."""
    page_id, found = snapshot.page.id, []
    for item in snapshot.layout:
        if isinstance(item, PageGroup):
            found.append(group_object(page_id, item))
            found.extend(component_object(page_id, m) for m in item.members)
        else:
            found.append(component_object(page_id, item))
    return found


def update_object(incident_id: str, update: PageUpdate) -> dict[str, Any]:
    affected = [
        {
            "code": a.component.id,
            "name": a.component.name,
            "old_status": a.old_status.value,
            "new_status": a.new_status.value,
        }
        for a in update.affected
    ]
    return {
        "id": update.id,
        "incident_id": incident_id,
        "status": update.status,
        "body": update.body,
        "created_at": iso(update.at),
        "updated_at": iso(update.at),
        "display_at": iso(update.display_at),
        "affected_components": affected or None,
        "deliver_notifications": update.deliver_notifications,
        "custom_tweet": None,
        "tweet_id": None,
    }


def incident_object(snapshot: Snapshot, incident: PageIncident) -> dict[str, Any]:
    page_id = snapshot.page.id
    kind = "maintenances" if incident.is_maintenance else "incidents"
    found = {
        "id": incident.id,
        "name": incident.name,
        "status": incident.status,
        "impact": incident.impact,
        "shortlink": f"{snapshot.page.url}/{kind}/{incident.id}",
        "created_at": iso(incident.created_at),
        "updated_at": iso(incident.updated_at),
        "started_at": iso(incident.started_at),
        "monitoring_at": iso(incident.monitoring_at),
        "resolved_at": iso(incident.resolved_at),
        "page_id": page_id,
        "incident_updates": [update_object(incident.id, u) for u in incident.updates],
        "components": [component_object(page_id, c) for c in incident.components],
    }
    if incident.is_maintenance:
        found["scheduled_for"] = iso(incident.scheduled_for)
        found["scheduled_until"] = iso(incident.scheduled_until)
    return found


def status_object(snapshot: Snapshot) -> dict[str, str]:
    return {"indicator": snapshot.status.indicator, "description": snapshot.status.description}


def uptime_extras(snapshot: Snapshot, *, bars: bool) -> dict[str, Any]:
    """Uptime per component over ``history_days``, cut to two decimals; with ``bars``, each day's too."""
    found: dict[str, Any] = {}
    for component in snapshot.components:
        found[component.id] = {"uptime_percent": _percent(component.uptime)}
        if bars:
            found[component.id]["days"] = [
                {"date": d.day.isoformat(), "uptime_percent": _percent(d.uptime), "worst_status": d.worst.value}
                for d in component.days
            ]
    return {"uptime_days": snapshot.page.history_days, "components": found}


def incident_extras(incidents: Iterable[PageIncident]) -> dict[str, Any]:
    return {i.id: {"next_update_by": iso(i.next_update_by)} for i in incidents}


def _percent(fraction: float) -> float:
    return float(percent(fraction))


def documents(snapshot: Snapshot) -> dict[str, dict[str, Any]]:
    """The eight Statuspage v2 documents, keyed by their path under ``/api/v2/`` without ``.json``."""
    page = page_object(snapshot)
    components = components_list(snapshot)
    unresolved = [incident_object(snapshot, i) for i in snapshot.unresolved]
    recent = [incident_object(snapshot, i) for i in snapshot.incidents[:RECENT]]
    upcoming = [incident_object(snapshot, m) for m in snapshot.upcoming]
    active = [incident_object(snapshot, m) for m in snapshot.active]
    return {
        "summary": {
            "page": page,
            "components": components,
            "incidents": unresolved,
            "scheduled_maintenances": active + upcoming,
            "status": status_object(snapshot),
            # The most polled document stays light: the daily bars are in components.json.
            "x_trustops": {**uptime_extras(snapshot, bars=False), "incidents": incident_extras(snapshot.unresolved)},
        },
        "status": {"page": page, "status": status_object(snapshot)},
        "components": {"page": page, "components": components, "x_trustops": uptime_extras(snapshot, bars=True)},
        "incidents/unresolved": {
            "page": page,
            "incidents": unresolved,
            "x_trustops": {"incidents": incident_extras(snapshot.unresolved)},
        },
        "incidents": {
            "page": page,
            "incidents": recent,
            "x_trustops": {"incidents": incident_extras(snapshot.incidents[:RECENT])},
        },
        "scheduled-maintenances/upcoming": {"page": page, "scheduled_maintenances": upcoming},
        "scheduled-maintenances/active": {"page": page, "scheduled_maintenances": active},
        "scheduled-maintenances": {
            "page": page,
            "scheduled_maintenances": [incident_object(snapshot, m) for m in snapshot.maintenances[:RECENT]],
        },
    }


def render_json(document: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON, keys in the builder's fixed order: the same snapshot gives the same bytes."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
