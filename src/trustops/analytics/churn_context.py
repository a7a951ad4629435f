"""Silent churn against the operational store: affected users from the exposure ledger or from the
events' own failure records, and what the rest of trustops knows about a resolved incident (lingering
distrust in mentions, the trust index checked against the cohort). :mod:`trustops.analytics.churn` itself
reads only events."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from trustops.analytics.churn import Cohort
from trustops.analytics.churn_report import ChurnReport
from trustops.analytics.events import Events
from trustops.errors import InvalidInput

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def affected_by_events(events: Events, names: frozenset[str], start: datetime, end: datetime) -> frozenset[str]:
    """The pseudonyms of users who had one of the events ``names`` between ``start`` and ``end``: the
    affected users of a failure the product events record themselves (``payment_error``), when no
    exposure ledger knows them."""
    if not names:
        raise InvalidInput("affected_events: name at least one event", field="affected_events")
    table = events.table
    hit = table.filter(
        table.event.lower().isin(sorted(name.lower() for name in names))
        & (table.sec >= int(start.timestamp()))
        & (table.sec < int(end.timestamp()))
    )
    users = hit.select("user").distinct().to_pyarrow().column("user").to_pylist()
    if not users:
        raise InvalidInput(
            f"affected_events: no user had {', '.join(sorted(names))} between {start.isoformat()} and "
            f"{end.isoformat()}",
            field="affected_events",
        )
    return frozenset(events.keys(users))


def cohort_for_incident(
    session: Session,
    incident_id: int,
    *,
    window_events: frozenset[str] | None = None,
    controls: str = "window",
    now: datetime | None = None,
) -> Cohort:
    """The affected users of an incident from the exposure ledger: every pseudonym that met an error on one
    of its components between its start and its resolution (or ``now`` while it is open), with the
    customers table's value tiers."""
    from sqlalchemy import select

    from trustops.clock import as_utc
    from trustops.clock import now as clock_now
    from trustops.customers import Customer
    from trustops.errors import NotFound
    from trustops.monitor.health_models import Exposure
    from trustops.monitor.models import Incident

    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"incident: no incident {incident_id}", field="incident")
    start = as_utc(incident.started_at)
    end = as_utc(incident.resolved_at) if incident.resolved_at else (now or clock_now())
    components = [link.component_id for link in incident.components]
    keys = frozenset(
        session.scalars(
            select(Exposure.user_key)
            .where(Exposure.component_id.in_(components), Exposure.at >= start, Exposure.at <= end)
            .distinct()
        )
    )
    if not keys:
        raise InvalidInput(
            f"incident: no exposures are recorded on incident {incident_id}'s components "
            f"({', '.join(components) or 'none'}) during it; name the affected users with --affected",
            field="incident",
        )
    tiers = {key: tier.value for key, tier in session.execute(select(Customer.key, Customer.tier))}
    return Cohort(
        at=start,
        until=max(end, start + timedelta(hours=1)),
        affected=keys,
        incident_id=incident.id,
        title=incident.title,
        window_events=window_events,
        controls=controls,
        tiers=tiers,
    )


def with_incident_context(session: Session, report: ChurnReport, *, now: datetime | None = None) -> ChurnReport:
    """The report with what the rest of trustops knows about its incident, once it is resolved: the
    lingering distrust in mentions since (:mod:`~trustops.analytics.distrust`), and the trust index
    checked against this cohort — the churn its drop implies for the users hit against the excess
    churn measured (``share still active`` over the longest horizon, net of controls)."""
    from dataclasses import replace

    from trustops.analytics.distrust import lingering_distrust
    from trustops.monitor.models import Incident

    incident = session.get(Incident, report.incident_id) if report.incident_id is not None else None
    if incident is None or incident.resolved_at is None:
        return report
    check = _trust_check(session, report, incident)
    return replace(
        report,
        distrust=lingering_distrust(session, incident, now=now).to_dict(),
        trust_check=check.to_dict() if check is not None else None,
    )


def _trust_check(session: Session, report: ChurnReport, incident: Any) -> Any:
    from trustops.analytics.trust import check_against_cohort, explain, trust_index
    from trustops.clock import as_utc

    active = [
        metric
        for result in report.horizons
        for metric in result.metrics
        if metric.metric == "active" and math.isfinite(metric.effect.value)
    ]
    if not active:
        return None
    measured = active[-1]
    resolved = as_utc(incident.resolved_at)
    index = trust_index(
        session, since=as_utc(incident.started_at) - timedelta(days=1), until=resolved, segments=["all"]
    )
    part = next((c for c in explain(index.segment("all"), resolved) if c.incident_id == incident.id), None)
    if part is None or part.share <= 0:
        return None
    control_churn = min(1.0, max(0.0, 1.0 - measured.control_post))
    affected_churn = min(1.0, max(0.0, control_churn - measured.effect.value))
    return check_against_cohort(
        part.drop / part.share,  # the drop for the users hit, before it is spread over the whole segment
        affected_churn=affected_churn,
        control_churn=control_churn,
        n_affected=measured.n_treated,
        n_control=measured.n_control,
    )
