"""After the incident: what the marketing guard held back for the customers it hit, the newest silent-churn
run recorded for it, and what it took off the trust index."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from trustops.analytics import store
from trustops.analytics.models import ChurnRun
from trustops.analytics.trust import ALL, explain, trust_index
from trustops.clock import as_utc
from trustops.config import Policy
from trustops.customers import Customer
from trustops.enums import Channel, CustomerTier
from trustops.guard.facts import Holdout, IncidentHit, stable_since
from trustops.guard.models import GuardRun
from trustops.guard.rules import HELP_NOT_OFFERS, OUTAGE_COOLDOWN, THANKED_TIERS, cooldown_ends
from trustops.monitor.affected import affected_keys
from trustops.monitor.models import Incident, IncidentComponent
from trustops.reports.facts import Churn, Guard, Hold, ThankYou, TrustDrop

HOLD_LABELS = {
    OUTAGE_COOLDOWN: "No automated marketing (outage cool-down)",
    HELP_NOT_OFFERS: "Help content instead of offers",
}


def guard(session: Session, incident: Incident, *, policy: Policy, secret: bytes, now: datetime) -> Guard:
    """The guard's windows for the incident's affected users, their thank-you readiness, and the audience
    checks run while the windows were open."""
    hit = _hit(session, incident)
    users = _affected(session, incident, now)
    holds = _holds(hit, len(users), policy, now) if users else ()
    runs, held_back = _runs(session, holds, now)
    return Guard(holds, _thank_you(hit, users, policy, secret, now) if users else None, runs, held_back)


def _hit(session: Session, incident: Incident) -> IncidentHit:
    """The incident as the guard sees it, with ``stable_since`` read over the incidents sharing a component."""
    parts = frozenset(link.component_id for link in incident.components)
    rows = session.execute(
        select(Incident.id, Incident.started_at, Incident.resolved_at, IncidentComponent.component_id)
        .join(IncidentComponent, IncidentComponent.incident_id == Incident.id)
        .where(IncidentComponent.component_id.in_(sorted(parts)))
    ).all()
    spans: dict[int, tuple[datetime, datetime | None, frozenset[str]]] = {}
    for incident_id, started, resolved, component in rows:
        _s, _r, known = spans.get(incident_id, (started, resolved, frozenset()))
        spans[incident_id] = (as_utc(started), as_utc(resolved) if resolved else None, known | {component})
    return IncidentHit(
        incident_id=incident.id,
        impact=incident.impact,
        site_wide=incident.channel is Channel.STATUS_PAGE,
        components=parts,
        started_at=as_utc(incident.started_at),
        resolved_at=as_utc(incident.resolved_at) if incident.resolved_at else None,
        stable_since=stable_since(incident.id, spans),
    )


def _affected(session: Session, incident: Incident, now: datetime) -> list[tuple[str, CustomerTier | None]]:
    """(pseudonym, tier) of each user who saw an error on the incident's components while it ran."""
    keys = affected_keys(incident, now)
    query = select(keys.c.user_key, Customer.tier).outerjoin(Customer, Customer.key == keys.c.user_key)
    return [(key, tier) for key, tier in session.execute(query)]


def _holds(hit: IncidentHit, users: int, policy: Policy, now: datetime) -> tuple[Hold, ...]:
    holds = []
    if hit.site_wide:
        ends = cooldown_ends(hit, policy)
        holds.append(Hold(OUTAGE_COOLDOWN, HOLD_LABELS[OUTAGE_COOLDOWN], users, hit.started_at, ends, _open(ends, now)))
    help_ends = None if hit.resolved_at is None else hit.resolved_at + timedelta(days=policy.help_window_days)
    holds.append(
        Hold(HELP_NOT_OFFERS, HOLD_LABELS[HELP_NOT_OFFERS], users, hit.started_at, help_ends, _open(help_ends, now))
    )
    return tuple(holds)


def _open(until: datetime | None, now: datetime) -> bool:
    return until is None or as_utc(now) < until


def _thank_you(
    hit: IncidentHit, users: list[tuple[str, CustomerTier | None]], policy: Policy, secret: bytes, now: datetime
) -> ThankYou:
    holdout = Holdout(secret, policy.holdout_share)
    thanked = [holdout(key) for key, tier in users if tier in THANKED_TIERS]
    ready_at = None if hit.stable_since is None else hit.stable_since + timedelta(days=policy.thank_you_stable_days)
    ready = ready_at is not None and as_utc(now) >= ready_at
    return ThankYou(thanked.count(False), thanked.count(True), hit.stable_since, ready_at, ready)


def _runs(session: Session, holds: tuple[Hold, ...], now: datetime) -> tuple[int, int]:
    """Bulk audience checks while the windows were open, and the users they held back under these rules."""
    if not holds:
        return 0, 0
    start = min(h.since for h in holds)
    ends = [h.until for h in holds]
    end = as_utc(now) if None in ends else min(as_utc(now), max(e for e in ends if e is not None))
    rules = {h.rule for h in holds}
    runs = list(session.scalars(select(GuardRun).where(GuardRun.at >= start, GuardRun.at <= end)))
    held = sum(int(n) for run in runs for rule, n in (run.suppressed or {}).items() if rule in rules)
    return len(runs), held


def churn(session: Session, incident_id: int) -> Churn | None:
    """The newest silent-churn run recorded for the incident, or ``None`` when there is none."""
    query = (
        select(ChurnRun)
        .where(ChurnRun.incident_id == incident_id)
        .order_by(ChurnRun.created_at.desc(), ChurnRun.id.desc())
        .limit(1)
    )
    run = session.scalars(query).first()
    if run is None:
        return None
    report = store.load(run)
    early = report.early_churn
    return Churn(
        run_id=run.id,
        recorded_at=run.created_at,
        verdict=report.verdict,
        treated=report.treated,
        controls=report.controls,
        early_churn=early.effect if early else None,
        early_churn_days=early.horizon_days if early else None,
        debt=report.debt,
    )


def trust(session: Session, incident: Incident, *, policy: Policy, now: datetime) -> TrustDrop | None:
    """The incident's drop in the trust index of all customers, and what of it has not healed by ``now``."""
    until = max(as_utc(now), as_utc(incident.started_at))
    segment = trust_index(session, since=as_utc(incident.started_at), until=until, segments=(ALL,), policy=policy)
    everyone = segment.segment(ALL)
    found = next((c for c in explain(everyone) if c.incident_id == incident.id), None)
    return None if found is None else TrustDrop(found.drop, found.remaining, everyone.current)
