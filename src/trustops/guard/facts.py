"""What the marketing guard knows about one user, loaded for everyone at once.

A :class:`FactBook` holds the :class:`UserFacts` of every user with an exposure in the retained ledger and of
every customer, read in one pass over the ledger plus the incidents and the customers, so that a decision,
or ten million of them, is then pure memory work. Users are pseudonyms (:func:`trustops.privacy.pseudonymise`);
nothing here ever sees a raw user id.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Executable, String, func, select, type_coerce
from sqlalchemy.orm import Session

from trustops.clock import as_utc
from trustops.config import Policy
from trustops.customers import Customer
from trustops.enums import Channel, CustomerTier, Impact
from trustops.monitor.health_models import Exposure
from trustops.monitor.models import Incident, IncidentComponent
from trustops.privacy import PreparedHmac


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


class Holdout:
    """:func:`in_holdout` for many pseudonyms under one secret and share (prepared once)."""

    def __init__(self, secret: bytes, share: float) -> None:
        self._hmac = PreparedHmac(secret, b"holdout:")
        self._share = share

    def __call__(self, user_key: str) -> bool:
        return int.from_bytes(self._hmac.digest(user_key.encode())[:8], "big") / 2**64 < self._share


class FactBook:
    """The facts of every known user, keyed by pseudonym.

    A loaded book keeps what it read in bulk and builds a user's :class:`UserFacts` when first asked
    (:meth:`known`), so loading stays one pass over the ledger, and a bulk run that forks workers after loading
    builds each user's facts in the worker that meets them.
    """

    def __init__(
        self,
        facts: Mapping[str, UserFacts],
        *,
        secret: bytes,
        holdout_share: float,
        loaded_at: datetime,
        incidents: Mapping[int, IncidentHit] | None = None,
        last_exposure_id: int = 0,
        read: _Read | None = None,
    ) -> None:
        self._facts = dict(facts)  # built facts, and every user's facts changed since the read
        self._read = read
        self._secret, self._share = secret, holdout_share
        self.loaded_at = loaded_at
        self.incidents = dict(incidents or {})
        self.last_exposure_id = last_exposure_id  # the newest exposure this book has seen
        self._keys: frozenset[str] | None = None

    def __len__(self) -> int:
        return len(self.keys())

    def __contains__(self, user_key: object) -> bool:
        return user_key in self._facts or (self._read is not None and user_key in self._read.keys)

    def keys(self) -> frozenset[str]:
        """The pseudonyms of every known user."""
        if self._keys is None:
            self._keys = frozenset(self._facts.keys() | (self._read.keys if self._read is not None else set()))
        return self._keys

    @classmethod
    def load(cls, session: Session, *, secret: bytes, policy: Policy, now: datetime) -> FactBook:
        """Read the exposure ledger (in one pass), the incidents and the customers into memory."""
        now = as_utc(now)
        upto = session.scalar(select(func.coalesce(func.max(Exposure.id), 0))) or 0  # one consistent cut
        incidents = _incidents(session)
        ledger = _read_ledger(session, upto, incidents, since=now - timedelta(days=policy.error_window_days))
        customers = {key: (tier, first) for key, tier, first in _raw_rows(session, _CUSTOMERS)}
        read = _Read(ledger, customers, incidents, Holdout(secret, policy.holdout_share))
        return cls(
            {},
            secret=secret,
            holdout_share=policy.holdout_share,
            loaded_at=now,
            incidents=incidents,
            last_exposure_id=upto,
            read=read,
        )

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
            read=self._read,
        )

    def known(self, user_key: str) -> UserFacts | None:
        """The facts of ``user_key``, or ``None`` for a key this book has never seen."""
        found = self._facts.get(user_key)
        if found is None and self._read is not None:
            found = self._read.build(user_key)
        return found

    def get(self, user_key: str) -> UserFacts:
        """The facts of ``user_key``; :func:`no_facts` (holdout still computed) for a key never seen."""
        found = self.known(user_key)
        if found is not None:
            return found
        return no_facts(user_key, holdout=in_holdout(self._secret, user_key, self._share))

    def users(self) -> Iterator[UserFacts]:
        for key in self.keys():
            found = self.known(key)
            assert found is not None
            yield found


class _Read:
    """What :meth:`FactBook.load` read, from which a user's facts are built on demand."""

    def __init__(
        self,
        ledger: _Ledger,
        customers: Mapping[str, tuple[str, Any]],
        incidents: Mapping[int, IncidentHit],
        holdout: Holdout,
    ) -> None:
        self._ledger, self._customers, self._incidents, self._holdout = ledger, customers, incidents, holdout
        self.keys = ledger.last_error.keys() | customers.keys()
        self._components: dict[frozenset[str], frozenset[str]] = {}  # most users share a few sets: keep one each
        self._hits: dict[frozenset[int], tuple[IncidentHit, ...]] = {}

    def build(self, key: str) -> UserFacts | None:
        if key not in self.keys:
            return None
        ledger = self._ledger
        customer = self._customers.get(key)
        components = frozenset(ledger.recent.get(key, ()))
        hit_ids = frozenset(ledger.hits.get(key, ()))
        hit_by = self._hits.get(hit_ids)
        if hit_by is None:
            hit_by = self._hits[hit_ids] = tuple(self._incidents[incident_id] for incident_id in sorted(hit_ids))
        return UserFacts(
            user_key=key,
            holdout=self._holdout(key),
            tier=None if customer is None else CustomerTier(customer[0]),
            first_seen_at=None if customer is None else ledger.parse(customer[1]),
            last_error_at=ledger.last_error_at(key),
            error_components=self._components.setdefault(components, components),
            hit_by=hit_by,
        )


