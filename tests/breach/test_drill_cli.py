from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.breach.test_drills import SCENARIO
from trustops.breach.models import DrillRun
from trustops.cli import app
from trustops.cli.state import CliState

PERFECT = "reached: {aware: +1h30m, first-internal-update: +30m, first-external-update: +4h, sa-notified: +70h}\n"
LATE_AND_MISSED = (
    "reached: {aware: +3h, first-internal-update: +30m, first-external-update: +4h, sa-notified: null}\n"
    "notes: {sa-notified: Nobody knew the authority's form}\n"
)


def run(state: CliState, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), obj=state, input=input)


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "test-breach.yaml").write_text(SCENARIO)
    (tmp_path / "perfect.yaml").write_text(PERFECT)
    (tmp_path / "late.yaml").write_text(LATE_AND_MISSED)
    return tmp_path


def runs(session: Session) -> list[DrillRun]:
    session.expire_all()
    return list(session.scalars(select(DrillRun).order_by(DrillRun.id)))


def test_drill_list_shows_the_shipped_scenarios_and_those_of_a_folder(cli_state: CliState, files: Path) -> None:
    result = run(cli_state, "drill", "list", "--dir", str(files / "scenarios"))

    assert result.exit_code == 0, result.output
    for scenario_id in ("stolen-customer-database", "exposed-cloud-bucket", "payment-gateway-outage", "test-breach"):
        assert scenario_id in result.stdout


def test_a_scripted_drill_prints_and_stores_the_after_action_report(
    cli_state: CliState, session: Session, files: Path
) -> None:
    out = files / "aar.md"

    result = run(
        cli_state, "drill", "run", "test-breach", "--dir", str(files / "scenarios"),
        "--answers", str(files / "late.yaml"), "--out", str(out), "--actor", "ana",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    [stored] = runs(session)
    assert (stored.scenario, stored.score, stored.actor) == ("test-breach", 40.0, "ana")
    assert result.stdout == stored.report == out.read_text()
    assert "| Declare the breach: late | Name who may declare. | it | +2h |" in stored.report
    assert "| Notify the authority: missed |" in stored.report
    assert "  Team note: Nobody knew the authority's form" in stored.report
    assert result.stderr.strip() == f"Stored as drill run {stored.id}; score 40 / 100."


def test_a_perfect_drill_from_a_scenario_file_scores_100_in_json(
    cli_state: CliState, session: Session, files: Path
) -> None:
    scenario_file = str(files / "scenarios" / "test-breach.yaml")

    result = run(cli_state, "drill", "run", scenario_file, "--answers", str(files / "perfect.yaml"), "--json")

    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    [stored] = runs(session)
    assert (body["run_id"], body["score"], stored.score) == (stored.id, 100.0, 100.0)
    assert body["timings"] == {
        "time_to_declare": "+1h30m",
        "time_to_first_internal_update": "+30m",
        "time_to_first_external_update": "+4h",
    }
    assert [(m["id"], m["outcome"]) for m in body["milestones"]] == [
        ("aware", "met"),
        ("first-internal-update", "met"),
        ("first-external-update", "met"),
        ("sa-notified", "met"),
    ]
    assert body["clocks"] == [
        {
            "key": "gdpr-art33",
            "label": "lead supervisory authority, 72 hours after awareness",
            "due_at": "2026-03-16T18:30:00.000+00:00",
            "milestone": "sa-notified",
            "outcome": "met",
        }
    ]
    assert body["report"] == stored.report


def test_a_shipped_scenario_plays_from_scripted_answers(cli_state: CliState, session: Session, tmp_path: Path) -> None:
    answers = tmp_path / "answers.json"
    ids = ["first-internal-update", "aware", "contain", "holding-statement", "first-external-update", "sa-notified"]
    ids += ["people-notified", "ca-residents", "ca-ag", "marketing-pause"]
    answers.write_text(json.dumps({"reached": dict.fromkeys(ids, "+1h") | {"ca-ag": None}}))

    result = run(cli_state, "drill", "run", "stolen-customer-database", "--answers", str(answers))

    assert result.exit_code == 0, result.output
    [stored] = runs(session)
    assert stored.kind == "breach"
    # ca-ag (weight 5 of 105) missed; first-internal-update at +1h is on time.
    assert stored.score == round(100 * 100 / 105, 1)
    assert "| Submit the sample notice to the California Attorney General (more than 500 residents): missed |" in (
        stored.report
    )


def test_without_answers_and_without_a_terminal_the_drill_refuses_to_start(
    cli_state: CliState, session: Session
) -> None:
    result = run(cli_state, "drill", "run", "payment-gateway-outage")

    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: --answers: no answers file and no terminal to ask in; pass --answers FILE (see docs/drills.md)"
    )
    assert runs(session) == []


