"""Customers as trustops knows them: a pseudonym, a value tier, and what they are worth."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from trustops.db import Base, UTCDateTime
from trustops.enums import CustomerTier, enum_column


class Customer(Base):
    __tablename__ = "customers"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # privacy.pseudonymise(user id)
    tier: Mapped[CustomerTier] = mapped_column(enum_column(CustomerTier), index=True)
    account: Mapped[str | None] = mapped_column(String(120))  # company name of a key account
    annual_value: Mapped[float] = mapped_column(Float, default=0.0)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


def tier_summary(session: Session) -> list[tuple[CustomerTier, int, float]]:
    """Customers and annual value per tier, most valuable tier first."""
    rows = session.execute(
        select(Customer.tier, func.count(), func.coalesce(func.sum(Customer.annual_value), 0.0)).group_by(Customer.tier)
    ).all()
    order = list(CustomerTier)
    return sorted(((t, int(n), float(v)) for t, n, v in rows), key=lambda row: order.index(row[0]))
