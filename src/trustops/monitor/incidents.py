"""Open, update and resolve incidents; every change becomes a row of the incident's timeline."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from trustops import clock
from trustops.catalog.models import Component
from trustops.enums import STATUS_ORDER, Audience, ComponentStatus, Criticality, Impact, IncidentState
from trustops.errors import Conflict, InvalidInput, NotFound
from trustops.monitor.models import EventKind, Incident, IncidentComponent, IncidentEvent
from trustops.monitor.notify import NOTIFY_KINDS, enqueue

STATUS_IMPACT = {
    ComponentStatus.OPERATIONAL: Impact.NONE,
    ComponentStatus.UNDER_MAINTENANCE: Impact.NONE,
    ComponentStatus.DEGRADED_PERFORMANCE: Impact.MINOR,
    ComponentStatus.PARTIAL_OUTAGE: Impact.MAJOR,
    ComponentStatus.MAJOR_OUTAGE: Impact.CRITICAL,
}


@dataclass(frozen=True)
class Change:
    """What an update asks for; ``None`` leaves that part as it is."""

    state: IncidentState | None = None
    message: str | None = None
    components: Mapping[str, ComponentStatus] | None = None
    impact: Impact | None = None
    audience: Audience | None = None  # who the message is for; None follows the incident's channel

    def is_empty(self) -> bool:
        return self.state is None and not self.message and self.components is None and self.impact is None


def derive_impact(statuses: Mapping[Component, ComponentStatus]) -> Impact:
    """Impact from the worst component status, one step up for transactions, one down for background.

    A failure while money changes hands hurts more than one nobody notices at once (DESIGN.md).
    """
    worst = Impact.NONE
    for component, status in statuses.items():
        rank = STATUS_IMPACT[status].rank
        if rank and component.criticality is Criticality.TRANSACTION:
            rank += 1
        elif rank and component.criticality is Criticality.BACKGROUND:
            rank -= 1
        worst = max(worst, list(Impact)[min(max(rank, 0), Impact.CRITICAL.rank)], key=lambda i: i.rank)
    return worst


def open_incident(
    session: Session,
    *,
    title: str,
    components: Mapping[str, ComponentStatus],
    actor: str,
    message: str | None = None,
    impact: Impact | None = None,
    state: IncidentState = IncidentState.INVESTIGATING,
    started_at: datetime | None = None,
    source: str = "manual",
    audience: Audience | None = None,
    now: datetime | None = None,
) -> Incident:
    now = now or clock.now()
    title = title.strip()
    if not title:
        raise InvalidInput("title: must not be empty", field="title")
    if not state.is_open:
        raise InvalidInput(f"state: a new incident cannot start as {state.value!r}", field="state")
    if started_at is not None and started_at > now:
        raise InvalidInput(f"started_at: {started_at.isoformat()} is in the future", field="started_at")
    known = _components(session, components)
    incident = Incident(
        title=title,
        state=state,
        impact=impact or derive_impact({known[cid]: s for cid, s in components.items()}),
        source=source,
        started_at=started_at or now,
        detected_at=now,
        created_at=now,
        updated_at=now,
    )
    incident.components = [IncidentComponent(component_id=cid, status=s) for cid, s in components.items()]
    session.add(incident)
    session.flush()
    opened = {"impact": incident.impact.value, **_audience_data(audience)}
    record_event(session, incident, EventKind.OPENED, actor, now, message, opened)
    for cid, status in components.items():
        record_event(session, incident, EventKind.COMPONENT_STATUS, actor, now, None, _status_data(cid, None, status))
    return incident


def update_incident(
    session: Session, incident_id: int, change: Change, *, actor: str, now: datetime | None = None
) -> Incident:
    """Apply ``change``, recording one timeline row per thing that changed.

    Steps: 1. refuse empty changes, and anything but a message once the post-mortem is out; 2. state
    (reopening a resolved incident clears its resolution); 3. component statuses; 4. impact, explicit or
    derived; 5. the state row, or a plain update row when only a message was given.
    """
    now = now or clock.now()
    if change.is_empty():
        raise InvalidInput("nothing to update: give a state, message, components or impact")
    incident = get_incident(session, incident_id)
    if incident.state is IncidentState.POSTMORTEM:
        _refuse_postmortem_changes(incident_id, change)
    state_change = _change_state(session, incident, change, actor, now)
    if change.components is not None:
        _change_components(session, incident, change.components, actor, now)
    _change_impact(session, incident, change, actor, now)
    # The state row comes last, so its notifications carry the impact and statuses it leads to: a reopened
    # incident is announced at its new impact, to the routes that impact reaches.
    if state_change is not None:
        record_event(session, incident, EventKind.STATE_CHANGED, actor, now, change.message, state_change)
    elif change.message:
        record_event(session, incident, EventKind.UPDATE, actor, now, change.message, _audience_data(change.audience))
    incident.updated_at = now
    return incident


def _refuse_postmortem_changes(incident_id: int, change: Change) -> None:
    if change.state not in (None, IncidentState.POSTMORTEM):
        raise Conflict(
            f"incident {incident_id} has a post-mortem; it cannot move back to {change.state}", field="state"
        )
    if change.components is not None or change.impact is not None:
        field = "components" if change.components is not None else "impact"
        raise Conflict(f"incident {incident_id} has a post-mortem; only messages may be added", field=field)


def resolve_incident(
    session: Session, incident_id: int, *, actor: str, message: str | None = None, now: datetime | None = None
) -> Incident:
    incident = get_incident(session, incident_id)
    if not incident.is_open:
        raise Conflict(f"incident {incident_id} is already {incident.state.value}", field="state")
    return update_incident(
        session, incident_id, Change(state=IncidentState.RESOLVED, message=message), actor=actor, now=now
    )


def get_incident(session: Session, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id, options=[selectinload(Incident.components)])
    if incident is None:
        raise NotFound(f"incident {incident_id} does not exist", field="incident_id")
    return incident


def list_incidents(session: Session, *, open_only: bool = False, limit: int = 100) -> list[Incident]:
    query = select(Incident).options(selectinload(Incident.components)).order_by(Incident.started_at.desc())
    if open_only:
        query = query.where(Incident.state.in_([s for s in IncidentState if s.is_open]))
    return list(session.scalars(query.limit(limit)))


def timeline(session: Session, incident_id: int) -> list[IncidentEvent]:
    get_incident(session, incident_id)
    return list(
        session.scalars(
            select(IncidentEvent).where(IncidentEvent.incident_id == incident_id).order_by(IncidentEvent.id)
        )
    )


def component_statuses(session: Session) -> dict[str, ComponentStatus]:
    """Every component's current status: the worst any open incident gives it, else operational."""
    statuses = {cid: ComponentStatus.OPERATIONAL for cid in session.scalars(select(Component.id))}
    rows = session.execute(
        select(IncidentComponent.component_id, IncidentComponent.status)
        .join(Incident)
        .where(Incident.state.in_([s for s in IncidentState if s.is_open]))
    )
    for cid, status in rows:
        if STATUS_ORDER.index(status) > STATUS_ORDER.index(statuses[cid]):
            statuses[cid] = status
    return statuses


