"""Status-page subscriptions: readers who want incident and maintenance news by e-mail or webhook, per component.

E-mail is double opt-in: :func:`subscribe` queues a message with a confirmation link and nothing else
is sent until :func:`confirm` follows it; unconfirmed addresses are deleted after
``Policy.subscriber_confirm_hours`` (:func:`purge_unconfirmed`). Webhooks are confirmed at once: a URL
is not personal data and whoever typed it into the form owns what it receives.

Confirm and unsubscribe links carry an HMAC of (subscriber id, address, purpose) under the installation
secret, so no token is stored anywhere, not even in the outbox: subscriber messages are written when the
worker sends them (:func:`message_for`). Unsubscribing deletes the row and strips the address from its
old deliveries (data minimisation).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from trustops import http
from trustops.catalog.models import Component
from trustops.catalog.schema import StatusPageSpec
from trustops.clock import iso
from trustops.comms.audience import (
    MESSAGE_KINDS,
    audience_of,
    is_public_incident,
    public_components,
    public_incidents,
    public_statuses,
    public_updates,
)
from trustops.comms.channels import ChannelError, Message
from trustops.comms.ids import public_id
from trustops.comms.models import Maintenance, Subscriber
from trustops.config import Policy, Settings
from trustops.enums import (
    Audience,
    ComponentStatus,
    DeliveryStatus,
    IncidentState,
    MaintenanceState,
    Visibility,
)
from trustops.errors import InvalidInput, NotFound
from trustops.monitor.health_models import Delivery
from trustops.monitor.models import EventKind, Incident, IncidentEvent

KINDS = ("email", "webhook")
ROUTE_PREFIX = "subscriber:"
AUDIENCE = "subscriber"
RESEND_AFTER = timedelta(minutes=10)  # a form re-posted in a loop must not flood someone's inbox
DOCUMENTATION = "https://support.atlassian.com/statuspage/docs/enable-webhook-notifications/"
_EMAIL = re.compile(
    r"^[^@\s<>,;:\"()\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
)
ACTIVE_MAINTENANCE = [s for s in MaintenanceState if s.is_active]
_BAD_LINK = "subscription link: not valid; it was changed, or the subscription has already ended"


@dataclass(frozen=True)
class Page:
    """What subscriber messages say about the status page, and the key that signs their links."""

    name: str
    url: str  # no trailing slash
    time_zone: str
    secret: bytes

    @classmethod
    def of(cls, settings: Settings, spec: StatusPageSpec | None = None) -> Page:
        """The catalog's ``status_page`` section; its address defaults to the base URL + ``/status``."""
        spec = spec or StatusPageSpec()
        url = str(spec.url) if spec.url else settings.base_url.rstrip("/") + "/status"
        return cls(spec.name, url.rstrip("/"), spec.time_zone, settings.secret())

    def link(self, path: str) -> str:
        return f"{self.url}/{path}"


def subscribe(
    session: Session,
    *,
    kind: str,
    target: str,
    components: Sequence[str] = (),
    now: datetime,
    secret: bytes | None = None,
) -> Subscriber:
    """Add a subscriber, or update the components of the one with this address.

    ``components`` are public component ids, as the catalog names them or (given the installation
    ``secret``) as the status page's JSON does. An unconfirmed e-mail subscriber gets a (new)
    confirmation message, at most one per ``RESEND_AFTER``, and its deletion deadline restarts from
    this request.
    """
    target = _valid_target(kind, target)
    wanted = _valid_components(session, components, secret)
    row = session.scalar(select(Subscriber).where(Subscriber.kind == kind, Subscriber.target == target))
    if row is None:
        row = Subscriber(kind=kind, target=target, created_at=now, confirmed_at=now if kind == "webhook" else None)
        session.add(row)
    row.components = wanted
    session.flush()
    if row.confirmed_at is None:
        row.created_at = now
        _queue_confirmation(session, row, now)
    return row


def confirm(session: Session, token: str, *, secret: bytes, now: datetime) -> Subscriber:
    """Confirm the subscription the link names; following the link again changes nothing."""
    row = from_link(session, token, "confirm", secret=secret)
    if row.confirmed_at is None:
        row.confirmed_at = now
    return row


