from __future__ import annotations

import copy
import gzip
import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.factories import auth, make_component, make_token
from trustops.accounts.models import Scope
from trustops.catalog.schema import AlertMapping, CatalogFile, ComponentSpec
from trustops.config import Settings
from trustops.db import Database
from trustops.enums import ComponentStatus, Impact, IncidentState
from trustops.monitor.health_models import Alert, Delivery, Exposure, Route
from trustops.monitor.incidents import get_incident, list_incidents, timeline
from trustops.monitor.models import EventKind, Incident
from trustops.privacy import pseudonymise
from trustops.web.app import create_app

SECRET = b"test-secret-key-that-is-long-enough-1234"  # the settings fixture's secret_key
HOOK_SECRET = "sentry-client-secret"
EVENT_ID = "ebfe2c1f3a8e4d7b9c0d1e2f3a4b5c6d"

ALERTMANAGER: dict[str, Any] = {
    "receiver": "trustops",
    "status": "firing",
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "CheckoutDown", "service": "checkout", "severity": "critical"},
            "annotations": {"summary": "Checkout probe failing"},
            "startsAt": "2026-05-04T10:14:20Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prom.local/graph",
            "fingerprint": "1e13768c7ec52373",
        }
    ],
    "groupLabels": {"alertname": "CheckoutDown"},
    "commonLabels": {"alertname": "CheckoutDown", "service": "checkout", "severity": "critical"},
    "commonAnnotations": {"summary": "Checkout probe failing"},
    "externalURL": "http://host:9093",
    "version": "4",
    "groupKey": '{}:{alertname="CheckoutDown"}',
    "truncatedAlerts": 0,
}


