"""The decision API tried as a new user would: report an error, then ask whether a promotion may go out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request

from tests.factories import auth, make_component, make_incident, make_token
from trustops import clock
from trustops.accounts.models import Scope
from trustops.accounts.tokens import CACHE, authenticate, revoke_token
from trustops.config import Policy, Settings
from trustops.customers import Customer
from trustops.db import Database
from trustops.enums import CampaignType, Channel, ComponentStatus, CustomerTier, Impact
from trustops.guard.models import GuardDecision
from trustops.guard.service import GuardIndex, purge_decisions
from trustops.monitor.health_models import Exposure
from trustops.monitor.incidents import resolve_incident
from trustops.monitor.models import Incident
from trustops.privacy import pseudonymise
from trustops.web.routes.guard import GuardLane

ALLOWED = "promotional, automated, thank_you, help_content, loyalty_reward, transactional, apology"


@pytest.fixture(params=["routed", "lane"])
def client(request: pytest.FixtureRequest, app: FastAPI) -> Iterator[TestClient]:
    """Every test runs against the app alone and behind the decision routes' fast lane."""
    served = app if request.param == "routed" else GuardLane(app, state=app.state)
    with TestClient(served, follow_redirects=False) as client:
        yield client


@pytest.fixture
def marketing(session: Session) -> dict[str, str]:
    return auth(make_token(session, Scope.MARKETING))


@pytest.fixture
def ingest(session: Session) -> dict[str, str]:
    make_component(session, "checkout")
    return auth(make_token(session, Scope.INGEST, name="errors"))


def report_error(client: TestClient, headers: dict[str, str], user_id: str, days_ago: float) -> None:
    at = (clock.now() - timedelta(days=days_ago)).isoformat()
    body = {"user_id": user_id, "component": "checkout", "occurred_at": at, "message": "payment failed"}
    response = client.post("/api/v1/ingest/errors", json=body, headers=headers)
    assert response.status_code == 202, response.text


