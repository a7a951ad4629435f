from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import make_component, make_incident, make_user
from tests.web.test_dashboard import csrf_of, log_in
from trustops.accounts.models import Role
from trustops.demo.shop import DemoShop, mount_on
from trustops.enums import ComponentStatus, DeliveryStatus, ProbeStatus
from trustops.monitor.health_models import Alert, Delivery, Heartbeat, Probe
from trustops.monitor.heartbeats import PingRequest, apply_ping, create_heartbeat
from trustops.monitor.incidents import resolve_incident, timeline

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ivy(session: Session) -> None:
    make_user(session, "ivy", Role.IT)
    session.commit()


@pytest.fixture
def casey(session: Session) -> None:
    make_user(session, "casey", Role.COMMS)
    session.commit()


@pytest.fixture
def world(session: Session) -> Heartbeat:
    """Three components in three groups, a probe, a late heartbeat, an open incident and two lost signals."""
    make_component(session, "search", name="Search", group="Storefront", criticality="standard")
    make_component(session, "checkout", name="Checkout", group="Checkout")
    make_component(session, "order-emails", name="Order e-mails", group="After purchase")
    session.add(
        Probe(component_id="checkout", name="checkout-api", type="http", spec={"type": "http"}, interval=10,
              status=ProbeStatus.DOWN, next_run_at=NOW, last_run_at=NOW - timedelta(seconds=4),
              last_response_ms=231.4, last_error="[STATUS] == 200 (was 503)")
    )  # fmt: skip
    heartbeat = create_heartbeat(session, name="mail-job", period=300, grace=120, component_id="order-emails", now=NOW)
    apply_ping(heartbeat, PingRequest(heartbeat.uuid, "success", NOW - timedelta(seconds=360)))
    past = make_incident(
        session, {"search": ComponentStatus.MAJOR_OUTAGE}, title="Search down", now=NOW - timedelta(days=3)
    )
    resolve_incident(session, past.id, actor="test", now=NOW - timedelta(days=3) + timedelta(hours=2))
    current = make_incident(session, {"checkout": ComponentStatus.MAJOR_OUTAGE}, title="Checkout errors", now=NOW)
    session.add(
        Delivery(incident_id=current.id, event_id=timeline(session, current.id)[0].id, route="ops-pager",
                 subject="[trustops] Incident opened", body="…", status=DeliveryStatus.FAILED, attempts=7,
                 next_attempt_at=NOW, last_error="webhook answered 410 Gone")
    )  # fmt: skip
    session.add(
        Alert(source="alertmanager", key="fp1", component_id=None, firing=True, summary="DiskWillFillIn4Hours",
              labels={"instance": "db-2"}, started_at=NOW, last_seen_at=NOW)
    )  # fmt: skip
    session.commit()
    return heartbeat


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_stranger_is_sent_to_log_in(client: TestClient) -> None:
    assert client.get("/health").headers["location"] == "/login?next=/health"


def test_the_health_page_shows_components_by_group_with_their_probes_and_heartbeats(
    client: TestClient, world: Heartbeat, ivy: None
) -> None:
    log_in(client, "ivy")
    page = client.get("/health")

    assert page.status_code == 200
    text = text_of(page.text)
    assert [g for g in re.findall(r'<h2 id="group-\d+">([^<]+)</h2>', page.text)] == [
        "Storefront",
        "Checkout",
        "After purchase",
    ]
    checkout = text[text.index("Checkout checkout") : text.index("After purchase")]
    assert "major outage" in checkout and "Checkout errors" in checkout
    assert "checkout-api http down 4 s ago 231 ms [STATUS] == 200 (was 503)" in checkout
    emails = text[text.index("Order e-mails order-emails") :]
    assert f"mail-job late every 5 min, 2 min grace 6 min ago http://127.0.0.1:8000/ping/{world.uuid}" in emails


