"""Communication over HTTP: an incident's channel decision and its override, its update cadence, and
scheduled maintenance. See docs/communication.md."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from trustops.accounts.models import ApiToken, Scope
from trustops.comms import cadence, channel, maintenance
from trustops.comms.models import Maintenance
from trustops.config import Policy
from trustops.enums import Channel, MaintenanceState
from trustops.monitor.incidents import get_incident
from trustops.monitor.models import Incident
from trustops.web.deps import ClockDep, PolicyDep, SessionDep, require, token_actor

router = APIRouter(tags=["communication"])
Reader = Annotated[ApiToken, Depends(require(Scope.READ, Scope.COMMS))]
Writer = Annotated[ApiToken, Depends(require(Scope.COMMS))]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DecisionPublic(BaseModel):
    channel: Channel
    rule: str = Field(description="The rule's stable slug, e.g. `share-above-status-page`.")
    reason: str
    inputs: dict[str, Any]
    thresholds: dict[str, Any]


class DecisionEventPublic(BaseModel):
    id: int
    at: datetime
    actor: str
    channel: Channel | None
    rule: str
    message: str | None
    data: dict[str, Any]


class ChannelPublic(BaseModel):
    incident_id: int
    channel: Channel | None = Field(description="The recorded channel.")
    overridden: bool = Field(description="A person fixed the channel; the rules leave it alone.")
    backfilled: bool = Field(description="A retrospective report.")
    rule_now: DecisionPublic = Field(description="What the rules would say now, with their inputs.")
    history: list[DecisionEventPublic]


class ChannelChange(_In):
    channel: Channel | None = Field(description="The channel to fix, or null to hand it back to the rules.")
    reason: str = Field(min_length=1, max_length=1_000, description="Why; kept in the timeline.")


class CadencePublic(BaseModel):
    incident_id: int
    channel: Channel | None
    next_update_by: datetime | None = Field(description="When the next update is due; null when none is owed.")
    overdue: bool
    minutes_late: int | None


class MaintenanceCreate(_In):
    title: str = Field(min_length=1, max_length=200)
    components: list[str] = Field(min_length=1, description="Component ids under maintenance.")
    scheduled_for: AwareDatetime
    scheduled_until: AwareDatetime
    message: str | None = Field(None, max_length=10_000, description="The announcement; a standard one if omitted.")
    auto_in_progress: bool = Field(True, description="Start it at `scheduled_for`.")
    auto_completed: bool = Field(True, description="Complete it at `scheduled_until`.")


class MaintenanceChange(_In):
    state: MaintenanceState | None = Field(
        None, description="Forward only: scheduled, in_progress, verifying, completed."
    )
    message: str | None = Field(None, max_length=10_000)


class MaintenanceUpdatePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    state: MaintenanceState
    body: str
    at: datetime
    actor: str


class MaintenancePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    state: MaintenanceState
    scheduled_for: datetime
    scheduled_until: datetime
    components: list[str]
    auto_in_progress: bool
    auto_completed: bool
    started_at: datetime | None
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    updates: list[MaintenanceUpdatePublic]


def channel_view(session: Session, incident: Incident, policy: Policy, now: datetime) -> ChannelPublic:
    now_says = channel.decide(channel.gather(session, incident, policy=policy, now=now), policy)
    history = [
        DecisionEventPublic(
            id=e.id,
            at=e.at,
            actor=e.actor,
            channel=e.data.get("channel"),
            rule=e.data["rule"],
            message=e.message,
            data=e.data,
        )
        for e in channel.history(session, incident)
    ]
    return ChannelPublic(
        incident_id=incident.id,
        channel=incident.channel,
        overridden=incident.channel_overridden,
        backfilled=incident.backfilled,
        rule_now=DecisionPublic(**now_says.to_dict()),
        history=history,
    )


@router.get("/api/v1/incidents/{incident_id}/channel", response_model=ChannelPublic)
def get_channel(
    incident_id: int, _token: Reader, session: SessionDep, policy: PolicyDep, now: ClockDep
) -> ChannelPublic:
    """The recorded channel, every decision and override so far, and what the rules would say now."""
    return channel_view(session, get_incident(session, incident_id), policy, now)


@router.post("/api/v1/incidents/{incident_id}/channel", response_model=ChannelPublic)
def set_channel(
    incident_id: int, body: ChannelChange, token: Writer, session: SessionDep, policy: PolicyDep, now: ClockDep
) -> ChannelPublic:
    """Fix the channel by hand with a reason, or give `"channel": null` to hand it back to the rules."""
    actor = token_actor(token)
    if body.channel is None:
        channel.release_override(session, incident_id, reason=body.reason, actor=actor, policy=policy, now=now)
    else:
        channel.override(session, incident_id, body.channel, reason=body.reason, actor=actor, now=now, policy=policy)
    session.commit()
    return channel_view(session, get_incident(session, incident_id), policy, now)


@router.get("/api/v1/incidents/{incident_id}/cadence", response_model=CadencePublic)
def get_cadence(
    incident_id: int, _token: Reader, session: SessionDep, policy: PolicyDep, now: ClockDep
) -> CadencePublic:
    """When the next update is due, and whether it is late."""
    incident = get_incident(session, incident_id)
    due = cadence.next_update_by(incident, policy, now)
    late = due is not None and now > due
    return CadencePublic(
        incident_id=incident.id,
        channel=incident.channel,
        next_update_by=due,
        overdue=late,
        minutes_late=int((now - due).total_seconds() // 60) if due is not None and late else None,
    )


@router.get("/api/v1/maintenances", response_model=list[MaintenancePublic])
def list_maintenances(
    _token: Reader,
    session: SessionDep,
    state: Annotated[Literal["active", "all"], Query(description="`active`: in progress or verifying")] = "all",
) -> list[Maintenance]:
    return maintenance.list_maintenances(session, active_only=state == "active")


@router.post("/api/v1/maintenances", response_model=MaintenancePublic, status_code=201)
def schedule_maintenance(body: MaintenanceCreate, token: Writer, session: SessionDep, now: ClockDep) -> Maintenance:
    """Announce a maintenance window; it starts and completes on time unless told otherwise."""
    found = maintenance.schedule(
        session,
        title=body.title,
        components=body.components,
        scheduled_for=body.scheduled_for,
        scheduled_until=body.scheduled_until,
        message=body.message,
        auto_in_progress=body.auto_in_progress,
        auto_completed=body.auto_completed,
        actor=token_actor(token),
        now=now,
    )
    session.commit()
    return found


@router.post("/api/v1/maintenances/{maintenance_id}/updates", response_model=MaintenancePublic)
def update_maintenance(
    maintenance_id: int, body: MaintenanceChange, token: Writer, session: SessionDep, now: ClockDep
) -> Maintenance:
    """Post an update: a new state (forward only), a message, or both."""
    found = maintenance.update(
        session, maintenance_id, state=body.state, message=body.message, actor=token_actor(token), now=now
    )
    session.commit()
    return found
