"""The trust index: how much a segment of customers still trusts us, from 0 to 100, day by day.

Read from what trustops already stores: incidents and their timelines, the catalog's criticality of
their components, the exposure ledger (who saw an error) and the customers' tiers. No product events
are needed; the cohort analysis checks the model afterwards (:func:`check_against_cohort`).

Each segment (a customer tier, or ``"all"``) starts at :attr:`TrustModel.baseline`. An incident that hit
it takes off, at its start::

    drop = severity(impact) · duration · critical moment · repeat · share hit · (1 − cushion)

- **severity** — :attr:`TrustModel.minor_points` / ``major_points`` / ``critical_points``, by the worst
  impact the incident ever had (resolving derives the impact again, so the timeline is read);
- **duration** — ``1 + duration_weight · ln(1 + hours)`` from start to resolution: long outages hurt more,
  with diminishing returns;
- **critical moment** — ×``transaction_multiplier`` when a component is ``transaction`` (cart, checkout,
  payment), ×``critical_moment_multiplier`` for ``critical_moment`` (login, order e-mails);
- **repeat** — ×(59 % / 32 %) when an incident on one of the same components started within
  ``repeat_window_days`` before (PwC 2018: 32 % leave after one bad experience, 59 % after several);
- **share hit** — exposed users of the segment over its active users (the exposure ledger); a segment
  nobody in it was exposed does not move;
- **cushion** — communication and recovery, at most ``1 / negativity_bias`` of the drop: first update
  within the policy's target, cadence kept, the EAR score of the apology, speed of resolution.

Once resolved, what an incident took off heals exponentially with ``half_life_days`` of stable service::

    index(t) = clamp(baseline − Σ drop_i · 0.5 ^ (days since resolution_i / half_life), 0, 100)

:func:`explain` splits the distance from the baseline at any moment into each incident's share, so the
shares always sum to ``baseline − index``. The parameters and their sources are in ``docs/analytics.md``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from trustops.catalog.models import Component
from trustops.clock import as_utc
from trustops.comms.audience import MESSAGE_KINDS, audience_of
from trustops.comms.ear import lint
from trustops.config import Policy
from trustops.customers import Customer
from trustops.enums import Audience, Channel, Criticality, CustomerTier, Impact
from trustops.errors import InvalidInput
from trustops.monitor.health_models import Exposure
from trustops.monitor.models import EventKind, Incident, IncidentEvent

ALL = "all"  # the segment of every customer, and of exposed users trustops has no customer row for
SEGMENTS = (ALL, *(tier.value for tier in CustomerTier))
APOLOGY_WORDS = ("sorry", "apologis", "apologiz")  # a customer-facing message after resolution with one of these
SECONDS_PER_DAY = 86_400.0
# PwC, "Experience is everything: Here's how to get it right", Future of Customer Experience survey (2018),
# 15,000 consumers in 12 countries: 32 % would walk away from a brand they love after one bad experience,
# 59 % after several. Stated intentions, not observed churn (verify the exact wording before quoting).
PWC_ONE_BAD_EXPERIENCE = 0.32
PWC_SEVERAL_BAD_EXPERIENCES = 0.59


@dataclass(frozen=True)
class TrustModel:
    """Every tunable of the trust index, with its default and where the default comes from."""

    baseline: float = 100.0  # full trust before any incident in the window; the index never exceeds it
    # Points a one-hour-ish incident takes off a segment it hit entirely, before multipliers and cushion.
    # A convention of trustops, ordered as Statuspage's impact levels; calibrate with check_against_cohort.
    minor_points: float = 4.0
    major_points: float = 10.0
    critical_points: float = 18.0
    # Duration: 1 + w·ln(1 + hours). Dose-response with diminishing returns (a convention): 1 h ×1.35, 24 h ×2.6.
    duration_weight: float = 0.5
    # DESIGN.md: "a failure during a transaction hurts more"; Baymard/DESIGN: 77 % leave a site on an error.
    # The factors are conventions (verify against cohorts): money changing hands ×1.5, other critical moments ×1.25.
    transaction_multiplier: float = 1.5
    critical_moment_multiplier: float = 1.25
    # A repeat: an incident on one of the same components that started at most this many days before.
    repeat_window_days: float = 90.0
    # PwC 2018 (see PWC_*): 32 % leave after one bad experience, 59 % after several; the repeat multiplier
    # is their ratio, 1.84 (verify: the survey says "several", the issue reads it as "two or three").
    one_bad_experience_churn: float = PWC_ONE_BAD_EXPERIENCE
    several_bad_experiences_churn: float = PWC_SEVERAL_BAD_EXPERIENCES
    # Negativity bias: a loss weighs about twice an equal gain (Kahneman & Tversky 1979, loss aversion λ≈2.25
    # in Tversky & Kahneman 1992; Baumeister et al. 2001 "Bad is stronger than good"; verify the factor).
    # So good communication, a gain, can cushion at most 1/negativity_bias of a failure's drop.
    negativity_bias: float = 2.0
    # How the cushion splits between its four parts (a convention; they sum to 1). rules.md §1: speed of
    # acknowledgement beats detail, so the first update weighs as much as the apology.
    first_update_weight: float = 0.3
    cadence_weight: float = 0.2
    apology_weight: float = 0.3
    recovery_weight: float = 0.2
    # The first update scores 1 within the policy's target (rules.md §1: 15 min public, 30 min targeted),
    # then falls linearly to 0 at this many times the target.
    late_first_update_factor: float = 4.0
    # Recovery speed scores 1 when resolved within this many hours of detection, then target/hours.
    recovery_target_hours: float = 4.0
    # Trust comes back slowly: half of what is left returns per half-life of stable service (a convention,
    # in line with the 30-day churn window of rules.md §11; verify against the 30/60/180-day cohorts).
    half_life_days: float = 30.0
    # A customer is active (in the denominator of the share hit) when last seen this many days before the start.
    active_days: float = 30.0

    def __post_init__(self) -> None:
        weights = (self.first_update_weight, self.cadence_weight, self.apology_weight, self.recovery_weight)
        if abs(sum(weights) - 1.0) > 1e-9 or min(weights) < 0:
            raise InvalidInput("trust model: the four cushion weights must be non-negative and sum to 1")
        if self.negativity_bias < 1 or self.half_life_days <= 0 or not 0 < self.baseline <= 100:
            raise InvalidInput("trust model: negativity_bias >= 1, half_life_days > 0, 0 < baseline <= 100")
        if self.late_first_update_factor <= 1 or self.recovery_target_hours <= 0:
            raise InvalidInput("trust model: late_first_update_factor > 1 and recovery_target_hours > 0")

    @property
    def repeat_multiplier(self) -> float:
        """How much more a repeat failure drops trust: the ratio of the PwC churn figures, 0.59/0.32 ≈ 1.84."""
        return self.several_bad_experiences_churn / self.one_bad_experience_churn

    @property
    def max_cushion(self) -> float:
        """The largest share of a drop communication can take back: 1 / negativity_bias."""
        return 1.0 / self.negativity_bias

    def points(self, impact: Impact) -> float:
        return {
            Impact.MINOR: self.minor_points,
            Impact.MAJOR: self.major_points,
            Impact.CRITICAL: self.critical_points,
        }.get(impact, 0.0)

    def duration_factor(self, hours: float) -> float:
        return 1.0 + self.duration_weight * math.log1p(max(hours, 0.0))

    def criticality_factor(self, criticalities: Iterable[Criticality]) -> float:
        found = set(criticalities)
        if Criticality.TRANSACTION in found:
            return self.transaction_multiplier
        if Criticality.CRITICAL_MOMENT in found:
            return self.critical_moment_multiplier
        return 1.0

    @property
    def one_bad_experience_points(self) -> float:
        """The drop of "one bad experience": a one-hour major outage of a whole segment, nothing said."""
        return self.major_points * self.duration_factor(1.0)

    def implied_churn(self, drop: float) -> float:
        """The churn a drop implies, scaled on the 1-in-3 anchor: one bad experience ↦ 32 %, capped at 100 %."""
        return min(1.0, max(0.0, drop) / self.one_bad_experience_points * self.one_bad_experience_churn)


@dataclass(frozen=True)
class Communication:
    """How an incident was handled in front of customers, each part scored from 0 to 1."""

    first_update_minutes: float | None  # from detection to the first customer-facing message; None: none
    first_update_target_minutes: int
    first_update: float
    gaps: int  # gaps between customer-facing messages up to resolution
    late_gaps: int  # gaps longer than the policy's cadence
    cadence: float
    apology_ear: float | None  # mean of the EAR scores / 100 of the apology; None: no apology
    apology: float
    recovery_hours: float | None  # from detection to resolution; None: unresolved
    recovery: float
    cushion: float  # the share of the drop taken back, 0 .. 1/negativity_bias

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Contribution:
    """One incident's part in a segment's index: why trust dropped, and how much of it is still missing."""

    incident_id: int
    title: str
    started_at: datetime
    resolved_at: datetime | None
    impact: Impact
    components: tuple[str, ...]
    exposed: int
    active: int
    share: float  # exposed / active, 0..1
    severity_points: float
    duration_hours: float
    duration_factor: float
    critical_multiplier: float
    repeat_multiplier: float
    repeat_of: tuple[int, ...]  # earlier incidents on the same components within the repeat window
    raw_drop: float  # before the cushion
    cushion_points: float
    drop: float  # raw_drop − cushion_points: what it took off when it started
    communication: Communication
    remaining: float = 0.0  # its share of baseline − index at the moment explained

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            started_at=self.started_at.isoformat(),
            resolved_at=self.resolved_at.isoformat() if self.resolved_at else None,
            impact=self.impact.value,
            components=list(self.components),
            repeat_of=list(self.repeat_of),
            communication=self.communication.to_dict(),
        )
        return data


@dataclass(frozen=True)
class TrustPoint:
    day: date
    index: float


@dataclass(frozen=True)
class SegmentTrust:
    segment: str
    baseline: float
    until: datetime
    half_life_days: float
    points: tuple[TrustPoint, ...]
    contributions: tuple[Contribution, ...] = field(default=())  # every incident that hit it, by start

    @property
    def current(self) -> float:
        return index_at(self, self.until)

    @property
    def lowest(self) -> TrustPoint:
        return min(self.points, key=lambda p: (p.index, p.day))

    def to_dict(self) -> dict[str, Any]:
        lowest = self.lowest
        return {
            "segment": self.segment,
            "baseline": self.baseline,
            "current": round(self.current, 3),
            "lowest": {"day": lowest.day.isoformat(), "index": round(lowest.index, 3)},
            "series": [{"day": p.day.isoformat(), "index": round(p.index, 3)} for p in self.points],
            "incidents": [c.to_dict() for c in explain(self)],
        }


@dataclass(frozen=True)
class TrustReport:
    since: datetime
    until: datetime
    model: TrustModel
    segments: tuple[SegmentTrust, ...]

    def segment(self, name: str) -> SegmentTrust:
        return next(s for s in self.segments if s.segment == name)

    def to_dict(self) -> dict[str, Any]:
        model = {**asdict(self.model), "repeat_multiplier": self.model.repeat_multiplier}
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "model": model,
            "segments": [s.to_dict() for s in self.segments],
        }


def trust_index(
    session: Session,
    *,
    since: datetime,
    until: datetime,
    segments: Sequence[str] = SEGMENTS,
    model: TrustModel | None = None,
    policy: Policy | None = None,
    apologies: Mapping[int, str] | None = None,
) -> TrustReport:
    """The daily trust index of each segment from ``since`` to ``until`` (both UTC), one point per day.

    ``apologies`` maps an incident id to the apology e-mail sent for it; without one, the last
    customer-facing message posted at or after resolution that says sorry is the apology. Incidents
    that started before ``since`` still count for what they left unhealed.
    """
    model, policy = model or TrustModel(), policy or Policy()
    since, until = as_utc(since), as_utc(until)
    if since > until:
        raise InvalidInput("since: must not be after until", field="since")
    unknown = [s for s in segments if s not in SEGMENTS]
    if unknown:
        raise InvalidInput(f"segment: {unknown[0]!r} is not one of {', '.join(SEGMENTS)}", field="segment")
    lookback = timedelta(days=8 * model.half_life_days)  # 0.4 % left after eight half-lives
    incidents = _incidents(session, since - lookback - timedelta(days=model.repeat_window_days), until)
    criticality = _criticalities(session, incidents)
    counted = [i for i in incidents if as_utc(i.started_at) >= since - lookback]
    exposures = _exposures(session, counted, until)
    tiers = _tiers(session, {key for rows in exposures.values() for key, _c, _at in rows})
    found: dict[str, list[Contribution]] = defaultdict(list)
    for incident in counted:
        end = min(as_utc(incident.resolved_at), until) if incident.resolved_at else until
        comms = communication(
            incident, model=model, policy=policy, as_of=until, apology=(apologies or {}).get(incident.id)
        )
        hit = _hit_keys(incident, exposures.get(incident.id, []), end)
        active = _active_counts(session, incident, end, model)
        repeats = _repeats(incident, incidents, model)
        for segment in segments:
            keys = hit if segment == ALL else {k for k in hit if tiers.get(k) == segment}
            if not keys:
                continue
            n_active = max(len(keys), active[segment] + (len(hit - tiers.keys()) if segment == ALL else 0))
            found[segment].append(_contribution(incident, model, comms, criticality, repeats, len(keys), n_active, end))
    result = []
    for segment in segments:
        base = SegmentTrust(segment, model.baseline, until, model.half_life_days, (), tuple(found[segment]))
        result.append(replace(base, points=tuple(_series(base, since, until))))
    return TrustReport(since, until, model, tuple(result))


def index_at(segment: SegmentTrust, at: datetime) -> float:
    """The segment's index at ``at``: baseline less what every incident still takes off, within [0, baseline]."""
    missing = sum(_remaining(c, at, segment.half_life_days) for c in segment.contributions)
    return min(segment.baseline, max(0.0, segment.baseline - missing))


