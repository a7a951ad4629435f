"""The executive post-incident report of one incident: what happened, who was hit, what customers said,
what we told them and when, what the marketing guard held back, and what it cost in silent churn.

Everything is read from what trustops already stores — the incident's timeline, the exposure ledger,
mentions and spikes, deliveries, guard runs, churn runs — and nothing is written. Each section that has
no data says so in the report; the executive summary is built from the same facts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trustops.analytics.trust import TrustModel, communication
from trustops.catalog.models import Component
from trustops.clock import as_utc
from trustops.comms import channel, notices
from trustops.comms.audience import MESSAGE_KINDS, audience_of
from trustops.comms.cadence import OVERDUE
from trustops.comms.models import AccountTask
from trustops.config import Policy
from trustops.enums import Audience, Channel, DeliveryStatus
from trustops.monitor.exposure import blast_radius
from trustops.monitor.health_models import Delivery
from trustops.monitor.incidents import get_incident
from trustops.monitor.models import EventKind, Incident, IncidentEvent
from trustops.reports import aftermath, summary
from trustops.reports.facts import (
    AccountHit,
    Comms,
    IncidentReport,
    Moment,
    Overview,
    Reach,
    Sent,
    TierHit,
    Update,
)
from trustops.reports.voice import voice

TIMELINE_KINDS = (
    EventKind.OPENED,
    EventKind.STATE_CHANGED,
    EventKind.UPDATE,
    EventKind.IMPACT_CHANGED,
    EventKind.DECISION,
    EventKind.NOTICE,
    EventKind.SPIKE,
    EventKind.REMINDER,
)
WHAT = {
    EventKind.OPENED: "Opened",
    EventKind.UPDATE: "Update",
    EventKind.IMPACT_CHANGED: "Impact changed",
    EventKind.DECISION: "Decision",
    EventKind.NOTICE: "Account calls",
    EventKind.SPIKE: "Complaint spike",
    EventKind.REMINDER: "Reminder",
}
APOLOGY_WORDS = ("sorry", "apologis", "apologiz")  # as the trust index reads an apology


def incident_report(
    session: Session, incident_id: int, *, policy: Policy, secret: bytes, now: datetime
) -> IncidentReport:
    """Gather the report of ``incident_id`` as of ``now``; :class:`~trustops.errors.NotFound` for an unknown id.

    ``secret`` is the installation's: the guard's holdout is a keyed hash of each pseudonym.
    """
    incident = get_incident(session, incident_id)
    overview = _overview(session, incident, now)
    reach = _reach(session, incident, policy, now)
    heard = voice(session, incident, now=now)
    told = _comms(session, incident, policy, now)
    churn = aftermath.churn(session, incident.id)
    return IncidentReport(
        generated_at=now,
        overview=overview,
        summary=summary.sentences(overview, reach, heard, told, churn),
        timeline=tuple(_moment(e, incident) for e in incident.events if e.kind in TIMELINE_KINDS),
        reach=reach,
        voice=heard,
        comms=told,
        guard=aftermath.guard(session, incident, policy=policy, secret=secret, now=now),
        churn=churn,
        trust=aftermath.trust(session, incident, policy=policy, now=now),
    )


def _overview(session: Session, incident: Incident, now: datetime) -> Overview:
    ids = [link.component_id for link in incident.components]
    query = select(Component.name).where(Component.id.in_(ids)).order_by(Component.position, Component.id)
    end = incident.resolved_at or now
    return Overview(
        incident_id=incident.id,
        title=incident.title,
        state=incident.state.value,
        impact=incident.impact.value,
        source=incident.source,
        components=tuple(session.scalars(query)),
        started_at=incident.started_at,
        detected_at=incident.detected_at,
        resolved_at=incident.resolved_at,
        minutes=max(0.0, (as_utc(end) - as_utc(incident.started_at)).total_seconds() / 60),
    )


def _moment(event: IncidentEvent, incident: Incident) -> Moment:
    data: dict[str, Any] = event.data or {}
    what = WHAT.get(event.kind, event.kind.value)
    text = event.message or ""
    audience = audience_of(event, incident).value if event.kind in MESSAGE_KINDS and event.message else None
    if event.kind is EventKind.STATE_CHANGED:
        what = str(data.get("to", event.state.value)).capitalize()
    elif event.kind is EventKind.IMPACT_CHANGED:
        text = text or f"Impact {data.get('from')} → {data.get('to')}."
    elif event.kind is EventKind.DECISION and "rule" in data:
        what = "Channel decision"
    elif event.kind is EventKind.UPDATE and audience == Audience.TARGETED.value:
        what = "Targeted notice"
    by = "team" if channel.is_person(event.actor) else event.actor.split(":")[0]
    return Moment(event.at, what, text, audience, by)


def _reach(session: Session, incident: Incident, policy: Policy, now: datetime) -> Reach:
    radius = blast_radius(session, incident, policy=policy, now=now)
    tasks = {t.account: t for t in session.scalars(select(AccountTask).where(AccountTask.incident_id == incident.id))}
    accounts = tuple(
        AccountHit(hit.account, hit.tier, hit.affected, hit.value, _called(tasks.get(hit.account)))
        for hit in notices.affected_accounts(session, incident, policy=policy, now=now)
        if hit.account is not None
    )
    return Reach(
        affected=radius.affected,
        active=radius.active,
        share=radius.share,
        value=radius.affected_value,
        tiers=tuple(TierHit(t.tier, t.affected, t.value) for t in radius.by_tier if t.affected),
        accounts=accounts,
        calls_done=sum(1 for t in tasks.values() if t.done_at is not None),
        calls=len(tasks),
    )


def _called(task: AccountTask | None) -> bool | None:
    return None if task is None else task.done_at is not None


def _comms(session: Session, incident: Incident, policy: Policy, now: datetime) -> Comms:
    decisions = channel.history(session, incident)  # refreshes incident.events too
    decision = decisions[-1] if decisions else None
    scored = communication(incident, model=TrustModel(), policy=policy, as_of=now)
    promised = incident.channel in (Channel.STATUS_PAGE, Channel.TARGETED)
    targeted = incident.channel is Channel.TARGETED
    apology = _apology(incident)
    return Comms(
        channel=incident.channel.value if incident.channel else None,
        rule=str((decision.data or {}).get("rule")) if decision else None,
        reason=decision.message if decision else None,
        decided_at=decision.at if decision else None,
        overridden=incident.channel_overridden,
        updates=tuple(_updates(incident)),
        first_update_minutes=scored.first_update_minutes,
        first_update_target=scored.first_update_target_minutes if promised else None,
        cadence_minutes=(
            (policy.targeted_update_cadence_minutes if targeted else policy.public_update_cadence_minutes)
            if promised
            else None
        ),
        gaps=scored.gaps,
        late_gaps=scored.late_gaps,
        overdue_reminders=sum(
            1 for e in incident.events if e.kind is EventKind.REMINDER and (e.data or {}).get("reason") == OVERDUE
        ),
        deliveries=_deliveries(session, incident.id),
        apology=apology.message if apology else None,
        apology_at=apology.at if apology else None,
        apology_ear=scored.apology_ear * 100 if scored.apology_ear is not None else None,
    )


def _updates(incident: Incident) -> list[Update]:
    detected = as_utc(incident.detected_at)
    return [
        Update(
            at=event.at,
            audience=audience_of(event, incident).value,
            state=event.state.value,
            text=event.message or "",
            minutes=(as_utc(event.at) - detected).total_seconds() / 60,
        )
        for event in incident.events
        if _customer_facing(event, incident)
    ]


def _customer_facing(event: IncidentEvent, incident: Incident) -> bool:
    return bool(event.message) and event.kind in MESSAGE_KINDS and audience_of(event, incident) is not Audience.INTERNAL


def _apology(incident: Incident) -> IncidentEvent | None:
    """The last customer-facing message at or after resolution that says sorry."""
    if incident.resolved_at is None:
        return None
    for event in reversed(incident.events):
        if (
            as_utc(event.at) >= as_utc(incident.resolved_at)
            and _customer_facing(event, incident)
            and any(word in (event.message or "").lower() for word in APOLOGY_WORDS)
        ):
            return event
    return None


def _deliveries(session: Session, incident_id: int) -> tuple[Sent, ...]:
    rows = session.execute(
        select(Delivery.audience, Delivery.status, func.count())
        .where(Delivery.incident_id == incident_id)
        .group_by(Delivery.audience, Delivery.status)
    ).all()
    counts: dict[str, dict[DeliveryStatus, int]] = {}
    for audience, status, n in rows:
        counts.setdefault(audience, {})[status] = int(n)
    return tuple(
        Sent(
            audience,
            by.get(DeliveryStatus.SENT, 0),
            by.get(DeliveryStatus.FAILED, 0),
            by.get(DeliveryStatus.PENDING, 0),
        )
        for audience, by in sorted(counts.items())
    )
