"""Targeted notices: tell the key accounts an incident hurt, directly, and give their managers a call to make.

Who was hurt comes from the exposure ledger: the distinct (pseudonymous) users who saw errors on the
incident's components while it lasted, looked up in the customers table and grouped by the key
account they belong to. Customers without an account are counted per tier as individual customers but
are never written to: trustops holds only their pseudonyms. Contacts and managers come from the
catalog's ``accounts:`` section (:func:`sync_accounts`).

A targeted update (:func:`post_notice`) is an incident update for the ``targeted`` audience; the
outbox (``monitor.notify``) turns it into one delivery per contact of each affected account, each
with its own state (:func:`deliveries_for`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trustops.catalog.models import Component
from trustops.catalog.schema import AccountSpec
from trustops.comms.channels import Message
from trustops.comms.models import Account, AccountTask
from trustops.comms.subscriptions import ROUTE_PREFIX, mask
from trustops.config import Policy
from trustops.customers import Customer
from trustops.enums import Channel, CustomerTier, DeliveryStatus, Visibility
from trustops.errors import Conflict, InvalidInput, NotFound
from trustops.monitor.affected import affected_keys
from trustops.monitor.health_models import Delivery
from trustops.monitor.models import EventKind, Incident, IncidentEvent

UNKNOWN_TIER = "unknown"  # affected users the customers table does not know
TIER_ORDER = [*(tier.value for tier in CustomerTier), UNKNOWN_TIER]
ROUTE = "account:"
AUDIENCE = "targeted"


@dataclass(frozen=True)
class AccountImpact:
    """The users of one key account the incident hurt; ``account`` None: individual customers of a tier."""

    account: str | None
    tier: str  # for an account, its most valuable tier among the affected users
    affected: int
    value: float  # the affected users' annual value
    manager: str | None = None
    contacts: int = 0  # how many contacts get targeted notices (their addresses stay in the catalog)
    high_value: bool = False  # enterprise, or worth at least Policy.targeted_min_value


@dataclass(frozen=True)
class Notice:
    """What posting a targeted update did."""

    event: IncidentEvent
    deliveries: int
    tasks: list[AccountTask]


@dataclass(frozen=True)
class DeliveryState:
    """One recipient of an incident's news and how far the message got."""

    id: int
    event_id: int | None
    audience: str
    route: str
    target: str | None  # masked for subscribers; None for notification routes (see the route)
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


def sync_accounts(session: Session, specs: list[AccountSpec]) -> None:
    """Make the accounts table match the catalog. Accounts no longer listed are kept, inactive, for the
    history of their tasks, but their contacts and manager (personal data) are dropped at once."""
    names = {spec.name for spec in specs}
    for spec in specs:
        row = session.get(Account, spec.name) or Account(name=spec.name)
        row.contacts, row.manager, row.active = list(spec.contacts), spec.manager, True
        session.add(row)
    for row in session.scalars(select(Account).where(Account.name.not_in(names))):
        row.contacts, row.manager, row.active = [], None, False


def affected_accounts(session: Session, incident: Incident, *, policy: Policy, now: datetime) -> list[AccountImpact]:
    """Who the incident hurt, by key account (then individual customers per tier), most valuable first."""
    accounts = _active_accounts(session)
    found: list[AccountImpact] = []
    for name, tier, affected, value in _exposed(session, incident, now):
        if name is None:
            found.append(AccountImpact(None, tier, affected, value))
            continue
        account = accounts.get(name)
        high = tier == CustomerTier.ENTERPRISE.value or value >= policy.targeted_min_value
        manager, contacts = (account.manager, len(account.contacts)) if account else (None, 0)
        found.append(AccountImpact(name, tier, affected, value, manager, contacts, high))
    return sorted(found, key=lambda i: (-i.value, -i.affected, i.account is None, TIER_ORDER.index(i.tier), i.account))


