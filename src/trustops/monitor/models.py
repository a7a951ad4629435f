from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from trustops import clock
from trustops.db import Base, UTCDateTime
from trustops.enums import Channel, ComponentStatus, Impact, IncidentState, enum_column


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    state: Mapped[IncidentState] = mapped_column(enum_column(IncidentState), index=True)
    impact: Mapped[Impact] = mapped_column(enum_column(Impact))
    source: Mapped[str] = mapped_column(String(32), default="manual")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Communication (comms/): where its news goes, whether a person fixed that, who answers for updates.
    channel: Mapped[Channel | None] = mapped_column(enum_column(Channel))
    channel_overridden: Mapped[bool] = mapped_column(Boolean, default=False)
    backfilled: Mapped[bool] = mapped_column(Boolean, default=False)  # a retrospective report
    owner: Mapped[str | None] = mapped_column(String(120))  # a notification route name; None: every route

    components: Mapped[list[IncidentComponent]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="IncidentComponent.component_id"
    )
    events: Mapped[list[IncidentEvent]] = relationship(
        back_populates="incident", order_by="IncidentEvent.id", passive_deletes=True
    )

    @property
    def is_open(self) -> bool:
        return self.state.is_open


class IncidentComponent(Base):
    """A component an incident affects, with the status the incident gives it."""

    __tablename__ = "incident_components"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    component_id: Mapped[str] = mapped_column(ForeignKey("components.id"), primary_key=True)
    status: Mapped[ComponentStatus] = mapped_column(enum_column(ComponentStatus))

    incident: Mapped[Incident] = relationship(back_populates="components")


class EventKind(StrEnum):
    OPENED = "opened"
    STATE_CHANGED = "state_changed"
    UPDATE = "update"
    COMPONENT_STATUS = "component_status"
    IMPACT_CHANGED = "impact_changed"
    NOTIFICATION = "notification"
    DECISION = "decision"
    ALERT = "alert"  # a signal joined or left the incident
    SPIKE = "spike"  # customers started complaining about one of its components
    REMINDER = "reminder"  # an update is overdue, or a component has been down for hours
    NOTICE = "notice"  # targeted notices went to affected accounts; tasks for their managers


class IncidentEvent(Base):
    """One row of an incident's append-only timeline."""

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind))
    actor: Mapped[str] = mapped_column(String(120))
    state: Mapped[IncidentState] = mapped_column(enum_column(IncidentState))
    message: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    incident: Mapped[Incident] = relationship(back_populates="events")


class TimelineIsAppendOnly(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_timeline_rewrites(session: Session, _context: Any, _instances: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, IncidentEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise TimelineIsAppendOnly(f"incident event {obj.id} cannot be changed or deleted")
