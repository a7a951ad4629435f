"""Turn alert signals into incidents: map to a component, dedupe, then open, join, reopen or resolve.

One function per transition keeps the rules readable:

* a new firing alert joins the component's open incident, or reopens the component's automatically
  opened incident resolved less than ``incident_join_minutes`` ago (flap damping), or opens one;
* a re-delivered alert in the same state changes nothing but its delivery count (Alertmanager re-sends
  every group_interval; a retried webhook must not open a second incident or notify twice);
* an alert that resolves clears its component once no other alert on it fires, and resolves an
  automatically opened incident once none of its alerts fire.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trustops.catalog.models import Component
from trustops.catalog.schema import AlertMapping
from trustops.config import Policy
from trustops.enums import STATUS_ORDER, ComponentStatus, IncidentState
from trustops.monitor.health_models import Alert
from trustops.monitor.incidents import Change, open_incident, record_event, update_incident
from trustops.monitor.models import EventKind, Incident, IncidentComponent
from trustops.monitor.signals import AlertSignal

HUMAN_SOURCES = {"manual", "api", "cli"}
LABEL_KEYS = ("component", "service", "feature")  # labels whose value may name a component directly
SEVERITY_STATUS = {
    "critical": ComponentStatus.MAJOR_OUTAGE,
    "page": ComponentStatus.MAJOR_OUTAGE,
    "error": ComponentStatus.PARTIAL_OUTAGE,
    "major": ComponentStatus.PARTIAL_OUTAGE,
    "warning": ComponentStatus.DEGRADED_PERFORMANCE,
    "minor": ComponentStatus.DEGRADED_PERFORMANCE,
    "info": ComponentStatus.DEGRADED_PERFORMANCE,
}


def map_component(session: Session, labels: Mapping[str, str], mappings: Sequence[AlertMapping]) -> str | None:
    """The component named by the first matching mapping rule, else by a component/service/feature label."""
    for rule in mappings:
        if all(fnmatch.fnmatchcase(labels.get(k, ""), pattern) for k, pattern in rule.match.items()):
            return rule.component
    for key in LABEL_KEYS:
        value = labels.get(key)
        if value and session.get(Component, value) is not None:
            return value
    return None


def apply_alert(
    session: Session, signal: AlertSignal, *, policy: Policy, mappings: Sequence[AlertMapping] = (), now: datetime
) -> Alert:
    """Store the signal and move incidents accordingly; returns the alert row (stored, maybe unmapped)."""
    component_id = signal.component_id
    if component_id is not None and session.get(Component, component_id) is None:
        component_id = None
    component_id = component_id or map_component(session, signal.labels, mappings)
    alert, changed = _upsert(session, signal, component_id, now)
    if not changed or alert.component_id is None:
        return alert
    if alert.firing:
        _fire(session, alert, _status_for(signal), policy, now)
    else:
        _clear(session, alert, now)
    return alert


def _upsert(session: Session, signal: AlertSignal, component_id: str | None, now: datetime) -> tuple[Alert, bool]:
    """The alert row, and whether its firing state changed (a new alert counts as changed)."""
    query = select(Alert).where(Alert.source == signal.source, Alert.key == signal.key)
    alert = session.scalar(query)
    if alert is None:
        alert = Alert(
            source=signal.source,
            key=signal.key[:255],
            component_id=component_id,
            firing=signal.firing,
            summary=(signal.summary or signal.key)[:500],
            severity=signal.severity,
            labels=dict(signal.labels),
            started_at=signal.started_at or now,
            last_seen_at=now,
            resolved_at=None if signal.firing else now,
        )
        try:
            with session.begin_nested():
                session.add(alert)
        except IntegrityError:  # a concurrent delivery of the same alert got there first
            alert = session.scalars(query).one()
        else:
            return alert, signal.firing
    alert.deliveries += 1
    alert.last_seen_at = now
    if alert.firing == signal.firing:
        return alert, False
    alert.firing = signal.firing
    alert.summary = signal.summary[:500] or alert.summary  # a resolve without one keeps what the alert said
    alert.component_id = alert.component_id or component_id
    if signal.firing:
        alert.started_at, alert.resolved_at, alert.incident_id = signal.started_at or now, None, None
    else:
        alert.resolved_at = now
    return alert, True


def _status_for(signal: AlertSignal) -> ComponentStatus:
    if signal.status is not None:
        return signal.status
    return SEVERITY_STATUS.get((signal.severity or "").lower(), ComponentStatus.PARTIAL_OUTAGE)


def _fire(session: Session, alert: Alert, status: ComponentStatus, policy: Policy, now: datetime) -> None:
    assert alert.component_id is not None
    actor = f"{alert.source}"
    incident = open_incident_on(session, alert.component_id) or _recently_resolved(
        session, alert.component_id, now - timedelta(minutes=policy.incident_join_minutes)
    )
    if incident is None:
        incident = open_incident(
            session,
            title=alert.summary,
            components={alert.component_id: status},
            actor=actor,
            source=alert.source,
            started_at=min(alert.started_at, now),
            now=now,
        )
    else:
        change = Change(components={alert.component_id: _worse(incident, alert.component_id, status)})
        if not incident.is_open:
            change = Change(state=IncidentState.INVESTIGATING, components=change.components)
        update_incident(session, incident.id, change, actor=actor, now=now)
    alert.incident_id = incident.id
    record_event(session, incident, EventKind.ALERT, actor, now, alert.summary, _alert_data(alert, "firing"))


def _clear(session: Session, alert: Alert, now: datetime) -> None:
    incident = session.get(Incident, alert.incident_id) if alert.incident_id else None
    if incident is None or not incident.is_open:
        return
    actor = alert.source
    record_event(session, incident, EventKind.ALERT, actor, now, alert.summary, _alert_data(alert, "resolved"))
    still_firing = _firing_alerts(session, incident.id)
    if incident.source in HUMAN_SOURCES:
        return  # a person owns this incident; they resolve it
    if not still_firing:
        message = "All alerts on this incident have resolved."
        update_incident(
            session, incident.id, Change(state=IncidentState.RESOLVED, message=message), actor=actor, now=now
        )
    elif alert.component_id not in {a.component_id for a in still_firing}:
        change = Change(components={alert.component_id: ComponentStatus.OPERATIONAL})  # type: ignore[dict-item]
        update_incident(session, incident.id, change, actor=actor, now=now)


def open_incident_on(session: Session, component_id: str) -> Incident | None:
    query = (
        select(Incident)
        .join(IncidentComponent)
        .where(IncidentComponent.component_id == component_id)
        .where(Incident.state.in_([s for s in IncidentState if s.is_open]))
        .order_by(Incident.started_at.desc())
    )
    return session.scalars(query).first()


def _recently_resolved(session: Session, component_id: str, since: datetime) -> Incident | None:
    query = (
        select(Incident)
        .join(IncidentComponent)
        .where(IncidentComponent.component_id == component_id)
        .where(Incident.state == IncidentState.RESOLVED, Incident.resolved_at >= since)
        .where(Incident.source.not_in(HUMAN_SOURCES))
        .order_by(Incident.resolved_at.desc())
    )
    return session.scalars(query).first()


def _firing_alerts(session: Session, incident_id: int) -> list[Alert]:
    return list(session.scalars(select(Alert).where(Alert.incident_id == incident_id, Alert.firing.is_(True))))


def _worse(incident: Incident, component_id: str, status: ComponentStatus) -> ComponentStatus:
    current = next((c.status for c in incident.components if c.component_id == component_id), None)
    if current is None or not incident.is_open:
        return status
    return max(current, status, key=STATUS_ORDER.index)


def _alert_data(alert: Alert, state: str) -> dict[str, str | None]:
    return {"source": alert.source, "alert": alert.key[:120], "component": alert.component_id, "state": state}
