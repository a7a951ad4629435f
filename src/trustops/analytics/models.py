"""Stored silent-churn reports: one row per analysis, its headline figures in columns for the dashboard's
lists and sums, the whole :class:`~trustops.analytics.churn_report.ChurnReport` as JSON. A report holds
group means and estimates only, never a user or a pseudonym."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from trustops import clock
from trustops.db import Base, UTCDateTime


class ChurnRun(Base):
    __tablename__ = "churn_runs"
    __table_args__ = (Index("ix_churn_runs_incident_id_created_at", "incident_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    actor: Mapped[str] = mapped_column(String(120))  # "cli", "demo", or the token that ran it
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(UTCDateTime)  # the cohort anchor
    engine: Mapped[str] = mapped_column(String(16))
    treated: Mapped[int] = mapped_column(Integer)
    horizon_days: Mapped[int | None] = mapped_column(Integer)  # of the headline debt
    debt: Mapped[float | None] = mapped_column(Float)
    debt_low: Mapped[float | None] = mapped_column(Float)
    debt_high: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(8), default="USD")
    verdict: Mapped[str] = mapped_column(Text)
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
