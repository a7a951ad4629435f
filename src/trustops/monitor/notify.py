"""Route incident news to people: an outbox of deliveries, written with the timeline event it reports.

Because the delivery row is committed in the same transaction as the event, nothing is lost when a
process dies; a worker claims due deliveries with a conditional UPDATE, sends them, and retries with
backoff. A delivery that cannot succeed ends as ``failed`` and stays visible; none is dropped silently.

Who hears what (:func:`enqueue`): every notification route (responders, and the internal audiences
employees, partners and investors) gets every update, internal ones included; confirmed status-page
subscribers get the public updates of public incidents, unless an update turns notifications off; the
contacts of the affected key accounts get the targeted (and public) updates of a targeted incident.
Deliveries to a subscriber or a contact carry their own address (``target``), one row per recipient.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from trustops.catalog.schema import NotificationRoute, StatusPageSpec
from trustops.comms import notices, subscriptions
from trustops.comms.audience import audience_of
from trustops.comms.channels import ChannelError, Message
from trustops.config import Settings
from trustops.enums import Audience, Channel, DeliveryStatus, IncidentState
from trustops.monitor.health_models import Delivery, Route
from trustops.monitor.models import EventKind, Incident, IncidentEvent

NOTIFY_KINDS = {EventKind.OPENED, EventKind.STATE_CHANGED, EventKind.UPDATE}
BACKOFF = [timedelta(seconds=s) for s in (30, 60, 120, 300, 600, 1800)]  # then give up
CLAIM_FOR = timedelta(minutes=2)

Sender = Callable[[Route, Message, Settings], None]
TOLD = {
    Audience.PUBLIC: "the public (status page and its subscribers)",
    Audience.TARGETED: "the affected accounts only",
    Audience.INTERNAL: "internal audiences only; not on the status page",
}


def sync_routes(session: Session, routes: list[NotificationRoute]) -> None:
    names = {r.name for r in routes}
    for route in routes:
        row = session.get(Route, route.name) or Route(name=route.name)
        row.url, row.email, row.components = route.url, route.email, list(route.components)
        row.min_impact, row.audience, row.active = route.min_impact, route.audience, True
        session.add(row)
    # A route gone from the catalog stays as a name its past deliveries refer to; its address goes.
    for row in session.scalars(select(Route).where(Route.name.not_in(names))):
        row.email, row.url, row.active = None, None, False


def enqueue(session: Session, incident: Incident, event: IncidentEvent, now: datetime) -> int:
    """Add a delivery per matching route and per reader the event is for; returns how many."""
    if event.kind not in NOTIFY_KINDS:
        return 0
    count = _to_routes(session, incident, event, now)
    if event.message:
        count += _to_subscribers(session, incident, event, now) + _to_accounts(session, incident, event, now)
    return count


LEGAL_AUDIENCE = "legal"


def _to_routes(session: Session, incident: Incident, event: IncidentEvent, now: datetime) -> int:
    components = {c.component_id for c in incident.components}
    message = compose(incident, event)
    count = 0
    # Legal routes hear about data-breach deadlines (trustops.breach.reminders), not about incidents.
    for route in session.scalars(select(Route).where(Route.active.is_(True), Route.audience != LEGAL_AUDIENCE)):
        if incident.impact.rank < route.min_impact.rank or (
            route.components and not components & set(route.components)
        ):
            continue
        session.add(_delivery(incident, event, route.name, route.audience, None, message, now))
        count += 1
    return count


def _to_subscribers(session: Session, incident: Incident, event: IncidentEvent, now: datetime) -> int:
    # The text is written when sent: it carries signed links, and no token is ever stored.
    subject = subscriptions.subscriber_subject(incident, event)
    readers = subscriptions.recipients(session, incident, event)
    for reader in readers:
        message = Message(subject, event.message or "")
        route = f"{subscriptions.ROUTE_PREFIX}{reader.id}"
        session.add(_delivery(incident, event, route, subscriptions.AUDIENCE, reader.target, message, now))
    return len(readers)


def _to_accounts(session: Session, incident: Incident, event: IncidentEvent, now: datetime) -> int:
    if incident.channel is not Channel.TARGETED or audience_of(event, incident) is Audience.INTERNAL:
        return 0
    if (event.data or {}).get("deliver_notifications") is False:
        return 0
    contacts = notices.recipients(session, incident, now)
    for account, n, address, affected in contacts:
        message = notices.message(session, incident, event, account, affected)
        route = notices.route_name(account, n)
        session.add(_delivery(incident, event, route, notices.AUDIENCE, address, message, now))
    return len(contacts)


def _delivery(
    incident: Incident,
    event: IncidentEvent,
    route: str,
    audience: str,
    target: str | None,
    message: Message,
    now: datetime,
) -> Delivery:
    return Delivery(
        incident_id=incident.id,
        event_id=event.id,
        route=route,
        audience=audience,
        target=target,
        subject=message.subject[:300],
        body=message.body,
        status=DeliveryStatus.PENDING,
        next_attempt_at=now,
        created_at=now,
    )


def compose(incident: Incident, event: IncidentEvent) -> Message:
    verb = {EventKind.OPENED: "opened", EventKind.UPDATE: "updated"}.get(event.kind, event.state.value)
    if event.state is IncidentState.RESOLVED:
        verb = "resolved"
    subject = f"[trustops] Incident #{incident.id} {verb}: {incident.title} ({incident.impact.value})"
    affected = ", ".join(f"{c.component_id} {c.status.value.replace('_', ' ')}" for c in incident.components)
    lines = [
        f"{incident.title}",
        f"State: {event.state.value} · impact {incident.impact.value}",
        f"Components: {affected}",
        f"Started: {incident.started_at:%Y-%m-%d %H:%M} UTC",
    ]
    if event.message:
        lines += ["", event.message, "", f"Told to: {TOLD[audience_of(event, incident)]}"]
    return Message(subject=subject[:300], body="\n".join(lines))


def claim_due(session: Session, worker: str, *, now: datetime, limit: int = 20) -> list[Delivery]:
    ids = session.scalars(
        select(Delivery.id)
        .where(Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_at <= now)
        .where((Delivery.claimed_until.is_(None)) | (Delivery.claimed_until < now))
        .order_by(Delivery.next_attempt_at)
        .limit(limit)
    ).all()
    claimed = []
    for delivery_id in ids:
        result = session.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.status == DeliveryStatus.PENDING)
            .where((Delivery.claimed_until.is_(None)) | (Delivery.claimed_until < now))
            .values(claimed_by=worker, claimed_until=now + CLAIM_FOR)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append(delivery_id)
    session.commit()
    return list(session.scalars(select(Delivery).where(Delivery.id.in_(claimed)))) if claimed else []


def attempt(
    session: Session,
    delivery: Delivery,
    settings: Settings,
    send: Sender,
    *,
    now: datetime,
    page: StatusPageSpec | None = None,
) -> None:
    """Send one claimed delivery and record the result.

    A delivery with its own ``target`` (a subscriber, an account contact) goes straight to e-mail or
    webhook; ``page`` names the status page in subscriber messages. Others go to their route via ``send``.
    """
    delivery.attempts += 1
    delivery.claimed_by, delivery.claimed_until = None, None
    try:
        if delivery.target is None:
            _send_to_route(session, delivery, settings, send)
        else:
            _send_to_target(session, delivery, settings, page)
    except ChannelError as exc:
        delivery.last_error = str(exc)[:500]
        if exc.permanent or delivery.attempts > len(BACKOFF):
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
        return
    delivery.status, delivery.sent_at, delivery.last_error = DeliveryStatus.SENT, now, None


def _send_to_route(session: Session, delivery: Delivery, settings: Settings, send: Sender) -> None:
    route = session.get(Route, delivery.route)
    if route is None or not route.active:
        raise ChannelError(f"route {delivery.route!r} no longer exists", permanent=True)
    send(route, Message(delivery.subject, delivery.body), settings)


def _send_to_target(session: Session, delivery: Delivery, settings: Settings, page: StatusPageSpec | None) -> None:
    assert delivery.target is not None
    message = Message(delivery.subject, delivery.body)
    if delivery.route.startswith(subscriptions.ROUTE_PREFIX):
        message = subscriptions.message_for(session, delivery, subscriptions.Page.of(settings, page))
    elif delivery.route.startswith(notices.ROUTE) and not notices.is_contact(session, delivery.target):
        raise ChannelError("the address is no longer a contact of an active account", permanent=True)
    public = delivery.route.startswith(subscriptions.ROUTE_PREFIX)  # a stranger typed this URL on the status page
    send_to_target(delivery.target, message, settings, public_only=public)


def send_to_target(target: str, message: Message, settings: Settings, *, public_only: bool = False) -> None:
    """An http(s) URL gets a JSON POST; anything else is an e-mail address."""
    from trustops.comms.channels import email, webhook

    if target.startswith(("http://", "https://")):
        webhook.send(target, message, settings, public_only=public_only)
    else:
        email.send(target, message, settings)


def send_through_channel(route: Route, message: Message, settings: Settings) -> None:
    from trustops.comms.channels import apprise, email

    if route.email:
        email.send(route.email, message, settings)
    elif route.url:
        apprise.send(route.url, message, settings)


def failed_deliveries(session: Session, limit: int = 50) -> list[Delivery]:
    query = select(Delivery).where(Delivery.status == DeliveryStatus.FAILED).order_by(Delivery.id.desc())
    return list(session.scalars(query.limit(limit)))
