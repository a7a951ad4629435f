"""The functional impact matrix: what IT should fix first, ranked from the customer's side.

One row per catalog component, joining the health half (current status, open incident, users who saw
errors and what they are worth) with the brand half (complaints in the last 24 hours against the
usual day, negative share, reach-weighted sentiment, spikes). The priority score weighs four terms by
the component's criticality — a failure in a transaction hurts more than one in a background report:

    score = 100 · weight · (0.30·health + 0.30·surge + 0.15·negativity + 0.25·harm)

where ``weight`` is criticality × value weight, scaled so that the heaviest component weighs 1.

``surge`` is how far complaints rose over the usual day (so a loud but steady grumble ranks low), not
their raw volume. Every term that contributes is spelled out in ``reasons``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import Float, case, cast, func, select
from sqlalchemy.orm import Session

from trustops.catalog.models import Component
from trustops.enums import ComponentStatus, Criticality, CustomerTier
from trustops.listen.models import Mention, SpikeAlert
from trustops.listen.schema import Sentiment
from trustops.monitor.exposure import TierImpact, exposure_by_component
from trustops.monitor.incidents import component_statuses
from trustops.monitor.intake import open_incident_on

DAY = timedelta(hours=24)
BASELINE_DAYS = 7
HEALTH = {
    ComponentStatus.OPERATIONAL: 0.0,
    ComponentStatus.UNDER_MAINTENANCE: 0.0,
    ComponentStatus.DEGRADED_PERFORMANCE: 0.4,
    ComponentStatus.PARTIAL_OUTAGE: 0.7,
    ComponentStatus.MAJOR_OUTAGE: 1.0,
}
CRITICALITY = {
    Criticality.TRANSACTION: 1.0,
    Criticality.CRITICAL_MOMENT: 0.85,
    Criticality.STANDARD: 0.6,
    Criticality.BACKGROUND: 0.35,
}
WEIGHTS = {"health": 0.30, "surge": 0.30, "negativity": 0.15, "harm": 0.25}
HARM_USERS = 25.0  # affected users at which the harm term reaches 63 %
# Reach weight ≈ 1 + log10(reach), computed with CASE so it runs on any SQL engine.
_REACH_WEIGHT = case(
    (Mention.author_reach >= 100_000, 6.0),
    (Mention.author_reach >= 10_000, 5.0),
    (Mention.author_reach >= 1_000, 4.0),
    (Mention.author_reach >= 100, 3.0),
    (Mention.author_reach >= 10, 2.0),
    else_=1.0,
)


@dataclass(frozen=True)
class MatrixRow:
    component_id: str
    name: str
    criticality: Criticality
    health: ComponentStatus
    incident_id: int | None
    mentions: int  # last 24 h
    complaints: int  # last 24 h
    usual_complaints: float  # per day, over the 7 days before
    trend: float  # (complaints - usual) / usual; +3.0 is +300 %
    negative_share: float
    sentiment: float  # reach-weighted mean score, -1..1; 0 with no mentions
    affected_users: int  # distinct users who saw errors on it in the last 24 h
    affected_value: float  # their annual value
    by_tier: list[TierImpact]
    spike: str | None  # the sentence of the strongest spike raised in the last 24 h
    terms: dict[str, float] = field(default_factory=dict)  # each term of the score, 0..1
    score: float = 0.0  # 0..100
    reasons: list[str] = field(default_factory=list)


def impact_matrix(session: Session, *, now: datetime) -> list[MatrixRow]:
    """Every component, highest priority first."""
    components = list(session.scalars(select(Component).order_by(Component.position, Component.id)))
    statuses = component_statuses(session)
    talk = _talk(session, now)
    usual = _usual(session, now)
    exposed = exposure_by_component(session, now - DAY, now)
    spikes = _spikes(session, now)
    # Criticality times value weight, scaled so the heaviest component weighs 1: the score stays 0..100.
    heft = {c.id: CRITICALITY[c.criticality] * max(c.value_weight, 0.0) for c in components}
    heaviest = max(heft.values(), default=1.0) or 1.0
    rows = []
    for component in components:
        mentions, complaints, negative, weighted, weights = talk.get(component.id, (0, 0, 0, 0.0, 0.0))
        base = usual.get(component.id, 0) / BASELINE_DAYS
        tiers = exposed.get(component.id, [])
        incident = open_incident_on(session, component.id)
        row = MatrixRow(
            component_id=component.id,
            name=component.name,
            criticality=component.criticality,
            health=statuses.get(component.id, ComponentStatus.OPERATIONAL),
            incident_id=incident.id if incident else None,
            mentions=mentions,
            complaints=complaints,
            usual_complaints=base,
            trend=(complaints - base) / base if base else (float(complaints) if complaints else 0.0),
            negative_share=negative / mentions if mentions else 0.0,
            sentiment=weighted / weights if weights else 0.0,
            affected_users=sum(t.affected for t in tiers),
            affected_value=sum(t.value for t in tiers),
            by_tier=tiers,
            spike=spikes.get(component.id, (0, None))[1],
        )
        rows.append(_scored(row, heft[component.id] / heaviest, spikes.get(component.id, (0, None))[0]))
    return sorted(rows, key=lambda r: (-r.score, r.component_id))


def _scored(row: MatrixRow, weight: float, spike_severity: int) -> MatrixRow:
    surge = 1 - math.exp(-max(0.0, row.complaints - row.usual_complaints) / (row.usual_complaints + 3))
    terms = {
        "health": HEALTH[row.health],
        "surge": max(surge, spike_severity / 10),
        # Few mentions say little: a lone angry post must not outrank a hundred.
        "negativity": max(0.0, -row.sentiment) * min(1.0, row.mentions / 10),
        "harm": _harm(row),
    }
    score = min(100.0, 100 * weight * sum(WEIGHTS[k] * v for k, v in terms.items()))
    return replace(row, terms=terms, score=round(score, 1), reasons=_reasons(row, terms, weight))


def _harm(row: MatrixRow) -> float:
    harm = 1 - math.exp(-row.affected_users / HARM_USERS)
    enterprise = next((t.affected for t in row.by_tier if t.tier == CustomerTier.ENTERPRISE.value), 0)
    return max(harm, 0.6) if enterprise else harm


def _reasons(row: MatrixRow, terms: dict[str, float], weight: float) -> list[str]:
    reasons = []
    if terms["health"]:
        reasons.append(f"health: {row.health.value.replace('_', ' ')}")
    if row.spike:
        reasons.append(row.spike)
    elif row.complaints:
        direction = f"{row.trend:+,.0%}" if row.usual_complaints else "none usually"
        reasons.append(f"{row.complaints} complaints in 24 h vs {row.usual_complaints:.1f}/day usual ({direction})")
    if terms["negativity"] >= 0.05:
        reasons.append(f"{row.negative_share:.0%} of its mentions negative (reach-weighted score {row.sentiment:+.2f})")
    if row.affected_users:
        tiers = ", ".join(f"{t.affected} {t.tier}" for t in row.by_tier if t.affected)
        reasons.append(f"{row.affected_users} users saw errors ({tiers}), worth {row.affected_value:,.0f}/yr")
    if reasons:
        reasons.append(
            f"weighted ×{weight:.2f}: {row.criticality.value.replace('_', ' ')} component and its value weight"
        )
    return reasons


def _talk(session: Session, now: datetime) -> dict[str, tuple[int, int, int, float, float]]:
    negative = case((Mention.sentiment == Sentiment.NEGATIVE, 1), else_=0)
    rows = session.execute(
        select(
            Mention.component_id,
            func.count(),
            func.sum(case((Mention.complaint, 1), else_=0)),
            func.sum(negative),
            func.sum(cast(Mention.sentiment_score, Float) * _REACH_WEIGHT),
            func.sum(_REACH_WEIGHT),
        )
        .where(Mention.published_at > now - DAY, Mention.published_at <= now, Mention.component_id.is_not(None))
        .group_by(Mention.component_id)
    )
    return {
        str(cid): (int(n), int(c or 0), int(neg or 0), float(w or 0), float(ws or 0)) for cid, n, c, neg, w, ws in rows
    }


def _usual(session: Session, now: datetime) -> dict[str, int]:
    start, end = now - DAY - BASELINE_DAYS * DAY, now - DAY
    rows = session.execute(
        select(Mention.component_id, func.count())
        .where(Mention.published_at > start, Mention.published_at <= end, Mention.complaint)
        .where(Mention.component_id.is_not(None))
        .group_by(Mention.component_id)
    )
    return {str(cid): int(n) for cid, n in rows}


def _spikes(session: Session, now: datetime) -> dict[str, tuple[int, str]]:
    rows = session.scalars(
        select(SpikeAlert)
        .where(SpikeAlert.subject == "component", SpikeAlert.raised_at > now - DAY)
        .order_by(SpikeAlert.severity.desc(), SpikeAlert.id.desc())
    )
    strongest: dict[str, tuple[int, str]] = {}
    for alert in rows:
        strongest.setdefault(alert.key, (alert.severity, alert.sentence))
    return strongest


# The heatmap's columns: (label, how to read one row into 0..1 heat, how to show the value).
HEAT_COLUMNS: list[tuple[str, str]] = [
    ("Health", "health"),
    ("Complaints 24 h", "complaints"),
    ("Trend vs usual", "trend"),
    ("Negative share", "negative_share"),
    ("Sentiment (reach-weighted)", "sentiment"),
    ("Users hit", "affected_users"),
    ("Value hit /yr", "affected_value"),
    ("Priority", "score"),
]


@dataclass(frozen=True)
class HeatCell:
    text: str
    heat: float  # 0 (calm) .. 1 (hot), for the cell's colour


def heat_cells(rows: list[MatrixRow]) -> list[list[HeatCell]]:
    """The matrix as heat, per cell: absolute where the scale is fixed, relative to the hottest row elsewhere."""
    most = {
        name: max((float(getattr(r, name)) for r in rows), default=0.0) or 1.0
        for name in ("complaints", "affected_users", "affected_value")
    }
    return [
        [
            HeatCell(row.health.value.replace("_", " "), HEALTH[row.health]),
            HeatCell(str(row.complaints), row.complaints / most["complaints"]),
            HeatCell(_trend_text(row), min(1.0, max(0.0, row.trend) / 4) if row.complaints else 0.0),
            HeatCell(f"{row.negative_share:.0%}" if row.mentions else "–", row.negative_share),
            HeatCell(f"{row.sentiment:+.2f}" if row.mentions else "–", max(0.0, -row.sentiment)),
            HeatCell(str(row.affected_users), row.affected_users / most["affected_users"]),
            HeatCell(f"{row.affected_value:,.0f}", row.affected_value / most["affected_value"]),
            HeatCell(f"{row.score:.0f}", row.score / 100),
        ]
        for row in rows
    ]


def _trend_text(row: MatrixRow) -> str:
    if not row.complaints:
        return "–"
    return f"{row.trend:+,.0%}" if row.usual_complaints else "new"
