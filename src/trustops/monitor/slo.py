"""Availability SLOs judged from probe runs, alerting on multiwindow, multi-burn-rate rules.

A rule fires when the error ratio over both its long and its short window exceeds burn rate × error
budget (SRE workbook, "Alerting on SLOs"; windows as in slok/sloth google-30d.yaml).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from trustops.catalog.models import Component
from trustops.catalog.schema import AlertMapping
from trustops.config import Policy
from trustops.enums import ComponentStatus
from trustops.monitor.health_models import Probe, ProbeRun
from trustops.monitor.intake import apply_alert
from trustops.monitor.signals import AlertSignal


@dataclass(frozen=True)
class BurnRule:
    severity: str  # page | ticket
    long: timedelta
    short: timedelta
    budget_spent: float  # share of the whole window's error budget the long window may burn

    def burn_rate(self, window_days: int) -> float:
        """14.4, 6, 3 and 1 for a 30-day window; 13.44, 5.6, 2.8 and 0.93 for 28 days (sloth google-28d)."""
        return self.budget_spent * window_days * 24 * 3600 / self.long.total_seconds()


RULES = (
    BurnRule("page", timedelta(hours=1), timedelta(minutes=5), 0.02),
    BurnRule("page", timedelta(hours=6), timedelta(minutes=30), 0.05),
    BurnRule("ticket", timedelta(days=1), timedelta(hours=2), 0.10),
    BurnRule("ticket", timedelta(days=3), timedelta(hours=6), 0.10),
)
STATUS = {"page": ComponentStatus.PARTIAL_OUTAGE, "ticket": ComponentStatus.DEGRADED_PERFORMANCE}


def error_ratio(session: Session, component_id: str, since: datetime, now: datetime) -> float | None:
    """Share of failed probe runs of the component in [since, now]; None without runs."""
    total, bad = session.execute(
        select(func.count(), func.sum(case((ProbeRun.ok.is_(False), 1), else_=0)))
        .join(Probe, Probe.id == ProbeRun.probe_id)
        .where(Probe.component_id == component_id, ProbeRun.at > since, ProbeRun.at <= now)
    ).one()
    return None if not total else float(bad or 0) / total


def burning(
    session: Session, component_id: str, objective: float, now: datetime, window_days: int = 30
) -> dict[str, bool]:
    """For each severity, whether any of its rules fires now."""
    budget = 1 - objective / 100
    result = {"page": False, "ticket": False}
    for rule in RULES:
        threshold = rule.burn_rate(window_days) * budget
        long = error_ratio(session, component_id, now - rule.long, now)
        short = error_ratio(session, component_id, now - rule.short, now)
        if long is not None and short is not None and long > threshold and short > threshold:
            result[rule.severity] = True
    return result


def evaluate(session: Session, *, policy: Policy, mappings: Sequence[AlertMapping] = (), now: datetime) -> None:
    """Raise or clear one SLO alert per component and severity (deduped like any alert)."""
    # Filtered here, not in SQL: a JSON column holds JSON null, which `IS NOT NULL` lets through.
    for component in [c for c in session.scalars(select(Component)) if c.slo]:
        assert component.slo is not None
        objective = float(component.slo["objective"])
        window = int(component.slo.get("window_days", 30))
        for severity, firing in burning(session, component.id, objective, now, window).items():
            signal = AlertSignal(
                source="slo",
                key=f"{component.id}:{severity}",
                firing=firing,
                summary=f"{component.name} is burning its {objective}% availability budget too fast ({severity})",
                labels={"slo": str(objective), "severity": severity},
                started_at=now,
                component_id=component.id,
                status=STATUS[severity],
            )
            apply_alert(session, signal, policy=policy, mappings=mappings, now=now)
