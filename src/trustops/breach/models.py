"""Data-breach cases, their tasks, their Art. 33(5) documentation log, the notifications made, and drills.

A case holds the facts its clocks and drafts are computed from: when the organisation became aware (and, for
regimes whose clock starts elsewhere, when the breach was discovered or judged material), what categories of
data, how many people and records in all and per jurisdiction, and the facts behind the GDPR Art. 34(3)
exceptions. The log is append-only: it is the record a supervisory authority may ask to see.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trustops import clock
from trustops.db import Base, UTCDateTime
from trustops.enums import BreachLogKind, BreachRisk, BreachRole, BreachStatus, enum_column


class BreachCase(Base):
    __tablename__ = "breach_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[BreachStatus] = mapped_column(enum_column(BreachStatus), default=BreachStatus.OPEN)
    # Clock starts: GDPR counts from awareness (EDPB: reasonable certainty), HIPAA and US states from
    # discovery, SEC 8-K from the materiality determination.
    aware_at: Mapped[datetime] = mapped_column(UTCDateTime)
    discovered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    material_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    occurred_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    occurred_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contained_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What happened, in the words the regulator draft uses (Art. 33(3)(a), (c), (d)).
    nature: Mapped[str] = mapped_column(Text, default="")
    consequences: Mapped[str] = mapped_column(Text, default="")
    measures_taken: Mapped[str] = mapped_column(Text, default="")
    measures_proposed: Mapped[str] = mapped_column(Text, default="")
    data_categories: Mapped[list[str]] = mapped_column(JSON, default=list)  # e.g. ["email", "payment_card"]
    people: Mapped[int | None] = mapped_column(Integer)  # approximate number of data subjects
    records: Mapped[int | None] = mapped_column(Integer)  # approximate number of records
    counts_source: Mapped[str] = mapped_column(String(32), default="entered")  # entered | imported | inventory
    # Jurisdiction codes (trustops.breach.jurisdictions) -> people affected there.
    people_by_jurisdiction: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    # Art. 34(3): (a) unintelligible to others, (b) high risk no longer likely, (c) disproportionate effort.
    encrypted: Mapped[bool] = mapped_column(Boolean, default=False)
    key_compromised: Mapped[bool] = mapped_column(Boolean, default=False)
    risk_removed: Mapped[bool] = mapped_column(Boolean, default=False)
    disproportionate_effort: Mapped[bool] = mapped_column(Boolean, default=False)
    risk: Mapped[BreachRisk | None] = mapped_column(enum_column(BreachRisk))  # None: not assessed yet
    risk_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"))
    drill: Mapped[bool] = mapped_column(Boolean, default=False)  # opened by an exercise, never a real breach
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    tasks: Mapped[list[BreachTask]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="BreachTask.id"
    )
    log: Mapped[list[BreachLogEntry]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="BreachLogEntry.id"
    )
    notifications: Mapped[list[BreachNotification]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="BreachNotification.id"
    )


class BreachTask(Base):
    """One thing one role must do, from the playbook or added by hand; ``deadline`` ties it to a clock."""

    __tablename__ = "breach_tasks"
    __table_args__ = (Index("ix_breach_tasks_case_id", "case_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("breach_cases.id", ondelete="CASCADE"))
    role: Mapped[BreachRole] = mapped_column(enum_column(BreachRole))
    title: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[str | None] = mapped_column(String(64))  # a deadline's key, e.g. "gdpr-art33"
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    case: Mapped[BreachCase] = relationship(back_populates="tasks")


class BreachLogEntry(Base):
    """One append-only line of the Art. 33(5) documentation: facts, effects, remedial action, decisions."""

    __tablename__ = "breach_log"
    __table_args__ = (Index("ix_breach_log_case_id", "case_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("breach_cases.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(120))
    kind: Mapped[BreachLogKind] = mapped_column(enum_column(BreachLogKind))
    text: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    case: Mapped[BreachCase] = relationship(back_populates="log")


class BreachNotification(Base):
    """A notification made (or a public communication instead of one): it stops its deadline's clock."""

    __tablename__ = "breach_notifications"
    __table_args__ = (Index("ix_breach_notifications_case_id", "case_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("breach_cases.id", ondelete="CASCADE"))
    deadline: Mapped[str] = mapped_column(String(64))  # the key of the deadline it meets
    recipient: Mapped[str] = mapped_column(String(200))  # e.g. "ICO", "individuals", "California AG"
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reference: Mapped[str] = mapped_column(String(200), default="")  # the authority's case number, etc.
    phased: Mapped[bool] = mapped_column(Boolean, default=False)  # a first, incomplete report (Art. 33(4))
    recorded_by: Mapped[str] = mapped_column(String(120))

    case: Mapped[BreachCase] = relationship(back_populates="notifications")


class BreachReminder(Base):
    """A deadline reminder already sent (never sent twice): ``stage`` is the hours left, or "overdue"."""

    __tablename__ = "breach_reminders"
    __table_args__ = (UniqueConstraint("case_id", "deadline", "stage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("breach_cases.id", ondelete="CASCADE"))
    deadline: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DrillRun(Base):
    """One played exercise: when each milestone was reached against when it was due, and the report."""

    __tablename__ = "drill_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scenario: Mapped[str] = mapped_column(String(120))  # the scenario's id
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # breach | outage
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(120))
    milestones: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    score: Mapped[float | None] = mapped_column(Float)
    report: Mapped[str] = mapped_column(Text, default="")  # the after-action report, Markdown
