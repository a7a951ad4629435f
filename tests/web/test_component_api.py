from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import auth, make_component, make_incident, make_token
from trustops.accounts.models import Scope
from trustops.catalog.models import Component
from trustops.enums import ComponentStatus

SPEC = {
    "id": "search",
    "name": "Search",
    "criticality": "standard",
    "phrases": ["search is broken"],
    "checks": [{"type": "tcp", "host": "127.0.0.1", "port": 9200}],
}


def test_components_are_listed_with_their_current_status(client: TestClient, session: Session) -> None:
    make_component(session, "checkout")
    make_component(session, "search", criticality="standard")
    make_incident(session, {"search": ComponentStatus.PARTIAL_OUTAGE})
    token = make_token(session, Scope.READ)
    session.commit()
    listed = client.get("/api/v1/components", headers=auth(token)).json()
    assert [(c["id"], c["status"]) for c in listed] == [
        ("checkout", "operational"),
        ("search", "partial_outage"),
    ]
    one = client.get("/api/v1/components/search", headers=auth(token)).json()
    assert one["criticality"] == "standard"


def test_an_admin_creates_and_replaces_a_component(client: TestClient, session: Session) -> None:
    admin = auth(make_token(session, Scope.ADMIN))
    session.commit()
    assert client.put("/api/v1/components/search", json=SPEC, headers=admin).status_code == 200
    changed = {**SPEC, "name": "Product search", "visibility": "internal"}
    body = client.put("/api/v1/components/search", json=changed, headers=admin).json()
    assert body["name"] == "Product search"
    [check] = body["checks"]
    assert (check["type"], check["host"], check["port"], check["interval"]) == ("tcp", "127.0.0.1", 9200, 60)
    session.expire_all()
    stored = session.get(Component, "search")
    assert stored is not None and stored.name == "Product search" and stored.source == "api"


def test_a_component_spec_is_validated_like_the_catalog_file(client: TestClient, session: Session) -> None:
    admin = auth(make_token(session, Scope.ADMIN))
    session.commit()
    bad = {**SPEC, "checks": [{"type": "tcp", "host": "db", "port": 70000}]}
    response = client.put("/api/v1/components/search", json=bad, headers=admin)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "checks.0.tcp.port"
    assert "70000" in response.json()["error"]["message"]
    mismatch = client.put("/api/v1/components/other", json=SPEC, headers=admin)
    assert mismatch.json()["error"] == {
        "code": "invalid",
        "message": "id: 'search' differs from the URL's 'other'",
        "field": "id",
    }
    assert session.get(Component, "search") is None


def test_a_component_in_use_cannot_be_deleted(client: TestClient, session: Session) -> None:
    make_incident(session)
    make_component(session, "search")
    admin = auth(make_token(session, Scope.ADMIN))
    session.commit()
    refused = client.delete("/api/v1/components/checkout", headers=admin)
    assert refused.status_code == 409
    assert (
        refused.json()["error"]["message"]
        == "component 'checkout' is referenced by 1 incident(s); it cannot be deleted"
    )
    assert client.delete("/api/v1/components/search", headers=admin).status_code == 204
    session.expire_all()
    assert session.get(Component, "search") is None
    assert session.get(Component, "checkout") is not None


def test_a_component_with_a_heartbeat_is_not_deleted_but_refused(client: TestClient, session: Session) -> None:
    from trustops import clock
    from trustops.monitor.heartbeats import create_heartbeat

    make_component(session, "order-emails")
    create_heartbeat(session, name="mails", period=3600, grace=600, component_id="order-emails", now=clock.now())
    admin = auth(make_token(session, Scope.ADMIN))
    session.commit()
    refused = client.delete("/api/v1/components/order-emails", headers=admin)
    assert refused.status_code == 409
    assert (
        refused.json()["error"]["message"]
        == "component 'order-emails' is referenced by 1 heartbeat(s); it cannot be deleted"
    )
