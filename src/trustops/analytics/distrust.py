"""Lingering distrust: do customers still doubt us, month by month, after an incident is resolved?

Read from the listening capability (issue #7). Two groups of mention intents are counted:

- **trust doubt** — :data:`TRUST_INTENTS` ("can I still rely on them?");
- **reliability** — :data:`RELIABILITY_INTENTS` (outage, slowness, payment and login failures).

A mention counts once per group, however many intents of that group it carries.

The **baseline** is the ``baseline_days`` before the incident started. Month *k* after resolution is the
30-day block ``[resolved_at + 30(k−1) days, resolved_at + 30k days)``; the weeks of the incident itself
are in neither. Each month's expected count is the baseline rate per day times its days, so a month still
in progress is compared with the part of it that has elapsed.

A month is **lingering** when its combined count (trust doubt + reliability) is significantly above the
combined expectation: a one-sided exact Poisson test, ``P(X ≥ observed | expected) < alpha``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from scipy.stats import poisson  # type: ignore[import-untyped]
from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import Session

from trustops import clock
from trustops.errors import InvalidInput
from trustops.listen.models import Mention, MentionIntent
from trustops.listen.schema import Intent
from trustops.monitor.models import Incident

TRUST_INTENTS = (Intent.TRUST_DOUBT,)
RELIABILITY_INTENTS = (Intent.OUTAGE, Intent.SLOWNESS, Intent.PAYMENT_FAILURE, Intent.LOGIN_FAILURE)
MONTH_DAYS = 30
# A baseline without a single mention would make the first mention afterwards infinitely surprising:
# such a baseline is read as half a mention over the whole period instead.
ZERO_BASELINE_FLOOR = 0.5
SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class DistrustMonth:
    """One 30-day block after resolution: what customers said, against what the baseline predicts.

    ``end`` is the end of what was counted: the block's end, or ``now`` while the block is in progress.
    ``ratio`` is observed / expected of both groups together; ``None`` when the baseline had no mention
    at all, as a ratio against the floor would be an artefact of the floor.
    """

    month: int
    start: datetime
    end: datetime
    trust_doubt: int
    reliability: int
    expected_trust_doubt: float
    expected_reliability: float
    ratio: float | None
    p_value: float
    lingering: bool

    @property
    def observed(self) -> int:
        return self.trust_doubt + self.reliability

    @property
    def expected(self) -> float:
        return self.expected_trust_doubt + self.expected_reliability

    @property
    def complete(self) -> bool:
        """Whether all 30 days of the block have elapsed."""
        return self.end - self.start >= timedelta(days=MONTH_DAYS)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(start=self.start.isoformat(), end=self.end.isoformat(), complete=self.complete)
        return data


@dataclass(frozen=True)
class DistrustReport:
    """The months after an incident's resolution, each tested against the pre-incident rate."""

    incident_id: int | None
    resolved_at: datetime
    baseline_start: datetime
    baseline_end: datetime
    baseline_trust_doubt: int
    baseline_reliability: int
    months: tuple[DistrustMonth, ...]

    @property
    def months_lingering(self) -> int:
        """How many consecutive months, from month 1, are still lingering."""
        count = 0
        for month in self.months:
            if not month.lingering:
                break
            count += 1
        return count

    @property
    def verdict(self) -> str:
        """One sentence for a marketing director: how long distrust lasted, and when it went away."""
        if not self.months:
            return "Too early to tell: no day of month 1 after resolution has elapsed yet."
        streak = self.months_lingering
        if streak:
            return self._lingering_verdict(streak)
        later = [m for m in self.months if m.lingering]
        if later:
            first = later[0]
            return (
                "Trust-doubt and reliability mentions were back to their pre-incident rate right after "
                f"resolution, but rose to {self._rise(first)} in month {first.month} ({_p(first.p_value)})."
            )
        highest = max(self.months, key=lambda m: (m.observed - m.expected, -m.month))
        span = "month 1" if len(self.months) == 1 else f"the {len(self.months)} months"
        return (
            f"No lingering distrust: trust-doubt and reliability mentions stayed at their pre-incident rate in "
            f"{span} after resolution (highest: {self._rise(highest)} in month {highest.month}, "
            f"{_p(highest.p_value)})."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "incident_id": self.incident_id,
            "resolved_at": self.resolved_at.isoformat(),
            "baseline_start": self.baseline_start.isoformat(),
            "baseline_end": self.baseline_end.isoformat(),
            "baseline_trust_doubt": self.baseline_trust_doubt,
            "baseline_reliability": self.baseline_reliability,
            "months": [m.to_dict() for m in self.months],
            "months_lingering": self.months_lingering,
            "verdict": self.verdict,
        }

    def _lingering_verdict(self, streak: int) -> str:
        last = self.months[streak - 1]
        sentence = (
            f"Trust-doubt and reliability mentions were still {self._rise(last)} in month {last.month} "
            f"after resolution ({_p(last.p_value)})"
        )
        if streak < len(self.months):
            return f"{sentence}; back to normal from month {streak + 1}."
        if not last.complete:
            return f"{sentence}, and month {last.month} is not over yet."
        return f"{sentence}, the last month measured."

    def _rise(self, month: DistrustMonth) -> str:
        if month.ratio is None:
            days = round((self.baseline_end - self.baseline_start).total_seconds() / SECONDS_PER_DAY)
            return f"{month.observed} against none in the {days} days before the incident"
        return f"{month.ratio:.1f}× their pre-incident rate"