def decide(client: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post("/api/v1/guard/decide", json=body, headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def logged(app: FastAPI, session: Session) -> list[GuardDecision]:
    app.state.guard.log.flush()
    return list(session.scalars(select(GuardDecision).order_by(GuardDecision.id)))


def test_a_user_who_saw_an_error_ten_days_ago_gets_help_instead_of_a_promotion(
    client: TestClient, marketing: dict[str, str], ingest: dict[str, str]
) -> None:
    report_error(client, ingest, "u-1", days_ago=10)

    hurt = decide(client, marketing, user_id="u-1", campaign_type="promotional")
    fine = decide(client, marketing, user_id="u-2", campaign_type="promotional")

    assert hurt["allowed"] is False
    assert hurt["rule"] == "no_offers_after_error"
    assert hurt["alternative"] == "help_content"
    assert 19 < (datetime.fromisoformat(hurt["until"]) - clock.now()).total_seconds() / 86400 < 21
    assert "error" in hurt["reason"]
    assert fine == {"allowed": True, "rule": "no_rule", "reason": fine["reason"], "until": None, "alternative": None}


def test_an_unknown_campaign_type_is_refused_naming_the_field_and_the_allowed_values(
    client: TestClient, marketing: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/guard/decide", json={"user_id": "u-1", "campaign_type": "flash_sale"}, headers=marketing
    )

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "campaign_type"
    for value in ALLOWED.split(", "):
        assert value in error["message"]


def test_the_decision_api_needs_the_marketing_scope(client: TestClient, session: Session) -> None:
    reader = auth(make_token(session, Scope.READ, name="reader"))

    response = client.post("/api/v1/guard/decide", json={"user_id": "u-1", "campaign_type": "apology"}, headers=reader)

    assert response.status_code == 403
    assert "marketing" in response.json()["error"]["message"]


def test_eligibility_is_shaped_for_braze_connected_content(
    client: TestClient, marketing: dict[str, str], ingest: dict[str, str]
) -> None:
    report_error(client, ingest, "u-1", days_ago=3)

    response = client.get("/api/v1/guard/eligibility/u-1", params={"campaign_type": "promotional"}, headers=marketing)

    assert response.status_code == 200
    assert response.headers["cache-control"] == "private, max-age=300"
    body = response.json()
    assert set(body) == {"eligible", "reason", "rule", "until", "suggest"}
    assert (body["eligible"], body["rule"], body["suggest"]) == (False, "no_offers_after_error", "help_content")


def test_eligibility_names_the_allowed_campaign_types_when_given_a_wrong_one(
    client: TestClient, marketing: dict[str, str]
) -> None:
    response = client.get("/api/v1/guard/eligibility/u-1", params={"campaign_type": "promo"}, headers=marketing)

    assert response.status_code == 422
    assert response.json()["error"]["field"] == "query.campaign_type"
    assert "loyalty_reward" in response.json()["error"]["message"]


def test_every_decision_is_logged_under_a_pseudonym_never_the_raw_id(
    app: FastAPI, client: TestClient, marketing: dict[str, str], settings: Settings, session: Session
) -> None:
    decide(client, marketing, user_id="u-1", campaign_type="thank_you", campaign_id="spring-sorry")
    client.get("/api/v1/guard/eligibility/u-1", params={"campaign_type": "apology"}, headers=marketing)

    rows = logged(app, session)

    assert [(r.user_key, r.campaign_type, r.campaign_id, r.allowed, r.rule) for r in rows] == [
        (
            pseudonymise(settings.secret(), "u-1"),
            CampaignType.THANK_YOU,
            "spring-sorry",
            False,
            "thank_you_when_stable",
        ),
        (pseudonymise(settings.secret(), "u-1"), CampaignType.APOLOGY, None, True, "always_allowed"),
    ]
    assert all("u-1" not in str(value) for r in rows for value in vars(r).values())


def test_a_decision_for_a_planned_send_is_judged_at_that_moment(
    app: FastAPI, client: TestClient, marketing: dict[str, str], ingest: dict[str, str], session: Session
) -> None:
    report_error(client, ingest, "u-1", days_ago=10)
    later = (clock.now() + timedelta(days=25)).isoformat()

    verdict = decide(client, marketing, user_id="u-1", campaign_type="promotional", at=later)

    assert verdict["allowed"] is True
    [row] = logged(app, session)
    assert row.decided_for == datetime.fromisoformat(later)


def test_stats_count_decisions_per_rule(
    client: TestClient, marketing: dict[str, str], ingest: dict[str, str], app: FastAPI
) -> None:
    report_error(client, ingest, "u-1", days_ago=1)
    for user_id in ("u-1", "u-2", "u-3"):
        decide(client, marketing, user_id=user_id, campaign_type="promotional")
    app.state.guard.log.flush()

    response = client.get("/api/v1/guard/stats", headers=marketing)

    assert response.json() == {
        "days": 7,
        "rules": [
            {"rule": "no_rule", "allowed": 2, "denied": 0},
            {"rule": "no_offers_after_error", "allowed": 0, "denied": 1},
        ],
    }


def test_the_decision_log_is_written_when_the_app_shuts_down(
    settings: Settings, db: Database, session: Session
) -> None:
    from trustops.web.app import create_app

    app = create_app(settings, database=db)
    headers = auth(make_token(session, Scope.ADMIN))
    with TestClient(app) as client:
        decide(client, headers, user_id="u-9", campaign_type="automated")
        assert app.state.guard.log._thread is not None

    assert session.scalar(select(GuardDecision.user_key)) == pseudonymise(settings.secret(), "u-9")


def test_the_index_sees_new_exposures_after_a_refresh(db: Database, session: Session) -> None:
    make_component(session, "checkout")
    secret = b"s" * 32
    index = GuardIndex(db, secret=secret, policy=Policy, interval=3600)
    user_key = pseudonymise(secret, "u-1")
    before = index.refresh()
    session.add(Exposure(user_key=user_key, component_id="checkout", at=clock.now(), kind="error", source="api"))
    session.flush()

    assert index.refresh() is before  # within the interval: answered from memory
    index.invalidate()
    after = index.refresh()

    assert before.get(user_key).last_error_at is None
    assert after.get(user_key).last_error_at is not None


def test_decisions_older_than_the_retention_are_purged(session: Session) -> None:
    now = clock.now()
    for age in (399, 401):
        session.add(
            GuardDecision(
                at=now - timedelta(days=age),
                decided_for=now,
                user_key="k",
                campaign_type=CampaignType.PROMOTIONAL,
                allowed=True,
                rule="no_rule",
            )
        )
    session.flush()

    assert purge_decisions(session, policy=Policy(), now=now) == 1
    assert [row.at for row in session.scalars(select(GuardDecision))] == [now - timedelta(days=399)]


def test_the_fast_lane_answers_a_recently_authenticated_marketer_without_the_app(
    app: FastAPI, session: Session, settings: Settings
) -> None:
    plain = make_token(session, Scope.MARKETING, name="braze")
    row = authenticate(session, plain)
    assert row is not None
    CACHE.put(plain, row)  # as the app's token guard does on its first request
    reached: list[tuple[str, bytes]] = []

    async def unreachable(scope: Any, receive: Any, send: Any) -> None:
        reached.append((scope["path"], await Request(scope, receive).body()))
        await JSONResponse({"from": "app"}, status_code=418)(scope, receive, send)

    lane = GuardLane(unreachable, state=app.state)
    client = TestClient(lane)  # no lifespan: the stand-in app only answers HTTP
    answered = client.post(
        "/api/v1/guard/decide", json={"user_id": "u-1", "campaign_type": "apology"}, headers=auth(plain)
    )
    eligible = client.get("/api/v1/guard/eligibility/u-1?campaign_type=apology", headers=auth(plain))
    invalid = client.post("/api/v1/guard/decide", json={"user_id": "u-1", "campaign_type": "x"}, headers=auth(plain))
    stranger = client.get("/api/v1/guard/eligibility/u-1?campaign_type=apology", headers=auth("tro_x_y"))

    assert answered.json()["rule"] == "always_allowed"
    assert eligible.json()["eligible"] is True
    assert eligible.headers["cache-control"] == "private, max-age=300"
    assert (invalid.status_code, stranger.status_code) == (418, 418)  # left to the app's own answers
    assert reached == [
        ("/api/v1/guard/decide", b'{"user_id":"u-1","campaign_type":"x"}'),  # the body, replayed to the app
        ("/api/v1/guard/eligibility/u-1", b""),
    ]
    assert len(logged(app, session)) == 2
    app.state.guard.stop()


def test_windows_show_cooldowns_help_windows_and_thank_you_readiness(
    client: TestClient, marketing: dict[str, str], session: Session, settings: Settings
) -> None:
    now = clock.now()
    major = site_wide_incident(
        session, "checkout", Impact.MAJOR, started=now - timedelta(days=3), resolved=now - timedelta(days=2)
    )
    minor = site_wide_incident(
        session, "search", Impact.MINOR, started=now - timedelta(days=6), resolved=now - timedelta(days=5)
    )
    for user_id, component, at in (("u-1", "checkout", 2.5), ("u-2", "search", 5.5)):
        user_key = pseudonymise(settings.secret(), user_id)
        session.add(
            Exposure(user_key=user_key, component_id=component, at=now - timedelta(days=at), kind="error", source="api")
        )
        session.add(
            Customer(key=user_key, tier=CustomerTier.LOYAL, first_seen_at=now - timedelta(days=900), last_seen_at=now)
        )
    session.flush()

    body = client.get("/api/v1/guard/windows", headers=marketing).json()

    windows = {(w["incident_id"], w["rule"]): (w["affected"], w["until"][:16]) for w in body["windows"]}
    assert windows == {
        (major.id, "outage_cooldown"): (1, iso_minute(now + timedelta(days=12))),
        (major.id, "help_not_offers"): (1, iso_minute(now + timedelta(days=12))),
        (minor.id, "outage_cooldown"): (1, iso_minute(now + timedelta(days=2))),
        (minor.id, "help_not_offers"): (1, iso_minute(now + timedelta(days=9))),
    }
    assert [(w["incident_id"], w["rule"]) for w in body["ending_soon"]] == [(minor.id, "outage_cooldown")]
    readiness = {r["incident_id"]: (r["eligible"] + r["held_out"], r["ready"]) for r in body["thank_you"]}
    assert readiness == {major.id: (1, False), minor.id: (1, False)}
    assert body["recently_hurt"] == 2


def site_wide_incident(
    session: Session, component: str, impact: Impact, *, started: datetime, resolved: datetime
) -> Incident:
    incident = make_incident(session, {component: ComponentStatus.MAJOR_OUTAGE}, impact=impact, now=started)
    incident.channel = Channel.STATUS_PAGE
    resolve_incident(session, incident.id, actor="test", now=resolved)
    session.flush()
    return incident


def iso_minute(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()[:16]


def test_a_token_revoked_in_this_process_is_refused_at_once_despite_the_auth_cache(
    client: TestClient, session: Session
) -> None:
    plain = make_token(session, Scope.MARKETING, name="braze")
    body = {"user_id": "u-1", "campaign_type": "apology"}
    assert client.post("/api/v1/guard/decide", json=body, headers=auth(plain)).status_code == 200

    revoke_token(session, plain.split("_")[1])
    session.flush()

    assert client.post("/api/v1/guard/decide", json=body, headers=auth(plain)).status_code == 401


def test_warming_up_at_start_loads_the_facts_before_the_first_decision(
    app: FastAPI, session: Session, settings: Settings
) -> None:
    from trustops.web.routes.guard import service_of, warm_up

    make_component(session, "checkout")
    user_key = pseudonymise(settings.secret(), "u-1")
    session.add(Exposure(user_key=user_key, component_id="checkout", at=clock.now(), kind="error", source="api"))
    session.commit()

    warm_up(app).join(timeout=30)

    book = service_of(app.state).index._book
    assert book is not None and user_key in book