def explain(segment: SegmentTrust, at: datetime | None = None) -> list[Contribution]:
    """Each incident that moved the segment, with ``remaining``: its part of ``baseline − index`` at ``at``.

    Without clamping, ``remaining`` is what the incident took off less what healed since; when the
    index bottoms out at 0 the parts are scaled down alike, so they always sum to the distance from the
    baseline. Incidents not started by ``at`` are left out.
    """
    at = as_utc(at) if at is not None else segment.until
    raw = {c.incident_id: _remaining(c, at, segment.half_life_days) for c in segment.contributions}
    total = sum(raw.values())
    actual = segment.baseline - index_at(segment, at)
    scale = actual / total if total > 0 else 0.0
    return [
        replace(c, remaining=raw[c.incident_id] * scale) for c in segment.contributions if as_utc(c.started_at) <= at
    ]


def communication(
    incident: Incident,
    *,
    model: TrustModel,
    policy: Policy,
    as_of: datetime,
    apology: str | None = None,
) -> Communication:
    """Score how the incident was communicated and how fast it was fixed (each 0..1), and the cushion."""
    detected = as_utc(incident.detected_at)
    resolved = as_utc(incident.resolved_at) if incident.resolved_at else None
    end = resolved or as_utc(as_of)
    heard = sorted(as_utc(e.at) for e in incident.events if _customer_facing(e, incident) and as_utc(e.at) <= end)
    targeted = incident.channel is Channel.TARGETED
    target = policy.first_targeted_update_minutes if targeted else policy.first_public_update_minutes
    cadence_minutes = policy.targeted_update_cadence_minutes if targeted else policy.public_update_cadence_minutes
    first_minutes = (heard[0] - detected).total_seconds() / 60 if heard else None
    first = 0.0
    if first_minutes is not None:
        late_by = max(0.0, first_minutes - target) / (target * (model.late_first_update_factor - 1))
        first = max(0.0, 1.0 - late_by)
    gaps = [(b - a).total_seconds() / 60 for a, b in zip(heard, [*heard[1:], end], strict=True)] if heard else []
    gaps = [g for g in gaps if g > 0]
    late = sum(1 for g in gaps if g > cadence_minutes)
    cadence = (1.0 - late / len(gaps) if gaps else 1.0) if heard else 0.0
    text = apology if apology is not None else _apology_text(incident)
    ear = None
    if text and text.strip():
        report = lint(text)
        ear = (int(report.empathy or 0) + int(report.accountability or 0) + int(report.resolution or 0)) / 300
    recovery_hours = (resolved - detected).total_seconds() / 3600 if resolved else None
    recovery = 0.0
    if recovery_hours is not None:
        recovery = min(1.0, model.recovery_target_hours / max(recovery_hours, 1e-9))
    score = (
        model.first_update_weight * first
        + model.cadence_weight * cadence
        + model.apology_weight * (ear or 0.0)
        + model.recovery_weight * recovery
    )
    return Communication(
        first_update_minutes=first_minutes,
        first_update_target_minutes=target,
        first_update=first,
        gaps=len(gaps),
        late_gaps=late,
        cadence=cadence,
        apology_ear=ear,
        apology=ear or 0.0,
        recovery_hours=recovery_hours,
        recovery=recovery,
        cushion=model.max_cushion * score,
    )


