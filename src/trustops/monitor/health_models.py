"""Tables of the health capability: heartbeats, probes, incoming alerts, the exposure ledger,
notification deliveries, and scheduler leases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from trustops import clock
from trustops.db import Base, UTCDateTime
from trustops.enums import ComponentStatus, DeliveryStatus, HeartbeatStatus, Impact, ProbeStatus, enum_column


class Heartbeat(Base):
    """A job that must ping on schedule; silence past the grace time means it failed silently."""

    __tablename__ = "heartbeats"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    component_id: Mapped[str | None] = mapped_column(ForeignKey("components.id"))
    period: Mapped[int | None] = mapped_column(Integer)  # seconds; None for cron schedules
    cron: Mapped[str | None] = mapped_column(String(120))
    tz: Mapped[str] = mapped_column(String(64), default="UTC")
    grace: Mapped[int] = mapped_column(Integer)
    down_status: Mapped[ComponentStatus] = mapped_column(
        enum_column(ComponentStatus), default=ComponentStatus.PARTIAL_OUTAGE
    )
    status: Mapped[HeartbeatStatus] = mapped_column(enum_column(HeartbeatStatus), default=HeartbeatStatus.NEW)
    last_ping_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_start_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_start_rid: Mapped[str | None] = mapped_column(String(36))
    last_duration: Mapped[float | None] = mapped_column(Float)
    last_exit_status: Mapped[int | None] = mapped_column(Integer)
    alert_after: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    n_pings: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(16), default="cli")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Ping(Base):
    __tablename__ = "pings"
    __table_args__ = (Index("ix_pings_heartbeat_id_n", "heartbeat_id", "n"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    heartbeat_id: Mapped[int] = mapped_column(ForeignKey("heartbeats.id", ondelete="CASCADE"))
    n: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(8))  # success | start | fail | log
    exit_status: Mapped[int | None] = mapped_column(Integer)
    rid: Mapped[str | None] = mapped_column(String(36))
    method: Mapped[str] = mapped_column(String(8))
    body: Mapped[str | None] = mapped_column(Text)
    user_agent: Mapped[str | None] = mapped_column(String(200))


class Probe(Base):
    """The run state of one catalog check (http, tcp, dns, tls) of a component."""

    __tablename__ = "probes"
    __table_args__ = (UniqueConstraint("component_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    component_id: Mapped[str] = mapped_column(ForeignKey("components.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    type: Mapped[str] = mapped_column(String(16))
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    interval: Mapped[int] = mapped_column(Integer)
    status: Mapped[ProbeStatus] = mapped_column(enum_column(ProbeStatus), default=ProbeStatus.UNKNOWN)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # consecutive
    successes: Mapped[int] = mapped_column(Integer, default=0)  # consecutive
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    last_response_ms: Mapped[float | None] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ProbeRun(Base):
    __tablename__ = "probe_runs"
    __table_args__ = (Index("ix_probe_runs_probe_id_at", "probe_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    probe_id: Mapped[int] = mapped_column(ForeignKey("probes.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    ok: Mapped[bool] = mapped_column(Boolean)
    response_ms: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(String(500))


class Alert(Base):
    """One alert as its source identifies it; re-deliveries update this row instead of adding one."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("source", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(255))
    component_id: Mapped[str | None] = mapped_column(ForeignKey("components.id"))
    firing: Mapped[bool] = mapped_column(Boolean)
    summary: Mapped[str] = mapped_column(String(500))
    severity: Mapped[str | None] = mapped_column(String(32))
    labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    deliveries: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Exposure(Base):
    """The exposure ledger: a (pseudonymous) user saw an error on a component at a time."""

    __tablename__ = "exposures"
    __table_args__ = (
        UniqueConstraint("source", "event_id"),
        Index("ix_exposures_component_id_at", "component_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_key: Mapped[str] = mapped_column(String(64), index=True)
    component_id: Mapped[str] = mapped_column(ForeignKey("components.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str | None] = mapped_column(String(64))


class Delivery(Base):
    """One notification to one route about one timeline event: an outbox row, retried until sent."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("event_id", "route"), UniqueConstraint("maintenance_update_id", "route"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Null for messages about no incident (a subscriber's confirmation e-mail, a maintenance notice).
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("incident_events.id", ondelete="CASCADE"))
    # Set instead of event_id for a status-page subscriber's notice of scheduled maintenance.
    maintenance_update_id: Mapped[int | None] = mapped_column(ForeignKey("maintenance_updates.id", ondelete="CASCADE"))
    route: Mapped[str] = mapped_column(String(64))  # a Route name, or "subscriber:<id>" / "account:<name>:<n>"
    audience: Mapped[str] = mapped_column(String(32), default="responders")
    target: Mapped[str | None] = mapped_column(String(1000))  # the address, for deliveries not through a Route
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[DeliveryStatus] = mapped_column(enum_column(DeliveryStatus), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Route(Base):
    """A notification route from the catalog's ``notifications:`` section."""

    __tablename__ = "notification_routes"

    name: Mapped[str] = mapped_column(String(63), primary_key=True)
    url: Mapped[str | None] = mapped_column(String(1000))
    email: Mapped[str | None] = mapped_column(String(320))
    components: Mapped[list[str]] = mapped_column(JSON, default=list)
    min_impact: Mapped[Impact] = mapped_column(enum_column(Impact))
    audience: Mapped[str] = mapped_column(String(32), default="responders")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Lease(Base):
    """A named scheduler runs in one process at a time: whoever holds the unexpired lease."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