def _components(session: Session, wanted: Mapping[str, ComponentStatus]) -> dict[str, Component]:
    if not wanted:
        raise InvalidInput("components: name at least one affected component", field="components")
    found = {c.id: c for c in session.scalars(select(Component).where(Component.id.in_(list(wanted))))}
    missing = sorted(set(wanted) - set(found))
    if missing:
        raise InvalidInput(f"components: unknown component {missing[0]!r}", field=f"components.{missing[0]}")
    return found


def _change_state(
    session: Session, incident: Incident, change: Change, actor: str, now: datetime
) -> dict[str, str] | None:
    """Move the incident to the new state; returns the data of the state row to record, or None."""
    if change.state is None or change.state is incident.state:
        return None
    if change.state is IncidentState.POSTMORTEM and incident.is_open:
        raise Conflict(f"incident {incident.id} must be resolved before its post-mortem", field="state")
    before = incident.state
    incident.state = change.state
    if change.state is IncidentState.RESOLVED:
        incident.resolved_at = now
        _change_components(
            session,
            incident,
            {c.component_id: ComponentStatus.OPERATIONAL for c in incident.components},
            actor,
            now,
        )
    elif change.state.is_open and not before.is_open:
        incident.resolved_at = None
    return {"from": before.value, "to": change.state.value, **_audience_data(change.audience)}


def _change_components(
    session: Session, incident: Incident, wanted: Mapping[str, ComponentStatus], actor: str, now: datetime
) -> None:
    _components(session, wanted)
    current = {c.component_id: c for c in incident.components}
    for cid, status in wanted.items():
        link = current.get(cid)
        if link is None:
            incident.components.append(IncidentComponent(component_id=cid, status=status))
        elif link.status is not status:
            before, link.status = link.status, status
            record_event(
                session,
                incident,
                EventKind.COMPONENT_STATUS,
                actor,
                now,
                None,
                _status_data(cid, before, status),
            )
            continue
        else:
            continue
        record_event(session, incident, EventKind.COMPONENT_STATUS, actor, now, None, _status_data(cid, None, status))


def _change_impact(session: Session, incident: Incident, change: Change, actor: str, now: datetime) -> None:
    if change.impact is not None:
        impact = change.impact
    elif change.components is not None:
        known = _components(session, {c.component_id: c.status for c in incident.components})
        impact = derive_impact({known[c.component_id]: c.status for c in incident.components})
        if impact.rank < incident.impact.rank:
            return  # derived impact only rises; a person lowers it explicitly (it is what was told)
    else:
        return
    if impact is incident.impact or (impact is Impact.NONE and change.state is IncidentState.RESOLVED):
        return
    data = {"from": incident.impact.value, "to": impact.value}
    incident.impact = impact
    record_event(session, incident, EventKind.IMPACT_CHANGED, actor, now, None, data)


def _audience_data(audience: Audience | None) -> dict[str, str]:
    return {} if audience is None else {"audience": audience.value}


def _status_data(component_id: str, before: ComponentStatus | None, after: ComponentStatus) -> dict[str, str | None]:
    return {"component": component_id, "from": before.value if before else None, "to": after.value}


def record_event(
    session: Session,
    incident: Incident,
    kind: EventKind,
    actor: str,
    at: datetime,
    message: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> IncidentEvent:
    row = IncidentEvent(
        incident_id=incident.id,
        at=at,
        kind=kind,
        actor=actor,
        state=incident.state,
        message=message,
        data=dict(data or {}),
    )
    session.add(row)
    if kind in NOTIFY_KINDS:
        session.flush()  # the delivery rows point at the event
        enqueue(session, incident, row, at)
    return row
