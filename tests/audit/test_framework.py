"""The audit's framework with a stand-in rule family: reading targets, warnings, baselines, the CI gate, the
report formats and the stored runs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from trustops import http
from trustops.audit import report as reports
from trustops.audit import scanner
from trustops.audit.findings import Finding, Location, Severity
from trustops.audit.models import AuditFinding, AuditRun
from trustops.audit.scanner import Context, Family, audit
from trustops.audit.store import record
from trustops.cli import app
from trustops.cli.state import CliState


def scan(context: Context) -> Iterator[Finding]:
    """Flags every line holding ``BAD-<severity>``, and every response with ``BAD`` in its body."""
    for source in context.sources.files:
        for number, line in enumerate(source.lines, 1):
            for severity in Severity:
                if f"BAD-{severity.value}" in line:
                    yield Finding(
                        f"fake/bad-{severity.value}",
                        severity,
                        "A bad line.",
                        Location(path=source.display, line=number),
                        line.strip(),
                        "Write a good line.",
                        ("the test",),
                    )
    for response in context.sources.responses:
        if "BAD" in response.body:
            yield Finding(
                "fake/bad-response",
                Severity.HIGH,
                "A bad page.",
                Location(url=response.url, status=response.status),
                response.body[:80],
                "Serve a good page.",
            )


FAKE = Family("fake", "A stand-in family", "Flags lines saying BAD.", ("fake/bad-low", "fake/bad-high"), scan)


@pytest.fixture(autouse=True)
def only_the_fake_family(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scanner, "families", lambda selected=(): [FAKE])


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    (root / "templates").mkdir(parents=True)
    (root / "templates" / "checkout.html").write_text("<p>fine</p>\n<p>BAD-high</p>\n")
    (root / "locales").mkdir()
    (root / "locales" / "en.json").write_text('{"a": "BAD-low", "b": "ok"}\n')
    (root / "node_modules" / "lib").mkdir(parents=True)
    (root / "node_modules" / "lib" / "index.js").write_text("BAD-high in vendored code\n")
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0BAD-high")
    return root


def run(state: CliState, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), obj=state)


def test_an_audit_reads_the_project_but_not_vendored_code_or_binaries(project: Path) -> None:
    found = audit([str(project)])

    assert [(f.rule, str(f.location)) for f in found.findings] == [
        ("fake/bad-high", "templates/checkout.html:2"),
        ("fake/bad-low", "locales/en.json:1"),
    ]
    assert found.scanned == 2 and found.warnings == []


def test_an_unreadable_file_a_malformed_har_and_an_unreachable_url_are_warnings_not_crashes(project: Path) -> None:
    secret = project / "templates" / "secret.html"
    secret.write_text("BAD-high")
    secret.chmod(0)
    (project / "session.har").write_text('{"log": {"entries": "not a list"}}')
    (project / "broken.har").write_text("{ not json")

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    from trustops.audit.live import fetch

    try:
        with http.use_transport(httpx.MockTransport(refuse)):
            found = audit([str(project), "http://127.0.0.1:9/checkout"], fetch=fetch)
    finally:
        secret.chmod(0o644)

    messages = {w.target: w.message for w in found.warnings}
    assert "session.har" in messages and "not a readable HAR file" in messages["session.har"]
    assert "broken.har" in messages
    assert messages["http://127.0.0.1:9/checkout"].startswith("could not be fetched: connection refused")
    if "templates/secret.html" in messages:  # root reads anything: then the file is simply audited
        assert messages["templates/secret.html"].startswith("cannot be read")
    assert [f.rule for f in found.findings][:1] == ["fake/bad-high"]


def test_a_live_page_is_fetched_through_the_one_client_factory() -> None:
    from trustops.audit.live import fetch

    def serve(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, text="<h1>BAD: check your card details</h1>", headers={"content-type": "text/html"})

    with http.use_transport(httpx.MockTransport(serve)):
        found = audit(["https://shop.example/checkout"], fetch=fetch)

    assert [(f.rule, str(f.location)) for f in found.findings] == [
        ("fake/bad-response", "https://shop.example/checkout (503)")
    ]


def test_the_baseline_accepts_known_findings_even_after_their_lines_moved(project: Path, tmp_path: Path) -> None:
    first = audit([str(project)])
    baseline = tmp_path / "baseline.json"
    baseline.write_text(reports.as_json(first))
    page = project / "templates" / "checkout.html"
    page.write_text("<h1>new heading</h1>\n" + page.read_text() + "<p>BAD-low again</p>\n")

    second = audit([str(project)], baseline=scanner.load_baseline(baseline))

    assert [(f.rule, str(f.location)) for f in second.findings] == [("fake/bad-low", "templates/checkout.html:4")]
    assert second.suppressed == 2


def test_the_exit_status_gates_ci_at_the_chosen_severity(cli_state: CliState, project: Path) -> None:
    assert run(cli_state, "audit", str(project)).exit_code == 1  # a high finding, default gate: high
    (project / "templates" / "checkout.html").write_text("<p>BAD-medium</p>\n")
    assert run(cli_state, "audit", str(project)).exit_code == 0
    assert run(cli_state, "audit", str(project), "--fail-on", "medium").exit_code == 1
    assert run(cli_state, "audit", str(project), "--fail-on", "low").exit_code == 1
    (project / ".trustops-audit.yaml").write_text("exclude: ['locales/**', 'templates/**']\nfail_on: low\n")
    assert run(cli_state, "audit", str(project)).exit_code == 0


def test_bad_options_exit_2_with_a_message_naming_them(cli_state: CliState, project: Path) -> None:
    result = run(cli_state, "audit", str(project), "--fail-on", "critical")
    assert result.exit_code == 2 and "--fail-on: 'critical'" in result.output

    result = run(cli_state, "audit", str(project), "--format", "xml")
    assert result.exit_code == 2 and "--format: 'xml'; use one of text, json, sarif, html" in result.output

    (project / "bad-baseline.json").write_text("[1, 2]")
    result = run(cli_state, "audit", str(project), "--baseline", str(project / "bad-baseline.json"))
    assert result.exit_code == 2 and "a finding without a fingerprint" in result.output


def test_the_sarif_report_has_rules_levels_locations_and_fingerprints(project: Path) -> None:
    found = audit([str(project)])

    sarif = json.loads(reports.as_sarif(found, [FAKE]))

    assert sarif["version"] == "2.1.0" and len(sarif["runs"]) == 1
    driver = sarif["runs"][0]["tool"]["driver"]
    rules = [rule["id"] for rule in driver["rules"]]
    assert rules == ["fake/bad-high", "fake/bad-low"]
    results = sarif["runs"][0]["results"]
    assert [(r["ruleId"], r["ruleIndex"], r["level"]) for r in results] == [
        ("fake/bad-high", 0, "error"),
        ("fake/bad-low", 1, "note"),
    ]
    location = results[0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "templates/checkout.html"
    assert location["region"]["startLine"] == 2
    assert results[0]["partialFingerprints"]["trustopsFingerprint/v1"] == found.findings[0].fingerprint
    assert results[0]["properties"]["security-severity"] == "8.0"


def test_the_cli_writes_each_format_to_the_out_file(cli_state: CliState, project: Path, tmp_path: Path) -> None:
    for fmt in ("json", "sarif", "html", "text"):
        out = tmp_path / f"report.{fmt}"
        result = run(cli_state, "audit", str(project), "--format", fmt, "--out", str(out), "--fail-on", "high")
        assert result.exit_code == 1, result.output
        written = out.read_text()
        assert "fake/bad-high" in written
    assert written.endswith("2 findings (1 high, 0 medium, 1 low) in 2 files and responses.\n")
    html = (tmp_path / "report.html").read_text()
    assert 'aria-label="Findings per family and severity"' in html and "Write a good line." in html


def test_a_recorded_run_keeps_counts_and_redacted_evidence(session: Session, project: Path) -> None:
    (project / "templates" / "checkout.html").write_text("<p>BAD-high: mail ana.lopez@example.com</p>\n")
    found = audit([str(project)])

    run_ = record(session, found, actor="cli", project="shop", now=found_at())

    stored = session.scalars(select(AuditRun).where(AuditRun.id == run_.id)).one()
    assert stored.counts == {"low": 1, "medium": 0, "high": 1} and stored.project == "shop"
    evidence = session.scalars(select(AuditFinding.evidence).where(AuditFinding.run_id == run_.id)).all()
    assert not any("ana.lopez" in text for text in evidence)
    assert any("[email]" in text for text in evidence)


def found_at():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