def unsubscribe(session: Session, token: str, *, secret: bytes) -> None:
    """Delete the subscriber the link names, and its address from the deliveries it was sent."""
    row = from_link(session, token, "unsubscribe", secret=secret)
    _forget(session, [row], "unsubscribed before it was sent")


def purge_unconfirmed(session: Session, *, policy: Policy, now: datetime) -> int:
    """Delete e-mail subscribers that did not confirm within ``policy.subscriber_confirm_hours``."""
    cutoff = now - timedelta(hours=policy.subscriber_confirm_hours)
    stale = list(
        session.scalars(
            select(Subscriber).where(
                Subscriber.kind == "email", Subscriber.confirmed_at.is_(None), Subscriber.created_at < cutoff
            )
        )
    )
    _forget(session, stale, "the subscription was never confirmed")
    return len(stale)


def counts(session: Session) -> dict[str, dict[str, int]]:
    """Subscribers per kind, confirmed and not: all an operator needs to see (no addresses)."""
    found = {kind: {"confirmed": 0, "unconfirmed": 0} for kind in KINDS}
    confirmed = Subscriber.confirmed_at.is_not(None)
    for kind, is_confirmed, n in session.execute(
        select(Subscriber.kind, confirmed, func.count()).group_by(Subscriber.kind, confirmed)
    ):
        found.setdefault(kind, {"confirmed": 0, "unconfirmed": 0})["confirmed" if is_confirmed else "unconfirmed"] = n
    return found


def token_for(subscriber: Subscriber, purpose: str, secret: bytes) -> str:
    """The signed token of a ``confirm`` or ``unsubscribe`` link."""
    return f"{subscriber.id}.{_signature(subscriber.id, subscriber.target, purpose, secret)}"


def mask(target: str) -> str:
    """An address as operators may see it: ``a***@example.com``, or a URL's scheme and host."""
    if "@" in target and "://" not in target:
        local, _, domain = target.rpartition("@")
        return f"{local[:1]}***@{domain}"
    parts = urlsplit(target)
    return f"{parts.scheme}://{parts.hostname or '?'}/…"


def _signature(subscriber_id: int, target: str, purpose: str, secret: bytes) -> str:
    message = f"subscription:{purpose}:{subscriber_id}:{target}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:20]).decode().rstrip("=")


def from_link(session: Session, token: str, purpose: str, *, secret: bytes) -> Subscriber:
    """The subscriber a signed ``confirm`` or ``unsubscribe`` token names; NotFound when forged or ended."""
    number, _, signature = token.partition(".")
    row = session.get(Subscriber, int(number)) if number.isascii() and number.isdigit() and len(number) < 12 else None
    expected = _signature(row.id, row.target, purpose, secret) if row is not None else ""
    if row is None or not hmac.compare_digest(signature.encode(), expected.encode()):
        raise NotFound(_BAD_LINK, field="token")
    return row


def _forget(session: Session, rows: Sequence[Subscriber], reason: str) -> None:
    for row in rows:
        route = f"{ROUTE_PREFIX}{row.id}"
        session.execute(
            update(Delivery)
            .where(Delivery.route == route, Delivery.status == DeliveryStatus.PENDING)
            .values(status=DeliveryStatus.FAILED, last_error=reason)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(Delivery)
            .where(Delivery.route == route)
            .values(target=mask(row.target))
            .execution_options(synchronize_session=False)
        )
        session.delete(row)
    session.flush()


def _valid_target(kind: str, target: str) -> str:
    target = target.strip()
    if kind == "email":
        if len(target) > 254 or not _EMAIL.match(target):
            raise InvalidInput(f"email: {_short(target)} is not an e-mail address", field="email")
        local, _, domain = target.rpartition("@")
        return f"{local}@{domain.lower()}"
    if kind == "webhook":
        return _valid_webhook(target)
    raise InvalidInput(f"kind: {_short(kind)} is not one of {', '.join(KINDS)}", field="kind")


def _valid_webhook(url: str) -> str:
    try:
        parts = urlsplit(url)
        scheme, host = parts.scheme, parts.hostname
    except ValueError:
        scheme, host = "", None
    if len(url) > 1000 or scheme not in ("http", "https") or not host:
        raise InvalidInput(f"webhook: {_short(url)} is not an http(s) URL", field="webhook")
    if _is_local(host):
        raise InvalidInput(
            f"webhook: {host!r} is a local or private address, not reachable from outside", field="webhook"
        )
    return url


