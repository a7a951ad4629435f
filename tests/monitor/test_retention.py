"""The worker's retention job deletes personal data whose time is up, and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import make_incident
from trustops.audit.findings import Report
from trustops.audit.models import AuditRun
from trustops.audit.store import record
from trustops.catalog.schema import CatalogFile, NotificationRoute
from trustops.config import Settings
from trustops.customers import Customer
from trustops.db import Database
from trustops.enums import CustomerTier, DeliveryStatus
from trustops.monitor.health_models import Delivery, Route
from trustops.monitor.notify import sync_routes
from trustops.monitor.worker import Worker

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def customer(key: str, last_seen_days_ago: int) -> Customer:
    seen = NOW - timedelta(days=last_seen_days_ago)
    return Customer(key=key, tier=CustomerTier.REGULAR, annual_value=10.0, first_seen_at=seen, last_seen_at=seen)


def delivery(incident_id: int, status: DeliveryStatus, days_ago: int, target: str) -> Delivery:
    at = NOW - timedelta(days=days_ago)
    return Delivery(
        incident_id=incident_id,
        route=f"subscriber:{target}",
        target=target,
        subject="Checkout is down",
        body="…",
        status=status,
        next_attempt_at=at,
        created_at=at,
    )


def test_old_customers_deliveries_and_audit_runs_go_and_recent_ones_stay(
    db: Database, settings: Settings, session: Session
) -> None:
    incident = make_incident(session)
    session.add_all([customer("gone", 731), customer("kept", 700)])
    session.add_all(
        [
            delivery(incident.id, DeliveryStatus.SENT, 401, "old@example.com"),
            delivery(incident.id, DeliveryStatus.FAILED, 401, "failed@example.com"),
            delivery(incident.id, DeliveryStatus.PENDING, 401, "still-trying@example.com"),
            delivery(incident.id, DeliveryStatus.SENT, 10, "recent@example.com"),
        ]
    )
    record(session, Report(["."]), actor="cli", project="", now=NOW - timedelta(days=731))
    record(session, Report(["."]), actor="cli", project="", now=NOW - timedelta(days=30))
    session.commit()

    Worker(db, settings, lambda: CatalogFile()).purge(NOW)
    session.expire_all()

    assert session.scalars(select(Customer.key)).all() == ["kept"]
    targets = sorted(session.scalars(select(Delivery.target)).all())  # type: ignore[arg-type]
    assert targets == ["recent@example.com", "still-trying@example.com"]
    assert len(session.scalars(select(AuditRun)).all()) == 1


def test_a_route_removed_from_the_catalog_keeps_its_name_but_not_its_address(session: Session) -> None:
    sync_routes(session, [NotificationRoute(name="oncall", email="ana@example.com")])
    sync_routes(session, [])
    session.flush()

    route = session.get(Route, "oncall")
    assert route is not None and (route.active, route.email, route.url) == (False, None, None)
