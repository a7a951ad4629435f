"""Telling status-page subscribers about scheduled maintenance, as Statuspage does.

Every update of a maintenance (announced, started, each posted message, completed) goes to the confirmed
subscribers who follow one of its public components, or every component, by e-mail or webhook. A
maintenance only on internal components is not on the page and tells nobody. As for incident news, the
message is written when the worker sends it (:func:`message_for`), so its signed unsubscribe link is never
stored, and nothing goes out if the maintenance has left the page by then.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from trustops.catalog.models import Component
from trustops.clock import iso
from trustops.comms import subscriptions
from trustops.comms.audience import public_components
from trustops.comms.channels import ChannelError, Message
from trustops.comms.ids import public_id
from trustops.comms.models import Maintenance, MaintenanceUpdate, Subscriber
from trustops.enums import ComponentStatus, DeliveryStatus, MaintenanceState
from trustops.monitor.health_models import Delivery

LABEL = {
    MaintenanceState.SCHEDULED: "Scheduled",
    MaintenanceState.IN_PROGRESS: "In progress",
    MaintenanceState.VERIFYING: "Verifying",
    MaintenanceState.COMPLETED: "Completed",
}


def shown_components(session: Session, maintenance: Maintenance) -> list[Component]:
    """The maintenance's components that the status page shows, in catalog order."""
    return [c for c in public_components(session) if c.id in maintenance.components]


def queue(session: Session, maintenance: Maintenance, updates: Sequence[MaintenanceUpdate], now: datetime) -> int:
    """Queue one delivery per update and per subscriber it concerns; returns how many."""
    shown = {c.id for c in shown_components(session, maintenance)}
    readers = subscriptions.following(session, shown) if shown else []
    for update in updates:
        for reader in readers:
            session.add(
                Delivery(
                    incident_id=None,
                    event_id=None,
                    maintenance_update_id=update.id,
                    route=f"{subscriptions.ROUTE_PREFIX}{reader.id}",
                    audience=subscriptions.AUDIENCE,
                    target=reader.target,
                    subject=f"{maintenance.title}: {LABEL[update.state]}"[:300],
                    body="A scheduled-maintenance notice (written when sent, with its signed unsubscribe link).",
                    status=DeliveryStatus.PENDING,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
    return len(readers) * len(updates)


def message_for(session: Session, delivery: Delivery, subscriber: Subscriber, page: subscriptions.Page) -> Message:
    """The notice for one delivery; ChannelError(permanent) when the maintenance is no longer on the page."""
    update = session.get(MaintenanceUpdate, delivery.maintenance_update_id)
    if update is None:
        raise ChannelError("the maintenance no longer exists", permanent=True)
    maintenance = update.maintenance
    session.refresh(maintenance, ["updates"])
    shown = shown_components(session, maintenance)
    if not shown:
        raise ChannelError(f"maintenance {maintenance.id} is no longer on the status page; not sent", permanent=True)
    unsubscribe = subscriptions.unsubscribe_link(subscriber, page)
    if subscriber.kind == "webhook":
        incident = _maintenance_object(session, maintenance, update, shown, page)
        payload = subscriptions.webhook_body(session, page, unsubscribe, update.at, incident)
        return Message(delivery.subject, json.dumps(payload))
    return _email(maintenance, update, shown, page, unsubscribe)


def _email(
    maintenance: Maintenance,
    update: MaintenanceUpdate,
    shown: Sequence[Component],
    page: subscriptions.Page,
    unsubscribe: str,
) -> Message:
    zone = ZoneInfo(page.time_zone)
    start, end, at = (t.astimezone(zone) for t in (maintenance.scheduled_for, maintenance.scheduled_until, update.at))
    until = f"{end:%H:%M %Z}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M %Z}"
    link = page.link("maintenances/" + public_id(page.secret, "maintenance", maintenance.id))
    lines = [
        maintenance.title,
        "",
        f"{LABEL[update.state]} · {at:%Y-%m-%d %H:%M %Z}",
        update.body,
        "",
        f"Window: {start:%Y-%m-%d %H:%M} to {until}",
        f"Components: {', '.join(c.name for c in shown)}",
        f"Details: {link}",
    ]
    subject = f"[{page.name}] Maintenance {LABEL[update.state].lower()}: {maintenance.title}"
    return subscriptions.subscriber_email(subject, lines, page, unsubscribe)


def _maintenance_object(
    session: Session,
    maintenance: Maintenance,
    update: MaintenanceUpdate,
    shown: Sequence[Component],
    page: subscriptions.Page,
) -> dict[str, Any]:
    """The maintenance as Statuspage's webhook ``incident`` object: ``impact`` "maintenance" and its schedule,
    as it stood at ``update``."""
    page_id = subscriptions.public_page_id(page)
    mid = public_id(page.secret, "maintenance", maintenance.id)
    told = [u for u in maintenance.updates if u.id <= update.id]
    status = ComponentStatus.UNDER_MAINTENANCE if update.state.is_active else ComponentStatus.OPERATIONAL
    completed = update.state is MaintenanceState.COMPLETED
    return {
        "id": mid,
        "page_id": page_id,
        "name": maintenance.title,
        "status": update.state.value,
        "impact": "maintenance",
        "shortlink": page.link(f"maintenances/{mid}"),
        "backfilled": False,
        "created_at": iso(maintenance.created_at),
        "updated_at": iso(update.at),
        "started_at": iso(maintenance.started_at or maintenance.scheduled_for),
        "monitoring_at": None,
        "resolved_at": iso(maintenance.completed_at) if completed and maintenance.completed_at else None,
        "scheduled_for": iso(maintenance.scheduled_for),
        "scheduled_until": iso(maintenance.scheduled_until),
        "scheduled_auto_in_progress": maintenance.auto_in_progress,
        "scheduled_auto_completed": maintenance.auto_completed,
        "incident_updates": [
            subscriptions.update_object(
                public_id(page.secret, "maintenance-update", u.id), mid, u.state.value, u.body, u.at
            )
            for u in reversed(told)
        ],
        "components": subscriptions.component_objects(session, {c.id: status for c in shown}, page, page_id),
    }


def new_updates(session: Session, maintenance: Maintenance, before: int, now: datetime) -> int:
    """Queue the notices of the updates added since the maintenance had ``before`` of them."""
    session.flush()  # the new rows need their ids
    return queue(session, maintenance, maintenance.updates[before:], now)
