"""A shop's customers and the errors they saw, for blast-radius-driven communication tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.orm import Session

from trustops.customers import Customer
from trustops.enums import CustomerTier
from trustops.monitor.health_models import Exposure

ACTIVE = 1_000  # customers seen lately: the share's denominator


def customers(session: Session, *, seen: datetime, count: int = ACTIVE) -> list[str]:
    """``count`` regular customers worth 100 a year, seen a day before ``seen``; returns their keys."""
    keys = [f"user-{n:05d}" for n in range(count)]
    rows = [
        {
            "key": key,
            "tier": CustomerTier.REGULAR,
            "annual_value": 100.0,
            "first_seen_at": seen - timedelta(days=200),
            "last_seen_at": seen - timedelta(days=1),
        }
        for key in keys
    ]
    session.execute(insert(Customer), rows)
    return keys


def make_enterprise(session: Session, key: str, value: float = 20_000.0) -> None:
    customer = session.get(Customer, key)
    assert customer is not None
    customer.tier, customer.annual_value, customer.account = CustomerTier.ENTERPRISE, value, "Acme Corp"
    session.flush()


def saw_errors(session: Session, keys: list[str], component: str, at: datetime) -> None:
    """Each of ``keys`` saw one error on ``component`` at ``at``."""
    rows = [
        {"user_key": key, "component_id": component, "at": at, "kind": "error", "source": "test", "event_id": None}
        for key in keys
    ]
    session.execute(insert(Exposure), rows)
