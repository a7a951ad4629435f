"""Request and response bodies of the JSON API, kept apart from the ORM models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from trustops.catalog.schema import ComponentSpec
from trustops.enums import Audience, Channel, ComponentStatus, Impact, IncidentState
from trustops.monitor.models import EventKind


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ComponentPublic(ComponentSpec):
    status: ComponentStatus
    source: str


class IncidentCreate(_In):
    title: str = Field(min_length=1, max_length=200)
    components: dict[str, ComponentStatus] = Field(
        min_length=1, description="Affected component ids and the status the incident gives each."
    )
    message: str | None = Field(None, max_length=10_000, description="The first update's text.")
    impact: Impact | None = Field(None, description="Derived from components and criticality when omitted.")
    state: IncidentState = IncidentState.INVESTIGATING
    started_at: AwareDatetime | None = Field(None, description="When it really began; defaults to now.")
    audience: Audience | None = Field(
        None, description="Who the first message is for: public, targeted or internal; follows the channel if omitted."
    )
    owner: str | None = Field(
        None, min_length=1, max_length=120, description="The notification route reminded of overdue updates."
    )


class IncidentUpdate(_In):
    state: IncidentState | None = None
    message: str | None = Field(None, max_length=10_000)
    components: dict[str, ComponentStatus] | None = None
    impact: Impact | None = None
    audience: Audience | None = Field(
        None, description="Who the message is for: public, targeted or internal; follows the channel if omitted."
    )


class IncidentResolve(_In):
    message: str | None = Field(None, max_length=10_000)


class IncidentEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    kind: EventKind
    actor: str
    state: IncidentState
    message: str | None
    data: dict[str, Any]


class IncidentSummary(BaseModel):
    id: int
    title: str
    state: IncidentState
    impact: Impact
    source: str
    started_at: datetime
    detected_at: datetime
    resolved_at: datetime | None
    updated_at: datetime
    components: dict[str, ComponentStatus]
    channel: Channel | None = Field(description="Where its news goes; see docs/communication.md.")
    owner: str | None


class IncidentPublic(IncidentSummary):
    timeline: list[IncidentEventPublic]


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


class HeartbeatCreate(_In):
    name: str = Field(min_length=1, max_length=120)
    period: int | None = Field(None, description="Seconds between expected pings (or give `cron`).")
    cron: str | None = Field(None, description="Cron schedule, read in `tz`.")
    tz: str = "UTC"
    grace: int = Field(3600, description="Seconds of lateness tolerated before the heartbeat goes down.")
    component: str | None = Field(None, description="The component whose incident opens when it goes down.")
    down_status: ComponentStatus = ComponentStatus.PARTIAL_OUTAGE


class HeartbeatPublic(BaseModel):
    uuid: str
    name: str
    ping_url: str
    component: str | None
    period: int | None
    cron: str | None
    tz: str
    grace: int
    status: str  # new, up, late, started, down or paused
    last_ping_at: datetime | None
    last_duration: float | None
    alert_after: datetime | None
    n_pings: int