def test_at_a_terminal_the_facilitator_answers_each_milestone(
    cli_state: CliState, session: Session, files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("trustops.cli.drill._terminal", lambda: True)
    typed = [
        "",  # after the +0h inject
        "+2x", "+30m", "",  # first-internal-update: a typo, then the time, no note
        "+1h30m", "",  # aware
        "",  # after the +3h inject
        "no", "PR was asleep",  # first-external-update
        "+70h", "",  # sa-notified
    ]  # fmt: skip

    result = run(
        cli_state, "drill", "run", "test-breach", "--dir", str(files / "scenarios"), input="\n".join(typed) + "\n"
    )

    assert result.exit_code == 0, result.output
    assert "A ransom e-mail arrives." in result.stdout and "Who is on call?" in result.stdout
    assert "'+2x' is not a scenario time" in result.stdout
    [stored] = runs(session)
    assert [(m["id"], m["reached"], m["note"]) for m in stored.milestones] == [
        ("aware", "+1h30m", ""),
        ("first-internal-update", "+30m", ""),
        ("first-external-update", None, "PR was asleep"),
        ("sa-notified", "+2d22h", ""),
    ]
    assert stored.score == 80.0


def test_an_interrupted_interactive_drill_stores_nothing(
    cli_state: CliState, session: Session, files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("trustops.cli.drill._terminal", lambda: True)

    result = run(cli_state, "drill", "run", "test-breach", "--dir", str(files / "scenarios"), input="\n+30m\n")

    assert result.exit_code == 1
    assert runs(session) == []


def test_an_invalid_scenario_file_is_refused_naming_the_field(cli_state: CliState, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(SCENARIO.replace("role: legal", "role: ceo"))

    result = run(cli_state, "drill", "run", str(broken), "--answers", str(tmp_path / "none.yaml"))

    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: {broken}: milestones[3].role: 'ceo' is not one of the scenario's roles (it, legal, pr)"
    )


def test_answers_for_another_scenario_are_refused_naming_the_milestone(cli_state: CliState, files: Path) -> None:
    result = run(cli_state, "drill", "run", "payment-gateway-outage", "--answers", str(files / "perfect.yaml"))

    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {files / 'perfect.yaml'}: reached.sa-notified: 'payment-gateway-outage'")


def test_drill_report_prints_a_stored_report(cli_state: CliState, session: Session, files: Path) -> None:
    scenario_file = str(files / "scenarios" / "test-breach.yaml")
    run(cli_state, "drill", "run", scenario_file, "--answers", str(files / "perfect.yaml"))
    [stored] = runs(session)

    result = run(cli_state, "drill", "report", str(stored.id))

    assert result.exit_code == 0, result.output
    assert result.stdout == stored.report
    assert result.stdout.startswith("# After-action report: Test breach\n")


def test_drill_report_of_an_unknown_run_says_so(cli_state: CliState) -> None:
    result = run(cli_state, "drill", "report", "424242")

    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: run_id: there is no drill run 424242"
