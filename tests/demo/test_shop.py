"""The demo shop's checkout, probed the way the demo's worker probes it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from trustops import clock, http
from trustops.catalog.service import sync_catalog
from trustops.config import Policy
from trustops.demo import demo_catalog
from trustops.demo.shop import DemoShop, mount_on
from trustops.enums import ComponentStatus, IncidentState, ProbeStatus
from trustops.monitor.health_models import Probe
from trustops.monitor.incidents import list_incidents
from trustops.monitor.probes import run_probe
from trustops.monitor.probing import record_outcome, sync_checks


@pytest.fixture
def shop(app: FastAPI) -> Iterator[DemoShop]:
    """The shop mounted on the app; every outbound probe request goes to that app."""
    shop = mount_on(app)
    with TestClient(app) as client:

        def forward(request: httpx.Request) -> httpx.Response:
            answer = client.request(request.method, request.url.path)
            return httpx.Response(answer.status_code, headers=dict(answer.headers), content=answer.content)

        with http.use_transport(httpx.MockTransport(forward)):
            yield shop


@pytest.fixture
def probe(session: Session) -> Probe:
    sync_catalog(session, demo_catalog(8000))
    sync_checks(session, now=clock.now())
    return session.scalars(select(Probe).where(Probe.component_id == "checkout")).one()


def run(session: Session, probe: Probe) -> str | None:
    return record_outcome(session, probe, run_probe(probe.spec), policy=Policy(), now=clock.now())


def test_the_checkout_answers_up_until_it_is_broken(shop: DemoShop, client: TestClient) -> None:
    assert client.get("/demo-shop/checkout/health").json() == {"status": "UP"}
    shop.broken = True
    response = client.get("/demo-shop/checkout/health")
    assert response.status_code == 503
    assert response.json()["status"] == "DOWN"


def test_breaking_the_shop_opens_a_checkout_incident_and_healing_resolves_it(
    session: Session, shop: DemoShop, probe: Probe
) -> None:
    assert run(session, probe) is None
    assert probe.status is ProbeStatus.UP and probe.last_error is None

    shop.broken = True
    assert [run(session, probe) for _ in range(3)] == [None, None, "down"]
    [incident] = list_incidents(session, open_only=True)
    assert {c.component_id: c.status for c in incident.components} == {"checkout": ComponentStatus.MAJOR_OUTAGE}
    assert probe.last_error == "[STATUS] == 200 (was 503)"

    shop.broken = False
    assert [run(session, probe) for _ in range(2)] == [None, "up"]
    session.refresh(incident)
    assert incident.state is IncidentState.RESOLVED