def _is_local(host: str) -> bool:
    # The form is public: it must not turn trustops into a way to reach its own network.
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return not http.is_global_address(host)  # the rule every delivery checks again after resolving the name
    except ValueError:
        return False


def _valid_components(session: Session, wanted: Sequence[str], secret: bytes | None) -> list[str]:
    # An internal id is refused exactly like an unknown one, so the form cannot probe internal names.
    public = {c.id: c.id for c in public_components(session)}
    if secret is not None:
        public |= {public_id(secret, "component", cid): cid for cid in list(public)}
    chosen: list[str] = []
    for given in wanted:
        cid = public.get(given)
        if cid is None:
            raise InvalidInput(
                f"components: {_short(given)} is not a component of this status page", field="components"
            )
        if cid not in chosen:
            chosen.append(cid)
    return chosen


def _short(value: str) -> str:
    return repr(value if len(value) <= 80 else value[:77] + "...")


def _queue_confirmation(session: Session, row: Subscriber, now: datetime) -> None:
    route = f"{ROUTE_PREFIX}{row.id}"
    recent = session.scalar(
        select(Delivery.id)
        .where(Delivery.route == route, Delivery.event_id.is_(None), Delivery.maintenance_update_id.is_(None))
        .where(Delivery.created_at > now - RESEND_AFTER)
        .limit(1)
    )
    if recent is not None:
        return
    session.add(
        Delivery(
            incident_id=None,
            event_id=None,
            route=route,
            audience=AUDIENCE,
            target=row.target,
            subject="Confirm your subscription",
            body="Asks the reader to confirm the subscription (the signed link is added when sent).",
            status=DeliveryStatus.PENDING,
            next_attempt_at=now,
            created_at=now,
        )
    )


# --- who gets an update, and what they are sent -------------------------------------------------------


def reaches_subscribers(session: Session, incident: Incident, event: IncidentEvent) -> bool:
    """A public update of a public incident, with notifications on (retrospective reports have them off)."""
    if not event.message or event.kind not in MESSAGE_KINDS or incident.backfilled:
        return False
    if (event.data or {}).get("deliver_notifications") is False:
        return False
    if audience_of(event, incident) is not Audience.PUBLIC:
        return False
    return is_public_incident(incident, _components(session, incident))


def recipients(session: Session, incident: Incident, event: IncidentEvent) -> list[Subscriber]:
    """Confirmed subscribers the update concerns: those following any of its public components (or all)."""
    if not reaches_subscribers(session, incident, event):
        return []
    return following(session, set(_public_names(session, incident)))


def message_for(session: Session, delivery: Delivery, page: Page) -> Message:
    """The message for a subscriber delivery, signed now; ChannelError(permanent) when it must not go."""
    subscriber = _subscriber_of(session, delivery)
    if delivery.maintenance_update_id is not None:
        from trustops.comms import maintenance_notices  # it builds on this module

        return maintenance_notices.message_for(session, delivery, subscriber, page)
    if delivery.event_id is None:
        return _confirmation(subscriber, page)
    event = session.get(IncidentEvent, delivery.event_id)
    if event is None:
        raise ChannelError("the update no longer exists", permanent=True)
    incident = event.incident
    session.refresh(incident, ["events"])  # a long-lived session may hold an older timeline
    if not reaches_subscribers(session, incident, event):  # its channel or audience changed since
        raise ChannelError(f"incident {incident.id} is no longer public; not sent", permanent=True)
    unsubscribe = unsubscribe_link(subscriber, page)
    if subscriber.kind == "webhook":
        payload = webhook_payload(session, incident, event, page, unsubscribe)
        return Message(delivery.subject, json.dumps(payload))
    return _update_email(session, incident, event, page, unsubscribe)


def unsubscribe_link(subscriber: Subscriber, page: Page) -> str:
    return page.link(f"subscriptions/unsubscribe/{token_for(subscriber, 'unsubscribe', page.secret)}")


def following(session: Session, shown: set[str]) -> list[Subscriber]:
    """Confirmed subscribers who follow any of the public component ids in ``shown``, or every component."""
    confirmed = session.scalars(select(Subscriber).where(Subscriber.confirmed_at.is_not(None)).order_by(Subscriber.id))
    return [s for s in confirmed if not s.components or shown & set(s.components)]


