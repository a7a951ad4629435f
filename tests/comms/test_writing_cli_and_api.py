from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.factories import auth, make_component, make_incident, make_token
from trustops.accounts.models import Scope
from trustops.cli import app
from trustops.cli.state import CliState
from trustops.enums import Channel, ComponentStatus
from trustops.monitor.incidents import resolve_incident
from trustops.monitor.models import Incident

FIXTURES = Path(__file__).parent / "fixtures"
T0 = datetime(2025, 5, 6, 10, 5, tzinfo=UTC)
CAUSE = "Our update to the payment page had a bug that rejected valid cards."
FIX = "We removed the faulty update at 10:48 UTC."
PREVENTION = "We have added an automatic test that tries a real card payment before any change goes live."


def run(state: CliState, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), obj=state)


def resolved_checkout_incident(session: Session) -> Incident:
    make_component(session, "checkout", name="Checkout")
    make_component(session, "payments-db", name="Payments database", visibility="internal")
    incident = make_incident(
        session, {"checkout": ComponentStatus.MAJOR_OUTAGE, "payments-db": ComponentStatus.MAJOR_OUTAGE}, now=T0
    )
    incident.channel = Channel.STATUS_PAGE
    resolve_incident(session, incident.id, actor="test", now=T0 + timedelta(minutes=43))
    session.flush()
    return incident


# The command line


def test_lint_email_fails_the_classic_email_with_line_column_span_and_suggestion(cli_state: CliState) -> None:
    path = FIXTURES / "classic-inconvenience.txt"

    result = run(cli_state, "comms", "lint-email", str(path))

    assert result.exit_code == 1
    assert result.stdout.startswith(f"FAILED {path}\nEmpathy 0/100 · Accountability 0/100 · Resolution 0/100")
    assert (
        f'{path}:3:1: high boilerplate-apology "We apologise for any inconvenience this may have caused"'
        in result.stdout
    )
    assert "    Suggestion: Name what went wrong for them" in result.stdout
    assert f"{path}:10:1: high missing-resolution (missing)" in result.stdout


@pytest.mark.parametrize("name", ["well-formed.txt", "well-formed-american.txt", "well-formed.eml"])
def test_lint_email_passes_a_well_formed_email_with_exit_status_zero(cli_state: CliState, name: str) -> None:
    result = run(cli_state, "comms", "lint-email", str(FIXTURES / name))

    assert result.exit_code == 0, result.stdout
    assert result.stdout.startswith("PASSED ")


def test_lint_email_reads_the_subject_and_plain_part_of_an_eml(cli_state: CliState) -> None:
    result = run(cli_state, "comms", "lint-email", "--json", str(FIXTURES / "well-formed.eml"))

    report = json.loads(result.stdout)
    assert report["subject"] == "We are sorry: you could not log in on Friday"
    assert report["passed"] is True
    assert report["readability"]["words"] > 60  # the plain part, not the one-line HTML part


def test_lint_email_strips_the_tags_of_an_html_only_email_and_ignores_its_scripts_and_styles(
    cli_state: CliState,
) -> None:
    result = run(cli_state, "comms", "lint-email", "--json", str(FIXTURES / "html-only.eml"))

    report = json.loads(result.stdout)
    assert result.exit_code == 1
    [finding] = [f for f in report["findings"] if f["rule"] == "boilerplate-apology"]
    assert finding["excerpt"] == "We apologize for any inconvenience"
    assert (finding["line"], finding["column"]) == (3, 1)
    assert report["readability"]["words"] == 13  # "Dear valued customer," and the apology; no CSS, no script


def test_lint_email_json_gives_the_whole_report_and_still_exits_one_on_failure(cli_state: CliState) -> None:
    path = FIXTURES / "promotion.txt"

    result = run(cli_state, "comms", "lint-email", "--json", str(path))

    report = json.loads(result.stdout)
    assert result.exit_code == 1
    assert report["file"] == str(path)
    assert report["kind"] == "email" and report["passed"] is False
    promotion = [(f["excerpt"], f["line"]) for f in report["findings"] if f["rule"] == "promotion"]
    assert promotion == [("use code", 4), ("20% off", 4)]


