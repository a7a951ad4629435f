"""Real Statuspage consumers read trustops' page: ``statuscheck`` and ``statuspage-prometheus-exporter``.

Both come from PyPI into virtual environments of their own under ``.venv-compat/`` (statuscheck pins an old
httpx); ``make test`` creates them. Each state of the page (all operational, degraded, partial and major
outage, maintenance in progress, resolved) is set up in the database of a real trustops server, and both
clients must report it. Without those environments the module skips, except in CI (CI=true), where it fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.servers import live_server
from trustops.catalog.schema import CatalogFile, ComponentSpec
from trustops.catalog.service import sync_catalog
from trustops.comms.models import Maintenance
from trustops.config import Settings
from trustops.db import Database
from trustops.enums import Channel, ComponentStatus, MaintenanceState, Visibility
from trustops.monitor import incidents
from trustops.web.app import create_app

ROOT = Path(__file__).resolve().parents[2]
STATUSCHECK = ROOT / ".venv-compat" / "statuscheck" / "bin" / "python"
EXPORTER = ROOT / ".venv-compat" / "exporter" / "bin" / "statuspage-prometheus-exporter"
SECRET = "compat-secret-key-that-is-long-enough-0123456789"

STATUSCHECK_SCRIPT = """
import json, sys
from statuscheck.services.bases._statuspageio import BaseStatusPageAPI

class Trustops(BaseStatusPageAPI):
    name = "trustops"
    def _get_base_url(self):
        return sys.argv[1]

summary = Trustops().get_summary()
print(json.dumps({
    "indicator": summary.status.code,
    "kind": summary.status.name,
    "ok": summary.status.is_ok,
    "components": {c.name: c.status for c in summary.components},
    "incidents": [i.name for i in summary.incidents],
}))
"""


def _require(path: Path) -> None:
    if not path.exists():
        reason = f"{path.relative_to(ROOT)} is missing: run `make compat` (PyPI needed once)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


@dataclass(frozen=True)
class Page:
    base: str  # http://127.0.0.1:PORT/api/v2/
    database: Database


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    _require(STATUSCHECK)
    _require(EXPORTER)
    tmp_path = tmp_path_factory.mktemp("compat")
    url = f"sqlite:///{tmp_path}/compat.db"
    database = Database.from_url(url)
    database.upgrade()
    catalog = CatalogFile(
        components=[
            ComponentSpec(id="website", name="Website", group="Storefront"),
            ComponentSpec(id="checkout", name="Checkout", group="Checkout", criticality="transaction"),
            ComponentSpec(id="payments-db", name="Payments DB", visibility=Visibility.INTERNAL),
        ]
    )
    with database.session() as session:
        sync_catalog(session, catalog)
    settings = Settings(database_url=url, secret_key=SECRET, worker=False, base_url="http://127.0.0.1:1")
    with live_server(create_app(settings, database=database, catalog=catalog)) as port:
        yield Page(base=f"http://127.0.0.1:{port}/api/v2/", database=database)


def statuscheck(page: Page) -> dict[str, object]:
    done = subprocess.run(
        [str(STATUSCHECK), "-c", STATUSCHECK_SCRIPT, page.base], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def exporter(page: Page, workdir: Path) -> dict[str, float]:
    """Runs the exporter once and reads its textfile: metric line (name and labels) to value."""
    services = workdir / "services.json"
    services.write_text(json.dumps({"trustops": {"url": page.base + "summary.json", "name": "trustops"}}))
    textfile = workdir / "metrics" / "statuspage.prom"
    env = {
        **os.environ,
        "SERVICES_JSON_PATH": str(services),
        "RUN_MODE": "once",
        "METRICS_TEXTFILE_PATH": str(textfile),
        "CLEAR_CACHE": "true",
    }
    done = subprocess.run([str(EXPORTER)], cwd=workdir, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    metrics = {}
    for line in textfile.read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            metrics[name] = float(value)
    return metrics


def wait_for_page(page: Page, indicator: str, statuses: dict[str, str]) -> None:
    """The page re-renders within a second of a change; wait until it shows ``indicator`` and ``statuses``."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        summary = httpx.get(page.base + "summary.json").json()
        shown = {c["name"]: c["status"] for c in summary["components"]}
        if summary["status"]["indicator"] == indicator and all(shown.get(k) == v for k, v in statuses.items()):
            return
        time.sleep(0.1)
    pytest.fail(f"the page never showed indicator {indicator!r} with {statuses}")


