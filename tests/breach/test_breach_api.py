from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import auth, make_token
from trustops.accounts.models import Scope
from trustops.breach.models import BreachCase, BreachNotification
from trustops.enums import BreachStatus

AWARE = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)


@pytest.fixture
def legal(session: Session) -> dict[str, str]:
    headers = auth(make_token(session, Scope.LEGAL, name="dpo"))
    session.commit()
    return headers


def open_case(client: TestClient, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    body = {
        "title": "Customer database copied",
        "aware_at": AWARE.isoformat(),
        "data_categories": ["email", "password_hash"],
        "people": 1200,
        "records": 1500,
        "people_by_jurisdiction": {"EU-GDPR": 1200},
        **overrides,
    }
    response = client.post("/api/v1/breach/cases", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_a_legal_token_opens_a_case_with_its_playbook(
    client: TestClient, legal: dict[str, str], session: Session
) -> None:
    case = open_case(client, legal)
    assert case["status"] == "open" and case["people_by_jurisdiction"] == {"EU-GDPR": 1200}
    notify = next(t for t in case["tasks"] if t["deadline"] == "gdpr-art33" and t["title"].startswith("Notify"))
    assert notify["role"] == "legal" and notify["due_at"].startswith("2026-03-30T09:00")
    stored = session.get(BreachCase, case["id"])
    assert stored is not None and stored.created_by == "token:dpo"
    listed = client.get("/api/v1/breach/cases", headers=legal).json()
    assert [c["id"] for c in listed] == [case["id"]]


def test_a_marketing_token_is_refused(client: TestClient, session: Session, legal: dict[str, str]) -> None:
    marketing = auth(make_token(session, Scope.MARKETING, name="mkt"))
    session.commit()
    case = open_case(client, legal)
    for method, path in (
        ("GET", "/api/v1/breach/cases"),
        ("GET", f"/api/v1/breach/cases/{case['id']}"),
        ("POST", "/api/v1/breach/cases"),
        ("GET", f"/api/v1/breach/cases/{case['id']}/drafts/regulator"),
    ):
        response = client.request(method, path, json={}, headers=marketing)
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "forbidden"


def test_an_admin_token_may_do_everything(client: TestClient, session: Session) -> None:
    admin = auth(make_token(session, Scope.ADMIN, name="root"))
    session.commit()
    case = open_case(client, admin)
    assert client.get(f"/api/v1/breach/cases/{case['id']}", headers=admin).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"people_by_jurisdiction": {"XX-NOWHERE": 3}}, "people_by_jurisdiction"),
        ({"aware_at": "2999-01-01T00:00:00+00:00"}, "aware_at"),
        ({"people": -1}, "people"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    client: TestClient, legal: dict[str, str], session: Session, overrides: dict[str, Any], field: str
) -> None:
    body = {"title": "x", "aware_at": AWARE.isoformat(), **overrides}
    response = client.post("/api/v1/breach/cases", json=body, headers=legal)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
    assert session.query(BreachCase).count() == 0


def test_the_case_flow_over_the_api(client: TestClient, legal: dict[str, str], session: Session) -> None:
    case = open_case(client, legal)
    base = f"/api/v1/breach/cases/{case['id']}"
    patched = client.patch(base, json={"consequences": "Phishing", "nature": "SQL injection"}, headers=legal)
    assert patched.status_code == 200 and patched.json()["consequences"] == "Phishing"

    assessed = client.post(
        f"{base}/assess",
        json={"risk": "high", "reasons": ["hashed passwords"], "encrypted": True, "key_compromised": False},
        headers=legal,
    ).json()
    assert assessed["notify_people"] is False and assessed["exception"] == "34(3)(a)"
    assert assessed["not_owed"] == ["gdpr-art34"]

    refused = client.post(f"{base}/close", headers=legal)
    assert refused.status_code == 409
    assert refused.json()["error"]["field"] == "deadline" and "gdpr-art33" in refused.json()["error"]["message"]

    sent = (AWARE + timedelta(hours=20)).isoformat()
    note = client.post(
        f"{base}/notifications",
        json={"deadline": "gdpr-art33", "recipient": "BfDI", "sent_at": sent, "reference": "B-1"},
        headers=legal,
    )
    assert note.status_code == 201 and note.json()["deadline"] == "gdpr-art33"
    clocks = {c["deadline"]: c for c in client.get(f"{base}/clocks", headers=legal).json()}
    assert clocks["gdpr-art33"]["state"] == "met"

    closed = client.post(f"{base}/close", headers=legal)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    session.expire_all()
    stored = session.get(BreachCase, case["id"])
    assert stored is not None and stored.status is BreachStatus.CLOSED
    assert session.query(BreachNotification).filter_by(case_id=case["id"]).one().reference == "B-1"
    log = client.get(f"{base}/log", headers=legal).json()
    assert [e["kind"] for e in log] == ["fact", "fact", "effect", "decision", "notification", "note"]


