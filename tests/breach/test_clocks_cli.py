from __future__ import annotations

import json
from datetime import UTC, datetime

import time_machine
from typer.testing import CliRunner

from trustops.breach.jurisdictions import REGIMES
from trustops.cli import app
from trustops.cli.state import CliState

NOW = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)


def run(state: CliState, *args: str):  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        return CliRunner().invoke(app, list(args), obj=state, env={"COLUMNS": "250"})


def in_berlin(state: CliState) -> None:
    state.settings.config_path.write_text("version: 1\norganisation:\n  time_zone: Europe/Berlin\n")


def test_clocks_prints_each_deadline_in_utc_and_in_the_organisations_zone(cli_state: CliState) -> None:
    in_berlin(cli_state)

    result = run(cli_state, "breach", "clocks", "--aware-at", "2026-11-24T10:00+01:00", "--jurisdiction", "EU-GDPR")

    assert result.exit_code == 0, result.output
    assert "due local (Europe/Berlin)" in result.stdout
    line = next(line for line in result.stdout.splitlines() if "gdpr-art33" in line)
    assert "Fri 2026-11-27 09:00" in line and "Fri 2026-11-27 10:00 CET" in line
    assert "2d 13h 0m" in line  # 09:00 on Friday less 20:00 on Tuesday
    assert "owed only if a risk to people" in line


def test_clocks_as_json_lists_the_days_a_business_day_deadline_passed_over(cli_state: CliState) -> None:
    result = run(
        cli_state,
        "breach",
        "clocks",
        "--aware-at",
        "2026-11-23T09:00-05:00",
        "--material-at",
        "2026-11-24T11:00-05:00",
        "-j",
        "us-sec",
        "--time-zone",
        "America/New_York",
        "--json",
    )

    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["time_zone"] == "America/New_York"
    [sec] = body["clocks"]
    assert sec["deadline"] == "sec-8k" and sec["state"] == "running" and sec["owed"] is True
    assert sec["due_at"] == "2026-12-01T22:30:00+00:00"
    assert sec["due_local"] == "2026-12-01T17:30:00-05:00"
    assert sec["skipped"] == ["2026-11-26", "2026-11-28", "2026-11-29"]
    assert sec["seconds_left"] == int((datetime(2026, 12, 1, 22, 30, tzinfo=UTC) - NOW).total_seconds())


def test_clocks_without_the_discovery_time_shows_the_us_deadlines_as_not_started(cli_state: CliState) -> None:
    result = run(cli_state, "breach", "clocks", "--aware-at", "2026-11-24T10:00Z", "-j", "US-CA")

    assert result.exit_code == 0, result.output
    assert all(
        "not started" in line and "give --discovered-at" in line
        for line in result.stdout.splitlines()
        if "us-ca-" in line
    )


def test_an_assessed_risk_leaves_out_what_is_not_owed(cli_state: CliState) -> None:
    result = run(
        cli_state, "breach", "clocks", "--aware-at", "2026-11-24T10:00Z", "-j", "EU-GDPR", "--risk", "RISK", "--json"
    )

    assert result.exit_code == 0, result.output
    assert [c["deadline"] for c in json.loads(result.stdout)["clocks"]] == ["gdpr-art33"]


def test_a_time_without_an_offset_is_refused_naming_the_option(cli_state: CliState) -> None:
    result = run(cli_state, "breach", "clocks", "--aware-at", "2026-11-24T10:00", "-j", "EU-GDPR")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("Error: --aware-at: '2026-11-24T10:00' has no UTC offset")


def test_bad_values_are_refused_naming_the_option_and_the_value(cli_state: CliState) -> None:
    cases = {
        ("--aware-at", "yesterday"): "Error: --aware-at: 'yesterday' is not an ISO 8601 time",
        ("--discovered-at", "2026-11-24"): "Error: --discovered-at: '2026-11-24' has no UTC offset",
        ("-j", "US-XX"): "Error: --jurisdiction: 'US-XX' is not a known jurisdiction; known: EU-GDPR",
        ("--risk", "severe"): "Error: --risk: 'severe' is not one of unlikely, risk, high",
        ("--time-zone", "Mars/Olympus"): "Error: --time-zone: 'Mars/Olympus' is not a known IANA time zone",
    }
    for (option, value), message in cases.items():
        args = {"--aware-at": "2026-11-24T10:00Z", "-j": "EU-GDPR", option: value}
        result = run(cli_state, "breach", "clocks", *[part for pair in args.items() for part in pair])
        assert result.exit_code == 1, (option, result.output)
        assert result.stderr.startswith(message), result.stderr
        assert "Traceback" not in result.output


def test_jurisdictions_lists_every_regime_with_its_deadlines_and_sources(cli_state: CliState) -> None:
    text = run(cli_state, "breach", "jurisdictions").stdout
    body = json.loads(run(cli_state, "breach", "jurisdictions", "--json").stdout)

    assert all(f"{code}  " in text for code in REGIMES)
    assert "sec-8k" in text and "source: https://www.sec.gov/files/form8-k.pdf" in text
    assert [r["code"] for r in body] == list(REGIMES)
    california = next(r for r in body if r["code"] == "US-CA")
    assert [d["key"] for d in california["deadlines"]] == ["us-ca-residents", "us-ca-ag"]
    assert california["deadlines"][1]["min_people"] == 501
    assert "re-check the statute" in california["verify"]
