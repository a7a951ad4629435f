"""A small world for the bulk guard tests: a checkout outage, a user it hurt, a loyal customer."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from tests.factories import make_component, make_incident
from trustops.customers import Customer
from trustops.enums import Channel, ComponentStatus, CustomerTier, Impact
from trustops.monitor.health_models import Exposure
from trustops.monitor.incidents import resolve_incident
from trustops.monitor.models import Incident
from trustops.privacy import pseudonymise

SECRET = b"test-secret-key-that-is-long-enough-1234"  # the `settings` fixture's key
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
_events = itertools.count(1)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def saw_error(session: Session, user_id: str, *, at: datetime, component: str = "checkout") -> None:
    """An exposure, as ``POST /api/v1/ingest/errors`` records it: the pseudonym, never the id."""
    session.add(
        Exposure(
            user_key=pseudonymise(SECRET, user_id),
            component_id=component,
            at=at,
            kind="error",
            source="test",
            event_id=f"e-{next(_events)}",
        )
    )
    session.flush()


def site_wide_outage(session: Session, *, started: datetime, resolved: datetime | None) -> Incident:
    """A major, public checkout outage."""
    incident = make_incident(
        session, {"checkout": ComponentStatus.MAJOR_OUTAGE}, impact=Impact.MAJOR, started_at=started, now=started
    )
    incident.channel = Channel.STATUS_PAGE
    if resolved is not None:
        resolve_incident(session, incident.id, actor="test", now=resolved)
    session.flush()
    return incident


def customer(session: Session, user_id: str, *, tier: CustomerTier, since: datetime) -> None:
    key = pseudonymise(SECRET, user_id)
    session.add(Customer(key=key, tier=tier, annual_value=100.0, first_seen_at=since, last_seen_at=NOW))
    session.flush()


def checkout(session: Session) -> None:
    make_component(session, "checkout")