@dataclass(frozen=True)
class CohortCheck:
    """The model's implied churn against what a cohort analysis observed (affected less control)."""

    drop: float
    implied_churn: float
    observed_churn: float  # affected − control
    interval: tuple[float, float] | None  # 95 % interval of the observed difference, when group sizes are given
    ratio: float | None  # observed / implied; None when the model implies no churn
    consistent: bool
    verdict: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_against_cohort(
    drop: float,
    *,
    affected_churn: float,
    control_churn: float,
    n_affected: int | None = None,
    n_control: int | None = None,
    model: TrustModel | None = None,
    tolerance: float = 2.0,
) -> CohortCheck:
    """Is the index drop consistent with the churn a cohort analysis observed?

    The model's implied churn is :meth:`TrustModel.implied_churn` of the drop (one bad experience ↦ 32 %).
    With group sizes, the observed excess churn gets a normal-approximation 95 % interval (difference of
    two proportions) and the model is consistent when the implied churn lies in it. Without them, it is
    consistent when observed and implied are within a factor ``tolerance`` of each other. The ratio
    observed/implied is the factor by which to scale the severity points to match this cohort.
    """
    for name, value in (("affected_churn", affected_churn), ("control_churn", control_churn)):
        if not 0.0 <= value <= 1.0:
            raise InvalidInput(f"{name}: must be a share between 0 and 1", field=name)
    if tolerance <= 1.0:
        raise InvalidInput("tolerance: must be above 1", field="tolerance")
    model = model or TrustModel()
    implied = model.implied_churn(drop)
    observed = affected_churn - control_churn
    interval = None
    if n_affected and n_control:
        se = math.sqrt(
            affected_churn * (1 - affected_churn) / n_affected + control_churn * (1 - control_churn) / n_control
        )
        interval = (observed - 1.96 * se, observed + 1.96 * se)
    ratio = observed / implied if implied > 0 else None
    if interval is not None:
        consistent = interval[0] <= implied <= interval[1]
    elif ratio is None:
        consistent = abs(observed) < 1e-9
    else:
        consistent = 1 / tolerance <= ratio <= tolerance
    if consistent:
        verdict = f"consistent: the model implies {implied:.1%} excess churn, the cohort shows {observed:.1%}"
    elif ratio is not None and ratio < 1:
        verdict = (
            f"the model overstates churn ({implied:.1%} implied, {observed:.1%} observed): scale it by {ratio:.2f}"
        )
    else:
        verdict = f"the model understates churn ({implied:.1%} implied, {observed:.1%} observed)"
    return CohortCheck(drop, implied, observed, interval, ratio, consistent, verdict)


