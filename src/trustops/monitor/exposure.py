"""The exposure ledger: which (pseudonymous) user saw an error on which component, and when.

Errors come from Sentry and from trustops' own errors API. Each one with a user becomes a row keyed
by ``pseudonymise(secret, user id)``; the raw id and the error's message are never stored. An
incident's blast radius is then a question to this ledger: how many distinct users saw errors on the
incident's components while it lasted, out of how many active customers, and what are they worth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Subquery, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from trustops.catalog.models import Component
from trustops.catalog.schema import AlertMapping
from trustops.config import Policy
from trustops.customers import Customer
from trustops.enums import CustomerTier, Impact
from trustops.errors import InvalidInput
from trustops.monitor.affected import affected_keys
from trustops.monitor.health_models import Exposure
from trustops.monitor.incidents import Change, list_incidents, record_event, update_incident
from trustops.monitor.intake import map_component
from trustops.monitor.models import EventKind, Incident
from trustops.monitor.signals import ErrorEvent
from trustops.privacy import pseudonymise

UNKNOWN_TIER = "unknown"
TIER_ORDER = [*(tier.value for tier in CustomerTier), UNKNOWN_TIER]


@dataclass(frozen=True)
class IngestResult:
    """What became of a batch of error events."""

    accepted: int  # new exposure rows
    duplicates: int  # already stored, or repeated within the batch (same source and event id)
    unmapped: int  # no component could be found for them
    anonymous: int  # no user id: nobody to count as exposed


@dataclass(frozen=True)
class TierImpact:
    tier: str  # a CustomerTier value, or "unknown" for users the customers table does not know
    affected: int
    value: float  # the affected customers' annual value


@dataclass(frozen=True)
class BlastRadius:
    """How far an incident reached, from the exposure ledger."""

    incident_id: int
    window_start: datetime
    window_end: datetime
    affected: int  # distinct users who saw an error on the incident's components in the window
    active: int  # the denominator: active customers, plus affected users unknown to the customers table
    share: float  # affected / active; 0 when there is nobody active
    affected_value: float
    by_tier: list[TierImpact]  # every tier, most valuable first, then "unknown"


def record_errors(
    session: Session,
    events: Sequence[ErrorEvent],
    *,
    secret: bytes,
    mappings: Sequence[AlertMapping] = (),
    strict: bool,
    now: datetime,
) -> IngestResult:
    """Store one exposure per event that has a user and a component; nothing else about it is kept.

    Steps: 1. find each event's component (its own id if the catalog has it, else the mapping rules over
    its tags); in ``strict`` mode an unknown one raises :class:`InvalidInput` before anything is
    written; 2. leave out events without a user (``anonymous``) or a component (``unmapped``);
    3. insert the rest, skipping (source, event id) pairs already stored or repeated in the batch.
    A time ahead of ``now`` (a sender's fast clock) is recorded as ``now``.
    """
    components = _components(session, events, mappings)
    if strict:
        _refuse_unknown(events, components)
    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    anonymous = unmapped = repeated = 0
    for event, component_id in zip(events, components, strict=True):
        if event.user_id is None:
            anonymous += 1
        elif component_id is None:
            unmapped += 1
        elif event.event_id is not None and (event.source, event.event_id) in seen:
            repeated += 1
        else:
            if event.event_id is not None:
                seen.add((event.source, event.event_id))
            rows.append(_row(event, component_id, secret, now))
    inserted = _insert(session, rows)
    return IngestResult(inserted, repeated + len(rows) - inserted, unmapped, anonymous)


def _components(session: Session, events: Sequence[ErrorEvent], mappings: Sequence[AlertMapping]) -> list[str | None]:
    named = {e.component_id for e in events if e.component_id}
    known = _existing(session, named)
    found = [e.component_id if e.component_id in known else map_component(session, e.tags, mappings) for e in events]
    # Mapping rules come from the catalog file and may name a component the store does not hold (yet).
    known |= _existing(session, {cid for cid in found if cid is not None} - known)
    return [cid if cid in known else None for cid in found]


def _existing(session: Session, ids: set[str]) -> set[str]:
    if not ids:
        return set()
    return set(session.scalars(select(Component.id).where(Component.id.in_(sorted(ids)))))


def _refuse_unknown(events: Sequence[ErrorEvent], components: Sequence[str | None]) -> None:
    for i, (event, component_id) in enumerate(zip(events, components, strict=True)):
        if component_id is None:
            path = f"[{i}].component"
            raise InvalidInput(f"{path}: unknown component {event.component_id!r}", field=path)


def _row(event: ErrorEvent, component_id: str, secret: bytes, now: datetime) -> dict[str, Any]:
    assert event.user_id is not None
    return {
        "user_key": pseudonymise(secret, event.user_id),
        "component_id": component_id,
        "at": min(event.occurred_at, now),
        "kind": event.kind[:32],
        "source": event.source[:32],
        "event_id": None if event.event_id is None else event.event_id[:64],
    }


def _insert(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert ``rows``, skipping those whose (source, event_id) is stored; returns how many went in."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(Exposure)
        .on_conflict_do_nothing(index_elements=[Exposure.source, Exposure.event_id])
        .returning(Exposure.id)
    )
    # RETURNING yields only the rows actually inserted, on both backends; DO NOTHING never errors.
    return len(session.scalars(statement, rows).all())


def blast_radius(session: Session, incident: Incident, *, policy: Policy, now: datetime) -> BlastRadius:
    """Who the incident hurt: distinct exposed users on its components between its start and its end.

    Active customers are those seen within ``policy.active_customer_days`` before the incident started;
    every affected user counts as active too (a customer whose ``last_seen_at`` lags still saw the error,
    and a user unknown to the customers table is counted as "unknown").
    """
    start, end = incident.started_at, incident.resolved_at or now
    keys = affected_keys(incident, now)
    tiers = _tiers(session, keys)
    affected = sum(t.affected for t in tiers)
    unknown = next(t.affected for t in tiers if t.tier == UNKNOWN_TIER)
    cutoff = start - timedelta(days=policy.active_customer_days)
    active = _count(session, or_(Customer.last_seen_at >= cutoff, Customer.key.in_(select(keys.c.user_key))))
    active += unknown
    return BlastRadius(
        incident_id=incident.id,
        window_start=start,
        window_end=end,
        affected=affected,
        active=active,
        share=affected / active if active else 0.0,
        affected_value=sum(t.value for t in tiers),
        by_tier=tiers,
    )


def _tiers(session: Session, affected_keys: Subquery) -> list[TierImpact]:
    rows = session.execute(
        select(Customer.tier, func.count(), func.coalesce(func.sum(Customer.annual_value), 0.0))
        .select_from(affected_keys)
        .outerjoin(Customer, Customer.key == affected_keys.c.user_key)
        .group_by(Customer.tier)
    ).all()
    # At most five groups: the loop is over tiers, never over exposures.
    found = {(tier.value if tier is not None else UNKNOWN_TIER): (int(n), float(v)) for tier, n, v in rows}
    return [TierImpact(name, *found.get(name, (0, 0.0))) for name in TIER_ORDER]


def exposure_by_component(session: Session, start: datetime, end: datetime) -> dict[str, list[TierImpact]]:
    """Distinct users who saw errors on each component between ``start`` and ``end``, by tier."""
    pairs = (
        select(Exposure.component_id, Exposure.user_key)
        .where(Exposure.at >= start, Exposure.at <= end)
        .distinct()
        .subquery("pairs")
    )
    rows = session.execute(
        select(pairs.c.component_id, Customer.tier, func.count(), func.coalesce(func.sum(Customer.annual_value), 0.0))
        .select_from(pairs)
        .outerjoin(Customer, Customer.key == pairs.c.user_key)
        .group_by(pairs.c.component_id, Customer.tier)
    ).all()
    found: dict[str, dict[str, tuple[int, float]]] = {}
    for component_id, tier, n, value in rows:
        found.setdefault(component_id, {})[tier.value if tier is not None else UNKNOWN_TIER] = (int(n), float(value))
    return {cid: [TierImpact(name, *tiers.get(name, (0, 0.0))) for name in TIER_ORDER] for cid, tiers in found.items()}


def _count(session: Session, condition: ColumnElement[bool]) -> int:
    return session.scalar(select(func.count()).select_from(Customer).where(condition)) or 0


def users_hit(session: Session, user_id: str, *, secret: bytes, since: datetime, now: datetime) -> list[Exposure]:
    """The errors a user saw between ``since`` and ``now``, oldest first: "was this user hurt lately?"."""
    query = (
        select(Exposure)
        .where(Exposure.user_key == pseudonymise(secret, user_id), Exposure.at >= since, Exposure.at <= now)
        .order_by(Exposure.at, Exposure.id)
    )
    return list(session.scalars(query))


def escalate(session: Session, incident: Incident, *, policy: Policy, now: datetime) -> Impact | None:
    """Raise an open incident's impact to what its blast radius says; returns the new impact, if raised.

    At least ``status_page_user_share`` of active customers hit is SEV-1 (critical); any enterprise
    account hit is at least SEV-2 (major), however few users (rules.md §1). Never lowers an impact:
    only a person does that.
    """
    radius = blast_radius(session, incident, policy=policy, now=now)
    enterprise = next((t.affected for t in radius.by_tier if t.tier == CustomerTier.ENTERPRISE.value), 0)
    if radius.affected and radius.share >= policy.status_page_user_share:
        wanted, why = (
            Impact.CRITICAL,
            f"{radius.share:.1%} of active customers hit (threshold {policy.status_page_user_share:.0%})",
        )
    elif enterprise:
        wanted, why = Impact.MAJOR, f"{enterprise} enterprise account user(s) hit"
    else:
        return None
    if wanted.rank <= incident.impact.rank:
        return None
    record_event(session, incident, EventKind.DECISION, "blast-radius", now, f"Impact raised to {wanted.value}: {why}.")
    update_incident(session, incident.id, Change(impact=wanted), actor="blast-radius", now=now)
    return wanted


def escalate_open(session: Session, *, policy: Policy, now: datetime) -> dict[int, Impact]:
    """Run :func:`escalate` over every open incident; returns the incidents raised."""
    raised = {}
    for incident in list_incidents(session, open_only=True, limit=500):
        impact = escalate(session, incident, policy=policy, now=now)
        if impact is not None:
            raised[incident.id] = impact
    return raised
