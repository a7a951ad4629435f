"""``trustops report incident``: the executive report as HTML, JSON or PDF, to a file or standard output."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import time_machine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.reports.world import NOW, page_count, payment_outage
from trustops.cli import app
from trustops.cli.state import CliState
from trustops.monitor.models import Incident


@pytest.fixture
def outage(session: Session) -> Incident:
    incident = payment_outage(session)
    session.commit()
    return incident


def run(state: CliState, *args: str):  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        return CliRunner().invoke(app, ["report", "incident", *args], obj=state)


def test_the_html_report_goes_to_standard_output(cli_state: CliState, outage: Incident) -> None:
    result = run(cli_state, str(outage.id))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("<!DOCTYPE html>")
    assert f"#{outage.id} Card payments declined" in result.stdout and "EUR 48,000" in result.stdout


def test_json_carries_the_same_figures(cli_state: CliState, outage: Incident) -> None:
    result = run(cli_state, str(outage.id), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["reach"]["affected"], data["voice"]["mentions"]) == (18, 5)


def test_the_format_follows_the_file_name(cli_state: CliState, outage: Incident, tmp_path: Path) -> None:
    pdf, page = tmp_path / "report.pdf", tmp_path / "report.html"
    assert run(cli_state, str(outage.id), "--out", str(pdf)).exit_code == 0
    assert run(cli_state, str(outage.id), "-o", str(page)).exit_code == 0
    assert pdf.read_bytes().startswith(b"%PDF") and page_count(pdf.read_bytes()) == 1
    assert "Card payments declined" in page.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["9999"], "Error: incident 9999 does not exist"),
        (["{id}", "--format", "pdf"], "Error: --out: a PDF goes to a file: give --out FILE.pdf"),
        (["{id}", "--format", "docx"], "Error: --format: 'docx' is not one of html, pdf, json"),
        (["{id}", "--format", "html", "--out", "r.pdf"], "Error: --format: html does not match --out r.pdf"),
    ],
)
def test_bad_requests_exit_1_with_one_line(cli_state: CliState, outage: Incident, args: list[str], says: str) -> None:
    result = run(cli_state, *(a.format(id=outage.id) for a in args))
    assert result.exit_code == 1
    assert result.stderr.startswith(says)


def test_without_weasyprint_a_pdf_names_the_extra(
    cli_state: CliState, outage: Incident, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    result = run(cli_state, str(outage.id), "--out", str(tmp_path / "r.pdf"))
    assert result.exit_code == 1
    assert "pip install 'trustops[reports]'" in result.stderr
    assert not (tmp_path / "r.pdf").exists()