def test_lint_email_flags_a_guessed_fix_time_only_with_open(cli_state: CliState) -> None:
    path = str(FIXTURES / "eta-open.txt")

    closed = run(cli_state, "comms", "lint-email", path)
    still_open = run(cli_state, "comms", "lint-email", "--open", path)

    assert "guessed-eta" not in closed.stdout
    assert 'high guessed-eta "should be fixed within 2 hours"' in still_open.stdout


def test_lint_email_exits_two_with_a_clear_message_for_unreadable_input(cli_state: CliState, tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Nous sommes désolés.".encode("latin-1"))
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    binary = tmp_path / "logo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    image_only = tmp_path / "image.eml"
    image_only.write_text("Subject: hi\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n")

    cases = {
        tmp_path / "missing.txt": "cannot read",
        tmp_path: "Is a directory",
        latin1: "is not UTF-8 text (byte 13)",
        empty: "has no text to check",
        binary: "is not a text file",
        image_only: "has no text/plain or text/html part",
    }
    for path, message in cases.items():
        result = run(cli_state, "comms", "lint-email", str(path))
        assert result.exit_code == 2, path
        assert result.stderr.startswith("Error: ") and message in result.stderr, result.stderr
        assert result.stdout == ""


def test_draft_prints_an_update_per_state_without_internal_names(cli_state: CliState, session: Session) -> None:
    incident = resolved_checkout_incident(session)

    result = run(cli_state, "comms", "draft", str(incident.id))

    assert result.exit_code == 0, result.output
    assert (
        "investigating:\n  We are aware of a problem with checkout. Customers cannot complete checkout."
        in result.stdout
    )
    assert "resolved:\n  The issue has been resolved and checkout is working normally again." in result.stdout
    assert "Next update by" in result.stdout
    assert "payments" not in result.stdout.lower()


def test_draft_apology_prints_the_letter_and_its_scores(cli_state: CliState, session: Session) -> None:
    incident = resolved_checkout_incident(session)

    result = run(
        cli_state,
        "comms",
        "draft",
        str(incident.id),
        "--apology",
        "--cause",
        CAUSE,
        "--fix",
        FIX,
        "--prevention",
        PREVENTION,
        "--contact",
        "help@northwind.example",
    )

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Subject: We are sorry about the problem with checkout on Tuesday 6 May 2025\n")
    assert "write to us at help@northwind.example." in result.stdout
    assert "PASSED draft" in result.stdout


def test_draft_apology_json_without_a_cause_lists_the_prompt_and_fails_the_lint(
    cli_state: CliState, session: Session
) -> None:
    incident = resolved_checkout_incident(session)

    result = run(cli_state, "comms", "draft", str(incident.id), "--apology", "--json")

    data = json.loads(result.stdout)
    assert len(data["prompts"]) == 3
    assert data["report"]["passed"] is False
    assert "placeholder" in {f["rule"] for f in data["report"]["findings"]}


def test_draft_of_an_unknown_incident_is_one_line_and_exit_one(cli_state: CliState) -> None:
    result = run(cli_state, "comms", "draft", "9999")

    assert result.exit_code == 1
    assert "Error: incident 9999 does not exist" in result.stderr


# The API


@pytest.fixture
def comms(session: Session) -> dict[str, str]:
    token = make_token(session, Scope.COMMS, name="writer")
    session.commit()
    return auth(token)


def test_the_lint_api_reports_the_classic_email_as_failing(client: TestClient, comms: dict[str, str]) -> None:
    text = (FIXTURES / "classic-inconvenience.txt").read_text()

    response = client.post("/api/v1/comms/lint", json={"text": text, "subject": "Sorry"}, headers=comms)

    assert response.status_code == 200, response.text
    report = response.json()
    assert report["passed"] is False
    first = report["findings"][0]
    assert (first["rule"], first["severity"], first["part"]) == ("boilerplate-apology", "high", "body")
    assert text[first["start"] : first["end"]] == first["excerpt"]
    assert report["pass_score"] == 60


def test_the_lint_api_passes_a_well_formed_email(client: TestClient, comms: dict[str, str]) -> None:
    text = (FIXTURES / "well-formed.txt").read_text()

    report = client.post("/api/v1/comms/lint", json={"text": text, "kind": "email"}, headers=comms).json()

    assert report["passed"] is True
    assert report["empathy"] >= 60 and report["accountability"] >= 60 and report["resolution"] >= 60


def test_an_update_is_checked_against_every_internal_component_in_the_catalog(
    client: TestClient, comms: dict[str, str], session: Session
) -> None:
    make_component(session, "ledger-worker", name="Ledger worker", visibility="internal")
    session.commit()
    text = "Checkout is slow because the ledger worker is behind. Next update by 14:30 UTC."

    report = client.post("/api/v1/comms/lint", json={"text": text, "kind": "update"}, headers=comms).json()

    assert report["kind"] == "update" and report["empathy"] is None
    assert report["passed"] is False
    assert [f["excerpt"] for f in report["findings"] if f["rule"] == "internal-name"] == ["ledger worker"]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"text": ""}, "text", "must not be empty"),
        ({"text": " \n "}, "text", "must not be empty"),
        ({"text": "é" * 50_001}, "text", "is 100002 bytes; at most 100000 are checked"),
        ({"text": "Sorry.", "kind": "letter"}, "kind", "kind"),
        ({"subject": "Sorry"}, "text", "required"),
        ({"text": "Sorry.", "tone": "warm"}, "tone", "unknown field"),
    ],
)
def test_bad_lint_requests_are_refused_naming_the_field(
    client: TestClient, comms: dict[str, str], body: dict[str, object], field: str, words: str
) -> None:
    response = client.post("/api/v1/comms/lint", json=body, headers=comms)

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == field
    assert words in error["message"]


