from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import auth, make_component, make_token
from trustops.accounts.models import Scope
from trustops.enums import IncidentState
from trustops.monitor.incidents import get_incident, timeline

NOW = datetime(2026, 5, 4, 10, 30, tzinfo=UTC)


@pytest.fixture
def writer(session: Session) -> dict[str, str]:
    make_component(session, "checkout")
    make_component(session, "search", criticality="standard")
    token = make_token(session, Scope.COMMS, Scope.READ, name="statusbot")
    session.commit()
    return auth(token)


def open_one(client: TestClient, writer: dict[str, str], **overrides: object) -> dict:
    body = {
        "title": "Checkout errors",
        "components": {"checkout": "major_outage"},
        "message": "Investigating.",
        **overrides,
    }
    response = client.post("/api/v1/incidents", json=body, headers=writer)
    assert response.status_code == 201, response.text
    return response.json()


def test_opening_an_incident_stores_it_with_its_timeline(
    client: TestClient, writer: dict[str, str], session: Session
) -> None:
    with time_machine.travel(NOW, tick=False):
        created = open_one(client, writer)
    assert created["state"] == "investigating"
    assert created["impact"] == "critical"
    assert created["components"] == {"checkout": "major_outage"}
    assert [e["kind"] for e in created["timeline"]] == ["opened", "component_status", "decision"]
    stored = get_incident(session, created["id"])
    assert stored.detected_at == NOW
    assert timeline(session, stored.id)[0].actor == "token:statusbot"


def test_an_update_and_a_resolution_reach_the_store(
    client: TestClient, writer: dict[str, str], session: Session
) -> None:
    incident = open_one(client, writer)
    response = client.post(
        f"/api/v1/incidents/{incident['id']}/updates",
        json={
            "state": "identified",
            "message": "A bad deploy.",
            "components": {"search": "degraded_performance"},
        },
        headers=writer,
    )
    assert response.status_code == 200
    assert response.json()["components"] == {"checkout": "major_outage", "search": "degraded_performance"}
    response = client.post(f"/api/v1/incidents/{incident['id']}/resolve", json={"message": "Fixed."}, headers=writer)
    assert response.json()["state"] == "resolved"
    session.expire_all()
    assert get_incident(session, incident["id"]).state is IncidentState.RESOLVED


def test_reading_incidents_needs_only_read(client: TestClient, writer: dict[str, str], session: Session) -> None:
    first = open_one(client, writer)
    second = open_one(client, writer, title="Slow search", components={"search": "degraded_performance"})
    client.post(f"/api/v1/incidents/{first['id']}/resolve", json={}, headers=writer)
    reader = auth(make_token(session, Scope.READ))
    session.commit()
    assert [i["id"] for i in client.get("/api/v1/incidents?state=open", headers=reader).json()] == [second["id"]]
    assert len(client.get("/api/v1/incidents", headers=reader).json()) == 2
    detail = client.get(f"/api/v1/incidents/{first['id']}", headers=reader).json()
    assert detail["timeline"][-1]["kind"] == "state_changed"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"components": {"checkout": "major_outage"}}, "title", "title: required"),
        ({"title": "x", "components": {"checkout": "on fire"}}, "components.checkout", "components.checkout: Input should be"),
        ({"title": "x", "components": {}}, "components", "components: Dictionary should have at least 1 item"),
        ({"title": "x", "components": {"nope": "major_outage"}}, "components.nope", "components: unknown component 'nope'"),
        ({"title": "x", "components": {"checkout": "major_outage"}, "colour": "red"}, "colour", "colour: unknown field"),
        ({"title": "x", "components": {"checkout": "major_outage"}, "started_at": "2026-01-01T10:00:00"},
         "started_at", "started_at: Input should have timezone info"),
    ],
)  # fmt: skip
def test_a_malformed_incident_gets_422_naming_the_field(
    client: TestClient, writer: dict[str, str], session: Session, body: dict, field: str, message: str
) -> None:
    response = client.post("/api/v1/incidents", json=body, headers=writer)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == field
    assert error["message"].startswith(message)
    assert client.get("/api/v1/incidents", headers=writer).json() == []


def test_a_body_that_is_not_json_gets_422(client: TestClient, writer: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/incidents", content=b"{not json", headers={**writer, "content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("body: not valid JSON")
    assert response.json()["error"]["field"] == "body"


def test_an_unknown_incident_is_404(client: TestClient, writer: dict[str, str]) -> None:
    response = client.post("/api/v1/incidents/404/updates", json={"message": "hi"}, headers=writer)
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "not_found",
        "message": "incident 404 does not exist",
        "field": "incident_id",
    }


def test_an_illegal_transition_is_409(client: TestClient, writer: dict[str, str]) -> None:
    incident = open_one(client, writer)
    response = client.post(f"/api/v1/incidents/{incident['id']}/updates", json={"state": "postmortem"}, headers=writer)
    assert response.status_code == 409
    assert "must be resolved before its post-mortem" in response.json()["error"]["message"]


def test_an_empty_update_is_refused(client: TestClient, writer: dict[str, str]) -> None:
    incident = open_one(client, writer)
    response = client.post(f"/api/v1/incidents/{incident['id']}/updates", json={}, headers=writer)
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("nothing to update")
