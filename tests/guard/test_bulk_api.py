"""``POST /api/v1/guard/evaluate``: an audience body in, the platform's file out, counts in headers."""

from __future__ import annotations

import csv
import io

import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import auth, make_token
from tests.guard.audiences import NOW, checkout, days_ago, saw_error
from trustops.accounts.models import Scope
from trustops.guard.models import GuardRun
from trustops.web.routes import guard_bulk

AUDIENCE = "external_id,email\nu-1,ana@example.com\nu-2,bo@example.com\nu-3,\n"
URL = "/api/v1/guard/evaluate"


def post(client: TestClient, token: str, body: str, content_type: str = "text/csv", **params: str):  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        headers = {**auth(token), "Content-Type": content_type}
        return client.post(URL, params=params, content=body.encode(), headers=headers)


def test_a_marketer_gets_the_neutral_suppression_file_with_the_counts_in_headers(
    client: TestClient, session: Session
) -> None:
    checkout(session)
    saw_error(session, "u-1", at=days_ago(10))
    token = make_token(session, Scope.MARKETING)

    response = post(client, token, AUDIENCE, campaign_type="promotional", format="neutral", campaign_id="spring")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert (response.headers["x-trustops-audience"], response.headers["x-trustops-suppressed"]) == ("3", "1")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["user_id"], r["email"], r["rule"], r["allowed_content"]) for r in rows] == [
        ("u-1", "ana@example.com", "error_seen_30d", "help_only")
    ]
    run = session.scalars(select(GuardRun)).one()
    assert (run.audience, run.allowed, run.campaign_id, run.actor) == (3, 2, "spring", "token:test")


def test_the_allowed_side_comes_back_in_the_platforms_shape_from_ndjson(client: TestClient, session: Session) -> None:
    checkout(session)
    saw_error(session, "u-1", at=days_ago(10))
    token = make_token(session, Scope.MARKETING)
    body = '{"userId": "u-1"}\n{"userId": "u-2"}\nnot json\n'

    response = post(
        client, token, body, "application/x-ndjson", campaign_type="promotional", format="customerio", users="allowed"
    )

    assert response.status_code == 200, response.text
    assert response.text == "id\nu-2\n"
    assert response.headers["x-trustops-bad-lines"] == "1"
    assert response.headers["x-trustops-allowed"] == "1"


def test_an_unknown_campaign_type_is_a_422_naming_the_field_and_the_allowed_values(
    client: TestClient, session: Session
) -> None:
    token = make_token(session, Scope.MARKETING)

    response = post(client, token, AUDIENCE, campaign_type="flash_sale")

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "query.campaign_type"
    assert "'promotional'" in error["message"] and "'apology'" in error["message"]


def test_a_body_without_an_id_column_or_with_only_bad_lines_is_a_422(client: TestClient, session: Session) -> None:
    token = make_token(session, Scope.MARKETING)

    no_id = post(client, token, "customer\nc-1\n", campaign_type="promotional")
    all_bad = post(client, token, "not json\n[]\n", "application/x-ndjson", campaign_type="promotional")

    assert no_id.status_code == 422
    assert no_id.json()["error"]["field"] == "id_column"
    assert "(found: customer)" in no_id.json()["error"]["message"]
    assert all_bad.status_code == 422
    assert all_bad.json()["error"]["message"].startswith("audience: no JSON object found")
    assert session.scalars(select(GuardRun)).all() == []


def test_only_marketing_tokens_may_evaluate_and_a_body_over_the_limit_is_refused(
    client: TestClient, session: Session, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    reader = make_token(session, Scope.READ, name="reader")
    marketer = make_token(session, Scope.MARKETING, name="marketer")
    monkeypatch.setattr(guard_bulk, "MAX_AUDIENCE_BYTES", 20)

    forbidden = post(client, reader, "user_id\nu-1\n", campaign_type="promotional")
    too_large = post(client, marketer, AUDIENCE, campaign_type="promotional")

    assert forbidden.status_code == 403
    assert too_large.status_code == 413
    assert too_large.json()["error"]["field"] == "body"
