from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import auth, make_component, make_token
from trustops.accounts.models import Scope
from trustops.enums import HeartbeatStatus
from trustops.monitor.health_models import Heartbeat, Ping
from trustops.monitor.heartbeats import create_heartbeat
from trustops.monitor.incidents import list_incidents


@pytest.fixture
def heartbeat(session: Session) -> Heartbeat:
    from trustops import clock

    make_component(session, "order-emails")
    hb = create_heartbeat(session, name="mails", period=3600, grace=600, component_id="order-emails", now=clock.now())
    session.commit()
    return hb


def pings(session: Session) -> list[Ping]:
    session.expire_all()
    return list(session.scalars(select(Ping).order_by(Ping.n)))


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST"])
def test_a_ping_is_answered_like_healthchecks(client: TestClient, heartbeat: Heartbeat, method: str) -> None:
    response = client.request(method, f"/ping/{heartbeat.uuid}")
    assert response.status_code == 200
    assert response.headers["ping-body-limit"] == "10000"
    assert response.headers["access-control-allow-origin"] == "*"
    if method != "HEAD":
        assert response.text == "OK"


def test_a_ping_is_stored_before_it_is_acknowledged(client: TestClient, heartbeat: Heartbeat, session: Session) -> None:
    rid = str(uuid.uuid4())
    client.post(f"/ping/{heartbeat.uuid}/start?rid={rid}", headers={"user-agent": "curl/8"})
    client.post(f"/ping/{heartbeat.uuid}?rid={rid}", content=b"sent 42 e-mails")
    client.get(f"/ping/{heartbeat.uuid}/log")
    stored = pings(session)
    assert [(p.n, p.kind, p.method) for p in stored] == [
        (1, "start", "POST"),
        (2, "success", "POST"),
        (3, "log", "GET"),
    ]
    assert stored[0].rid == rid and stored[0].user_agent == "curl/8"
    assert stored[1].body == "sent 42 e-mails"
    assert session.scalar(select(Heartbeat.status)) is HeartbeatStatus.UP


def test_an_exit_status_is_success_at_zero_and_failure_above(
    client: TestClient, heartbeat: Heartbeat, session: Session
) -> None:
    assert client.get(f"/ping/{heartbeat.uuid}/0").status_code == 200
    assert client.get(f"/ping/{heartbeat.uuid}/2").status_code == 200
    assert [(p.kind, p.exit_status) for p in pings(session)] == [("success", 0), ("fail", 2)]
    [incident] = list_incidents(session)
    assert incident.title == "mails: reported a failure"


def test_the_body_is_cut_at_the_limit(client: TestClient, heartbeat: Heartbeat, session: Session) -> None:
    client.post(f"/ping/{heartbeat.uuid}", content=b"x" * 20_000)
    assert len(pings(session)[0].body or "") == 10_000


def test_personal_values_in_a_job_output_are_replaced_before_the_ping_is_stored(
    client: TestClient, heartbeat: Heartbeat, session: Session
) -> None:
    output = b"order 7 failed: card 4111 1111 1111 1111 declined, mailed jane.doe@example.com from 203.0.113.7\n"
    client.post(f"/ping/{heartbeat.uuid}/fail", content=output)
    assert pings(session)[0].body == "order 7 failed: card [card] declined, mailed [email] from [ip]\n"


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("/ping/{uuid}/256", 400, "invalid url format"),
        ("/ping/{uuid}/restart", 400, "invalid url format"),
        ("/ping/{uuid}?rid=not-a-uuid", 400, "invalid uuid format"),
        ("/ping/not-a-uuid", 404, "not found"),
        (f"/ping/{uuid.uuid4()}", 404, "not found"),
    ],
)
def test_bad_pings_get_healthchecks_answers_and_store_nothing(
    client: TestClient, heartbeat: Heartbeat, session: Session, path: str, status: int, text: str
) -> None:
    response = client.get(path.replace("{uuid}", heartbeat.uuid))
    assert (response.status_code, response.text) == (status, text)
    assert pings(session) == []


def test_the_heartbeat_api_creates_lists_and_pauses(client: TestClient, session: Session) -> None:
    make_component(session, "order-emails")
    token = auth(make_token(session, Scope.INGEST, Scope.READ))
    session.commit()
    body = {
        "name": "nightly export",
        "cron": "0 3 * * *",
        "tz": "Europe/Berlin",
        "grace": 1800,
        "component": "order-emails",
    }
    created = client.post("/api/v1/heartbeats", json=body, headers=token).json()
    assert created["ping_url"] == f"http://127.0.0.1:8000/ping/{created['uuid']}"
    assert created["status"] == "new"
    client.get(f"/ping/{created['uuid']}")
    [listed] = client.get("/api/v1/heartbeats", headers=token).json()
    assert listed["status"] == "up" and listed["n_pings"] == 1
    paused = client.post(f"/api/v1/heartbeats/{created['uuid']}/pause", headers=token).json()
    assert paused["status"] == "paused" and paused["alert_after"] is None
    bad = client.post("/api/v1/heartbeats", json={**body, "tz": "Mars/Base"}, headers=token)
    assert bad.status_code == 422
    assert bad.json()["error"] == {"code": "invalid", "message": "tz: not a known IANA time zone", "field": "tz"}


def test_a_trailing_slash_is_accepted_like_healthchecks(
    client: TestClient, heartbeat: Heartbeat, session: Session
) -> None:
    assert client.get(f"/ping/{heartbeat.uuid}/").text == "OK"
    assert client.get(f"/ping/{heartbeat.uuid}/start/").text == "OK"
    assert [p.kind for p in pings(session)] == ["success", "start"]