def count(session: Session, model: type[Any]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def resolved(payload: dict[str, Any]) -> dict[str, Any]:
    body = copy.deepcopy(payload)
    body["status"] = body["alerts"][0]["status"] = "resolved"
    body["alerts"][0]["endsAt"] = "2026-05-04T10:30:00Z"
    return body


def assert_error(response: Any, status: int, code: str, field: str | None) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert (error["code"], error["field"]) == (code, field), error


@pytest.fixture
def ingest(session: Session) -> dict[str, str]:
    make_component(session, "checkout")
    make_component(session, "search", criticality="standard")
    token = make_token(session, Scope.INGEST, name="alertmanager")
    session.commit()
    return auth(token)


# Alertmanager and Grafana


def test_an_alertmanager_notification_opens_an_incident_on_its_component(
    client: TestClient, ingest: dict[str, str], session: Session
) -> None:
    response = client.post("/api/v1/ingest/alertmanager", json=ALERTMANAGER, headers=ingest)
    assert response.status_code == 200, response.text
    [incident] = list_incidents(session)
    assert response.json() == {"accepted": 1, "incidents": [incident.id]}
    assert incident.source == "alertmanager"
    assert {c.component_id: c.status for c in incident.components} == {"checkout": ComponentStatus.MAJOR_OUTAGE}
    alert = session.scalars(select(Alert)).one()
    assert alert.key == '{}:{alertname="CheckoutDown"}|1e13768c7ec52373'
    assert (alert.incident_id, alert.firing) == (incident.id, True)


def test_a_redelivered_alertmanager_group_keeps_one_incident_and_notifies_once(
    client: TestClient, ingest: dict[str, str], session: Session
) -> None:
    session.add(Route(name="ops", url="json://localhost", components=[], min_impact=Impact.MINOR, active=True))
    session.commit()
    first = client.post("/api/v1/ingest/alertmanager", json=ALERTMANAGER, headers=ingest).json()
    [incident] = list_incidents(session)
    events, deliveries = len(timeline(session, incident.id)), count(session, Delivery)
    assert deliveries == 1  # the "opened" event, to the one route
    for _ in range(3):
        again = client.post("/api/v1/ingest/alertmanager", json=ALERTMANAGER, headers=ingest)
        assert again.json() == first
    assert count(session, Incident) == 1
    assert len(timeline(session, incident.id)) == events
    assert count(session, Delivery) == deliveries
    assert session.scalar(select(Alert.deliveries)) == 4


def test_a_resolved_notification_resolves_the_incident(
    client: TestClient, ingest: dict[str, str], session: Session
) -> None:
    client.post("/api/v1/ingest/alertmanager", json=ALERTMANAGER, headers=ingest)
    response = client.post("/api/v1/ingest/alertmanager", json=resolved(ALERTMANAGER), headers=ingest)
    assert response.status_code == 200, response.text
    [incident] = list_incidents(session)
    assert incident.state is IncidentState.RESOLVED
    assert session.scalars(select(Alert)).one().firing is False


def test_a_grafana_notification_goes_through_the_same_endpoint_and_the_catalogs_mappings(
    app: FastAPI, client: TestClient, ingest: dict[str, str], session: Session
) -> None:
    app.state.catalog = CatalogFile(
        components=[ComponentSpec(id="search", name="Search")],
        mappings=[AlertMapping(match={"grafana_folder": "Search*"}, component="search")],
    )
    body = {
        **copy.deepcopy(ALERTMANAGER),
        "version": "1",
        "orgId": 1,
        "state": "alerting",
        "title": "[FIRING:1] SearchSlow",
        "commonLabels": {"alertname": "SearchSlow", "grafana_folder": "Search team", "severity": "warning"},
    }
    body["alerts"][0]["labels"] = {"alertname": "SearchSlow"}
    body["alerts"][0]["values"] = {"B": 44.2}
    response = client.post("/api/v1/ingest/alertmanager", json=body, headers=ingest)
    assert response.status_code == 200, response.text
    [incident] = list_incidents(session)
    assert incident.source == "grafana"
    assert {c.component_id: c.status for c in incident.components} == {"search": ComponentStatus.DEGRADED_PERFORMANCE}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**ALERTMANAGER, "version": "3"}, "version"),
        ({**ALERTMANAGER, "alerts": [{**ALERTMANAGER["alerts"][0], "startsAt": "yesterday"}]}, "alerts[0].startsAt"),
        ({**ALERTMANAGER, "alerts": [{**ALERTMANAGER["alerts"][0], "status": "burning"}]}, "alerts[0].status"),
        ({k: v for k, v in ALERTMANAGER.items() if k != "groupKey"}, "groupKey"),
        ([ALERTMANAGER], "body"),
    ],
)
def test_a_malformed_alertmanager_payload_names_the_field_and_stores_nothing(
    client: TestClient, ingest: dict[str, str], session: Session, body: Any, field: str
) -> None:
    response = client.post("/api/v1/ingest/alertmanager", json=body, headers=ingest)
    assert_error(response, 422, "invalid", field)
    assert (count(session, Alert), count(session, Incident)) == (0, 0)


def test_a_body_that_is_not_json_is_refused_naming_the_body(
    client: TestClient, ingest: dict[str, str], session: Session
) -> None:
    response = client.post("/api/v1/ingest/alertmanager", content=b"{not json", headers=ingest)
    assert_error(response, 422, "invalid", "body")
    assert "not valid JSON" in response.json()["error"]["message"]
    assert count(session, Alert) == 0


# PagerDuty Events v2


def pagerduty_event(action: str = "trigger", **overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "routing_key": "0123456789abcdef0123456789abcdef",
        "event_action": action,
        "dedup_key": "checkout-5xx",
        "payload": {
            "summary": "Checkout 5xx rate 7%",
            "source": "lb-eu-1",
            "severity": "critical",
            "timestamp": "2026-05-04T10:58:00Z",
            "component": "checkout",
            "custom_details": {"error_ratio": 0.07},
        },
    }
    return {**event, **overrides}


