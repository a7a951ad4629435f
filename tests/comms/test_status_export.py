"""``trustops status export`` writes exactly the bytes the server sends, where a plain web server finds them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath

import time_machine
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.factories import make_component
from trustops.cli import app as cli
from trustops.cli.state import CliState
from trustops.comms.models import Maintenance
from trustops.enums import Channel, ComponentStatus, MaintenanceState, Visibility
from trustops.monitor.incidents import open_incident, resolve_incident
from trustops.web.statuscache import export_path

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def shop_with_history(session: Session) -> None:
    make_component(session, "website", group="Storefront")
    make_component(session, "checkout")
    make_component(session, "payments-db", visibility=Visibility.INTERNAL)
    for title, start, end in (("Search slow", 30, 29), ("Checkout <b>errors</b>", 1, None)):
        incident = open_incident(
            session,
            title=title,
            components={"checkout": ComponentStatus.MAJOR_OUTAGE},
            actor="t",
            message="Looking into it.",
            now=NOW - timedelta(hours=start),
        )
        incident.channel = Channel.STATUS_PAGE
        if end is not None:
            resolve_incident(session, incident.id, actor="t", message="Fixed.", now=NOW - timedelta(hours=end))
    session.add(
        Maintenance(
            title="Database upgrade",
            state=MaintenanceState.SCHEDULED,
            scheduled_for=NOW + timedelta(days=1),
            scheduled_until=NOW + timedelta(days=1, hours=1),
            components=["checkout"],
            created_at=NOW,
            updated_at=NOW,
        )
    )
    session.flush()


def url_of(relative: PurePosixPath) -> str:
    path = f"/{relative}"
    return path.removesuffix("/index.html")


def test_every_exported_file_has_the_bytes_the_server_sends_at_its_url(
    session: Session, client: TestClient, cli_state: CliState, tmp_path: Path
) -> None:
    shop_with_history(session)
    out = tmp_path / "site"

    with time_machine.travel(NOW, tick=False):
        result = CliRunner().invoke(cli, ["status", "export", str(out)], obj=cli_state)
        files = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
        served = {f: client.get(url_of(PurePosixPath(*f.parts))) for f in files}

    assert result.exit_code == 0, result.output
    assert len(files) == 1 + 2 + 2 + 8 + 1 + 1  # page, 2 incidents, 2 feeds, 8 documents, maintenance, css
    assert {str(f) for f in files} >= {
        "status/index.html",
        "status/history.atom",
        "status/history.rss",
        "api/v2/summary.json",
        "api/v2/incidents/unresolved.json",
        "api/v2/scheduled-maintenances/upcoming.json",
        "static/status.css",
    }
    for relative, response in served.items():
        assert response.status_code == 200, relative
        assert (out / relative).read_bytes() == response.content, relative
    assert str(out / "status" / "index.html") in result.stdout
    summary = json.loads((out / "api" / "v2" / "summary.json").read_bytes())
    assert [i["name"] for i in summary["incidents"]] == ["Checkout <b>errors</b>"]


def test_exporting_again_replaces_the_files_in_place(session: Session, cli_state: CliState, tmp_path: Path) -> None:
    shop_with_history(session)
    runner = CliRunner()
    assert runner.invoke(cli, ["status", "export", str(tmp_path)], obj=cli_state).exit_code == 0

    result = runner.invoke(cli, ["status", "export", str(tmp_path)], obj=cli_state)

    assert result.exit_code == 0
    assert not list(tmp_path.rglob(".*.tmp"))


def test_urls_map_to_paths_a_plain_web_server_serves() -> None:
    assert export_path("/status") == PurePosixPath("status/index.html")
    assert export_path("/status/incidents/abc123def456") == PurePosixPath("status/incidents/abc123def456/index.html")
    assert export_path("/status/history.atom") == PurePosixPath("status/history.atom")
    assert export_path("/api/v2/incidents/unresolved.json") == PurePosixPath("api/v2/incidents/unresolved.json")


def test_status_show_prints_the_rollup_and_public_components(session: Session, cli_state: CliState) -> None:
    shop_with_history(session)

    with time_machine.travel(NOW, tick=False):
        text = CliRunner().invoke(cli, ["status", "show"], obj=cli_state)
        data = CliRunner().invoke(cli, ["status", "show", "--json"], obj=cli_state)

    assert text.exit_code == 0, text.output
    assert "Status: Major Service Outage (major)" in text.stdout
    assert "  Storefront: operational\n    Website: operational\n  Checkout: major outage" in text.stdout
    assert "Open: Checkout <b>errors</b> (investigating, impact critical)" in text.stdout
    assert "payments-db" not in text.stdout
    assert json.loads(data.stdout)["status"] == {"indicator": "major", "description": "Major Service Outage"}