_CUSTOMERS = select(Customer.key, type_coerce(Customer.tier, String()), type_coerce(Customer.first_seen_at, String()))


def _within(hit: IncidentHit, at: datetime) -> bool:
    return hit.started_at <= at and (hit.resolved_at is None or at <= hit.resolved_at)


class _Ledger:
    """One pass over the exposure ledger: each user's newest error, the components with errors since the
    window's start, and the incidents during whose window (on one of whose components) the user saw errors.

    Times are compared as the driver returns them, without building a ``datetime`` per row: SQLite gives
    SQLAlchemy's fixed-width text (``2026-03-02 14:05:09.000000``, which sorts as time does), PostgreSQL gives
    aware datetimes. Only each user's newest error is turned into a ``datetime`` at the end.
    """

    def __init__(self, dialect: str, incidents: Mapping[int, IncidentHit], *, since: datetime) -> None:
        self._text = dialect == "sqlite"
        self.since = self.raw(since)
        self.last_error: dict[str, Any] = {}
        self.recent: dict[str, set[str]] = defaultdict(set)
        self.hits: dict[str, set[int]] = defaultdict(set)
        self.windows: dict[str, list[tuple[Any, Any, int]]] = defaultdict(list)  # component -> incident spans
        for hit in incidents.values():
            end = None if hit.resolved_at is None else self.raw(hit.resolved_at)
            for component in hit.components:
                self.windows[component].append((self.raw(hit.started_at), end, hit.incident_id))

    def raw(self, moment: datetime) -> Any:
        """``moment`` as the driver returns stored times, for comparing with them."""
        moment = as_utc(moment)
        return moment.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds") if self._text else moment

    def add(self, rows: Iterable[Sequence[Any]]) -> None:
        last_error, recent, hits, windows, since = self.last_error, self.recent, self.hits, self.windows, self.since
        for key, component, at in rows:
            newest = last_error.get(key)
            if newest is None or at > newest:
                last_error[key] = at
            if at >= since:
                recent[key].add(component)
            spans = windows.get(component)
            if spans:
                for started, resolved, incident_id in spans:
                    if started <= at and (resolved is None or at <= resolved):
                        hits[key].add(incident_id)

    def last_error_at(self, key: str) -> datetime | None:
        at = self.last_error.get(key)
        return None if at is None else self.parse(at)

    def parse(self, raw: Any) -> datetime:
        """A stored time as the driver returned it, as an aware UTC datetime."""
        return datetime.fromisoformat(raw).replace(tzinfo=UTC) if self._text else as_utc(raw)


def _read_ledger(session: Session, upto: int, incidents: Mapping[int, IncidentHit], *, since: datetime) -> _Ledger:
    ledger = _Ledger(session.get_bind().dialect.name, incidents, since=since)
    # String(): the stored time exactly as the driver gives it, skipping the per-row datetime conversion.
    query = select(Exposure.user_key, Exposure.component_id, type_coerce(Exposure.at, String()))
    for rows in _raw_chunks(session, query.where(Exposure.id <= upto)):
        ledger.add(rows)
    return ledger


def _raw_rows(session: Session, query: Executable) -> Iterator[Sequence[Any]]:
    for rows in _raw_chunks(session, query):
        yield from rows


def _raw_chunks(session: Session, query: Executable) -> Iterator[Sequence[Sequence[Any]]]:
    """The rows of ``query`` a chunk at a time, through Core rather than the ORM (a million rows pass here)."""
    # Per statement: Connection.execution_options() would change the session's connection for good (and on
    # PostgreSQL every later statement, ROLLBACK included, would go through a server-side cursor).
    yield from session.connection().execute(query.execution_options(yield_per=_LEDGER_CHUNK)).partitions()


_LEDGER_CHUNK = 100_000


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
