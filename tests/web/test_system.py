from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import auth, make_incident, make_token
from trustops import __version__
from trustops.accounts.models import Scope
from trustops.catalog.schema import CatalogFile
from trustops.config import Policy, Settings
from trustops.db import Database
from trustops.web.app import create_app


def test_healthz_is_public_and_reports_the_store(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok", "version": __version__}


def test_healthz_says_503_when_the_store_is_gone(settings: Settings, tmp_path) -> None:
    database = Database.from_url(f"sqlite:///{tmp_path}/missing/dir/x.db")
    with TestClient(create_app(settings, database=database)) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_metrics_expose_traffic_and_incident_state(client: TestClient, session: Session) -> None:
    make_incident(session)
    token = make_token(session, Scope.READ)
    session.commit()
    client.get("/healthz")
    body = client.get("/metrics", headers=auth(token)).text
    assert 'trustops_open_incidents{state="investigating"} 1.0' in body
    assert 'trustops_components{status="major_outage"} 1.0' in body
    assert 'trustops_http_requests_total{method="GET",route="/healthz",status="200"}' in body


def test_the_policy_in_force_comes_from_the_catalog(settings: Settings, db: Database, session: Session) -> None:
    catalog = CatalogFile(policy=Policy(public_update_cadence_minutes=20))
    token = make_token(session, Scope.READ)
    session.commit()
    with TestClient(create_app(settings, database=db, catalog=catalog)) as client:
        policy = client.get("/api/v1/policy", headers=auth(token)).json()
    assert policy["public_update_cadence_minutes"] == 20
    assert policy["status_page_user_share"] == 0.05


def test_the_openapi_schema_documents_the_bearer_scheme(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    assert schema["paths"]["/api/v1/incidents"]["post"]["x-required-scopes"] == ["ingest", "comms"]


def test_the_api_docs_work_offline(client: TestClient) -> None:
    page = client.get("/docs").text
    assert "cdn" not in page and "http" not in page.replace("http-equiv", "")
    for asset in ("/static/swagger/swagger-ui-bundle.js", "/static/swagger/swagger-ui.css", "/static/favicon.svg"):
        assert asset in page
        assert client.get(asset).status_code == 200, asset