def test_a_pagerduty_trigger_is_answered_like_pagerduty_and_opens_an_incident(
    client: TestClient, ingest: dict[str, str], session: Session
) -> None:
    response = client.post("/api/v1/ingest/pagerduty", json=pagerduty_event(), headers=ingest)
    assert response.status_code == 202, response.text
    assert response.json() == {"status": "success", "message": "Event processed", "dedup_key": "checkout-5xx"}
    [incident] = list_incidents(session)
    assert (incident.source, incident.title) == ("pagerduty", "Checkout 5xx rate 7%")
    resolve = client.post("/api/v1/ingest/pagerduty", json=pagerduty_event("resolve", payload=None), headers=ingest)
    assert resolve.status_code == 202
    session.expire_all()
    assert get_incident(session, incident.id).state is IncidentState.RESOLVED
    assert session.scalars(select(Alert.summary)).one() == "Checkout 5xx rate 7%"  # not the dedup key


def test_a_pagerduty_trigger_without_a_dedup_key_gets_one_back(
    client: TestClient, ingest: dict[str, str], session: Session
) -> None:
    event = pagerduty_event()
    del event["dedup_key"]
    key = client.post("/api/v1/ingest/pagerduty", json=event, headers=ingest).json()["dedup_key"]
    assert len(key) == 32
    assert session.scalars(select(Alert.key)).one() == key


def test_a_pagerduty_acknowledgement_changes_nothing(
    client: TestClient, ingest: dict[str, str], session: Session
) -> None:
    response = client.post("/api/v1/ingest/pagerduty", json=pagerduty_event("acknowledge"), headers=ingest)
    assert response.status_code == 202
    assert count(session, Alert) == 0


def test_a_malformed_pagerduty_event_names_the_field_and_stores_nothing(
    client: TestClient, ingest: dict[str, str], session: Session
) -> None:
    bad = pagerduty_event(payload={"summary": "x", "source": "lb", "severity": "apocalyptic"})
    assert_error(client.post("/api/v1/ingest/pagerduty", json=bad, headers=ingest), 422, "invalid", "payload.severity")
    short = pagerduty_event(routing_key="abc")
    assert_error(client.post("/api/v1/ingest/pagerduty", json=short, headers=ingest), 422, "invalid", "routing_key")
    assert count(session, Alert) == 0


def test_a_pagerduty_event_over_512_kb_is_too_large(
    client: TestClient, ingest: dict[str, str], session: Session
) -> None:
    event = pagerduty_event()
    event["payload"]["custom_details"] = {"log": "x" * 600_000}
    response = client.post("/api/v1/ingest/pagerduty", json=event, headers=ingest)
    assert_error(response, 413, "too_large", "body")
    assert count(session, Alert) == 0


# trustops' errors API


def report(user_id: str = "u-42", component: str = "checkout", **overrides: Any) -> dict[str, Any]:
    return {"user_id": user_id, "component": component, "occurred_at": "2026-05-04T10:00:00+02:00", **overrides}


def test_a_batch_of_error_reports_lands_in_the_ledger_under_pseudonyms(
    client: TestClient, ingest: dict[str, str], session: Session
) -> None:
    batch = [report(message="card 4242 declined"), report("u-7", "search", kind="timeout")]
    response = client.post("/api/v1/ingest/errors", json=batch, headers=ingest)
    assert response.status_code == 202, response.text
    assert response.json() == {"accepted": 2, "duplicates": 0}
    rows = session.scalars(select(Exposure).order_by(Exposure.id)).all()
    assert [(r.user_key, r.component_id, r.kind, r.source) for r in rows] == [
        (pseudonymise(SECRET, "u-42"), "checkout", "error", "api"),
        (pseudonymise(SECRET, "u-7"), "search", "timeout", "api"),
    ]
    assert rows[0].at.isoformat() == "2026-05-04T08:00:00+00:00"


def test_one_error_report_may_come_alone_and_gzipped(
    client: TestClient, ingest: dict[str, str], session: Session
) -> None:
    body = gzip.compress(json.dumps(report()).encode())
    headers = {**ingest, "Content-Type": "application/json", "Content-Encoding": "gzip"}
    response = client.post("/api/v1/ingest/errors", content=body, headers=headers)
    assert response.json() == {"accepted": 1, "duplicates": 0}
    assert count(session, Exposure) == 1