def _incidents(session: Session, since: datetime, until: datetime) -> list[Incident]:
    query = (
        select(Incident)
        .where(Incident.started_at >= since, Incident.started_at <= until)
        .options(selectinload(Incident.components), selectinload(Incident.events))
        .order_by(Incident.started_at, Incident.id)
    )
    return list(session.scalars(query))


def _criticalities(session: Session, incidents: Sequence[Incident]) -> dict[str, Criticality]:
    ids = {c.component_id for i in incidents for c in i.components}
    if not ids:
        return {}
    return {
        cid: crit
        for cid, crit in session.execute(select(Component.id, Component.criticality).where(Component.id.in_(ids)))
    }


def _exposures(
    session: Session, incidents: Sequence[Incident], until: datetime
) -> dict[int, list[tuple[str, str, datetime]]]:
    """Exposures on each incident's components during it, read in one query over the whole span."""
    if not incidents:
        return {}
    ids = {c.component_id for i in incidents for c in i.components}
    start = min(as_utc(i.started_at) for i in incidents)
    rows = session.execute(
        select(Exposure.user_key, Exposure.component_id, Exposure.at).where(
            Exposure.component_id.in_(ids), Exposure.at >= start, Exposure.at <= until
        )
    ).all()
    by_component: dict[str, list[tuple[str, str, datetime]]] = defaultdict(list)
    for key, component, at in rows:
        by_component[component].append((key, component, as_utc(at)))
    return {i.id: [row for c in i.components for row in by_component.get(c.component_id, [])] for i in incidents}


