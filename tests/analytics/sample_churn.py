"""A hand-made :class:`ChurnReport` for tests of what reads reports (store, pages, HTML), so they need no
engine: two horizons measured, one skipped, a debt with a future part."""

from __future__ import annotations

from datetime import UTC, datetime

from trustops.analytics.churn_report import (
    GAIN,
    LOSS,
    NO_CHANGE,
    Balance,
    ChurnReport,
    Curve,
    Debt,
    Estimate,
    HorizonResult,
    MetricResult,
)


def metric(key: str, label: str, days: int, effect: Estimate, *, higher_is_better: bool = True) -> MetricResult:
    verdict = NO_CHANGE if not effect.significant else (LOSS if (effect.value < 0) == higher_is_better else GAIN)
    return MetricResult(
        metric=key,
        label=label,
        horizon_days=days,
        treated_pre=2.0,
        treated_post=2.0 + effect.value,
        control_pre=1.9,
        control_post=1.9,
        effect=effect,
        n_treated=80,
        n_control=300,
        higher_is_better=higher_is_better,
        verdict=verdict,
        sentence=f"{label}: {effect.value:+.2f} per affected user against matched controls ({verdict}).",
    )


def sample_report(*, incident_id: int | None = None, debt_total: float = 48_000.0) -> ChurnReport:
    horizons = []
    for days in (30, 60):
        orders = metric("orders", "orders per user (per 30 days)", days, Estimate(-0.34, -0.56, -0.14, 0.002))
        sessions = metric("sessions", "sessions per user (per 30 days)", days, Estimate(-0.05, -0.30, 0.20, 0.61))
        active = metric("active", "share still active", days, Estimate(-0.08, -0.15, -0.01, 0.03))
        churn = metric("early_churn", "early churn", days, Estimate(0.01, -0.02, 0.04, 0.5), higher_is_better=False)
        total = Estimate(debt_total * days / 60, debt_total * days / 120, debt_total * days / 40, 0.004)
        debt = Debt(
            horizon_days=days,
            immediate=Estimate(total.value * 0.4, total.low * 0.4, total.high * 0.4, 0.002),
            future=Estimate(total.value * 0.5, total.low * 0.5, total.high * 0.5, 0.01),
            recovery=total.value * 0.1,
            total=total,
            currency="EUR",
            recovery_items={"refunds": total.value * 0.1},
        )
        horizons.append(
            HorizonResult(
                days=days,
                metrics=(orders, sessions, active, churn),
                ltv=Estimate(-12.5, -20.0, -5.0, 0.01),
                ltv_customers=70,
                debt=debt,
            )
        )
    horizons.append(HorizonResult(days=180, skipped="the events end 2024-06-29, 41 days after the incident"))
    weeks = tuple(range(-4, 9))
    treated = tuple(0.9 if week < 0 else max(0.4, 0.8 - 0.05 * week) for week in weeks)
    control = tuple(0.88 if week < 0 else max(0.55, 0.85 - 0.03 * week) for week in weeks)
    return ChurnReport(
        at=datetime(2024, 5, 19, tzinfo=UTC),
        until=datetime(2024, 6, 8, tzinfo=UTC),
        engine="duckdb",
        incident_id=incident_id,
        title="Payment gateway errors",
        data_start=datetime(2024, 1, 4, tzinfo=UTC),
        data_end=datetime(2024, 6, 29, tzinfo=UTC),
        affected_given=87,
        affected_found=85,
        treated=80,
        unmatched=5,
        pool=300,
        controls=210,
        horizons=tuple(horizons),
        balance=(
            Balance("sessions per 30 days", 2.1, 1.6, 2.05, 0.42, 0.03),
            Balance("tenure (days)", 80.0, 95.0, 82.0, -0.31, -0.04),
        ),
        curve=Curve(
            weeks=weeks,
            treated=treated,
            treated_low=tuple(v - 0.05 for v in treated),
            treated_high=tuple(v + 0.05 for v in treated),
            control=control,
            control_low=tuple(v - 0.03 for v in control),
            control_high=tuple(v + 0.03 for v in control),
        ),
        early_churn=None,
        verdict="Silent churn: affected customers placed 0.34 fewer orders each per 30 days than matched customers "
        "(95% CI 0.14 to 0.56 fewer).",
        definition={"anchor": "incident start", "controls": "active in the incident window", "neighbours": 5},
    )