@pytest.mark.parametrize(
    ("batch", "field"),
    [
        ([report(), report(component="billing")], "[1].component"),
        ([report(), report(occurred_at="2026-05-04T10:00:00")], "[1].occurred_at"),
        ([report(), {"component": "checkout", "occurred_at": "2026-05-04T10:00:00Z"}], "[1].user_id"),
        ([report(), report(shoe_size=44)], "[1].shoe_size"),
        ("u-42 saw an error", "body"),
    ],
)
def test_a_bad_report_refuses_the_whole_batch_naming_its_field(
    client: TestClient, ingest: dict[str, str], session: Session, batch: Any, field: str
) -> None:
    response = client.post("/api/v1/ingest/errors", json=batch, headers=ingest)
    assert_error(response, 422, "invalid", field)
    assert count(session, Exposure) == 0


def test_a_body_in_an_unknown_encoding_is_refused_with_415(
    client: TestClient, ingest: dict[str, str], session: Session
) -> None:
    headers = {**ingest, "Content-Encoding": "compress"}
    response = client.post("/api/v1/ingest/errors", content=b"\x1f\x9d...", headers=headers)
    assert_error(response, 415, "unsupported_encoding", "Content-Encoding")
    assert count(session, Exposure) == 0


# Sentry envelopes


def envelope(event_id: str = EVENT_ID, user_id: str | None = "u-42", dsn: str | None = None, **event: Any) -> bytes:
    header: dict[str, Any] = {"event_id": event_id, "sent_at": "2026-05-04T10:47:12.023959Z"}
    if dsn is not None:
        header["dsn"] = dsn
    payload = {
        "event_id": event_id,
        "level": "error",
        "message": "card 4242 declined",
        "tags": {"feature": "checkout"},
        "user": {"id": user_id, "email": "ada@example.com", "ip_address": "10.1.2.3"},
        "timestamp": "2026-05-04T10:47:12.016632Z",
        **event,
    }
    item = json.dumps(payload).encode()
    lines = [header, {"type": "event", "content_type": "application/json", "length": len(item)}]
    session = [b'{"type":"session"}', b'{"sid":"x","status":"ok"}']
    return b"\n".join([*(json.dumps(line).encode() for line in lines), item, *session]) + b"\n"


def sentry_headers(key: str | None, encoding: str | None = None) -> dict[str, str]:
    headers = {"Content-Type": "application/x-sentry-envelope"}
    if encoding is not None:
        headers["Content-Encoding"] = encoding
    if key is not None:
        headers["X-Sentry-Auth"] = f"Sentry sentry_key={key}, sentry_version=7, sentry_client=sentry.python/2.75.0"
    return headers


@pytest.fixture
def sentry_key(session: Session) -> str:
    make_component(session, "checkout")
    token = make_token(session, Scope.ERRORS, name="shop-frontend")
    session.commit()
    return token


def test_a_sentry_envelope_records_who_saw_the_error_and_nothing_they_were_shown(
    client: TestClient, sentry_key: str, session: Session
) -> None:
    body = gzip.compress(envelope())
    response = client.post("/api/1/envelope/", content=body, headers=sentry_headers(sentry_key, "gzip"))
    assert response.status_code == 200, response.text
    assert response.json() == {"id": EVENT_ID}
    row = session.scalars(select(Exposure)).one()
    assert (row.user_key, row.component_id, row.source, row.event_id) == (
        pseudonymise(SECRET, "u-42"),
        "checkout",
        "sentry",
        EVENT_ID,
    )
    stored = " ".join(str(getattr(row, c.key)) for c in Exposure.__table__.columns)
    for secret in ("u-42", "ada@example.com", "10.1.2.3", "declined"):
        assert secret not in stored


def test_a_resent_envelope_is_stored_once(client: TestClient, sentry_key: str, session: Session) -> None:
    for _ in range(2):
        body = gzip.compress(envelope())
        response = client.post("/api/1/envelope/", content=body, headers=sentry_headers(sentry_key, "gzip"))
        assert response.status_code == 200
    assert count(session, Exposure) == 1


