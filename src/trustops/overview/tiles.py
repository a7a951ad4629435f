"""Each overview tile, read from its own domain. Every figure keeps the link to the page it comes from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Float, case, cast, func, select
from sqlalchemy.orm import Session

from trustops.analytics import store
from trustops.analytics.trust import SegmentTrust, trust_index
from trustops.breach import cases
from trustops.breach.clocks import Clock, ClockState
from trustops.catalog.schema import OrganisationSpec
from trustops.catalog.service import list_components
from trustops.comms import cadence, channel
from trustops.config import Policy
from trustops.enums import Channel, ComponentStatus, Impact, IncidentState
from trustops.guard.facts import FactBook
from trustops.guard.overview import GuardWindow, ThankYouReadiness, decision_stats
from trustops.guard.overview import overview as guard_overview
from trustops.listen.matrix import MatrixRow
from trustops.listen.models import Mention, SpikeAlert
from trustops.listen.schema import Sentiment
from trustops.monitor import incidents as incident_store
from trustops.monitor.models import Incident

DAY = timedelta(days=1)
TALK_DAYS = 14
TRUST_DAYS = 90


@dataclass(frozen=True)
class ComponentTile:
    id: str
    name: str
    status: ComponentStatus


@dataclass(frozen=True)
class HealthGroup:
    name: str
    components: tuple[ComponentTile, ...]

    @property
    def impaired(self) -> int:
        return sum(c.status is not ComponentStatus.OPERATIONAL for c in self.components)


def health(session: Session) -> list[HealthGroup]:
    """Components by catalog group, in catalog order, with their status now."""
    statuses = incident_store.component_statuses(session)
    groups: dict[str, list[ComponentTile]] = {}
    for c in list_components(session):
        tile = ComponentTile(c.id, c.name, statuses.get(c.id, ComponentStatus.OPERATIONAL))
        groups.setdefault(c.group or "Other", []).append(tile)
    return [HealthGroup(name, tuple(tiles)) for name, tiles in groups.items()]


@dataclass(frozen=True)
class IncidentTile:
    """An open incident as the brand sees it: how much it matters, where we speak, when we must speak next."""

    id: int
    title: str
    state: IncidentState
    impact: Impact
    started_at: datetime
    priority: float  # the highest impact-matrix score among its components, 0..100
    why: str  # that component's leading reason
    channel: Channel | None
    overridden: bool
    channel_reason: str | None
    next_update: datetime | None
    overdue: bool
    users_hit: int  # in the last 24 hours, on its components
    components: tuple[str, ...]


def ranked_incidents(
    session: Session, matrix: Sequence[MatrixRow], *, policy: Policy, now: datetime
) -> list[IncidentTile]:
    """Open incidents, highest brand priority first (ties: the older first)."""
    by_component = {row.component_id: row for row in matrix}
    tiles = [
        _incident_tile(session, i, by_component, policy, now)
        for i in incident_store.list_incidents(session, open_only=True)
    ]
    return sorted(tiles, key=lambda t: (-t.priority, t.started_at, t.id))


def _incident_tile(
    session: Session, incident: Incident, rows: dict[str, MatrixRow], policy: Policy, now: datetime
) -> IncidentTile:
    mine = [rows[link.component_id] for link in incident.components if link.component_id in rows]
    top = max(mine, key=lambda r: r.score, default=None)
    decisions = channel.history(session, incident)
    due = cadence.next_update_by(incident, policy, now)
    return IncidentTile(
        id=incident.id,
        title=incident.title,
        state=incident.state,
        impact=incident.impact,
        started_at=incident.started_at,
        priority=top.score if top else 0.0,
        why=top.reasons[0] if top and top.reasons else "no customer signal on its components",
        channel=incident.channel,
        overridden=incident.channel_overridden,
        channel_reason=decisions[-1].message if decisions else None,
        next_update=due,
        overdue=due is not None and due < now,
        users_hit=sum(r.affected_users for r in mine),
        components=tuple(link.component_id for link in incident.components),
    )


@dataclass(frozen=True)
class TalkDay:
    day: date
    mentions: int
    complaints: int
    negative: int
    sentiment: float  # mean score, -1..1; 0 with no mentions

    @property
    def negative_share(self) -> float:
        return self.negative / self.mentions if self.mentions else 0.0


@dataclass(frozen=True)
class Talk:
    """What customers said over the last two weeks, per day, and the newest spikes."""

    days: tuple[TalkDay, ...]
    spikes: tuple[SpikeAlert, ...]

    @property
    def today(self) -> TalkDay:
        return self.days[-1]

    @property
    def usual_complaints(self) -> float:
        before = self.days[:-1]
        return sum(d.complaints for d in before) / len(before) if before else 0.0


def talk(session: Session, *, now: datetime, days: int = TALK_DAYS) -> Talk:
    """Daily mention, complaint and negative counts over the last ``days`` 24-hour windows ending ``now``."""
    start = now - days * DAY
    bucket = case(*[(Mention.published_at <= start + (n + 1) * DAY, n) for n in range(days)], else_=days - 1)
    rows = session.execute(
        select(
            bucket,
            func.count(),
            func.sum(case((Mention.complaint, 1), else_=0)),
            func.sum(case((Mention.sentiment == Sentiment.NEGATIVE, 1), else_=0)),
            func.avg(cast(Mention.sentiment_score, Float)),
        )
        .where(Mention.published_at > start, Mention.published_at <= now)
        .group_by(bucket)
    )
    found = {int(n): (int(m), int(c or 0), int(neg or 0), float(s or 0.0)) for n, m, c, neg, s in rows}
    series = tuple(TalkDay((start + (n + 1) * DAY).date(), *found.get(n, (0, 0, 0, 0.0))) for n in range(days))
    spikes = tuple(
        session.scalars(select(SpikeAlert).order_by(SpikeAlert.raised_at.desc(), SpikeAlert.id.desc()).limit(3))
    )
    return Talk(series, spikes)


@dataclass(frozen=True)
class GuardTile:
    windows: tuple[GuardWindow, ...]
    ending_soon: tuple[GuardWindow, ...]
    thank_you: tuple[ThankYouReadiness, ...]
    recently_hurt: int
    denied_7d: int
    allowed_7d: int


def guard(session: Session, book: FactBook, *, policy: Policy, now: datetime) -> GuardTile:
    view = guard_overview(session, book, policy=policy, now=now)
    stats = decision_stats(session, now=now)
    return GuardTile(
        windows=tuple(view.windows),
        ending_soon=tuple(view.ending_soon),
        thank_you=tuple(view.thank_you),
        recently_hurt=view.recently_hurt,
        denied_7d=sum(s.denied for s in stats),
        allowed_7d=sum(s.allowed for s in stats),
    )


@dataclass(frozen=True)
class IncidentDebt:
    incident_id: int | None
    run_id: int
    title: str
    currency: str
    debt: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class DebtTile:
    """Reputational debt (newest churn run per incident) and the trust index per customer tier."""

    totals: tuple[tuple[str, float, int], ...]  # currency, sum, runs
    incidents: tuple[IncidentDebt, ...]  # highest debt first
    trust: tuple[SegmentTrust, ...]


def debt(session: Session, *, policy: Policy, now: datetime) -> DebtTile:
    runs = store.latest_per_incident(session)
    per_incident = sorted(
        (IncidentDebt(r.incident_id, r.id, r.title, r.currency, r.debt, r.debt_low, r.debt_high) for r in runs),
        key=lambda d: -(d.debt or 0.0),
    )
    totals = tuple((currency, t.value, t.runs) for currency, t in store.debt_totals(runs).items())
    trust = trust_index(session, since=now - TRUST_DAYS * DAY, until=now, policy=policy)
    return DebtTile(totals, tuple(per_incident), trust.segments)


@dataclass(frozen=True)
class BreachTile:
    """Open breach cases, each with the clock that ends soonest (legal's view)."""

    case_id: int
    title: str
    drill: bool
    clock: Clock | None

    @property
    def overdue(self) -> bool:
        return self.clock is not None and self.clock.state is ClockState.OVERDUE


def breach(session: Session, organisation: OrganisationSpec | None, *, now: datetime) -> list[BreachTile]:
    tiles = []
    for case_ in cases.list_cases(session, open_only=True):
        running = [c for c in cases.clocks_of(case_, organisation, now=now) if c.met_at is None and c.due_at]
        soonest = min(running, key=lambda c: c.due_at or now, default=None)
        tiles.append(BreachTile(case_.id, case_.title, case_.drill, soonest))
    return sorted(tiles, key=lambda t: (t.clock is None, t.clock.due_at if t.clock else now, t.case_id))