def set_state(page: Page, state: str) -> None:
    """Resolve everything, then open what ``state`` needs."""
    now = datetime.now(UTC)
    with page.database.session() as session:
        for incident in incidents.list_incidents(session, open_only=True):
            incidents.resolve_incident(session, incident.id, actor="test", message="Fixed.", now=now)
        for maintenance in session.query(Maintenance).all():
            maintenance.state = MaintenanceState.COMPLETED
            maintenance.updated_at = now
        statuses = {
            "degraded": ComponentStatus.DEGRADED_PERFORMANCE,
            "partial": ComponentStatus.PARTIAL_OUTAGE,
            "major": ComponentStatus.MAJOR_OUTAGE,
        }
        if state in statuses:
            incident = incidents.open_incident(
                session,
                title=f"Checkout {state}",
                components={"checkout": statuses[state], "payments-db": ComponentStatus.MAJOR_OUTAGE},
                actor="test",
                message="We are aware that some customers cannot complete checkout. Next update by 15:00 UTC.",
                now=now,
            )
            incident.channel = Channel.STATUS_PAGE
        if state == "maintenance":
            session.add(
                Maintenance(
                    title="Database upgrade",
                    state=MaintenanceState.IN_PROGRESS,
                    scheduled_for=now - timedelta(minutes=5),
                    scheduled_until=now + timedelta(hours=1),
                    components=["website"],
                    started_at=now - timedelta(minutes=5),
                    created_at=now,
                    updated_at=now,
                )
            )


# state → the indicator, what statuscheck calls Checkout and Website, and the exporter's service status.
STATES = [
    ("operational", "none", "Operational", "Operational", 1.0),
    ("degraded", "minor", "Degraded performance", "Operational", 0.0),
    ("partial", "minor", "Partial outage", "Operational", 0.0),
    ("major", "major", "Major outage", "Operational", 0.0),
    ("maintenance", "maintenance", "Operational", "Under maintenance", 0.0),
    ("resolved", "none", "Operational", "Operational", 1.0),
]


@pytest.mark.parametrize(("state", "indicator", "checkout", "website", "service_status"), STATES)
def test_both_real_clients_report_each_state_of_the_page(
    page: Page, tmp_path: Path, state: str, indicator: str, checkout: str, website: str, service_status: float
) -> None:
    set_state(page, state)
    wire = {label: label.lower().replace(" ", "_") for label in (checkout, website)}
    wire["Under maintenance"] = "under_maintenance"
    wait_for_page(page, indicator, {"Checkout": wire[checkout], "Website": wire[website]})

    seen = statuscheck(page)
    assert seen["indicator"] == indicator
    assert seen["ok"] is (indicator == "none")
    components = seen["components"]
    assert isinstance(components, dict)
    assert "Payments DB" not in components  # internal components never reach the page
    assert components["Checkout"] == checkout
    assert components["Website"] == website

    metrics = exporter(page, tmp_path)
    assert metrics['statuspage_service_status{service_name="trustops"}'] == service_status
    up = {
        name: metrics[f'statuspage_component_status{{component_name="{name}",service_name="trustops"}}']
        for name in ("Checkout", "Website")
    }
    assert up == {"Checkout": float(checkout == "Operational"), "Website": float(website == "Operational")}
    # With nothing active the exporter writes one placeholder line whose id is "none".
    incident_lines = [n for n in metrics if n.startswith("statuspage_incident_info{") and 'incident_id="none"' not in n]
    maintenance_lines = [
        n for n in metrics if n.startswith("statuspage_maintenance_info{") and 'maintenance_id="none"' not in n
    ]
    assert bool(incident_lines) is (state in ("degraded", "partial", "major"))
    assert bool(maintenance_lines) is (state == "maintenance")