def test_the_key_may_come_from_the_query_or_the_envelopes_dsn(
    client: TestClient, sentry_key: str, session: Session
) -> None:
    by_query = client.post(
        "/api/1/envelope/", params={"sentry_key": sentry_key}, content=envelope(), headers=sentry_headers(None)
    )
    assert by_query.status_code == 200, by_query.text
    dsn = f"http://{sentry_key}@127.0.0.1/1"
    by_dsn = client.post("/api/1/envelope/", content=envelope("a" * 32, dsn=dsn), headers=sentry_headers(None))
    assert by_dsn.status_code == 200, by_dsn.text
    assert count(session, Exposure) == 2


def test_an_envelope_without_a_user_or_a_known_component_is_accepted_and_not_stored(
    client: TestClient, sentry_key: str, session: Session
) -> None:
    headers = sentry_headers(sentry_key)
    assert client.post("/api/1/envelope/", content=envelope(user_id=None), headers=headers).status_code == 200
    unmapped = envelope("b" * 32, tags={"feature": "billing"})
    assert client.post("/api/1/envelope/", content=unmapped, headers=headers).status_code == 200
    assert count(session, Exposure) == 0


@pytest.mark.parametrize("key", [None, "tro_000000000000_not-a-real-secret", "testkey", "read-only"])
def test_an_envelope_without_a_live_errors_or_ingest_key_is_forbidden(
    client: TestClient, sentry_key: str, session: Session, key: str | None
) -> None:
    if key == "read-only":
        key = make_token(session, Scope.READ, name="reader")
        session.commit()
    response = client.post("/api/1/envelope/", content=envelope(), headers=sentry_headers(key))
    assert_error(response, 403, "forbidden", None)
    dsn = f"http://{key}@127.0.0.1/1" if key else None
    by_dsn = client.post("/api/1/envelope/", content=envelope(dsn=dsn), headers=sentry_headers(None))
    assert by_dsn.status_code == 403
    assert count(session, Exposure) == 0


def test_a_dsn_key_found_in_a_shipped_app_can_report_errors_and_nothing_else(
    client: TestClient, sentry_key: str, session: Session
) -> None:
    assert client.post("/api/1/envelope/", content=envelope(), headers=sentry_headers(sentry_key)).status_code == 200
    report = {"user_id": "u-7", "component": "checkout", "occurred_at": "2026-06-01T08:00:00Z"}
    assert client.post("/api/v1/ingest/errors", json=report, headers=auth(sentry_key)).status_code == 202
    opened = client.post("/api/v1/incidents", json={"title": "Fake outage"}, headers=auth(sentry_key))
    assert_error(opened, 403, "forbidden", None)
    alert = client.post("/api/v1/ingest/alertmanager", json={"alerts": []}, headers=auth(sentry_key))
    assert alert.status_code == 403
    assert count(session, Exposure) == 2


def test_an_ingest_token_still_works_as_a_dsn_key(client: TestClient, session: Session) -> None:
    make_component(session, "checkout")
    key = make_token(session, Scope.INGEST, name="backend")
    session.commit()
    assert client.post("/api/1/envelope/", content=envelope(), headers=sentry_headers(key)).status_code == 200


def test_a_strangers_key_is_refused_before_the_body_is_read(client: TestClient, sentry_key: str) -> None:
    headers = sentry_headers("tro_000000000000_not-a-real-secret", "gzip")
    assert client.post("/api/1/envelope/", content=b"not gzip at all", headers=headers).status_code == 403


def test_a_project_id_must_be_a_number(client: TestClient, sentry_key: str, session: Session) -> None:
    response = client.post("/api/shop/envelope/", content=envelope(), headers=sentry_headers(sentry_key))
    assert_error(response, 422, "invalid", "path.project_id")
    assert count(session, Exposure) == 0


