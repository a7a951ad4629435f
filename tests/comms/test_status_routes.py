"""The status page over HTTP: served from memory with ETag/304, cache and security headers, escaped text,
fresh after a change, 404 for unknown ids."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from tests.factories import make_component
from trustops import clock
from trustops.comms.ids import public_id
from trustops.comms.models import Maintenance
from trustops.comms.statuspage import DOCUMENTS
from trustops.config import Settings
from trustops.db import Database
from trustops.enums import Audience, Channel, ComponentStatus, IncidentState, MaintenanceState, Visibility
from trustops.monitor.incidents import Change, open_incident, resolve_incident, update_incident
from trustops.monitor.models import Incident
from trustops.web.routes import status as status_routes
from trustops.web.statuscache import CSP, StatusCache, accepts_gzip

HOSTILE = "<script>alert(1)</script>"
ESCAPED = b"&lt;script&gt;alert(1)&lt;/script&gt;"
CACHE_CONTROL = "public, max-age=30, stale-while-revalidate=60"
API = [f"/api/v2/{name}.json" for name in DOCUMENTS]


@pytest.fixture
def shop(session: Session) -> None:
    make_component(session, "website", group="Storefront")
    make_component(session, "search", group="Storefront", only_show_if_degraded=True)
    make_component(session, "checkout")
    make_component(session, "payments-db", name="Payments DB", visibility=Visibility.INTERNAL)


@pytest.fixture
def cache(app: FastAPI) -> StatusCache:
    found: StatusCache = app.state.status_cache
    return found


def publish(
    session: Session, title: str = f"Checkout {HOSTILE} errors", components: dict[str, ComponentStatus] | None = None
) -> Incident:
    incident = open_incident(
        session,
        title=title,
        components=components or {"checkout": ComponentStatus.MAJOR_OUTAGE},
        actor="test",
        message=f"We are looking into it. {HOSTILE}",
        now=clock.now() - timedelta(minutes=5),
    )
    incident.channel = Channel.STATUS_PAGE
    session.flush()
    return incident


def incident_path(settings: Settings, incident: Incident) -> str:
    return f"/status/incidents/{public_id(settings.secret(), 'incident', incident.id)}"


def test_each_path_answers_with_its_content_type(client: TestClient, shop: None) -> None:
    expected = {
        "/status": "text/html; charset=utf-8",
        "/status/history.atom": "application/atom+xml; charset=utf-8",
        "/status/history.rss": "application/rss+xml; charset=utf-8",
        **dict.fromkeys(API, "application/json"),
    }
    for path, content_type in expected.items():
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"] == content_type, path


def test_every_answer_has_a_strong_etag_of_its_bytes_and_public_cache_headers(client: TestClient, shop: None) -> None:
    for path in ["/status", "/status/history.atom", *API]:
        response = client.get(path, headers={"accept-encoding": "identity"})
        assert response.headers["etag"] == f'"{hashlib.sha256(response.content).hexdigest()}"', path
        assert response.headers["cache-control"] == CACHE_CONTROL
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "set-cookie" not in response.headers  # no session is ever started for the crowd


def test_html_carries_a_strict_csp_and_json_may_be_read_from_other_sites(
    client: TestClient, session: Session, shop: None, settings: Settings
) -> None:
    incident = publish(session)
    for path in ("/status", incident_path(settings, incident)):
        assert client.get(path).headers["content-security-policy"] == CSP
    assert CSP == (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )
    summary = client.get("/api/v2/summary.json")
    assert "content-security-policy" not in summary.headers
    assert summary.headers["access-control-allow-origin"] == "*"


def test_clients_that_accept_gzip_get_the_same_bytes_gzipped_once_with_their_own_etag(
    client: TestClient, session: Session, shop: None
) -> None:
    publish(session)
    plain = client.get("/status", headers={"accept-encoding": "identity"})
    packed = client.get("/status", headers={"accept-encoding": "br;q=1.0, gzip;q=0.8"})
    assert "content-encoding" not in plain.headers and packed.headers["content-encoding"] == "gzip"
    assert packed.content == plain.content  # httpx decodes it
    assert int(packed.headers["content-length"]) < len(plain.content) / 3
    assert packed.headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
    assert plain.headers["vary"] == packed.headers["vary"] == "accept-encoding"
    again = client.get("/status", headers={"accept-encoding": "gzip", "if-none-match": packed.headers["etag"]})
    assert again.status_code == 304
    refused = client.get("/status", headers={"accept-encoding": "gzip;q=0, identity"})
    assert "content-encoding" not in refused.headers


@pytest.mark.parametrize(
    ("header", "gzip"),
    [("gzip", True), ("GZIP, deflate", True), ("*", True), ("gzip;q=0", False), ("gzip; q=0.000", False),
     ("*;q=0", False), ("deflate, br", False), ("", False), ("x-gzip", True), ("gzip;q=0.001", True)],
)  # fmt: skip
def test_accept_encoding_is_read_as_rfc_9110_says(header: str, gzip: bool) -> None:
    assert accepts_gzip(header) is gzip


@pytest.mark.parametrize("path", ["/status", "/api/v2/summary.json", "/status/history.rss"])
def test_a_matching_if_none_match_gets_304_with_no_body(client: TestClient, shop: None, path: str) -> None:
    etag = client.get(path).headers["etag"]

    for sent in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        response = client.get(path, headers={"If-None-Match": sent})
        assert response.status_code == 304, sent
        assert response.content == b""
        assert response.headers["etag"] == etag
        assert response.headers["cache-control"] == CACHE_CONTROL
    assert client.get(path, headers={"If-None-Match": '"stale"'}).status_code == 200


def test_head_answers_the_headers_of_get_without_the_body(client: TestClient, shop: None) -> None:
    full = client.get("/api/v2/summary.json")

    head = client.head("/api/v2/summary.json")

    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == full.headers["content-length"]  # gzipped, as httpx asks
    assert head.headers["etag"] == full.headers["etag"]


def test_a_script_in_a_title_arrives_escaped_in_html_atom_and_rss(
    client: TestClient, session: Session, shop: None, settings: Settings
) -> None:
    incident = publish(session)

    for path in ("/status", incident_path(settings, incident), "/status/history.atom", "/status/history.rss"):
        body = client.get(path).content
        assert HOSTILE.encode() not in body, path
        assert ESCAPED in body, path
    assert client.get("/api/v2/summary.json").json()["incidents"][0]["name"] == f"Checkout {HOSTILE} errors"


def test_a_change_shows_up_after_invalidate(
    client: TestClient, session: Session, shop: None, cache: StatusCache
) -> None:
    before = client.get("/api/v2/summary.json")
    assert before.json()["incidents"] == []

    publish(session, title="Search is slow", components={"search": ComponentStatus.DEGRADED_PERFORMANCE})
    cache.invalidate()
    after = client.get("/api/v2/summary.json")

    assert [i["name"] for i in after.json()["incidents"]] == ["Search is slow"]
    assert after.json()["status"]["indicator"] == "minor"
    assert after.headers["etag"] != before.headers["etag"]
    assert client.get("/status", headers={"If-None-Match": before.headers["etag"]}).status_code == 200


def test_a_change_made_elsewhere_shows_up_at_the_next_check(
    client: TestClient, session: Session, shop: None, cache: StatusCache
) -> None:
    cache.interval = 0.0  # check on every request, as the next second would
    incident = publish(session, title="Checkout errors")
    assert client.get("/api/v2/status.json").json()["status"]["indicator"] == "major"

    resolve_incident(session, incident.id, actor="other-process", message="Fixed.")
    session.flush()

    assert client.get("/api/v2/status.json").json()["status"]["indicator"] == "none"


def test_the_site_is_rendered_again_only_when_its_fingerprint_moves(
    client: TestClient, session: Session, shop: None, cache: StatusCache
) -> None:
    cache.interval = 0.0
    first = cache.refresh()
    assert cache.refresh() is first  # checked, nothing changed: the same bytes stay

    publish(session)

    assert cache.refresh() is not first


def test_while_an_incident_is_open_the_site_is_rendered_again_every_minute_for_todays_uptime(
    client: TestClient, session: Session, shop: None, cache: StatusCache
) -> None:
    cache.interval = 0.0
    start = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    at = {"now": start}
    cache.now = lambda: at["now"]
    quiet = cache.refresh()
    at["now"] = start + timedelta(minutes=5)
    assert cache.refresh() is quiet  # nothing open: only a data change or a new day renders again
    publish(session, components={"checkout": ComponentStatus.MAJOR_OUTAGE})
    during = cache.refresh()
    at["now"] = start + timedelta(minutes=5, seconds=59)
    assert cache.refresh() is during
    at["now"] = start + timedelta(minutes=6)
    assert cache.refresh() is not during


def test_the_page_shows_groups_uptime_bars_and_the_subscribe_form_but_nothing_internal(
    client: TestClient, session: Session, shop: None
) -> None:
    publish(
        session,
        title="Database trouble",
        components={"checkout": ComponentStatus.PARTIAL_OUTAGE, "payments-db": ComponentStatus.MAJOR_OUTAGE},
    )
    session.flush()

    html = client.get("/status").text

    assert "Partial System Outage" in html
    assert "Storefront" in html and "Website" in html and "Checkout" in html
    assert "Search" not in html.split('id="comp-h"')[1].split('id="past-h"')[0]  # hidden while operational
    assert "Payments DB" not in html and "payments-db" not in html
    assert html.count("<rect ") == 2 * 90  # Website and Checkout: 90 daily bars each
    assert re.search(r"<title>\d{4}-\d\d-\d\d: 100\.00 % uptime, operational</title>", html)
    assert '<form method="post" action="/status/subscribe">' in html
    assert 'name="email"' in html and 'name="webhook"' in html
    assert html.count('name="components"') == 3  # one per public component
    assert 'href="/status/history.atom"' in html and 'href="/api/v2/summary.json"' in html
    assert "<script" not in html.replace("&lt;script", "")


def test_the_incident_page_shows_every_public_update_newest_first(
    client: TestClient, session: Session, shop: None, settings: Settings
) -> None:
    incident = publish(session, title="Checkout errors")
    update_incident(session, incident.id, Change(message="Failing over db-7", audience=Audience.INTERNAL), actor="t")
    update_incident(
        session, incident.id, Change(state=IncidentState.IDENTIFIED, message="We found the cause."), actor="t"
    )
    session.flush()

    html = client.get(incident_path(settings, incident)).text

    assert html.index("We found the cause.") < html.index("We are looking into it.")
    assert "db-7" not in html
    assert "Next update by" in html


def test_past_incidents_show_their_postmortem(client: TestClient, session: Session, shop: None) -> None:
    incident = publish(session, title="Checkout errors")
    resolve_incident(session, incident.id, actor="t", message="Fixed.")
    update_incident(
        session, incident.id, Change(state=IncidentState.POSTMORTEM, message="Root cause: an expired cert."), actor="t"
    )
    session.flush()

    html = client.get("/status").text

    past = html.split('id="past-h"')[1]
    assert "Checkout errors" in past and "Root cause: an expired cert." in past


def test_a_maintenance_has_its_own_page(client: TestClient, session: Session, shop: None, settings: Settings) -> None:
    now = clock.now()
    maintenance = Maintenance(
        title="Database upgrade",
        state=MaintenanceState.SCHEDULED,
        scheduled_for=now + timedelta(days=1),
        scheduled_until=now + timedelta(days=1, hours=1),
        components=["checkout"],
        created_at=now,
        updated_at=now,
    )
    session.add(maintenance)
    session.flush()

    path = f"/status/maintenances/{public_id(settings.secret(), 'maintenance', maintenance.id)}"
    response = client.get(path)

    assert response.status_code == 200
    assert "Database upgrade" in response.text and "Scheduled" in response.text
    assert "Database upgrade" in client.get("/status").text


def test_unknown_ids_are_404_as_html_for_browsers_and_json_for_others(client: TestClient, shop: None) -> None:
    for path in ("/status/incidents/000000000000", "/status/maintenances/nope"):
        page = client.get(path, headers={"Accept": "text/html,application/xhtml+xml"})
        assert page.status_code == 404
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert page.headers["content-security-policy"] == CSP
        assert "Not found" in page.text
        data = client.get(path, headers={"Accept": "application/json"})
        assert data.status_code == 404
        assert data.json()["error"]["code"] == "not_found"


def test_the_json_api_is_in_the_openapi_schema_without_auth(app: FastAPI) -> None:
    paths = app.openapi()["paths"]

    for path in API:
        operation = paths[path]["get"]
        assert "security" not in operation
        assert "application/json" in operation["responses"]["200"]["content"]
    assert "/status" not in paths


@pytest.fixture
def bare(app: FastAPI) -> Iterator[TestClient]:
    """The routes alone, without the in-memory lane in front: they serve the same cache."""
    tiny = FastAPI()
    tiny.state.status_cache = app.state.status_cache
    tiny.include_router(status_routes.router)
    with TestClient(tiny) as client:
        yield client


def test_the_routes_serve_the_same_bytes_as_the_lane(client: TestClient, bare: TestClient, shop: None) -> None:
    for path in ["/status", "/status/history.atom", *API]:
        lane, route = client.get(path), bare.get(path)
        assert route.content == lane.content, path
        assert route.headers["etag"] == lane.headers["etag"]
        assert route.headers["content-type"] == lane.headers["content-type"]
        assert bare.get(path, headers={"If-None-Match": lane.headers["etag"]}).status_code == 304


def test_requests_within_the_interval_are_served_without_touching_the_database(
    client: TestClient, shop: None, db: Database
) -> None:
    client.get("/status")  # renders
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        for path in ["/status", *API]:
            assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)

    assert statements == []
