"""The spike watcher: count complaints per component and mentions per intent, test the newest
24 hours against their baseline, and bring what is significant to an incident.

Counts are taken in rolling 24-hour windows ending now, over enough history for a weekly-seasonal
baseline (:data:`HISTORY_WINDOWS`). A spike on a component with an open incident joins that incident's
timeline; a spike on a component whose health looks fine opens a *customer-reported* incident — the
customers noticed something the probes did not. Intent spikes (outage talk, privacy worries…) are
recorded and shown but open nothing: they name no component to put on an incident.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trustops.catalog.models import Component
from trustops.config import Policy
from trustops.enums import ComponentStatus
from trustops.listen.models import Mention, MentionIntent, SpikeAlert
from trustops.listen.schema import Intent
from trustops.listen.spikes import Spike, Window, detect
from trustops.monitor.incidents import component_statuses, open_incident, record_event
from trustops.monitor.intake import open_incident_on
from trustops.monitor.models import EventKind

WINDOW = timedelta(hours=24)
HISTORY_WINDOWS = 29  # the newest day plus four weeks: the same weekday four times over
REFIRE_AFTER = timedelta(hours=24)  # the same spike is raised again only after a quiet day
ACTOR = "listening"

INTENT_LABELS = {
    Intent.OUTAGE: "Outage reports",
    Intent.SLOWNESS: "Slowness reports",
    Intent.PAYMENT_FAILURE: "Payment-failure reports",
    Intent.LOGIN_FAILURE: "Login-failure reports",
    Intent.PRIVACY_WORRY: "Privacy worries",
    Intent.TRUST_DOUBT: "Doubts about trust",
}


@dataclass(frozen=True)
class Counts:
    """Per-window counts, newest window first."""

    ends: list[datetime]
    totals: list[int]
    complaints: dict[str, list[int]]  # component id -> complaints per window
    intents: dict[str, list[int]]  # intent -> mentions per window


def window_counts(session: Session, now: datetime, windows: int = HISTORY_WINDOWS) -> Counts:
    """Count, for each of the last ``windows`` 24-hour windows, all mentions, complaints by component
    and mentions by intent (three grouped, indexed queries per window)."""
    first = session.scalar(select(func.min(Mention.published_at)))
    if first is not None:
        # Windows from before listening began hold zeros that mean "no data", not "no complaints":
        # judged against them, every key of a fresh installation would spike "vs none".
        windows = max(1, min(windows, int((now - first) / WINDOW)))
    ends = [now - i * WINDOW for i in range(windows)]
    totals: list[int] = []
    complaints: dict[str, list[int]] = defaultdict(lambda: [0] * windows)
    intents: dict[str, list[int]] = defaultdict(lambda: [0] * windows)
    for i, end in enumerate(ends):
        start = end - WINDOW
        in_window = (Mention.published_at > start) & (Mention.published_at <= end)
        totals.append(session.scalar(select(func.count()).select_from(Mention).where(in_window)) or 0)
        rows = session.execute(
            select(Mention.component_id, func.count())
            .where(in_window, Mention.complaint, Mention.component_id.is_not(None))
            .group_by(Mention.component_id)
        )
        for component_id, n in rows:
            complaints[str(component_id)][i] = n
        rows = session.execute(
            select(MentionIntent.intent, func.count())
            .where(MentionIntent.published_at > start, MentionIntent.published_at <= end)
            .group_by(MentionIntent.intent)
        )
        for intent, n in rows:
            intents[str(intent.value if isinstance(intent, Intent) else intent)][i] = n
    return Counts(ends, totals, dict(complaints), dict(intents))


def _windows(counts: Counts, series: Sequence[int]) -> list[Window]:
    return [Window(end=end, count=n, total=t) for end, n, t in zip(counts.ends, series, counts.totals, strict=True)]


def check(session: Session, *, policy: Policy, now: datetime) -> list[SpikeAlert]:
    """Run the detector once; returns the alerts raised now (re-fires within a day are left out)."""
    counts = window_counts(session, now)
    names = {cid: name for cid, name in session.execute(select(Component.id, Component.name))}
    raised: list[SpikeAlert] = []
    for component_id, series in sorted(counts.complaints.items()):
        label = f"{names.get(component_id, component_id)} complaints"
        found = _detect(component_id, label, _windows(counts, series), policy)
        alerts = [a for s in found if (a := _raise(session, "component", s, now)) is not None]
        if alerts:
            _to_incident(session, component_id, names.get(component_id, component_id), alerts, policy, now)
        raised += alerts
    for intent, series in sorted(counts.intents.items()):
        label = INTENT_LABELS.get(Intent(intent), intent)
        found = _detect(intent, label, _windows(counts, series), policy)
        raised += [a for s in found if (a := _raise(session, "intent", s, now)) is not None]
    return raised


def _detect(key: str, label: str, windows: list[Window], policy: Policy) -> list[Spike]:
    return detect(key, label, windows, alpha=policy.spike_alpha, min_count=policy.spike_min_mentions)


def _raise(session: Session, subject: str, spike: Spike, now: datetime) -> SpikeAlert | None:
    recent = session.scalar(
        select(SpikeAlert.id)
        .where(SpikeAlert.subject == subject, SpikeAlert.key == spike.key, SpikeAlert.kind == spike.kind)
        .where(SpikeAlert.raised_at > now - REFIRE_AFTER)
        .limit(1)
    )
    if recent is not None:
        return None
    alert = SpikeAlert(
        subject=subject,
        key=spike.key,
        kind=spike.kind,
        window_end=now,
        raised_at=now,
        observed=spike.observed,
        expected=spike.expected,
        change=spike.change,
        p_value=spike.p_value,
        severity=spike.severity,
        baseline=spike.baseline,
        sentence=spike.sentence,
    )
    session.add(alert)
    return alert


def _to_incident(
    session: Session, component_id: str, name: str, alerts: list[SpikeAlert], policy: Policy, now: datetime
) -> None:
    incident = open_incident_on(session, component_id)
    message = " ".join(a.sentence for a in alerts)
    if incident is None:
        if not policy.spike_opens_incidents or component_statuses(session).get(component_id) not in (
            ComponentStatus.OPERATIONAL,
            None,
        ):
            return
        incident = open_incident(
            session,
            title=f"Customers report problems with {name}",
            components={component_id: ComponentStatus.DEGRADED_PERFORMANCE},
            actor=ACTOR,
            source="customer-reported",
            now=now,
        )
    session.flush()
    for alert in alerts:
        alert.incident_id = incident.id
    worst = max(alerts, key=lambda a: a.severity)
    data = {"component": component_id, "kind": worst.kind, "severity": str(worst.severity)}
    record_event(session, incident, EventKind.SPIKE, ACTOR, now, message, data)