def lingering_distrust(
    session: Session,
    incident: Incident,
    *,
    months: int = 6,
    baseline_days: int = 90,
    alpha: float = 0.05,
    component_only: bool = False,
    now: datetime | None = None,
) -> DistrustReport:
    """Trust-doubt and reliability mentions by month after ``incident`` was resolved, against before it.

    Steps: 1. count both groups in the ``baseline_days`` before the incident started; 2. for each of the
    first ``months`` 30-day blocks after resolution that has begun by ``now`` (default: the clock), count
    them again up to the block's end or ``now``; 3. expect the baseline rate per day times those days and
    test the combined count with a one-sided exact Poisson test at ``alpha``.

    A baseline with no mention at all is floored at 0.5 mentions over the baseline period
    (:data:`ZERO_BASELINE_FLOOR`, split evenly between the groups), so that one mention afterwards is
    not infinitely surprising. With ``component_only``, only mentions attributed to one of the
    incident's components count.
    """
    resolved = _check(incident, months=months, baseline_days=baseline_days, alpha=alpha)
    now = clock.as_utc(now or clock.now())
    started = clock.as_utc(incident.started_at)
    components = {c.component_id for c in incident.components} if component_only else None
    baseline_start = started - timedelta(days=baseline_days)
    baseline = _count(session, baseline_start, started, components)
    rates = _daily_rates(baseline, baseline_days)
    blocks = []
    for k in range(1, months + 1):
        start = resolved + timedelta(days=MONTH_DAYS * (k - 1))
        if start >= now:
            break
        end = min(start + timedelta(days=MONTH_DAYS), now)
        counts = _count(session, start, end, components)
        blocks.append(_month(k, start, end, counts, rates, has_baseline=sum(baseline) > 0, alpha=alpha))
    return DistrustReport(
        incident_id=incident.id,
        resolved_at=resolved,
        baseline_start=baseline_start,
        baseline_end=started,
        baseline_trust_doubt=baseline[0],
        baseline_reliability=baseline[1],
        months=tuple(blocks),
    )


def _check(incident: Incident, *, months: int, baseline_days: int, alpha: float) -> datetime:
    """The incident's resolution time in UTC, once the incident and the parameters are acceptable."""
    if incident.resolved_at is None:
        raise InvalidInput(f"incident: {incident.id} is not resolved yet", field="incident")
    if months < 1:
        raise InvalidInput(f"months: {months} must be at least 1", field="months")
    if baseline_days < 1:
        raise InvalidInput(f"baseline_days: {baseline_days} must be at least 1", field="baseline_days")
    if not 0.0 < alpha < 1.0:
        raise InvalidInput(f"alpha: {alpha} must be between 0 and 1", field="alpha")
    return clock.as_utc(incident.resolved_at)


def _count(session: Session, start: datetime, end: datetime, components: Collection[str] | None) -> tuple[int, int]:
    """Distinct mentions published in ``[start, end)`` with a trust-doubt intent, and with a reliability one."""
    trust = case((MentionIntent.intent.in_(TRUST_INTENTS), MentionIntent.mention_id))
    reliability = case((MentionIntent.intent.in_(RELIABILITY_INTENTS), MentionIntent.mention_id))
    query = select(func.count(distinct(trust)), func.count(distinct(reliability))).where(
        MentionIntent.intent.in_(TRUST_INTENTS + RELIABILITY_INTENTS),
        MentionIntent.published_at >= start,
        MentionIntent.published_at < end,
    )
    if components is not None:
        query = query.join(Mention, Mention.id == MentionIntent.mention_id).where(Mention.component_id.in_(components))
    row = session.execute(query).one()
    return int(row[0]), int(row[1])


def _daily_rates(baseline: tuple[int, int], baseline_days: int) -> tuple[float, float]:
    """Mentions per day of each group before the incident, with the zero-baseline floor."""
    if sum(baseline) == 0:
        half = ZERO_BASELINE_FLOOR / 2 / baseline_days
        return half, half
    return baseline[0] / baseline_days, baseline[1] / baseline_days


def _month(
    k: int,
    start: datetime,
    end: datetime,
    counts: tuple[int, int],
    rates: tuple[float, float],
    *,
    has_baseline: bool,
    alpha: float,
) -> DistrustMonth:
    days = (end - start).total_seconds() / SECONDS_PER_DAY
    expected_trust, expected_reliability = rates[0] * days, rates[1] * days
    observed, expected = sum(counts), expected_trust + expected_reliability
    p_value = float(poisson.sf(observed - 1, expected))
    return DistrustMonth(
        month=k,
        start=start,
        end=end,
        trust_doubt=counts[0],
        reliability=counts[1],
        expected_trust_doubt=expected_trust,
        expected_reliability=expected_reliability,
        ratio=observed / expected if has_baseline else None,
        p_value=p_value,
        lingering=p_value < alpha and observed > expected,
    )


def _p(p_value: float) -> str:
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.3f}"
