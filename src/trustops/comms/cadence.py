"""Update cadence and reminders: every message promises the next one, and a broken promise is an alert.

rules.md §1: a status-page incident gets its first public update within ``first_public_update_minutes`` of
detection, then one every ``public_update_cadence_minutes`` while unresolved; a targeted one uses the
targeted pair of knobs. Internal incidents and retrospective reports promise nothing.

Reminders are timeline rows (``reminder``) delivered to the incident's owner, a notification route, or
to every responders route when it has none: one per missed due time, and one when its components have
been down for each of ``degraded_reminder_hours`` (then every 24 hours), as Statuspage reminds its admins.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from trustops.comms.audience import MESSAGE_KINDS, audience_of
from trustops.config import Policy
from trustops.enums import Audience, Channel, ComponentStatus, DeliveryStatus, IncidentState
from trustops.monitor.health_models import Delivery, Route
from trustops.monitor.incidents import record_event
from trustops.monitor.models import EventKind, Incident, IncidentEvent

OVERDUE = "update_overdue"
DEGRADED = "still_degraded"
RESPONDERS = "responders"
AFTER_LAST_MARK = 24  # hours between still-degraded reminders once the policy's list is spent
PROMISED_TO = {Channel.STATUS_PAGE: "the public was", Channel.TARGETED: "the affected accounts were"}
# Who hears a message on each channel: a public update also reaches the targeted accounts.
HEARD_BY = {
    Channel.STATUS_PAGE: (Audience.PUBLIC,),
    Channel.TARGETED: (Audience.TARGETED, Audience.PUBLIC),
}


@dataclass(frozen=True)
class Overdue:
    incident_id: int
    title: str
    channel: Channel
    due_at: datetime
    minutes_late: int
    owner: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "incident_id": self.incident_id,
            "title": self.title,
            "channel": self.channel.value,
            "due_at": self.due_at.isoformat(),
            "minutes_late": self.minutes_late,
            "owner": self.owner,
        }


def next_update_by(incident: Incident, policy: Policy, now: datetime) -> datetime | None:
    """When the next update to the incident's audience is due, as of ``now``; ``None`` when none is owed.

    The first update is due a fixed time after detection; each message its audience heard (posted at or
    before ``now``) moves the due time to one cadence after it.
    """
    if not incident.is_open or incident.channel not in HEARD_BY:
        return None
    public = incident.channel is Channel.STATUS_PAGE
    heard = [e.at for e in incident.events if e.at <= now and _heard(e, incident)]
    if heard:
        cadence = policy.public_update_cadence_minutes if public else policy.targeted_update_cadence_minutes
        return max(heard) + timedelta(minutes=cadence)
    first = policy.first_public_update_minutes if public else policy.first_targeted_update_minutes
    return incident.detected_at + timedelta(minutes=first)


def _heard(event: IncidentEvent, incident: Incident) -> bool:
    assert incident.channel is not None
    return (
        bool(event.message)
        and event.kind in MESSAGE_KINDS
        and audience_of(event, incident) in HEARD_BY[incident.channel]
    )


def overdue(session: Session, *, policy: Policy, now: datetime) -> list[Overdue]:
    """Open incidents whose promised update is late, the longest overdue first."""
    found = []
    for incident in _open_incidents(session, channels=tuple(HEARD_BY)):
        due = next_update_by(incident, policy, now)
        if due is not None and now > due:
            assert incident.channel is not None
            late = int((now - due).total_seconds() // 60)
            found.append(Overdue(incident.id, incident.title, incident.channel, due, late, incident.owner))
    return sorted(found, key=lambda o: o.due_at)


def remind(session: Session, *, policy: Policy, now: datetime) -> list[IncidentEvent]:
    """Record and deliver the reminders now owed; a reminder already sent is never sent again."""
    reminders = []
    for incident in _open_incidents(session):
        sent = [e.data for e in incident.events if e.kind is EventKind.REMINDER]
        for data, text in (_overdue_reminder(incident, policy, now), _degraded_reminder(incident, policy, now)):
            if data is None or _already(sent, data):
                continue
            event = record_event(session, incident, EventKind.REMINDER, "trustops", now, text, data)
            session.flush()
            _deliver(session, incident, event, now)
            reminders.append(event)
    return reminders


def _overdue_reminder(incident: Incident, policy: Policy, now: datetime) -> tuple[dict[str, Any] | None, str]:
    due = next_update_by(incident, policy, now)
    if due is None or now <= due or incident.channel is None:
        return None, ""
    who = PROMISED_TO[incident.channel]
    text = f"Update overdue on incident #{incident.id} {incident.title}: {who} promised an update by {_hhmm(due)}."
    return {"reason": OVERDUE, "due_at": due.isoformat()}, text


def _degraded_reminder(incident: Incident, policy: Policy, now: datetime) -> tuple[dict[str, Any] | None, str]:
    since = down_since(incident)
    if since is None:
        return None, ""
    elapsed = (now - since).total_seconds() / 3600
    passed = [h for h in _marks(policy.degraded_reminder_hours, elapsed) if h <= elapsed]
    if not passed:
        return None, ""
    hours = passed[-1]
    down = ", ".join(c.component_id for c in incident.components if c.status is not ComponentStatus.OPERATIONAL)
    text = (
        f"Incident #{incident.id} {incident.title}: {down} not operational for {hours} hours "
        f"(since {_hhmm(since)}). Check that the status page and the last update still say what is true."
    )
    return {"reason": DEGRADED, "hours": hours, "since": since.isoformat()}, text


def _marks(hours: Iterable[int], elapsed: float) -> list[int]:
    """The reminder marks up to ``elapsed`` hours: the policy's, then every 24 hours after the last."""
    marks = sorted(set(hours))
    while marks[-1] + AFTER_LAST_MARK <= elapsed:
        marks.append(marks[-1] + AFTER_LAST_MARK)
    return marks