def test_the_lint_api_needs_the_comms_scope(client: TestClient, session: Session) -> None:
    reader = auth(make_token(session, Scope.READ, name="reader"))
    session.commit()

    response = client.post("/api/v1/comms/lint", json={"text": "Sorry."}, headers=reader)

    assert response.status_code == 403


def test_the_drafts_api_gives_updates_per_state_and_a_passing_apology(
    client: TestClient, session: Session, comms: dict[str, str]
) -> None:
    incident = resolved_checkout_incident(session)
    reader = auth(make_token(session, Scope.READ, name="reader"))
    session.commit()
    params = {"cause": CAUSE, "fix": FIX, "prevention": PREVENTION}

    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        response = client.get(f"/api/v1/incidents/{incident.id}/drafts", params=params, headers=reader)
        as_comms = client.get(f"/api/v1/incidents/{incident.id}/drafts", headers=comms)

    assert response.status_code == 200, response.text
    data = response.json()
    assert list(data["updates"]) == ["investigating", "identified", "monitoring", "resolved"]
    assert data["updates"]["investigating"].endswith("Next update by 11:35 UTC.")
    assert data["next_update_at"] == "2025-05-06T11:35:00Z"
    assert data["apology"]["report"]["passed"] is True
    assert data["apology"]["prompts"] == []
    assert as_comms.status_code == 200
    assert as_comms.json()["apology"]["report"]["passed"] is False
    assert "payments" not in json.dumps(data["updates"]).lower()


def test_drafts_for_an_unknown_incident_are_a_404(client: TestClient, comms: dict[str, str]) -> None:
    response = client.get("/api/v1/incidents/9999/drafts", headers=comms)

    assert response.status_code == 404
    assert response.json()["error"]["field"] == "incident_id"