def _hit_keys(incident: Incident, rows: Sequence[tuple[str, str, datetime]], end: datetime) -> set[str]:
    start = as_utc(incident.started_at)
    return {key for key, _component, at in rows if start <= at <= end}


def _tiers(session: Session, keys: set[str]) -> dict[str, str]:
    tiers: dict[str, str] = {}
    ordered = sorted(keys)
    for chunk in (ordered[i : i + 1000] for i in range(0, len(ordered), 1000)):
        for key, tier in session.execute(select(Customer.key, Customer.tier).where(Customer.key.in_(chunk))):
            tiers[key] = CustomerTier(tier).value
    return tiers


def _active_counts(session: Session, incident: Incident, end: datetime, model: TrustModel) -> dict[str, int]:
    """Customers of each tier (and in all) active around the incident: seen by its end, last seen recently."""
    recent = as_utc(incident.started_at) - timedelta(days=model.active_days)
    rows = session.execute(
        select(Customer.tier, func.count())
        .where(Customer.first_seen_at <= end, Customer.last_seen_at >= recent)
        .group_by(Customer.tier)
    ).all()
    counts: dict[str, int] = {segment: 0 for segment in SEGMENTS}
    for tier, n in rows:
        counts[CustomerTier(tier).value] = int(n)
        counts[ALL] += int(n)
    return counts