def _already(sent: list[dict[str, Any]], data: dict[str, Any]) -> bool:
    if data["reason"] == OVERDUE:
        return any(s.get("reason") == OVERDUE and s.get("due_at") == data["due_at"] for s in sent)
    # A later mark only: after the 12-hour reminder, a late worker never sends the 3- or 6-hour one.
    return any(
        s.get("reason") == DEGRADED and s.get("since") == data["since"] and int(s.get("hours", 0)) >= data["hours"]
        for s in sent
    )


def down_since(incident: Incident) -> datetime | None:
    """Since when the open incident's components have been not operational without a break, if they are.

    The first stretch counts from the incident's start; a later one from the update that took a
    component down again after all were operational.
    """
    if not incident.is_open or all(c.status is ComponentStatus.OPERATIONAL for c in incident.components):
        return None
    statuses: dict[str, str] = {}
    since: datetime | None = None
    for event in incident.events:
        component = event.data.get("component")
        if event.kind is not EventKind.COMPONENT_STATUS or not isinstance(component, str):
            continue
        was_down = _any_down(statuses)
        statuses[component] = str(event.data.get("to"))
        if not _any_down(statuses):
            since = None
        elif not was_down:
            since = incident.started_at if event.at <= incident.detected_at else event.at
    return since


def _any_down(statuses: dict[str, str]) -> bool:
    return any(status != ComponentStatus.OPERATIONAL.value for status in statuses.values())


def _deliver(session: Session, incident: Incident, event: IncidentEvent, now: datetime) -> int:
    """One pending delivery of the reminder per recipient route: the owner, else every responders route."""
    routes = _recipients(session, incident)
    subject = f"[trustops] Reminder for incident #{incident.id}: {incident.title}"
    for route in routes:
        session.add(
            Delivery(
                incident_id=incident.id,
                event_id=event.id,
                route=route.name,
                audience=RESPONDERS,
                subject=subject[:300],
                body=event.message or "",
                status=DeliveryStatus.PENDING,
                next_attempt_at=now,
                created_at=now,
            )
        )
    return len(routes)


def _recipients(session: Session, incident: Incident) -> list[Route]:
    if incident.owner:
        owner = session.get(Route, incident.owner)
        if owner is not None and owner.active:
            return [owner]
    query = select(Route).where(Route.active.is_(True), Route.audience == RESPONDERS).order_by(Route.name)
    return list(session.scalars(query))


def _open_incidents(session: Session, channels: tuple[Channel, ...] | None = None) -> list[Incident]:
    query = (
        select(Incident)
        .where(Incident.state.in_([s for s in IncidentState if s.is_open]))
        .options(selectinload(Incident.components), selectinload(Incident.events))
        .order_by(Incident.id)
    )
    if channels is not None:
        query = query.where(Incident.channel.in_(channels))
    session.flush()
    return list(session.scalars(query.execution_options(populate_existing=True)))


def _hhmm(moment: datetime) -> str:
    return f"{moment:%H:%M} UTC"
