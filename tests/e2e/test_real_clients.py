"""Real clients against a real trustops server: the sentry-sdk, and Debian's Alertmanager.

The server is uvicorn in a thread, over a migrated SQLite file; what the clients did is read back from
that database. Without /usr/bin/prometheus-alertmanager (``apt-get install prometheus-alertmanager``)
its test skips, except in CI (CI=true), where it fails.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
import sentry_sdk
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.factories import make_component
from tests.servers import live_server
from trustops.accounts.models import Scope
from trustops.accounts.tokens import create_token
from trustops.catalog.schema import CatalogFile
from trustops.config import Settings
from trustops.db import Database
from trustops.enums import IncidentState
from trustops.monitor.health_models import Alert, Exposure
from trustops.monitor.models import EventKind, Incident, IncidentComponent, IncidentEvent
from trustops.privacy import pseudonymise
from trustops.web.app import create_app

ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
SECRET = "e2e-secret-key-that-is-long-enough-0123456789"
WAIT_S = 20
T = TypeVar("T")


@dataclass(frozen=True)
class Server:
    url: str
    port: int
    database: Database
    token: str  # an ingest token, used as the Bearer
    dsn_key: str  # an errors token, the Sentry DSN's public key


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp_path = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{tmp_path}/e2e.db"
    database = Database.from_url(url)
    database.upgrade()
    with database.session() as session:
        make_component(session, "checkout")
        token = create_token(session, name="e2e", scopes=[Scope.INGEST]).token
        dsn_key = create_token(session, name="e2e-dsn", scopes=[Scope.ERRORS]).token
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        secret_key=SECRET,
        database_url=url,
        config_path=tmp_path / "trustops.yaml",
    )
    app = create_app(settings, database=database, catalog=CatalogFile())
    try:
        with live_server(app) as port:
            yield Server(f"http://127.0.0.1:{port}", port, database, token, dsn_key)
    finally:
        database.dispose()


def wait_for(database: Database, probe: Callable[[Session], T | None], what: str, timeout: float = WAIT_S) -> T:
    """Polls the database until ``probe`` returns something truthy; fails naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        with database.sessions() as session:
            found = probe(session)
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout:.0f} s for {what}")
        time.sleep(0.1)


# The sentry-sdk


def test_the_real_sentry_sdk_puts_a_users_error_in_the_exposure_ledger(server: Server) -> None:
    # An errors token is the DSN's public key: its '_' and '-' are valid in URL userinfo.
    client = sentry_sdk.Client(
        dsn=f"http://{server.dsn_key}@127.0.0.1:{server.port}/1",
        release="shop@1.0",
        default_integrations=False,
        auto_enabling_integrations=False,
    )
    try:
        with sentry_sdk.isolation_scope() as scope:
            scope.set_client(client)
            scope.set_user({"id": "u-42", "email": "ada@example.com"})
            scope.set_tag("feature", "checkout")
            try:
                raise ZeroDivisionError("card 4242 declined")
            except ZeroDivisionError:
                event_id = sentry_sdk.capture_exception()
        client.flush(timeout=5)
    finally:
        client.close(timeout=5)
    assert event_id is not None

    def stored(session: Session) -> Exposure | None:
        return session.scalars(select(Exposure).where(Exposure.event_id == event_id)).one_or_none()

    row = wait_for(server.database, stored, f"exposure of Sentry event {event_id}", timeout=5)
    assert (row.user_key, row.component_id, row.source) == (pseudonymise(SECRET.encode(), "u-42"), "checkout", "sentry")


# Alertmanager


@dataclass(frozen=True)
class Alertmanager:
    url: str
    process: subprocess.Popen[bytes]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def alertmanager(server: Server, tmp_path: Path) -> Iterator[Alertmanager]:
    """Debian's Alertmanager routing every alert to trustops, re-sending each group every second."""
    if shutil.which(ALERTMANAGER) is None:
        reason = f"{ALERTMANAGER} not found: apt-get install prometheus-alertmanager to run this test"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    receiver = {
        "url": f"{server.url}/api/v1/ingest/alertmanager",
        "send_resolved": True,
        "http_config": {"authorization": {"credentials": server.token}},
    }
    config = {
        "route": {
            "receiver": "trustops",
            "group_by": ["alertname"],
            "group_wait": "1s",
            "group_interval": "1s",
            "repeat_interval": "1s",  # so a re-delivery of the unchanged group happens within the test
        },
        "receivers": [{"name": "trustops", "webhook_configs": [receiver]}],
    }
    (tmp_path / "am.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    log = (tmp_path / "alertmanager.log").open("wb")
    process = subprocess.Popen(
        [
            ALERTMANAGER,
            f"--config.file={tmp_path / 'am.yml'}",
            f"--storage.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",  # no gossip
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process, tmp_path / "alertmanager.log")
        yield Alertmanager(url, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"alertmanager exited with {process.returncode}:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"alertmanager was not ready within 10 s:\n{log.read_text()[-2000:]}")


def push(am: Alertmanager, starts_at: datetime, ends_at: datetime | None = None) -> None:
    alert = {
        "labels": {"alertname": "CheckoutDown", "service": "checkout", "severity": "critical"},
        "annotations": {"summary": "Checkout probe failing"},
        "startsAt": starts_at.isoformat(),
        "generatorURL": "http://prom.local/graph",
    }
    if ends_at is not None:
        alert["endsAt"] = ends_at.isoformat()
    response = httpx.post(f"{am.url}/api/v2/alerts", json=[alert], timeout=5)
    assert response.status_code == 200, response.text


def incidents_on_checkout(session: Session) -> list[Incident]:
    query = select(Incident).join(IncidentComponent).where(IncidentComponent.component_id == "checkout")
    return list(session.scalars(query))


def test_a_real_alertmanager_opens_one_incident_despite_redeliveries_then_resolves_it(
    server: Server, alertmanager: Alertmanager
) -> None:
    started = datetime.now(UTC).replace(microsecond=0)
    push(alertmanager, started)

    def open_incident(session: Session) -> Incident | None:
        return next((i for i in incidents_on_checkout(session) if i.state.is_open), None)

    incident = wait_for(server.database, open_incident, "an open incident on checkout")
    wait_for(server.database, lambda s: (s.scalar(select(func.max(Alert.deliveries))) or 0) >= 2, "a re-delivery")
    with server.database.sessions() as session:
        assert len(incidents_on_checkout(session)) == 1
        opened = select(func.count()).where(
            IncidentEvent.incident_id == incident.id, IncidentEvent.kind == EventKind.OPENED
        )
        assert session.scalar(opened) == 1
        alert = session.scalars(select(Alert)).one()
        assert (alert.source, alert.firing, alert.incident_id) == ("alertmanager", True, incident.id)

    push(alertmanager, started, ends_at=datetime.now(UTC) - timedelta(seconds=1))

    def resolved(session: Session) -> Incident | None:
        found = session.get(Incident, incident.id)
        return found if found is not None and found.state is IncidentState.RESOLVED else None

    wait_for(server.database, resolved, "the incident to be resolved")
    with server.database.sessions() as session:
        assert len(incidents_on_checkout(session)) == 1
        assert session.scalars(select(Alert)).one().firing is False