def test_each_component_has_a_90_day_bar_with_a_tooltip_per_day_and_its_uptime_in_words(
    client: TestClient, world: Heartbeat, ivy: None
) -> None:
    log_in(client, "ivy")
    page = client.get("/health").text

    search = page[page.index('id="component-search"') : page.index('id="component-checkout"')]
    assert search.count("<rect") == 90
    outage_day = (NOW - timedelta(days=3)).date().isoformat()
    assert f"<title>{outage_day}: 91.66 % — major outage</title>" in search
    assert 'aria-label="Search: 99.90 % uptime over the last 90 days"' in search
    assert "99.90 % uptime</span>" in search


def test_failed_deliveries_and_unmapped_alerts_are_listed_not_dropped(
    client: TestClient, world: Heartbeat, casey: None
) -> None:
    log_in(client, "casey")
    text = text_of(client.get("/health").text)

    assert "Needs attention: 1 failed delivery · 1 unmapped alert" in text
    failed = text[text.index("Deliveries that failed") : text.index("Unmapped alerts These")]
    assert "ops-pager" in failed and " 7 " in failed and "webhook answered 410 Gone" in failed
    unmapped = text[text.index("Unmapped alerts These") :]
    assert "alertmanager DiskWillFillIn4Hours instance=db-2" in unmapped


def test_with_nothing_lost_the_page_says_so(client: TestClient, session: Session, ivy: None) -> None:
    make_component(session, "checkout")
    session.commit()
    log_in(client, "ivy")
    text = text_of(client.get("/health").text)

    assert "Needs attention" not in text
    assert "None: every notification was sent or is still being retried." in text
    assert "None: every firing alert belongs to a component." in text
    assert "No probe or heartbeat watches it." in text


def test_a_heartbeat_on_no_component_is_shown_apart(client: TestClient, session: Session, ivy: None) -> None:
    create_heartbeat(session, name="nightly-backup", period=86_400, grace=3600, now=NOW)
    session.commit()
    log_in(client, "ivy")
    text = text_of(client.get("/health").text)

    assert "Heartbeats on no component" in text
    assert "nightly-backup new every 1440 min, 60 min grace never" in text


@pytest.fixture
def shop(app: FastAPI) -> DemoShop:
    return mount_on(app)


def test_outside_the_demo_there_are_no_break_buttons(client: TestClient, world: Heartbeat, ivy: None) -> None:
    log_in(client, "ivy")
    assert "Break checkout" not in client.get("/health").text
    response = client.post("/health/demo-shop/break", data={"csrf_token": csrf_of(client, "/health")})
    assert response.status_code == 404


def test_an_it_user_breaks_and_heals_the_demo_checkout(client: TestClient, ivy: None, shop: DemoShop) -> None:
    log_in(client, "ivy")
    assert client.get("/demo-shop/checkout/health").json() == {"status": "UP"}
    token = csrf_of(client, "/health")

    response = client.post("/health/demo-shop/break", data={"csrf_token": token})

    assert response.status_code == 303 and response.headers["location"] == "/health"
    assert shop.broken
    assert client.get("/demo-shop/checkout/health").status_code == 503
    assert "503 (broken)" in client.get("/health").text

    assert client.post("/health/demo-shop/heal", data={"csrf_token": token}).status_code == 303
    assert not shop.broken
    assert client.get("/demo-shop/checkout/health").status_code == 200


def test_breaking_the_checkout_needs_the_csrf_token(client: TestClient, ivy: None, shop: DemoShop) -> None:
    log_in(client, "ivy")
    assert client.post("/health/demo-shop/break", data={}).status_code == 403
    assert client.post("/health/demo-shop/break", data={"csrf_token": "forged"}).status_code == 403
    assert not shop.broken


def test_a_comms_user_sees_the_demo_shop_but_cannot_break_it(client: TestClient, casey: None, shop: DemoShop) -> None:
    log_in(client, "casey")
    page = client.get("/health").text
    assert "Demo shop" in page and "Break checkout" not in page
    response = client.post("/health/demo-shop/break", data={"csrf_token": csrf_of(client, "/health")})
    assert response.status_code == 403
    assert not shop.broken


def test_an_unknown_demo_action_is_refused(client: TestClient, ivy: None, shop: DemoShop) -> None:
    log_in(client, "ivy")
    response = client.post("/health/demo-shop/explode", data={"csrf_token": csrf_of(client, "/health")})
    assert response.status_code == 422
    assert not shop.broken