def test_an_envelope_in_a_coding_we_cannot_read_is_refused_with_415(
    client: TestClient, sentry_key: str, session: Session
) -> None:
    response = client.post("/api/1/envelope/", content=envelope(), headers=sentry_headers(sentry_key, "zstd"))
    assert_error(response, 415, "unsupported_encoding", "Content-Encoding")


def test_an_event_item_over_1_mib_is_too_large(client: TestClient, sentry_key: str, session: Session) -> None:
    body = gzip.compress(envelope(extra={"blob": "x" * (1024 * 1024)}))
    response = client.post("/api/1/envelope/", content=body, headers=sentry_headers(sentry_key, "gzip"))
    assert_error(response, 413, "too_large", "items[0]")
    assert count(session, Exposure) == 0


def test_a_malformed_envelope_names_the_problem_and_stores_nothing(
    client: TestClient, sentry_key: str, session: Session
) -> None:
    body = envelope(timestamp="last tuesday")
    response = client.post("/api/1/envelope/", content=body, headers=sentry_headers(sentry_key))
    assert_error(response, 422, "invalid", "items[0].timestamp")
    assert count(session, Exposure) == 0


# Sentry integration webhooks


@pytest.fixture
def hook_client(settings: Settings, db: Database, session: Session) -> Iterator[TestClient]:
    make_component(session, "checkout")
    session.commit()
    configured = settings.model_copy(update={"sentry_webhook_secret": SecretStr(HOOK_SECRET)})
    catalog = CatalogFile(
        components=[ComponentSpec(id="checkout", name="Checkout")],
        mappings=[AlertMapping(match={"project": "front-end"}, component="checkout")],
    )
    with TestClient(create_app(configured, database=db, catalog=catalog)) as client:
        yield client


def signed(resource: str, body: dict[str, Any], secret: str = HOOK_SECRET) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    signature = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/json",
        "Request-ID": "9c8b7a6f-0000-4000-8000-000000000001",
        "Sentry-Hook-Resource": resource,
        "Sentry-Hook-Timestamp": "1566248317",
        "Sentry-Hook-Signature": signature,
    }
    return raw, headers


ERROR_HOOK = {
    "action": "created",
    "data": {
        "error": {
            "event_id": "bb78c1407cea4519aa397afc059c793d",
            "level": "error",
            "tags": [["feature", "checkout"], ["user", "id:u-42"]],
            "timestamp": 1566248317.391,
            "user": {"id": "u-42", "ip_address": "162.218.85.90"},
        }
    },
    "installation": {"uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"},
}
ISSUE_HOOK = {
    "action": "created",
    "data": {
        "issue": {
            "id": "1170820242",
            "title": "ReferenceError: blooopy is not defined",
            "level": "error",
            "status": "unresolved",
            "firstSeen": "2019-08-19T20:58:37.391000Z",
            "project": {"id": "1", "name": "front-end", "slug": "front-end"},
        }
    },
    "installation": {"uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"},
}