def _subscriber_of(session: Session, delivery: Delivery) -> Subscriber:
    number = delivery.route.removeprefix(ROUTE_PREFIX)
    row = session.get(Subscriber, int(number)) if number.isdigit() else None
    if row is None or row.target != delivery.target:
        raise ChannelError(f"subscriber {number} no longer exists (unsubscribed or never confirmed)", permanent=True)
    return row


def _confirmation(subscriber: Subscriber, page: Page) -> Message:
    link = page.link(f"subscriptions/confirm/{token_for(subscriber, 'confirm', page.secret)}")
    body = "\n".join(
        [
            f"Someone, hopefully you, asked for {page.name} incident and maintenance updates to be sent to this address.",
            "",
            f"To confirm, open this link: {link}",
            "",
            "If it was not you, ignore this message: nothing more will be sent, and the address will be",
            "deleted when the request expires.",
            "",
            f"{page.name}: {page.url}",
        ]
    )
    return Message(f"Confirm your subscription to {page.name}", body)


def _update_email(session: Session, incident: Incident, event: IncidentEvent, page: Page, unsubscribe: str) -> Message:
    at = event.at.astimezone(ZoneInfo(page.time_zone))
    names = _public_names(session, incident)
    state = _label(event.state)
    lines = [
        incident.title,
        "",
        f"{state} · {at:%Y-%m-%d %H:%M %Z}",
        event.message or "",
        "",
        f"Affected: {', '.join(names.values())}",
        f"Follow this incident: {page.link('incidents/' + public_id(page.secret, 'incident', incident.id))}",
    ]
    return subscriber_email(f"[{page.name}] {incident.title}: {state}", lines, page, unsubscribe)