def _exposed(session: Session, incident: Incident, now: datetime) -> list[tuple[str | None, str, int, float]]:
    """(account, tier, affected users, their value): one row per account, one per tier for the rest."""
    keys = affected_keys(incident, now)
    rows = session.execute(
        select(Customer.account, Customer.tier, func.count(), func.coalesce(func.sum(Customer.annual_value), 0.0))
        .select_from(keys)
        .outerjoin(Customer, Customer.key == keys.c.user_key)
        .group_by(Customer.account, Customer.tier)
    )
    accounts: dict[str, tuple[str, int, float]] = {}
    individuals: list[tuple[str | None, str, int, float]] = []
    for account, tier, n, value in rows:
        tier_name = tier.value if tier is not None else UNKNOWN_TIER
        if not account:
            individuals.append((None, tier_name, int(n), float(value)))
            continue
        best, total, worth = accounts.get(account, (UNKNOWN_TIER, 0, 0.0))
        best = min(best, tier_name, key=TIER_ORDER.index)
        accounts[account] = (best, total + int(n), worth + float(value))
    return [(name, *row) for name, row in accounts.items()] + individuals


def _active_accounts(session: Session) -> dict[str, Account]:
    return {a.name: a for a in session.scalars(select(Account).where(Account.active.is_(True)))}


def create_tasks(
    session: Session, incident: Incident, *, policy: Policy, now: datetime, actor: str = "notices"
) -> list[AccountTask]:
    """One task per affected key account (kept across calls), asking its manager to call.

    Open tasks are refreshed with the latest counts; new ones are recorded as a NOTICE timeline event.
    """
    from trustops.monitor.incidents import record_event  # it imports the outbox, which imports this module

    impacts = [i for i in affected_accounts(session, incident, policy=policy, now=now) if i.account is not None]
    existing = {
        t.account: t for t in session.scalars(select(AccountTask).where(AccountTask.incident_id == incident.id))
    }
    window = _window(incident)
    names = ", ".join(_component_names(session, incident, public_only=False))
    tasks, created = [], []
    for impact in impacts:
        assert impact.account is not None
        task = existing.get(impact.account)
        if task is None:
            task = AccountTask(incident_id=incident.id, account=impact.account, created_at=now)
            session.add(task)
            created.append(task)
        if task.done_at is None:
            task.manager, task.tier = impact.manager, impact.tier
            task.affected, task.value = impact.affected, impact.value
            task.note = (
                f"Call {impact.account}: {impact.affected} of their users hit errors on {names} {window} "
                f"(incident #{incident.id}, {impact.tier}, {impact.value:,.0f} a year)."
            )
        tasks.append(task)
    if created:
        session.flush()
        listed = "; ".join(f"{t.account} ({t.tier}, {t.affected} users)" for t in created)
        data: dict[str, Any] = {
            "tasks": [t.id for t in created],
            "accounts": len(impacts),
            "affected_users": sum(i.affected for i in impacts),
            "affected_value": sum(i.value for i in impacts),
        }
        record_event(session, incident, EventKind.NOTICE, actor, now, f"Account-manager tasks: {listed}.", data)
    return tasks


def complete_task(session: Session, task_id: int, *, actor: str, now: datetime) -> AccountTask:
    task = session.get(AccountTask, task_id)
    if task is None:
        raise NotFound(f"task {task_id} does not exist", field="task_id")
    if task.done_at is not None:
        raise Conflict(f"task {task_id} was already done by {task.done_by} at {task.done_at:%Y-%m-%d %H:%M} UTC")
    task.done_at, task.done_by = now, actor
    return task


def open_tasks(session: Session) -> list[AccountTask]:
    """Tasks nobody has done yet, oldest first."""
    query = select(AccountTask).where(AccountTask.done_at.is_(None)).order_by(AccountTask.created_at, AccountTask.id)
    return list(session.scalars(query))


def all_tasks(session: Session, *, limit: int = 200) -> list[AccountTask]:
    """Every task, newest first."""
    return list(session.scalars(select(AccountTask).order_by(AccountTask.id.desc()).limit(limit)))