def test_tasks_are_completed_and_log_entries_appended(client: TestClient, legal: dict[str, str]) -> None:
    case = open_case(client, legal)
    base = f"/api/v1/breach/cases/{case['id']}"
    task = next(t for t in client.get(f"{base}/tasks", headers=legal).json() if t["role"] == "it")
    done = client.post(f"{base}/tasks/{task['id']}/complete", headers=legal).json()
    assert done["done_by"] == "token:dpo" and done["done_at"] is not None
    entry = client.post(
        f"{base}/log", json={"kind": "delay", "text": "Scope unclear until day 4", "deadline": "gdpr-art33"},
        headers=legal,
    )  # fmt: skip
    assert entry.status_code == 201 and entry.json()["data"] == {"deadline": "gdpr-art33"}
    missing = client.post(f"{base}/log", json={"kind": "delay", "text": "Late"}, headers=legal)
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "deadline"
    assert client.post(f"{base}/tasks/999999/complete", headers=legal).status_code == 404


def test_an_unknown_case_is_a_404(client: TestClient, legal: dict[str, str]) -> None:
    response = client.get("/api/v1/breach/cases/999999", headers=legal)
    assert response.status_code == 404 and response.json()["error"]["field"] == "case_id"


@pytest.mark.parametrize("kind", ["regulator", "individuals", "us", "public", "transparency"])
def test_every_draft_is_served(client: TestClient, legal: dict[str, str], kind: str) -> None:
    case = open_case(client, legal, people_by_jurisdiction={"EU-GDPR": 1000, "US-CA": 600})
    draft = client.get(f"/api/v1/breach/cases/{case['id']}/drafts/{kind}", headers=legal)
    assert draft.status_code == 200, draft.text
    assert draft.json()["text"]


def test_the_regulator_draft_lists_what_is_missing(client: TestClient, legal: dict[str, str]) -> None:
    case = open_case(client, legal)
    draft = client.get(f"/api/v1/breach/cases/{case['id']}/drafts/regulator", headers=legal).json()
    assert draft["complete"] is False
    assert any(m["item"].startswith("Art. 33(3)(b)") for m in draft["missing"])  # no DPO in the default organisation


def test_the_notice_to_people_carries_its_ear_check(client: TestClient, legal: dict[str, str]) -> None:
    case = open_case(client, legal)
    draft = client.get(f"/api/v1/breach/cases/{case['id']}/drafts/individuals", headers=legal).json()
    assert {"empathy", "accountability", "resolution", "passed"} <= set(draft["lint"])


def test_an_unknown_draft_kind_is_refused(client: TestClient, legal: dict[str, str]) -> None:
    case = open_case(client, legal)
    response = client.get(f"/api/v1/breach/cases/{case['id']}/drafts/poem", headers=legal)
    assert response.status_code == 422 and response.json()["error"]["field"] == "path.kind"


def test_checklist_advice_and_costs_are_served(client: TestClient, legal: dict[str, str]) -> None:
    case = open_case(client, legal, data_categories=["payment_card", "name"], people_by_jurisdiction={"US-CA": 800})
    base = f"/api/v1/breach/cases/{case['id']}"
    checklist = client.get(f"{base}/support-checklist", headers=legal).json()
    assert checklist and all(isinstance(item, str) for item in checklist)
    advice = client.get(f"{base}/advice", headers=legal).json()
    assert advice["options"][0]["rank"] == 1 and advice["warnings"]
    costs = client.get(f"{base}/costs", headers=legal).json()
    assert costs["total"]["low"] <= costs["total"]["high"]


def test_the_clock_calculator_gives_the_same_numbers_as_the_case(client: TestClient, legal: dict[str, str]) -> None:
    params = {"aware_at": AWARE.isoformat(), "jurisdiction": ["EU-GDPR"], "time_zone": "Europe/Berlin"}
    clocks = {c["deadline"]: c for c in client.get("/api/v1/breach/clocks", params=params, headers=legal).json()}
    assert clocks["gdpr-art33"]["due_at"].startswith("2026-03-30T09:00")
    # The EU spring-forward (29 March) falls inside the 72 hours: 11:00 in Berlin, not 10:00.
    assert clocks["gdpr-art33"]["due_local"].startswith("2026-03-30T11:00")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"aware_at": "2026-03-27T09:00:00", "jurisdiction": "EU-GDPR"}, "aware_at"),
        ({"aware_at": AWARE.isoformat(), "jurisdiction": "XX"}, "jurisdiction"),
        ({"aware_at": AWARE.isoformat(), "jurisdiction": "EU-GDPR", "time_zone": "Mars/Olympus"}, "time_zone"),
        ({"aware_at": AWARE.isoformat()}, "jurisdiction"),
    ],
)
def test_the_clock_calculator_names_a_bad_parameter(
    client: TestClient, legal: dict[str, str], params: dict[str, str], field: str
) -> None:
    response = client.get("/api/v1/breach/clocks", params=params, headers=legal)
    assert response.status_code == 422
    assert response.json()["error"]["field"].endswith(field)
