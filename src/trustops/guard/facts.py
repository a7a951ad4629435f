"""What the marketing guard knows about one user, loaded for everyone at once.

A :class:`FactBook` holds the :class:`UserFacts` of every user with an exposure in the retained ledger and of
every customer, read in four queries (newest error per user, components with errors in the window, incidents
hit, customers) so that a decision, or ten million of them, is then pure memory work. Users are pseudonyms
(:func:`trustops.privacy.pseudonymise`); nothing here ever sees a raw user id.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from trustops.clock import as_utc
from trustops.config import Policy
from trustops.customers import Customer
from trustops.enums import Channel, CustomerTier, Impact
from trustops.monitor.health_models import Exposure
from trustops.monitor.models import Incident, IncidentComponent


@dataclass(frozen=True, slots=True)
class IncidentHit:
    """An incident during whose window a user saw errors on its components."""

    incident_id: int
    impact: Impact
    site_wide: bool  # channel is status_page (public, site-wide)
    components: frozenset[str]
    started_at: datetime
    resolved_at: datetime | None
    stable_since: datetime | None  # all its components restored since then with no later incident; None if not


@dataclass(frozen=True, slots=True)
class UserFacts:
    user_key: str
    holdout: bool  # in the stable random holdout (see in_holdout)
    tier: CustomerTier | None  # None: not in the customers table
    first_seen_at: datetime | None
    last_error_at: datetime | None  # newest exposure of this user (any component), None if none retained
    error_components: frozenset[str]  # components with an exposure in the last error_window_days
    hit_by: tuple[IncidentHit, ...]  # incidents during whose window this user saw errors on their components


def no_facts(user_key: str, *, holdout: bool) -> UserFacts:
    """A user we know nothing about: no customer row, no retained error."""
    return UserFacts(user_key, holdout, None, None, None, frozenset(), ())


def in_holdout(secret: bytes, user_key: str, share: float) -> bool:
    """Whether a user is in the holdout: a keyed hash of the pseudonym read as a fraction in [0, 1).

    Stable for as long as the installation secret is, and independent of every other use of the secret.
    """
    digest = hmac.new(secret, b"holdout:" + user_key.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


class FactBook:
    """The facts of every known user, keyed by pseudonym."""

    def __init__(
        self,
        facts: Mapping[str, UserFacts],
        *,
        secret: bytes,
        holdout_share: float,
        loaded_at: datetime,
        incidents: Mapping[int, IncidentHit] | None = None,
        last_exposure_id: int = 0,
    ) -> None:
        self._facts = dict(facts)
        self._secret, self._share = secret, holdout_share
        self.loaded_at = loaded_at
        self.incidents = dict(incidents or {})
        self.last_exposure_id = last_exposure_id  # the newest exposure this book has seen

    def __len__(self) -> int:
        return len(self._facts)

    @classmethod
    def load(cls, session: Session, *, secret: bytes, policy: Policy, now: datetime) -> FactBook:
        """Read the exposure ledger, the incidents and the customers into memory."""
        now = as_utc(now)
        upto = session.scalar(select(func.coalesce(func.max(Exposure.id), 0))) or 0  # one consistent cut
        last_error = _last_errors(session, upto)
        recent = _error_components(session, upto, since=now - timedelta(days=policy.error_window_days))
        incidents = _incidents(session)
        hits = _hits(session, upto, incidents)
        customers = {key: (tier, as_utc(first)) for key, tier, first in session.execute(_CUSTOMERS)}
        facts = {}
        share = policy.holdout_share
        shared: dict[frozenset[str], frozenset[str]] = {}  # most users share a few component sets: keep one each
        for key in last_error.keys() | customers.keys():
            tier, first_seen = customers.get(key, (None, None))
            components = frozenset(recent.get(key, ()))
            hit_by = tuple(sorted(hits.get(key, ()), key=lambda hit: hit.incident_id))
            facts[key] = UserFacts(
                user_key=key,
                holdout=in_holdout(secret, key, share),
                tier=tier,
                first_seen_at=first_seen,
                last_error_at=last_error.get(key),
                error_components=shared.setdefault(components, components),
                hit_by=hit_by,
            )
        return cls(facts, secret=secret, holdout_share=share, loaded_at=now, incidents=incidents, last_exposure_id=upto)

    def extend(self, session: Session, *, policy: Policy, now: datetime) -> FactBook:
        """A new book with the exposures stored since this one was made folded in; everything else (incidents,
        customers) as it was. Far cheaper than :meth:`load` when only new errors arrived."""
        query = (
            select(Exposure.id, Exposure.user_key, Exposure.component_id, Exposure.at)
            .where(Exposure.id > self.last_exposure_id)
            .order_by(Exposure.id)
        )
        rows = session.execute(query).all()
        if not rows:
            return self
        window_start = as_utc(now) - timedelta(days=policy.error_window_days)
        facts = dict(self._facts)
        for _id, key, component, at in rows:
            at = as_utc(at)
            old = facts.get(key) or self.get(key)
            newly_hit = [hit for hit in self.incidents.values() if component in hit.components and _within(hit, at)]
            facts[key] = replace(
                old,
                last_error_at=at if old.last_error_at is None else max(old.last_error_at, at),
                error_components=old.error_components | {component} if at >= window_start else old.error_components,
                hit_by=tuple(sorted(set(old.hit_by).union(newly_hit), key=lambda hit: hit.incident_id)),
            )
        return FactBook(
            facts,
            secret=self._secret,
            holdout_share=self._share,
            loaded_at=self.loaded_at,
            incidents=self.incidents,
            last_exposure_id=rows[-1][0],
        )

    def get(self, user_key: str) -> UserFacts:
        """The facts of ``user_key``; :func:`no_facts` (holdout still computed) for a key never seen."""
        found = self._facts.get(user_key)
        if found is not None:
            return found
        return no_facts(user_key, holdout=in_holdout(self._secret, user_key, self._share))

    def users(self) -> Iterable[UserFacts]:
        return self._facts.values()


_CUSTOMERS = select(Customer.key, Customer.tier, Customer.first_seen_at)


def _within(hit: IncidentHit, at: datetime) -> bool:
    return hit.started_at <= at and (hit.resolved_at is None or at <= hit.resolved_at)


def _last_errors(session: Session, upto: int) -> dict[str, datetime]:
    query = select(Exposure.user_key, func.max(Exposure.at)).where(Exposure.id <= upto).group_by(Exposure.user_key)
    rows = session.execute(query)
    return {key: as_utc(at) for key, at in rows}


def _error_components(session: Session, upto: int, *, since: datetime) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    query = select(Exposure.user_key, Exposure.component_id).where(Exposure.at >= since, Exposure.id <= upto).distinct()
    for key, component in session.execute(query):
        found[key].add(component)
    return found


def _incidents(session: Session) -> dict[int, IncidentHit]:
    """Every incident with its components and its stability (see :func:`stable_since`)."""
    components: dict[int, set[str]] = defaultdict(set)
    for incident_id, component_id in session.execute(
        select(IncidentComponent.incident_id, IncidentComponent.component_id)
    ):
        components[incident_id].add(component_id)
    rows = session.execute(
        select(Incident.id, Incident.impact, Incident.channel, Incident.started_at, Incident.resolved_at)
    ).all()
    spans = {
        row.id: (
            as_utc(row.started_at),
            as_utc(row.resolved_at) if row.resolved_at else None,
            frozenset(components[row.id]),
        )
        for row in rows
    }
    incidents = {}
    for row in rows:
        started, resolved, parts = spans[row.id]
        incidents[row.id] = IncidentHit(
            incident_id=row.id,
            impact=row.impact,
            site_wide=row.channel is Channel.STATUS_PAGE,
            components=parts,
            started_at=started,
            resolved_at=resolved,
            stable_since=stable_since(row.id, spans),
        )
    return incidents


def stable_since(
    incident_id: int, spans: Mapping[int, tuple[datetime, datetime | None, frozenset[str]]]
) -> datetime | None:
    """When every component of an incident was last fully restored: the latest resolution among it and every
    incident on one of its components that was still running at or after its start; ``None`` while any of
    them is open (its components are not restored)."""
    started, _resolved, parts = spans[incident_id]
    latest: datetime | None = None
    for other_id, (_other_started, other_resolved, other_parts) in spans.items():
        if other_id != incident_id and not parts & other_parts:
            continue
        if other_resolved is not None and other_resolved < started:
            continue  # over before this one began
        if other_resolved is None:
            return None
        latest = other_resolved if latest is None else max(latest, other_resolved)
    return latest


def _hits(session: Session, upto: int, incidents: Mapping[int, IncidentHit]) -> dict[str, set[IncidentHit]]:
    """Which incidents each user was hit by: an exposure on one of its components within its window."""
    query = (
        select(Exposure.user_key, IncidentComponent.incident_id)
        .join(IncidentComponent, IncidentComponent.component_id == Exposure.component_id)
        .join(Incident, Incident.id == IncidentComponent.incident_id)
        .where(
            and_(
                Exposure.id <= upto,
                Exposure.at >= Incident.started_at,
                or_(Incident.resolved_at.is_(None), Exposure.at <= Incident.resolved_at),
            )
        )
        .distinct()
    )
    found: dict[str, set[IncidentHit]] = defaultdict(set)
    for key, incident_id in session.execute(query):
        found[key].add(incidents[incident_id])
    return found
