"""The marketing guard's decision log and its bulk runs (pseudonymous)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from trustops.db import Base, UTCDateTime
from trustops.enums import CampaignType, enum_column


class GuardDecision(Base):
    """One decision of the decision API: for whom (a pseudonym), what campaign, and what was said."""

    __tablename__ = "guard_decisions"
    __table_args__ = (Index("ix_guard_decisions_at", "at"), Index("ix_guard_decisions_user_key", "user_key"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)  # when it was asked
    decided_for: Mapped[datetime] = mapped_column(UTCDateTime)  # the moment judged ("at" in the request)
    user_key: Mapped[str] = mapped_column(String(64))
    campaign_type: Mapped[CampaignType] = mapped_column(enum_column(CampaignType))
    campaign_id: Mapped[str | None] = mapped_column(String(120))
    allowed: Mapped[bool] = mapped_column(Boolean)
    rule: Mapped[str] = mapped_column(String(64))
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    holdout: Mapped[bool] = mapped_column(Boolean, default=False)


class GuardRun(Base):
    """One bulk evaluation of an audience: its counts, never its users."""

    __tablename__ = "guard_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    campaign_type: Mapped[CampaignType] = mapped_column(enum_column(CampaignType))
    campaign_id: Mapped[str | None] = mapped_column(String(120))
    audience: Mapped[int] = mapped_column(Integer)
    allowed: Mapped[int] = mapped_column(Integer)
    suppressed: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # rule -> users
    format: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(120))
