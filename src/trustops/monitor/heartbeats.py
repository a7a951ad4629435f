"""Heartbeats for silent failures, compatible with Healthchecks' ping API.

A job pings ``/ping/<uuid>`` when it succeeds (``/start`` when it begins, ``/fail`` or a non-zero exit
status when it fails). A heartbeat whose next ping is overdue by more than its grace time goes down and
opens an incident on its component: "order-confirmation e-mails have not run for 2 h".

Schedule rules follow healthchecks/healthchecks hc/api/models.py: the grace period starts at the next
expected ping (last ping + period, or the next cron fire after the last ping, computed in the check's
time zone so DST is handled), or at the start of a run in progress, whichever is earlier.
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cronsim import CronSim
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from trustops.catalog.models import Component
from trustops.catalog.schema import AlertMapping, HeartbeatCheck
from trustops.config import Policy
from trustops.enums import ComponentStatus, HeartbeatStatus
from trustops.errors import InvalidInput, NotFound
from trustops.listen.redact import redact
from trustops.monitor.health_models import Heartbeat
from trustops.monitor.intake import apply_alert
from trustops.monitor.signals import AlertSignal

PING_KINDS = ("success", "start", "fail", "log")


@dataclass
class HeartbeatState:
    """A plain copy of a heartbeat row: the ping writer applies thousands of pings a second to these,
    skipping ORM instrumentation, and writes each back once per batch."""

    id: int
    uuid: str
    period: int | None
    cron: str | None
    tz: str
    grace: int
    status: HeartbeatStatus
    last_ping_at: datetime | None
    last_start_at: datetime | None
    last_start_rid: str | None
    last_duration: float | None
    last_exit_status: int | None
    alert_after: datetime | None
    n_pings: int


MUTABLE = (
    "status",
    "last_ping_at",
    "last_start_at",
    "last_start_rid",
    "last_duration",
    "last_exit_status",
    "alert_after",
    "n_pings",
)
AnyHeartbeat = Heartbeat | HeartbeatState


@dataclass(frozen=True)
class PingRequest:
    uuid: str
    kind: str  # success | start | fail | log
    at: datetime
    method: str = "GET"
    exit_status: int | None = None
    rid: str | None = None
    body: str | None = None
    user_agent: str | None = None


def create_heartbeat(
    session: Session,
    *,
    name: str,
    grace: int,
    period: int | None = None,
    cron: str | None = None,
    tz: str = "UTC",
    component_id: str | None = None,
    down_status: ComponentStatus = ComponentStatus.PARTIAL_OUTAGE,
    source: str = "cli",
    now: datetime,
) -> Heartbeat:
    """Validate like the catalog does, then store a new heartbeat in state ``new``."""
    spec = _validated(name=name, grace=grace, period=period, cron=cron, tz=tz)
    if component_id is not None and session.get(Component, component_id) is None:
        raise InvalidInput(f"component: unknown component {component_id!r}", field="component")
    heartbeat = Heartbeat(
        uuid=str(uuidlib.uuid4()),
        name=spec.name or name,
        period=spec.period,
        cron=spec.cron,
        tz=spec.tz,
        grace=spec.grace,
        component_id=component_id,
        down_status=down_status,
        status=HeartbeatStatus.NEW,
        n_pings=0,
        source=source,
        created_at=now,
    )
    session.add(heartbeat)
    session.flush()
    return heartbeat


def _validated(**values: Any) -> HeartbeatCheck:
    from pydantic import ValidationError

    try:
        return HeartbeatCheck.model_validate({"type": "heartbeat", **values})
    except ValidationError as exc:
        raise InvalidInput.from_validation(exc, default_field="schedule") from None


def get_heartbeat(session: Session, uuid: str) -> Heartbeat:
    heartbeat = session.scalar(select(Heartbeat).where(Heartbeat.uuid == uuid))
    if heartbeat is None:
        raise NotFound(f"heartbeat {uuid!r} does not exist", field="uuid")
    return heartbeat


def list_heartbeats(session: Session) -> list[Heartbeat]:
    return list(session.scalars(select(Heartbeat).order_by(Heartbeat.name, Heartbeat.id)))


def next_expected(heartbeat: AnyHeartbeat, after: datetime) -> datetime:
    """When the ping after one at ``after`` is due."""
    if heartbeat.cron is None:
        return after + timedelta(seconds=heartbeat.period or 0)
    local = after.astimezone(ZoneInfo(heartbeat.tz))
    return next(CronSim(heartbeat.cron, local)).astimezone(after.tzinfo)


def alert_after(heartbeat: AnyHeartbeat) -> datetime | None:
    """The moment the heartbeat goes down unless it pings first; ``None`` when it cannot go down."""
    if heartbeat.status in (HeartbeatStatus.DOWN, HeartbeatStatus.PAUSED):
        return None
    starts = []
    if heartbeat.last_ping_at is not None and heartbeat.status is HeartbeatStatus.UP:
        starts.append(next_expected(heartbeat, heartbeat.last_ping_at))
    if heartbeat.last_start_at is not None:
        starts.append(heartbeat.last_start_at)  # a run that never finishes is a failure too
    return min(starts) + timedelta(seconds=heartbeat.grace) if starts else None


def shown_status(heartbeat: Heartbeat, now: datetime) -> str:
    """The stored status, or ``late`` while in the grace period, or ``started`` while a run is on."""
    if heartbeat.status is HeartbeatStatus.UP and heartbeat.last_ping_at is not None:
        if now > next_expected(heartbeat, heartbeat.last_ping_at):
            return "late"
    if heartbeat.last_start_at is not None and heartbeat.status is not HeartbeatStatus.DOWN:
        return "started"
    return heartbeat.status.value


def apply_ping(heartbeat: AnyHeartbeat, ping: PingRequest) -> tuple[dict[str, Any], str | None]:
    """Update the heartbeat for one ping; returns the ping row to insert and a flip ("up", "down" or None)."""
    before = heartbeat.status
    kind = ping.kind
    if kind == "success" and ping.exit_status not in (None, 0):
        kind = "fail"
    if kind == "start":
        heartbeat.last_start_at, heartbeat.last_start_rid = ping.at, ping.rid
    elif kind in ("success", "fail"):
        _finish_run(heartbeat, ping, kind)
        heartbeat.last_ping_at = ping.at
        heartbeat.last_exit_status = ping.exit_status
        heartbeat.status = HeartbeatStatus.UP if kind == "success" else HeartbeatStatus.DOWN
    heartbeat.n_pings += 1
    heartbeat.alert_after = alert_after(heartbeat)
    row = {
        "heartbeat_id": heartbeat.id,
        "n": heartbeat.n_pings,
        "at": ping.at,
        "kind": kind,
        "exit_status": ping.exit_status,
        "rid": ping.rid,
        "method": ping.method,
        # Redacted here, in the writer's thread, not in the event loop that answers pings (3.6 ms for a 10 kB log, bench/ping_body.py).
        "body": redact(ping.body).text if ping.body else None,
        "user_agent": ping.user_agent,
    }
    return row, _flip(before, heartbeat.status)


def _finish_run(heartbeat: AnyHeartbeat, ping: PingRequest, kind: str) -> None:
    # hc: a success with the start's rid (or any success without rid) measures the run; a fail always ends it.
    if heartbeat.last_start_at is not None and (ping.rid is None or ping.rid == heartbeat.last_start_rid):
        heartbeat.last_duration = (ping.at - heartbeat.last_start_at).total_seconds()
    if ping.rid is None or ping.rid == heartbeat.last_start_rid or kind == "fail":
        heartbeat.last_start_at, heartbeat.last_start_rid = None, None


def _flip(before: HeartbeatStatus, after: HeartbeatStatus) -> str | None:
    if after is HeartbeatStatus.DOWN and before is not HeartbeatStatus.DOWN:
        return "down"
    if after is HeartbeatStatus.UP and before is HeartbeatStatus.DOWN:
        return "up"
    return None


def signal_for(heartbeat: Heartbeat, *, firing: bool, now: datetime, reason: str) -> AlertSignal:
    return AlertSignal(
        source="heartbeat",
        key=heartbeat.uuid,
        firing=firing,
        summary=f"{heartbeat.name}: {reason}",
        labels={"heartbeat": heartbeat.name},
        started_at=now,
        component_id=heartbeat.component_id,
        status=heartbeat.down_status,
    )


def report_flip(
    session: Session,
    heartbeat: Heartbeat,
    flip: str,
    *,
    policy: Policy,
    mappings: Sequence[AlertMapping],
    now: datetime,
) -> None:
    """Tell the incident machinery that a heartbeat went down (a fail ping) or came back up."""
    if heartbeat.component_id is None:
        return
    reason = "reported a failure" if flip == "down" else "is running again"
    signal = signal_for(heartbeat, firing=flip == "down", now=now, reason=reason)
    apply_alert(session, signal, policy=policy, mappings=mappings, now=now)


def sweep(session: Session, *, policy: Policy, mappings: Sequence[AlertMapping] = (), now: datetime) -> list[str]:
    """Flip every overdue heartbeat to down; returns the uuids flipped.

    Safe with several workers: each flip is ``UPDATE … WHERE status = <old>`` and only the worker whose
    update changed a row reports it (hc sendalerts).
    """
    due = session.scalars(
        select(Heartbeat)
        .where(Heartbeat.alert_after <= now)
        .where(Heartbeat.status.not_in([HeartbeatStatus.DOWN, HeartbeatStatus.PAUSED]))
        .order_by(Heartbeat.alert_after)
        .limit(100)
    ).all()
    flipped = []
    for heartbeat in due:
        claimed = session.execute(
            update(Heartbeat)
            .where(Heartbeat.id == heartbeat.id, Heartbeat.status == heartbeat.status)
            .where(Heartbeat.alert_after == heartbeat.alert_after)
            .values(status=HeartbeatStatus.DOWN, alert_after=None)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue
        session.refresh(heartbeat)
        flipped.append(heartbeat.uuid)
        if heartbeat.component_id is not None:
            silent = _silence(heartbeat, now)
            signal = signal_for(heartbeat, firing=True, now=now, reason=silent)
            apply_alert(session, signal, policy=policy, mappings=mappings, now=now)
    return flipped


def _silence(heartbeat: Heartbeat, now: datetime) -> str:
    since = heartbeat.last_start_at if heartbeat.last_start_at else heartbeat.last_ping_at
    if since is None:
        return "has not run"
    hours = (now - since).total_seconds() / 3600
    span = f"{hours:.0f} h" if hours >= 1.5 else f"{hours * 60:.0f} min"
    return f"started {span} ago and has not finished" if heartbeat.last_start_at else f"has not run for {span}"