def subscriber_email(subject: str, lines: Sequence[str], page: Page, unsubscribe: str) -> Message:
    """An e-mail to a subscriber: ``lines``, then why they get it and how to stop."""
    footer = [
        "",
        "--",
        f"You get this e-mail because you subscribed to updates from {page.name} ({page.url}).",
        f"Unsubscribe: {unsubscribe}",
    ]
    # RFC 8058 one-click unsubscribe: mail clients POST "List-Unsubscribe=One-Click" to the URL.
    headers = {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return Message(subject[:300], "\n".join([*lines, *footer]), headers)


def subscriber_subject(incident: Incident, event: IncidentEvent) -> str:
    """What a subscriber delivery row records as its subject (the message itself is written when sent)."""
    return f"{incident.title}: {_label(event.state)}"[:300]


def _label(state: IncidentState) -> str:
    return state.value.replace("_", " ").capitalize()


# --- Statuspage's webhook payload ------------------------------------------------------------------------


def webhook_payload(
    session: Session, incident: Incident, event: IncidentEvent, page: Page, unsubscribe: str
) -> dict[str, Any]:
    """Statuspage's subscriber webhook body: ``meta``, ``page`` and an ``incident`` object as it stood at
    ``event`` (its public updates up to that one, newest first; public components only)."""
    return webhook_body(session, page, unsubscribe, event.at, _incident_object(session, incident, event, page))


def webhook_body(
    session: Session, page: Page, unsubscribe: str, at: datetime, incident: dict[str, Any]
) -> dict[str, Any]:
    """Statuspage's subscriber webhook around one ``incident`` object: ``meta`` and the page's status now."""
    indicator, description = page_status(session)
    return {
        "meta": {"unsubscribe": unsubscribe, "documentation": DOCUMENTATION, "generated_at": iso(at)},
        "page": {"id": public_page_id(page), "status_indicator": indicator, "status_description": description},
        "incident": incident,
    }


def public_page_id(page: Page) -> str:
    """The status page's public id, as its JSON API and webhooks give it."""
    return public_id(page.secret, "page", "page")


def _incident_object(session: Session, incident: Incident, event: IncidentEvent, page: Page) -> dict[str, Any]:
    page_id = public_page_id(page)
    incident_id = public_id(page.secret, "incident", incident.id)
    updates = [e for e in public_updates(incident) if e.id <= event.id]
    closed = not event.state.is_open
    return {
        "id": incident_id,
        "page_id": page_id,
        "name": incident.title,
        "status": event.state.value,
        "impact": incident.impact.value,
        "shortlink": page.link(f"incidents/{incident_id}"),
        "backfilled": incident.backfilled,
        "created_at": iso(incident.created_at),
        "updated_at": iso(event.at),
        "started_at": iso(incident.started_at),
        "monitoring_at": _monitoring_at(incident, event),
        "resolved_at": iso(incident.resolved_at) if closed and incident.resolved_at else None,
        "incident_updates": [_update_object(e, page, incident_id) for e in reversed(updates)],
        "components": component_objects(session, _shown_statuses(session, incident), page, page_id),
    }


def _update_object(event: IncidentEvent, page: Page, incident_id: str) -> dict[str, Any]:
    deliver = (event.data or {}).get("deliver_notifications") is not False
    update_id = public_id(page.secret, "update", event.id)
    return update_object(update_id, incident_id, event.state.value, event.message, event.at, deliver=deliver)


def update_object(
    update_id: str, incident_id: str, status: str, body: str | None, at: datetime, *, deliver: bool = True
) -> dict[str, Any]:
    """Statuspage's ``incident_updates`` item."""
    moment = iso(at)
    return {
        "id": update_id,
        "incident_id": incident_id,
        "status": status,
        "body": body,
        "created_at": moment,
        "updated_at": moment,
        "display_at": moment,
        "affected_components": None,
        "deliver_notifications": deliver,
        "custom_tweet": None,
        "tweet_id": None,
    }


def _shown_statuses(session: Session, incident: Incident) -> dict[str, ComponentStatus]:
    statuses = {link.component_id: link.status for link in incident.components}
    closed = not incident.is_open
    return {cid: ComponentStatus.OPERATIONAL if closed else statuses[cid] for cid in _public_names(session, incident)}


def component_objects(
    session: Session, statuses: dict[str, ComponentStatus], page: Page, page_id: str
) -> list[dict[str, Any]]:
    """Statuspage component objects for the public components among ``statuses``, in page order."""
    known = {c.id: c for c in session.scalars(select(Component).where(Component.id.in_(list(statuses))))}
    public = sorted((c for c in known.values() if c.visibility is Visibility.PUBLIC), key=lambda c: (c.position, c.id))
    return [
        {
            "id": public_id(page.secret, "component", c.id),
            "page_id": page_id,
            "group_id": public_id(page.secret, "group", c.group) if c.group else None,
            "name": c.name,
            "description": c.description or None,
            "status": statuses[c.id].value,
            "position": c.position,
            "showcase": True,
            "only_show_if_degraded": c.only_show_if_degraded,
            "group": False,
            "start_date": None,
            "created_at": iso(c.created_at),
            "updated_at": iso(c.updated_at),
        }
        for c in public
    ]


def page_status(session: Session) -> tuple[str, str]:
    """The page's ``status.indicator`` and ``description``, by the status page's own rollup."""
    from trustops.comms.statuspage import rollup_status  # it imports the outbox, which imports this module

    catalog = list(session.scalars(select(Component)))
    public = [c.id for c in catalog if c.visibility is Visibility.PUBLIC]
    incidents = [i for i in public_incidents(session) if i.is_open]
    active = session.scalars(select(Maintenance).where(Maintenance.state.in_(ACTIVE_MAINTENANCE)))
    rollup = rollup_status(
        public_statuses(incidents, public).values(),
        [(i.impact, {link.component_id: link.status for link in i.components}) for i in incidents],
        catalog,
        in_maintenance=any(cid in public for m in active for cid in m.components),
    )
    return rollup.indicator, rollup.description


def _monitoring_at(incident: Incident, event: IncidentEvent) -> str | None:
    times = [
        e.at
        for e in incident.events
        if e.id <= event.id and e.kind is EventKind.STATE_CHANGED and (e.data or {}).get("to") == "monitoring"
    ]
    return iso(times[-1]) if times else None


def _components(session: Session, incident: Incident) -> dict[str, Component]:
    ids = [link.component_id for link in incident.components]
    return {c.id: c for c in session.scalars(select(Component).where(Component.id.in_(ids)))}


def _public_names(session: Session, incident: Incident) -> dict[str, str]:
    """The incident's public components, id to name, in page order; internal ones never leave."""
    found = _components(session, incident)
    public = [c for c in found.values() if c.visibility is Visibility.PUBLIC]
    return {c.id: c.name for c in sorted(public, key=lambda c: (c.position, c.id))}
