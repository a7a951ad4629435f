from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from trustops import clock
from trustops.db import Base, UTCDateTime
from trustops.enums import Criticality, Visibility, enum_column


class Component(Base):
    """A product feature as customers meet it (login, search, checkout…)."""

    __tablename__ = "components"

    id: Mapped[str] = mapped_column(String(63), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    group: Mapped[str | None] = mapped_column(String(120))
    visibility: Mapped[Visibility] = mapped_column(enum_column(Visibility))
    criticality: Mapped[Criticality] = mapped_column(enum_column(Criticality))
    value_weight: Mapped[float] = mapped_column(Float, default=1.0)
    phrases: Mapped[list[str]] = mapped_column(JSON, default=list)
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    slo: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer, default=0)
    only_show_if_degraded: Mapped[bool] = mapped_column(Boolean, default=False)  # hidden on the page while fine
    source: Mapped[str] = mapped_column(String(16), default="api")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)
