"""Tables of the communication capability: maintenances, status-page subscribers, key accounts, tasks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trustops import clock
from trustops.db import Base, UTCDateTime
from trustops.enums import MaintenanceState, enum_column


class Maintenance(Base):
    """Scheduled maintenance, shown on the status page (Statuspage's scheduled maintenances)."""

    __tablename__ = "maintenances"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    state: Mapped[MaintenanceState] = mapped_column(enum_column(MaintenanceState), index=True)
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime)
    scheduled_until: Mapped[datetime] = mapped_column(UTCDateTime)
    components: Mapped[list[str]] = mapped_column(JSON, default=list)  # component ids
    auto_in_progress: Mapped[bool] = mapped_column(Boolean, default=True)
    auto_completed: Mapped[bool] = mapped_column(Boolean, default=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    updates: Mapped[list[MaintenanceUpdate]] = relationship(
        back_populates="maintenance", cascade="all, delete-orphan", order_by="MaintenanceUpdate.id"
    )


class MaintenanceUpdate(Base):
    __tablename__ = "maintenance_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    maintenance_id: Mapped[int] = mapped_column(ForeignKey("maintenances.id", ondelete="CASCADE"), index=True)
    state: Mapped[MaintenanceState] = mapped_column(enum_column(MaintenanceState))
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(120))

    maintenance: Mapped[Maintenance] = relationship(back_populates="updates")


class Subscriber(Base):
    """A reader of the status page who asked for news: an e-mail address (double opt-in) or a webhook.

    The address is personal data kept for exactly this purpose: unconfirmed rows are deleted after
    ``Policy.subscriber_confirm_hours``, and unsubscribing deletes the row. Confirm and unsubscribe links
    carry an HMAC of the row, so no token is stored.
    """

    __tablename__ = "subscribers"
    __table_args__ = (UniqueConstraint("kind", "target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "email" | "webhook"
    target: Mapped[str] = mapped_column(String(1000))
    components: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every public component
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Account(Base):
    """A key account from the catalog's ``accounts:`` section: its contacts and its manager."""

    __tablename__ = "accounts"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    contacts: Mapped[list[str]] = mapped_column(JSON, default=list)
    manager: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class AccountTask(Base):
    """A to-do for an account manager: call this account about this incident."""

    __tablename__ = "account_tasks"
    __table_args__ = (UniqueConstraint("incident_id", "account"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    account: Mapped[str] = mapped_column(String(120))
    manager: Mapped[str | None] = mapped_column(String(120))
    tier: Mapped[str] = mapped_column(String(32))
    affected: Mapped[int] = mapped_column(Integer)  # the account's customers who saw errors
    value: Mapped[float] = mapped_column(default=0.0)  # their annual value
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by: Mapped[str | None] = mapped_column(String(120))