def _repeats(incident: Incident, incidents: Sequence[Incident], model: TrustModel) -> tuple[int, ...]:
    parts = {c.component_id for c in incident.components}
    start = as_utc(incident.started_at)
    window = timedelta(days=model.repeat_window_days)
    return tuple(
        other.id
        for other in incidents
        if other.id != incident.id
        and start - window <= as_utc(other.started_at) <= start
        and (as_utc(other.started_at), other.id) < (start, incident.id)
        and parts & {c.component_id for c in other.components}
    )


def _worst_impact(incident: Incident) -> Impact:
    """The worst impact the incident ever had: resolving derives it again from operational components."""
    seen = [incident.impact]
    for event in incident.events:
        data = event.data or {}
        values = [data.get("impact")] if event.kind is EventKind.OPENED else []
        if event.kind is EventKind.IMPACT_CHANGED:
            values += [data.get("from"), data.get("to")]
        seen += [Impact(v) for v in values if isinstance(v, str) and v in Impact._value2member_map_]
    return max(seen, key=lambda impact: impact.rank)


def _contribution(
    incident: Incident,
    model: TrustModel,
    comms: Communication,
    criticality: Mapping[str, Criticality],
    repeats: tuple[int, ...],
    exposed: int,
    active: int,
    end: datetime,
) -> Contribution:
    impact = _worst_impact(incident)
    components = tuple(sorted(c.component_id for c in incident.components))
    hours = max(0.0, (end - as_utc(incident.started_at)).total_seconds() / 3600)
    duration = model.duration_factor(hours)
    critical = model.criticality_factor(criticality.get(c, Criticality.STANDARD) for c in components)
    repeat = model.repeat_multiplier if repeats else 1.0
    share = min(1.0, exposed / active) if active else 1.0
    raw = min(model.baseline, model.points(impact) * duration * critical * repeat * share)
    cushion = raw * comms.cushion
    return Contribution(
        incident_id=incident.id,
        title=incident.title,
        started_at=as_utc(incident.started_at),
        resolved_at=as_utc(incident.resolved_at) if incident.resolved_at else None,
        impact=impact,
        components=components,
        exposed=exposed,
        active=active,
        share=share,
        severity_points=model.points(impact),
        duration_hours=hours,
        duration_factor=duration,
        critical_multiplier=critical,
        repeat_multiplier=repeat,
        repeat_of=repeats,
        raw_drop=raw,
        cushion_points=cushion,
        drop=raw - cushion,
        communication=comms,
    )


