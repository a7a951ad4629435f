from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import make_component, make_incident
from tests.servers import Inbox, smtp_server
from trustops.catalog.schema import NotificationRoute
from trustops.comms.channels import ChannelError, Message
from trustops.config import Settings
from trustops.enums import ComponentStatus, DeliveryStatus, Impact, IncidentState
from trustops.monitor.health_models import Delivery, Route
from trustops.monitor.incidents import Change, update_incident
from trustops.monitor.notify import attempt, claim_due, send_through_channel, sync_routes

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as found:
        yield found


def routes(session: Session, *routes: NotificationRoute) -> None:
    sync_routes(session, list(routes))
    session.flush()


def deliveries(session: Session) -> list[Delivery]:
    return list(session.scalars(select(Delivery).order_by(Delivery.id)))


def test_an_incident_event_queues_a_delivery_per_matching_route(session: Session) -> None:
    routes(
        session,
        NotificationRoute(name="oncall", email="oncall@shop.example"),
        NotificationRoute(name="search-team", email="search@shop.example", components=["search"]),
        NotificationRoute(name="execs", email="ceo@shop.example", min_impact=Impact.CRITICAL),
    )
    make_component(session, "cart", criticality="standard")
    incident = make_incident(session, {"cart": ComponentStatus.PARTIAL_OUTAGE}, now=T0)  # impact major
    assert [(d.route, d.status) for d in deliveries(session)] == [("oncall", DeliveryStatus.PENDING)]
    assert deliveries(session)[0].subject == f"[trustops] Incident #{incident.id} opened: Checkout errors (major)"
    update_incident(session, incident.id, Change(components={"cart": ComponentStatus.DEGRADED_PERFORMANCE}), actor="t")
    assert len(deliveries(session)) == 1  # a component change alone notifies nobody (Statuspage rule)


def test_a_reopened_incident_is_announced_at_its_new_impact_with_its_new_component_statuses(
    session: Session,
) -> None:
    routes(
        session,
        NotificationRoute(name="oncall", email="oncall@shop.example"),
        NotificationRoute(name="execs", email="ceo@shop.example", min_impact=Impact.CRITICAL),
    )
    make_component(session, "cart", criticality="standard")
    incident = make_incident(session, {"cart": ComponentStatus.DEGRADED_PERFORMANCE}, now=T0)  # impact minor
    update_incident(session, incident.id, Change(state=IncidentState.RESOLVED, message="Fixed."), actor="t", now=T0)
    reopen = Change(
        state=IncidentState.INVESTIGATING, components={"cart": ComponentStatus.MAJOR_OUTAGE}, message="Back, worse."
    )
    update_incident(session, incident.id, reopen, actor="t", now=T0 + timedelta(hours=1))
    announced = [d for d in deliveries(session) if d.created_at == T0 + timedelta(hours=1)]
    assert sorted(d.route for d in announced) == ["execs", "oncall"]
    assert all(d.subject.endswith("investigating: Checkout errors (critical)") for d in announced)
    assert "Components: cart major outage" in announced[0].body


def test_a_delivery_reaches_a_real_smtp_server(session: Session, smtp: tuple[Inbox, int], tmp_path: Path) -> None:
    inbox, port = smtp
    settings = Settings(_env_file=None, secret_key="s" * 40, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)  # type: ignore[call-arg]
    routes(session, NotificationRoute(name="oncall", email="oncall@shop.example"))
    make_incident(session, now=T0, message="Checkout fails for card payments.")
    [delivery] = claim_due(session, "w1", now=T0)
    attempt(session, delivery, settings, send_through_channel, now=T0)
    assert delivery.status is DeliveryStatus.SENT and delivery.sent_at == T0
    [mail] = inbox.messages
    assert mail["To"] == "oncall@shop.example"  # type: ignore[index]
    assert "Checkout fails for card payments." in mail.get_payload()  # type: ignore[attr-defined]


def test_a_failing_channel_is_retried_with_backoff_then_marked_failed(session: Session) -> None:
    routes(session, NotificationRoute(name="hook", url="json://127.0.0.1:9/"))
    make_incident(session, now=T0)
    calls: list[str] = []

    def flaky(route: Route, message: Message, settings: Settings) -> None:
        calls.append(route.name)
        raise ChannelError("connection refused")

    now = T0
    for _ in range(7):
        claimed = claim_due(session, "w1", now=now)
        for delivery in claimed:
            attempt(session, delivery, Settings(_env_file=None), flaky, now=now)  # type: ignore[call-arg]
        now += timedelta(hours=1)
    [delivery] = deliveries(session)
    assert delivery.status is DeliveryStatus.FAILED
    assert delivery.attempts == 7 and len(calls) == 7
    assert delivery.last_error == "connection refused"


def test_a_permanent_error_fails_at_once(session: Session) -> None:
    routes(session, NotificationRoute(name="oncall", email="oncall@shop.example"))
    make_incident(session, now=T0)
    [delivery] = claim_due(session, "w1", now=T0)
    attempt(session, delivery, Settings(_env_file=None), send_through_channel, now=T0)  # type: ignore[call-arg]
    assert delivery.status is DeliveryStatus.FAILED
    assert delivery.last_error == "e-mail route but TRUSTOPS_SMTP_HOST is not set"


def test_a_claimed_delivery_is_not_claimed_twice(session: Session) -> None:
    routes(session, NotificationRoute(name="oncall", email="oncall@shop.example"))
    make_incident(session, now=T0)
    assert len(claim_due(session, "w1", now=T0)) == 1
    assert claim_due(session, "w2", now=T0) == []


def test_apprise_urls_take_secrets_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from trustops.comms.channels.apprise import expand

    monkeypatch.setenv("SLACK_TOKEN", "T1/B2/C3")
    assert expand("slack://${SLACK_TOKEN}") == "slack://T1/B2/C3"
    with pytest.raises(ChannelError, match="MISSING_VAR"):
        expand("slack://${MISSING_VAR}")


def test_an_smtp_server_without_starttls_is_refused_when_tls_was_asked_for(
    session: Session, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    settings = Settings(_env_file=None, secret_key="s" * 40, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=True)  # type: ignore[call-arg]
    routes(session, NotificationRoute(name="oncall", email="oncall@shop.example"))
    make_incident(session, now=T0)
    [delivery] = claim_due(session, "w1", now=T0)
    attempt(session, delivery, settings, send_through_channel, now=T0)
    assert delivery.status is DeliveryStatus.FAILED
    assert "offers no STARTTLS" in (delivery.last_error or "")
    assert inbox.messages == []
