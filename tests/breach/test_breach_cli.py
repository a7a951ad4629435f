from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from trustops.breach.models import BreachCase
from trustops.cli import app
from trustops.cli.state import CliState
from trustops.enums import BreachStatus

AWARE = "2026-03-27T10:00+01:00"


def run(state: CliState, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), obj=state)


def open_case(state: CliState) -> int:
    result = run(
        state, "breach", "open", "Customer database copied", "--aware-at", AWARE, "-c", "email", "-c",
        "password_hash", "--people", "1200", "--records", "1500", "-j", "EU-GDPR=1200", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return int(json.loads(result.stdout)["id"])


def test_a_case_goes_from_open_to_closed_on_the_command_line(cli_state: CliState, session: Session) -> None:
    case_id = open_case(cli_state)
    shown = json.loads(run(cli_state, "breach", "show", str(case_id), "--json").stdout)
    assert shown["aware_at"].startswith("2026-03-27T09:00") and shown["people_by_jurisdiction"] == {"EU-GDPR": 1200}
    assert {c["deadline"] for c in shown["clocks"]} >= {"gdpr-art33", "gdpr-art34"}

    assessed = run(
        cli_state, "breach", "assess", str(case_id), "--risk", "high", "--reason", "hashed passwords",
        "--encrypted", "--key-safe",
    )  # fmt: skip
    assert assessed.exit_code == 0, assessed.output
    assert "Art. 34(3)(a)" in assessed.stdout and "gdpr-art34" in assessed.stdout

    refused = run(cli_state, "breach", "close", str(case_id))
    assert refused.exit_code == 1 and "gdpr-art33" in refused.stderr

    notified = run(
        cli_state, "breach", "notify", str(case_id), "--deadline", "gdpr-art33", "--recipient", "BfDI",
        "--sent-at", "2026-03-28T12:00+00:00", "--reference", "B-1",
    )  # fmt: skip
    assert notified.exit_code == 0, notified.output
    closed = run(cli_state, "breach", "close", str(case_id))
    assert closed.exit_code == 0, closed.output

    session.expire_all()
    case = session.get(BreachCase, case_id)
    assert case is not None and case.status is BreachStatus.CLOSED and case.risk is not None
    listed = json.loads(run(cli_state, "breach", "list", "--json").stdout)
    assert [(c["id"], c["status"]) for c in listed] == [(case_id, "closed")]
    log = json.loads(run(cli_state, "breach", "log", str(case_id), "--json").stdout)
    assert [e["kind"] for e in log] == ["fact", "decision", "notification", "note"]


def test_update_task_done_and_log_change_the_stored_case(cli_state: CliState, session: Session) -> None:
    case_id = open_case(cli_state)
    assert run(cli_state, "breach", "update", str(case_id), "--consequences", "Phishing").exit_code == 0
    case = session.get(BreachCase, case_id)
    assert case is not None
    task = next(t for t in case.tasks if t.role.value == "it")
    assert run(cli_state, "breach", "task-done", str(case_id), str(task.id)).exit_code == 0
    logged = run(
        cli_state, "breach", "log", str(case_id), "--kind", "delay", "--deadline", "gdpr-art33", "-m", "Scope unclear"
    )
    assert logged.exit_code == 0, logged.output
    session.expire_all()
    case = session.get(BreachCase, case_id)
    assert case is not None and case.consequences == "Phishing"
    assert next(t for t in case.tasks if t.id == task.id).done_by == "cli"
    assert [e.kind.value for e in case.log] == ["fact", "effect", "measure", "delay"]


def test_counts_are_imported_from_a_csv(cli_state: CliState, session: Session, tmp_path: Path) -> None:
    case_id = open_case(cli_state)
    csv = tmp_path / "affected.csv"
    csv.write_text("email,jurisdiction\na@example.com,EU-GDPR\nb@example.com,US-CA\nc@example.com,us-ca\n")
    result = run(cli_state, "breach", "import-counts", str(case_id), str(csv))
    assert result.exit_code == 0, result.output
    session.expire_all()
    case = session.get(BreachCase, case_id)
    assert case is not None and case.people_by_jurisdiction == {"EU-GDPR": 1, "US-CA": 2}
    assert case.counts_source == "imported" and case.people == 3


def test_drafts_checklist_advice_and_cost_are_printed(cli_state: CliState) -> None:
    case_id = open_case(cli_state)
    regulator = run(cli_state, "breach", "draft", "regulator", str(case_id))
    assert regulator.exit_code == 0 and regulator.stdout.strip()
    assert "missing: Art. 33(3)(b)" in regulator.stderr
    notice = json.loads(run(cli_state, "breach", "draft", "individuals", str(case_id), "--json").stdout)
    assert notice["kind"] and "empathy" in notice["lint"]
    assert run(cli_state, "breach", "checklist", str(case_id)).stdout.startswith("[ ] ")
    advice = json.loads(run(cli_state, "breach", "advice", str(case_id), "--json").stdout)
    assert advice["options"][0]["rank"] == 1
    cost = json.loads(run(cli_state, "breach", "cost", str(case_id), "--json").stdout)
    assert cost["total"]["low"] <= cost["total"]["high"]


def test_bad_options_are_named(cli_state: CliState, session: Session) -> None:
    naive = run(cli_state, "breach", "open", "x", "--aware-at", "2026-03-27T10:00")
    assert naive.exit_code == 2 and "--aware-at" in naive.output and "no UTC offset" in naive.output
    shape = run(cli_state, "breach", "open", "x", "--aware-at", AWARE, "-j", "EU-GDPR")
    assert shape.exit_code == 2 and "--jurisdiction" in shape.output
    unknown = run(cli_state, "breach", "open", "x", "--aware-at", AWARE, "-j", "XX=3")
    assert unknown.exit_code == 1 and "people_by_jurisdiction: 'XX'" in unknown.stderr
    assert session.query(BreachCase).count() == 0
    case_id = open_case(cli_state)
    risk = run(cli_state, "breach", "assess", str(case_id), "--risk", "huge", "--reason", "r")
    assert risk.exit_code == 2 and "--risk" in risk.output
    kind = run(cli_state, "breach", "draft", "poem", str(case_id))
    assert kind.exit_code == 2 and "KIND" in kind.output
    missing = run(cli_state, "breach", "show", "999999")
    assert missing.exit_code == 1 and "breach case 999999 does not exist" in missing.stderr