def _remaining(contribution: Contribution, at: datetime, half_life_days: float) -> float:
    """What the incident still takes off at ``at``: all of its drop until resolved, then half per half-life."""
    if at < contribution.started_at:
        return 0.0
    if contribution.resolved_at is None or at <= contribution.resolved_at:
        return contribution.drop
    days = (at - contribution.resolved_at).total_seconds() / SECONDS_PER_DAY
    return contribution.drop * math.pow(0.5, days / half_life_days)


def _series(segment: SegmentTrust, since: datetime, until: datetime) -> list[TrustPoint]:
    """One point per UTC day from ``since`` to ``until``, each at the day's end (or at ``until`` on its day)."""
    points = []
    day = since.date()
    while day <= until.date():
        end_of_day = datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC) - timedelta(microseconds=1)
        points.append(TrustPoint(day, index_at(segment, min(end_of_day, until))))
        day += timedelta(days=1)
    return points


def _customer_facing(event: IncidentEvent, incident: Incident) -> bool:
    return bool(event.message) and event.kind in MESSAGE_KINDS and audience_of(event, incident) is not Audience.INTERNAL


def _apology_text(incident: Incident) -> str | None:
    """The last customer-facing message posted at or after resolution that apologises, if any."""
    if incident.resolved_at is None:
        return None
    resolved = as_utc(incident.resolved_at)
    for event in reversed(incident.events):
        text = event.message or ""
        if (
            as_utc(event.at) >= resolved
            and _customer_facing(event, incident)
            and any(word in text.lower() for word in APOLOGY_WORDS)
        ):
            return text
    return None