def post_notice(
    session: Session,
    incident_id: int,
    *,
    message: str,
    subject: str | None = None,
    actor: str,
    policy: Policy,
    now: datetime,
) -> Notice:
    """Post an update for the affected accounts only: it is e-mailed to each of their contacts, and
    their managers get tasks. Only an incident on the ``targeted`` channel has such an audience."""
    from trustops.monitor.incidents import get_incident, record_event

    incident = get_incident(session, incident_id)
    message = message.strip()
    if not message:
        raise InvalidInput("message: must not be empty", field="message")
    if incident.channel is not Channel.TARGETED:
        channel = incident.channel.value if incident.channel else "undecided"
        raise Conflict(
            f"channel: incident {incident_id} is on the {channel} channel; targeted notices go to the "
            "accounts of a targeted incident (set its channel to targeted first)",
            field="channel",
        )
    data = {"audience": AUDIENCE, **({"subject": subject.strip()} if subject and subject.strip() else {})}
    event = record_event(session, incident, EventKind.UPDATE, actor, now, message, data)
    incident.updated_at = now
    sent = session.scalar(
        select(func.count()).select_from(Delivery).where(Delivery.event_id == event.id, Delivery.audience == AUDIENCE)
    )
    tasks = create_tasks(session, incident, policy=policy, now=now, actor=actor)
    return Notice(event, sent or 0, tasks)


def deliveries_for(session: Session, incident_id: int) -> list[DeliveryState]:
    """Every message sent about the incident, per recipient, oldest first; subscriber addresses masked."""
    from trustops.monitor.incidents import get_incident

    get_incident(session, incident_id)
    query = select(Delivery).where(Delivery.incident_id == incident_id).order_by(Delivery.id)
    return [_state(d) for d in session.scalars(query)]


def _state(delivery: Delivery) -> DeliveryState:
    target, error = delivery.target, delivery.last_error
    if target is not None and delivery.route.startswith(ROUTE_PREFIX):
        shown = mask(target)
        target, error = shown, error.replace(delivery.target or "", shown) if error else error
    return DeliveryState(
        id=delivery.id,
        event_id=delivery.event_id,
        audience=delivery.audience,
        route=delivery.route,
        target=target,
        status=delivery.status,
        attempts=delivery.attempts,
        last_error=error,
        created_at=delivery.created_at,
        sent_at=delivery.sent_at,
    )


# --- the outbox's side: who gets a targeted update, and what it says -----------------------------------


def recipients(session: Session, incident: Incident, now: datetime) -> list[tuple[str, int, str, int]]:
    """(account, contact number, address, affected users) for each contact of each affected account."""
    accounts = _active_accounts(session)
    found = []
    for name, _tier, affected, _value in _exposed(session, incident, now):
        account = accounts.get(name) if name else None
        if account is not None:
            found += [(account.name, n, address, affected) for n, address in enumerate(account.contacts)]
    return found


def is_contact(session: Session, address: str) -> bool:
    """Whether an active account still lists the address (a removed contact gets nothing more)."""
    return any(address in a.contacts for a in _active_accounts(session).values())


def route_name(account: str, n: int) -> str:
    """The delivery's route: ``account:<name>:<n>``, the name shortened with a hash if too long."""
    route = f"{ROUTE}{account}:{n}"
    if len(route) <= 64:
        return route
    digest = hashlib.sha256(account.encode()).hexdigest()[:8]
    return f"{ROUTE}{account[:40]}~{digest}:{n}"


def message(session: Session, incident: Incident, event: IncidentEvent, account: str, affected: int) -> Message:
    """A targeted notice: plain language, the update itself, and only public feature names."""
    names = _component_names(session, incident, public_only=True)
    features = ", ".join(names) if names else "our service"
    subject = str((event.data or {}).get("subject") or f"{incident.title}: {event.state.value.capitalize()}")
    lines = [
        "Hello,",
        "",
        f"We are writing to you as a contact for {account}: {affected} of your users met errors with {features} "
        f"{_window(incident)}.",
        "",
        event.message or "",
        "",
        f"Status: {event.state.value.capitalize()} · {event.at:%Y-%m-%d %H:%M} UTC",
    ]
    return Message(subject[:300], "\n".join(lines))


def _window(incident: Incident) -> str:
    start, end = incident.started_at, incident.resolved_at
    if end is None:
        return f"since {start:%Y-%m-%d %H:%M} UTC"
    until = end.strftime("%H:%M" if end.date() == start.date() else "%Y-%m-%d %H:%M")
    return f"between {start:%Y-%m-%d %H:%M} and {until} UTC"


def _component_names(session: Session, incident: Incident, *, public_only: bool) -> list[str]:
    ids = [link.component_id for link in incident.components]
    query = select(Component).where(Component.id.in_(ids)).order_by(Component.position, Component.id)
    if public_only:
        query = query.where(Component.visibility == Visibility.PUBLIC)
    return [c.name for c in session.scalars(query)]
