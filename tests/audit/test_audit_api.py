"""CI uploads audit reports; readers and the Audit page see findings over time, evidence redacted."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import auth, make_token, make_user
from tests.web.test_dashboard import log_in
from trustops.accounts.models import Role, Scope
from trustops.audit.models import AuditFinding


def finding(rule: str, severity: str, path: str, line: int, evidence: str) -> dict[str, Any]:
    return {
        "rule": rule,
        "severity": severity,
        "message": "Blames the user for a server failure.",
        "path": path,
        "line": line,
        "evidence": evidence,
        "fix": "Say the service has a problem and what happens to their order.",
    }


FIRST = {
    "targets": ["."],
    "findings": [
        finding("errors/blame-on-server-error", "high", "templates/pay.html", 12, "Please check your card details"),
        finding("errors/vague-message", "low", "locales/en.json", 3, "Oops! Contact bob@example.com"),
    ],
    "warnings": [{"target": "big.min.js", "message": "skipped: too large"}],
    "suppressed": 1,
    "scanned": 40,
}


def test_ci_uploads_a_report_and_sees_what_is_new_and_what_was_fixed(client: TestClient, session: Session) -> None:
    ci = auth(make_token(session, Scope.INGEST, name="ci"))
    session.commit()

    first = client.post("/api/v1/audit/runs?project=shop", json=FIRST, headers=ci)
    fixed_one = {**FIRST, "findings": FIRST["findings"][1:]}
    second = client.post("/api/v1/audit/runs?project=shop", json=fixed_one, headers=ci)

    assert first.status_code == 201, first.text
    assert first.json()["counts"] == {"low": 1, "medium": 0, "high": 1}
    assert (first.json()["new"], first.json()["fixed"]) == (2, 0)
    assert (second.json()["new"], second.json()["fixed"]) == (0, 1)
    stored = session.scalars(select(AuditFinding.evidence).order_by(AuditFinding.id)).all()
    assert stored[1] == "Oops! Contact [email]"  # redacted before storage


def test_a_reader_lists_runs_and_reads_one_with_its_findings(client: TestClient, session: Session) -> None:
    ci, reader = auth(make_token(session, Scope.INGEST, name="ci")), auth(make_token(session, Scope.READ, name="r"))
    session.commit()
    run_id = client.post("/api/v1/audit/runs", json=FIRST, headers=ci).json()["id"]

    runs = client.get("/api/v1/audit/runs", headers=reader).json()
    detail = client.get(f"/api/v1/audit/runs/{run_id}", headers=reader).json()

    assert [r["id"] for r in runs] == [run_id]
    assert [f["rule"] for f in detail["findings"]] == ["errors/blame-on-server-error", "errors/vague-message"]
    assert client.get("/api/v1/audit/runs/999999", headers=reader).json()["error"]["field"] == "run_id"


def test_a_malformed_upload_is_refused_naming_the_field(client: TestClient, session: Session) -> None:
    ci = auth(make_token(session, Scope.INGEST, name="ci"))
    session.commit()

    bad_severity = {"findings": [{**FIRST["findings"][0], "severity": "critical"}]}
    response = client.post("/api/v1/audit/runs", json=bad_severity, headers=ci)
    assert response.status_code == 422 and response.json()["error"]["field"] == "findings[0].severity"

    response = client.post("/api/v1/audit/runs", json={"results": []}, headers=ci)
    assert response.status_code == 422 and response.json()["error"]["field"] == "findings"

    reader = auth(make_token(session, Scope.READ, name="r"))
    session.commit()
    assert client.post("/api/v1/audit/runs", json=FIRST, headers=reader).status_code == 403


def test_the_audit_page_shows_runs_over_time_and_the_latest_findings(client: TestClient, session: Session) -> None:
    make_user(session, "vic", Role.VIEWER)
    ci = auth(make_token(session, Scope.INGEST, name="ci"))
    session.commit()
    client.post("/api/v1/audit/runs?project=shop", json=FIRST, headers=ci)
    log_in(client, "vic")

    page = client.get("/audit")

    assert page.status_code == 200
    assert 'aria-label="1 high, 0 medium, 1 low"' in page.text
    assert "errors/blame-on-server-error" in page.text and "templates/pay.html:12" in page.text
    assert "bob@example.com" not in page.text
    assert '<a href="/audit"' in page.text  # in the menu for everyone
