"""The executive report over HTTP: a page and a PDF behind the dashboard login, JSON/HTML/PDF behind a token."""

from __future__ import annotations

import sys

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import auth, make_token, make_user
from tests.reports.world import NOW, page_count, payment_outage
from tests.web.test_dashboard import log_in
from trustops.accounts.models import Role, Scope
from trustops.monitor.models import Incident


@pytest.fixture
def outage(session: Session) -> Incident:
    incident = payment_outage(session)
    make_user(session, "erin", Role.EXECUTIVE)
    session.commit()
    return incident


@pytest.fixture
def reader(session: Session) -> dict[str, str]:
    token = make_token(session, Scope.READ)
    session.commit()
    return auth(token)


@pytest.fixture(autouse=True)
def _at_report_time():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_incident_room_links_to_the_report(client: TestClient, outage: Incident) -> None:
    log_in(client, "erin")
    room = client.get(f"/incidents/{outage.id}").text
    assert f'<a href="/incidents/{outage.id}/report">HTML</a>' in room
    assert f'<a href="/incidents/{outage.id}/report.pdf">PDF</a>' in room


def test_a_logged_in_user_reads_the_report_page(client: TestClient, outage: Incident) -> None:
    log_in(client, "erin")
    response = client.get(f"/incidents/{outage.id}/report")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert f"#{outage.id} Card payments declined" in response.text
    assert "EUR 48,000" in response.text and "127,000" in response.text
    assert f'href="/incidents/{outage.id}"' in response.text  # back to the room


def test_a_logged_in_user_downloads_the_one_page_pdf(client: TestClient, outage: Incident) -> None:
    log_in(client, "erin")
    response = client.get(f"/incidents/{outage.id}/report.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == f'inline; filename="incident-{outage.id}-report.pdf"'
    assert response.content.startswith(b"%PDF") and page_count(response.content) == 1


@pytest.mark.parametrize("path", ["/incidents/{id}/report", "/incidents/{id}/report.pdf"])
def test_a_stranger_is_sent_to_log_in(client: TestClient, outage: Incident, path: str) -> None:
    response = client.get(path.format(id=outage.id))
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_the_api_answers_json_by_default(client: TestClient, outage: Incident, reader: dict[str, str]) -> None:
    response = client.get(f"/api/v1/incidents/{outage.id}/report", headers=reader)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["overview"]["title"] == "Card payments declined"
    assert (data["reach"]["affected"], data["reach"]["active"]) == (18, 60)
    assert data["churn"]["debt"]["total"]["value"] == 48_000.0
    assert len(data["summary"]) == 5


def test_the_api_answers_html_and_pdf_when_asked(client: TestClient, outage: Incident, reader: dict[str, str]) -> None:
    url = f"/api/v1/incidents/{outage.id}/report"
    page = client.get(url, params={"format": "html"}, headers=reader)
    pdf = client.get(url, params={"format": "pdf"}, headers=reader)
    assert page.headers["content-type"].startswith("text/html") and "Card payments declined" in page.text
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_the_api_needs_a_token_with_the_read_scope(client: TestClient, outage: Incident, session: Session) -> None:
    ingest = auth(make_token(session, Scope.INGEST, name="ingest"))
    session.commit()
    url = f"/api/v1/incidents/{outage.id}/report"
    assert client.get(url).status_code == 401
    refused = client.get(url, headers=ingest)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"


def test_an_unknown_incident_is_a_404_naming_incident_id(client: TestClient, reader: dict[str, str]) -> None:
    response = client.get("/api/v1/incidents/9999/report", headers=reader)
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "not_found",
        "message": "incident 9999 does not exist",
        "field": "incident_id",
    }


def test_an_unknown_format_is_refused_naming_it(client: TestClient, outage: Incident, reader: dict[str, str]) -> None:
    response = client.get(f"/api/v1/incidents/{outage.id}/report", params={"format": "docx"}, headers=reader)
    assert response.status_code == 422 and response.json()["error"]["field"] == "query.format"


def test_without_weasyprint_the_pdf_is_a_501_naming_the_extra(
    client: TestClient, outage: Incident, reader: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    response = client.get(f"/api/v1/incidents/{outage.id}/report", params={"format": "pdf"}, headers=reader)
    assert response.status_code == 501
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("not_implemented", "format")
    assert "pip install 'trustops[reports]'" in error["message"]
    log_in(client, "erin")
    assert client.get(f"/incidents/{outage.id}/report.pdf").status_code == 501


def test_neither_page_nor_json_shows_a_customer_id_or_a_redacted_address(
    client: TestClient, outage: Incident, reader: dict[str, str]
) -> None:
    url = f"/api/v1/incidents/{outage.id}/report"
    said = client.get(url, headers=reader).text + client.get(url, params={"format": "html"}, headers=reader).text
    assert "jane.doe@example.com" not in said and "4111 1111" not in said
    assert "enterprise-0000" not in said and "regular-0000" not in said
