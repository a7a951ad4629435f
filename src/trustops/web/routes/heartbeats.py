from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends

from trustops.accounts.models import ApiToken, Scope
from trustops.enums import HeartbeatStatus
from trustops.monitor import heartbeats
from trustops.monitor.health_models import Heartbeat
from trustops.web.deps import ClockDep, SessionDep, SettingsDep, require
from trustops.web.schemas import HeartbeatCreate, HeartbeatPublic

router = APIRouter(prefix="/api/v1/heartbeats", tags=["heartbeats"])
Reader = Annotated[ApiToken, Depends(require(Scope.READ))]
Writer = Annotated[ApiToken, Depends(require(Scope.INGEST))]


def to_public(heartbeat: Heartbeat, base_url: str, now: datetime) -> HeartbeatPublic:
    return HeartbeatPublic(
        uuid=heartbeat.uuid,
        name=heartbeat.name,
        ping_url=ping_url(base_url, heartbeat.uuid),
        component=heartbeat.component_id,
        period=heartbeat.period,
        cron=heartbeat.cron,
        tz=heartbeat.tz,
        grace=heartbeat.grace,
        status=heartbeats.shown_status(heartbeat, now),
        last_ping_at=heartbeat.last_ping_at,
        last_duration=heartbeat.last_duration,
        alert_after=heartbeat.alert_after,
        n_pings=heartbeat.n_pings,
    )


def ping_url(base_url: str, uuid: str) -> str:
    return f"{base_url.rstrip('/')}/ping/{uuid}"


@router.get("", response_model=list[HeartbeatPublic])
def list_heartbeats(_token: Reader, session: SessionDep, settings: SettingsDep, now: ClockDep) -> list[HeartbeatPublic]:
    return [to_public(h, settings.base_url, now) for h in heartbeats.list_heartbeats(session)]


@router.post("", response_model=HeartbeatPublic, status_code=201)
def create_heartbeat(
    body: HeartbeatCreate, _token: Writer, session: SessionDep, settings: SettingsDep, now: ClockDep
) -> HeartbeatPublic:
    heartbeat = heartbeats.create_heartbeat(
        session,
        name=body.name,
        period=body.period,
        cron=body.cron,
        tz=body.tz,
        grace=body.grace,
        component_id=body.component,
        down_status=body.down_status,
        source="api",
        now=now,
    )
    session.commit()
    return to_public(heartbeat, settings.base_url, now)


@router.post("/{uuid}/pause", response_model=HeartbeatPublic)
def pause_heartbeat(
    uuid: str, _token: Writer, session: SessionDep, settings: SettingsDep, now: ClockDep
) -> HeartbeatPublic:
    """Stop watching until the next ping (a paused heartbeat never goes down)."""
    heartbeat = heartbeats.get_heartbeat(session, uuid)
    heartbeat.status, heartbeat.alert_after = HeartbeatStatus.PAUSED, None
    session.commit()
    return to_public(heartbeat, settings.base_url, now)