def test_a_signed_error_webhook_lands_in_the_ledger_once(hook_client: TestClient, session: Session) -> None:
    raw, headers = signed("error", ERROR_HOOK)
    first = hook_client.post("/api/v1/ingest/sentry-webhook", content=raw, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json() == {"accepted": 1, "duplicates": 0, "incidents": []}
    again = hook_client.post("/api/v1/ingest/sentry-webhook", content=raw, headers=headers)
    assert again.json() == {"accepted": 0, "duplicates": 1, "incidents": []}
    row = session.scalars(select(Exposure)).one()
    assert (row.user_key, row.source, row.component_id) == (pseudonymise(SECRET, "u-42"), "sentry-webhook", "checkout")


def test_an_issue_webhook_opens_and_resolves_an_incident_through_the_catalogs_mappings(
    hook_client: TestClient, session: Session
) -> None:
    raw, headers = signed("issue", ISSUE_HOOK)
    opened = hook_client.post("/api/v1/ingest/sentry-webhook", content=raw, headers=headers)
    [incident] = list_incidents(session)
    assert opened.json() == {"accepted": 1, "duplicates": 0, "incidents": [incident.id]}
    assert [c.component_id for c in incident.components] == ["checkout"]
    raw, headers = signed("issue", {**ISSUE_HOOK, "action": "resolved"})
    hook_client.post("/api/v1/ingest/sentry-webhook", content=raw, headers=headers)
    session.expire_all()
    assert get_incident(session, incident.id).state is IncidentState.RESOLVED
    assert [e.kind for e in timeline(session, incident.id)].count(EventKind.OPENED) == 1


def test_a_webhook_about_nothing_trustops_reads_is_acknowledged(hook_client: TestClient, session: Session) -> None:
    raw, headers = signed("installation", {"action": "created", "data": {}})
    response = hook_client.post("/api/v1/ingest/sentry-webhook", content=raw, headers=headers)
    assert response.json() == {"accepted": 0, "duplicates": 0, "incidents": []}


@pytest.mark.parametrize("signature", [None, b"0" * 64, "not hex at all é".encode()])
def test_a_webhook_with_a_wrong_signature_is_unauthorized(
    hook_client: TestClient, session: Session, signature: bytes | None
) -> None:
    raw, text_headers = signed("error", ERROR_HOOK)
    headers: dict[str, Any] = dict(text_headers)
    if signature is None:
        del headers["Sentry-Hook-Signature"]
    else:
        headers["Sentry-Hook-Signature"] = signature
    response = hook_client.post("/api/v1/ingest/sentry-webhook", content=raw, headers=headers)
    assert_error(response, 401, "unauthorized", None)
    assert count(session, Exposure) == 0


def test_a_webhook_signed_with_another_secret_is_unauthorized(hook_client: TestClient, session: Session) -> None:
    raw, headers = signed("error", ERROR_HOOK, secret="someone-else")
    assert hook_client.post("/api/v1/ingest/sentry-webhook", content=raw, headers=headers).status_code == 401


def test_a_malformed_signed_webhook_names_the_field(hook_client: TestClient, session: Session) -> None:
    raw, headers = signed("issue", {"action": "created", "data": {"issue": {"title": "no id"}}})
    response = hook_client.post("/api/v1/ingest/sentry-webhook", content=raw, headers=headers)
    assert_error(response, 422, "invalid", "data.issue.id")
    assert count(session, Alert) == 0


def test_the_webhook_is_not_found_until_a_secret_is_configured(client: TestClient, session: Session) -> None:
    raw, headers = signed("error", ERROR_HOOK)
    response = client.post("/api/v1/ingest/sentry-webhook", content=raw, headers=headers)
    assert_error(response, 404, "not_found", None)
    assert "sentry webhook not configured" in response.json()["error"]["message"]


def test_a_full_batch_of_1000_reports_is_stored_in_one_request(
    client: TestClient, ingest: dict[str, str], session: Session
) -> None:
    batch = [report(f"u-{i}", "checkout" if i % 2 else "search") for i in range(1000)]
    response = client.post("/api/v1/ingest/errors", json=batch, headers=ingest)
    assert response.json() == {"accepted": 1000, "duplicates": 0}
    keys = session.scalar(select(func.count(func.distinct(Exposure.user_key))))
    assert keys == 1000


def test_a_retried_error_report_with_an_event_id_is_stored_once(client, session) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import auth, make_component, make_token
    from trustops.accounts.models import Scope
    from trustops.monitor.health_models import Exposure

    make_component(session, "checkout")
    token = auth(make_token(session, Scope.INGEST))
    session.commit()
    report = {"user_id": "u-1", "component": "checkout", "occurred_at": "2026-05-01T10:00:00+00:00", "event_id": "e-1"}
    first = client.post("/api/v1/ingest/errors", json=report, headers=token).json()
    again = client.post("/api/v1/ingest/errors", json=report, headers=token).json()
    assert (first["accepted"], again["accepted"], again["duplicates"]) == (1, 0, 1)
    assert session.query(Exposure).count() == 1
