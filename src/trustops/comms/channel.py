"""The channel decision: where news of an incident goes, from its blast radius (rules.md §1).

The rules, in order; every threshold is a :class:`~trustops.config.Policy` field:

1. ``resolved-before-first-update``: resolved before the first public update was due, with nothing posted
   by a person, where the rules below would say status page → a **retrospective** report instead;
2. ``share-above-status-page``: more than ``status_page_user_share`` of active users affected, or
   ``public-component-down``: a public component at partial or major outage → the **status page**;
3. below ``targeted_user_share``: ``small-high-value`` (an enterprise customer, or at least
   ``targeted_min_value`` of annual value, affected) → **targeted**; else ``small-low-value`` → **internal**;
4. the band in between, both ends included: ``band-severe`` (impact at least ``band_status_page_impact``)
   → status page; else ``band-high-value`` → targeted; else ``band-low-value`` → internal.

Each decision that changes the channel is a DECISION row of the timeline holding its inputs, rule and
thresholds. A person may fix the channel with a reason (an override); the rules then leave it alone until
the override is released.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from trustops.catalog.models import Component
from trustops.comms.retrospective import ERROR_STATUSES, draft_retrospective, worst_statuses
from trustops.config import Policy
from trustops.enums import Audience, Channel, CustomerTier, Impact, IncidentState, Visibility
from trustops.errors import Conflict, InvalidInput
from trustops.monitor.exposure import BlastRadius, blast_radius
from trustops.monitor.incidents import get_incident, record_event
from trustops.monitor.models import EventKind, Incident, IncidentEvent

AUTOMATIC = "trustops"
OVERRIDE = "override"
RELEASED = "override-released"
RECENT = timedelta(hours=24)  # resolved incidents are re-decided this long: late exposures still arrive
MESSAGE_KINDS = (EventKind.OPENED, EventKind.STATE_CHANGED, EventKind.UPDATE)
PERSON_ACTORS = ("cli", "demo")  # the demo stands in for a communications team
PERSON_PREFIXES = ("token:", "user:")  # the API and the dashboard


@dataclass(frozen=True)
class Inputs:
    """What the decision looks at. ``share`` is ``affected / active`` from the exposure ledger."""

    share: float
    affected: int
    active: int
    affected_value: float
    enterprise_affected: int
    public_visibly_down: bool  # a public component was at partial or major outage during the incident
    impact: Impact
    resolved_before_first_update: bool
    high_business_impact: bool  # an affected enterprise customer, or affected value ≥ targeted_min_value
    down_components: tuple[str, ...] = ()  # the public components that were visibly down

    def to_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values["impact"] = self.impact.value
        values["down_components"] = list(self.down_components)
        return values


@dataclass(frozen=True)
class Decision:
    channel: Channel
    rule: str  # a stable slug: the rule names of the module docstring, or "override"
    reason: str  # one plain sentence with the numbers
    inputs: dict[str, Any]
    thresholds: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "channel": self.channel.value}


def gather(
    session: Session, incident: Incident, *, policy: Policy, now: datetime, radius: BlastRadius | None = None
) -> Inputs:
    """The decision's inputs: the blast radius (``radius`` when the caller has it already), what the public
    could see, and what was said when."""
    _refresh_timeline(session, incident)
    radius = radius or blast_radius(session, incident, policy=policy, now=now)
    enterprise = next(t.affected for t in radius.by_tier if t.tier == CustomerTier.ENTERPRISE.value)
    public = _public_ids(session, incident)
    down = tuple(sorted(cid for cid, s in worst_statuses(incident).items() if cid in public and s in ERROR_STATUSES))
    valuable = enterprise > 0 or radius.affected_value >= policy.targeted_min_value
    return Inputs(
        share=radius.share,
        affected=radius.affected,
        active=radius.active,
        affected_value=radius.affected_value,
        enterprise_affected=enterprise,
        public_visibly_down=bool(down),
        impact=incident.impact,
        resolved_before_first_update=resolved_before_first_update(incident, policy),
        high_business_impact=radius.affected > 0 and valuable,
        down_components=down,
    )


def resolved_before_first_update(incident: Incident, policy: Policy) -> bool:
    """Resolved within ``first_public_update_minutes`` of detection, and no person posted for the public.

    Automatically opened incidents carry no opening message (their alert's text is an ``alert`` row), and
    trustops' own rows are not updates, so only a person's message while the incident was open counts.
    """
    if incident.is_open or incident.resolved_at is None:
        return False
    if incident.resolved_at > incident.detected_at + timedelta(minutes=policy.first_public_update_minutes):
        return False
    return not any(_posted_for_the_public_by_a_person(event) for event in incident.events)


def _posted_for_the_public_by_a_person(event: IncidentEvent) -> bool:
    audience = (event.data or {}).get("audience")
    return (
        bool(event.message)
        and event.kind in MESSAGE_KINDS
        and event.state.is_open
        and audience in (None, Audience.PUBLIC.value)
        and is_person(event.actor)
    )


def is_person(actor: str) -> bool:
    """Whether a timeline row's actor is a person (API token, dashboard user, CLI) rather than a signal."""
    return actor.startswith(PERSON_PREFIXES) or actor in PERSON_ACTORS


def decide(inputs: Inputs, policy: Policy) -> Decision:
    """The channel the rules give ``inputs`` (pure: no database, no clock)."""
    channel, rule, reason = _by_reach(inputs, policy)
    if channel is Channel.STATUS_PAGE and inputs.resolved_before_first_update:
        minutes = policy.first_public_update_minutes
        reason = (
            f"It was resolved within {minutes} minutes of detection, before the first public update was due "
            f"and with nothing posted, so it gets a retrospective report instead of a live status-page incident; "
            f"{reason[0].lower()}{reason[1:]}"
        )
        channel, rule = Channel.RETROSPECTIVE, "resolved-before-first-update"
    return Decision(channel, rule, reason, inputs.to_dict(), thresholds(policy))


def thresholds(policy: Policy) -> dict[str, Any]:
    return {
        "status_page_user_share": policy.status_page_user_share,
        "targeted_user_share": policy.targeted_user_share,
        "targeted_min_value": policy.targeted_min_value,
        "band_status_page_impact": policy.band_status_page_impact,
        "first_public_update_minutes": policy.first_public_update_minutes,
    }


def _by_reach(inputs: Inputs, policy: Policy) -> tuple[Channel, str, str]:
    reach = f"{_pct(inputs.share)} of active users were affected ({inputs.affected:,} of {inputs.active:,})"
    if inputs.share > policy.status_page_user_share:
        why = f"{reach}, more than the {_pct(policy.status_page_user_share)} that puts an incident on the status page."
        return Channel.STATUS_PAGE, "share-above-status-page", why
    if inputs.public_visibly_down:
        names = ", ".join(inputs.down_components) or "a public component"
        why = (
            f"Public component {names} was visibly down (partial or major outage), which puts an incident on the "
            f"status page whatever its reach ({_pct(inputs.share)} of active users, {inputs.affected:,} of "
            f"{inputs.active:,})."
        )
        return Channel.STATUS_PAGE, "public-component-down", why
    value = _value(inputs, policy)
    if inputs.share < policy.targeted_user_share:
        where = f"{reach}, under {_pct(policy.targeted_user_share)}"
        if inputs.high_business_impact:
            return Channel.TARGETED, "small-high-value", f"{where}, but {value}, so the affected accounts are told."
        return Channel.INTERNAL, "small-low-value", f"{where}, and {value}, so it stays internal."
    band = Impact(policy.band_status_page_impact)
    where = (
        f"{reach}, between {_pct(policy.targeted_user_share)} and {_pct(policy.status_page_user_share)}, "
        f"and the impact is {inputs.impact.value}"
    )
    if inputs.impact.rank >= band.rank:
        return Channel.STATUS_PAGE, "band-severe", f"{where}, at least {band.value}, so it goes on the status page."
    if inputs.high_business_impact:
        return (
            Channel.TARGETED,
            "band-high-value",
            f"{where}, below {band.value}, but {value}, so the affected accounts are told.",
        )
    return Channel.INTERNAL, "band-low-value", f"{where}, below {band.value}, and {value}, so it stays internal."


def _value(inputs: Inputs, policy: Policy) -> str:
    said = (
        f"{inputs.enterprise_affected} enterprise customer(s) and {inputs.affected_value:,.0f} of annual value "
        f"were hit (threshold {policy.targeted_min_value:,.0f})"
    )
    return said if inputs.high_business_impact else f"only {said}"


def _pct(share: float) -> str:
    return f"{share * 100:.2f}".rstrip("0").rstrip(".") + "%"


def apply(
    session: Session, incident: Incident, *, policy: Policy, now: datetime, actor: str = AUTOMATIC
) -> Decision | None:
    """Decide and follow the decision; returns it when the channel changed, ``None`` when nothing did.

    An overridden channel is left alone. Becoming ``retrospective`` marks the incident backfilled and
    posts its public retrospective report (once per incident).
    """
    decision = decide(gather(session, incident, policy=policy, now=now), policy)
    if incident.channel_overridden or decision.channel is incident.channel:
        return None
    _record(session, incident, decision, actor, now)
    _follow(session, incident, policy=policy, now=now)
    return decision


def override(
    session: Session,
    incident_id: int,
    channel: Channel,
    *,
    reason: str,
    actor: str,
    now: datetime,
    policy: Policy | None = None,
) -> Decision:
    """A person fixes the channel, with a reason; the rules leave it alone until :func:`release_override`."""
    reason = _required_reason(reason)
    incident = get_incident(session, incident_id)
    if channel is Channel.RETROSPECTIVE and incident.is_open:
        raise Conflict(
            f"channel: incident {incident_id} is still open; a retrospective report is only for resolved incidents",
            field="channel",
        )
    decision = Decision(channel, OVERRIDE, f"{actor} set the channel to {channel.value}: {reason}", {}, {})
    incident.channel_overridden = True
    _record(session, incident, decision, actor, now, {"overridden_by": actor, "reason": reason})
    _follow(session, incident, policy=policy or Policy(), now=now)
    return decision


def release_override(
    session: Session, incident_id: int, *, reason: str, actor: str, policy: Policy, now: datetime
) -> Decision:
    """Hand the channel back to the rules (recorded), and apply what they say now."""
    reason = _required_reason(reason)
    incident = get_incident(session, incident_id)
    if not incident.channel_overridden:
        raise Conflict(f"channel: incident {incident_id} has no override to release", field="channel")
    incident.channel_overridden = False
    data = {"channel": _value_of(incident.channel), "rule": RELEASED, "released_by": actor, "reason": reason}
    message = f"{actor} handed the channel back to the rules: {reason}"
    record_event(session, incident, EventKind.DECISION, actor, now, message, data)
    incident.updated_at = now
    decision = decide(gather(session, incident, policy=policy, now=now), policy)
    if decision.channel is not incident.channel:
        _record(session, incident, decision, AUTOMATIC, now)
        _follow(session, incident, policy=policy, now=now)
    return decision


def decide_recent(session: Session, *, policy: Policy, now: datetime) -> dict[int, Decision]:
    """Re-decide open incidents and those resolved within the last 24 hours; returns the ones that changed."""
    query = (
        select(Incident)
        .where(Incident.channel_overridden.is_(False))
        .where(
            or_(
                Incident.state.in_([s for s in IncidentState if s.is_open]),
                Incident.resolved_at >= now - RECENT,
            )
        )
        .options(selectinload(Incident.components))
        .order_by(Incident.id)
    )
    changed = {}
    for incident in session.scalars(query).all():
        decision = apply(session, incident, policy=policy, now=now)
        if decision is not None:
            changed[incident.id] = decision
    return changed


def history(session: Session, incident: Incident) -> list[IncidentEvent]:
    """The incident's channel decisions and overrides, oldest first."""
    _refresh_timeline(session, incident)
    return [e for e in incident.events if e.kind is EventKind.DECISION and "rule" in (e.data or {})]


def _record(
    session: Session,
    incident: Incident,
    decision: Decision,
    actor: str,
    now: datetime,
    extra: dict[str, Any] | None = None,
) -> None:
    data = {
        "channel": decision.channel.value,
        "from": _value_of(incident.channel),
        "rule": decision.rule,
        "inputs": decision.inputs,
        "thresholds": decision.thresholds,
        **(extra or {}),
    }
    incident.channel = decision.channel
    incident.backfilled = decision.channel is Channel.RETROSPECTIVE
    incident.updated_at = now
    record_event(session, incident, EventKind.DECISION, actor, now, decision.reason, data)
    if decision.channel is Channel.RETROSPECTIVE and not _has_report(session, incident):
        _post_report(session, incident, now)
    _refresh_timeline(session, incident)


def _follow(session: Session, incident: Incident, *, policy: Policy, now: datetime) -> None:
    """What a channel sets in motion beyond the timeline: a targeted incident gives each affected key
    account's manager a task to call them."""
    if incident.channel is Channel.TARGETED:
        from trustops.comms.notices import create_tasks  # notices imports the outbox, which imports this package

        create_tasks(session, incident, policy=policy, now=now)
        _refresh_timeline(session, incident)


def _post_report(session: Session, incident: Incident, now: datetime) -> IncidentEvent:
    ids = [link.component_id for link in incident.components]
    components = {c.id: c for c in session.scalars(select(Component).where(Component.id.in_(ids)))}
    _refresh_timeline(session, incident)
    resolved_at = incident.resolved_at or now
    data = {
        "audience": Audience.PUBLIC.value,
        "deliver_notifications": False,
        "backfilled": True,
        "display_at": resolved_at.isoformat(),
    }
    text = draft_retrospective(incident, components)
    return record_event(session, incident, EventKind.UPDATE, AUTOMATIC, now, text, data)


def _has_report(session: Session, incident: Incident) -> bool:
    query = select(IncidentEvent.data).where(
        IncidentEvent.incident_id == incident.id, IncidentEvent.kind == EventKind.UPDATE
    )
    return any((data or {}).get("backfilled") for data in session.scalars(query))


def _public_ids(session: Session, incident: Incident) -> set[str]:
    ids = [link.component_id for link in incident.components]
    query = select(Component.id).where(Component.id.in_(ids), Component.visibility == Visibility.PUBLIC)
    return set(session.scalars(query))


def _refresh_timeline(session: Session, incident: Incident) -> None:
    # record_event adds rows by incident_id, so a timeline loaded earlier in this session may lack them.
    session.flush()
    session.expire(incident, ["events"])


def _required_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise InvalidInput("reason: say why the channel is set by hand (must not be empty)", field="reason")
    return reason


def _value_of(channel: Channel | None) -> str | None:
    return None if channel is None else channel.value
