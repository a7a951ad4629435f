"""The demo seed, into a SQLite file of its own, as ``trustops demo`` makes it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from trustops.accounts.models import Role
from trustops.catalog.models import Component
from trustops.cli import app as cli
from trustops.cli.state import CliState
from trustops.config import Policy, Settings
from trustops.db import Database
from trustops.demo import CATALOG, DEMO_PASSWORD, DEMO_USER, demo_catalog, seed
from trustops.demo.shop import mount_on
from trustops.enums import ComponentStatus, HeartbeatStatus, ProbeStatus
from trustops.guard.facts import FactBook
from trustops.monitor.health_models import Heartbeat, Probe, ProbeRun
from trustops.monitor.heartbeats import shown_status, sweep
from trustops.monitor.incidents import list_incidents
from trustops.overview.board import build
from trustops.overview.views import view_for
from trustops.web.app import create_app

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
PORT = 8765


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = Database.from_url(f"sqlite:///{tmp_path_factory.mktemp('demo')}/demo.db")
    database.upgrade()
    with database.session() as session:
        seed(session, secret=b"s" * 40, now=NOW, port=PORT)
    yield database
    database.dispose()


def test_the_catalog_probes_the_demo_shops_checkout_every_10_seconds(demo: Database) -> None:
    with demo.sessions() as session:
        probe = session.scalars(select(Probe)).one()
        runs = session.scalar(select(func.count()).select_from(ProbeRun).where(ProbeRun.probe_id == probe.id))
        checkout = session.get(Component, "checkout")

    assert (probe.component_id, probe.type, probe.interval) == ("checkout", "http", 10)
    assert probe.spec["url"] == f"http://127.0.0.1:{PORT}/demo-shop/checkout/health"
    assert checkout is not None and checkout.checks[0]["url"] == probe.spec["url"]
    assert probe.status is ProbeStatus.UP and probe.last_run_at is not None and probe.last_response_ms
    assert runs == 360  # the last hour
    assert probe.next_run_at > NOW  # the worker's first run waits until the shop serves


def test_the_order_mail_heartbeat_is_late_at_once_and_goes_down_about_a_minute_later(demo: Database) -> None:
    with demo.sessions() as session:
        heartbeat = session.scalars(select(Heartbeat)).one()
        assert (heartbeat.component_id, heartbeat.period, heartbeat.grace) == ("order-emails", 300, 120)
        assert heartbeat.n_pings == 25
        assert shown_status(heartbeat, NOW) == "late"

        assert sweep(session, policy=Policy(), now=NOW + timedelta(seconds=50)) == []
        assert sweep(session, policy=Policy(), now=NOW + timedelta(seconds=70)) == [heartbeat.uuid]

        assert heartbeat.status is HeartbeatStatus.DOWN
        [opened] = [i for i in list_incidents(session, open_only=True) if i.source == "heartbeat"]
        assert {c.component_id: c.status for c in opened.components} == {"order-emails": ComponentStatus.PARTIAL_OUTAGE}
        session.rollback()


def test_the_health_page_of_the_seeded_demo_is_full(demo: Database) -> None:
    settings = Settings(_env_file=None, secret_key="s" * 40, base_url=f"http://127.0.0.1:{PORT}")  # type: ignore[call-arg]
    app = create_app(settings, database=demo, catalog=demo_catalog(PORT))
    mount_on(app)
    with time_machine.travel(NOW + timedelta(seconds=5), tick=False), TestClient(app) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        assert token is not None
        form = {"username": DEMO_USER, "password": DEMO_PASSWORD, "csrf_token": token.group(1), "next": "/health"}
        page = client.post("/login", data=form).text

    for visible in ["Break checkout", "checkout-api", "mail-job", "late", f"http://127.0.0.1:{PORT}/ping/",
                    "ops-pager", "DiskWillFillIn4Hours", "Product images load slowly"]:  # fmt: skip
        assert visible in page


def test_the_packaged_catalog_stays_valid_without_a_port() -> None:
    settings = Settings(_env_file=None, secret_key="s" * 40)  # type: ignore[call-arg]
    result = CliRunner().invoke(cli, ["config", "check", str(CATALOG)], obj=CliState(settings))

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"{CATALOG}: OK (9 components, 1 check)"
    assert [check.type for c in demo_catalog(9000).components for check in c.checks] == ["http", "heartbeat"]


def test_the_demo_shows_a_public_incident_a_targeted_one_and_a_retrospective_report(demo: Database) -> None:
    from trustops.comms.models import AccountTask
    from trustops.enums import Channel

    with demo.sessions() as session:
        found = {i.title: i for i in list_incidents(session, limit=50)}
        tasks = list(session.scalars(select(AccountTask)))

        live = found["Product images load slowly"]
        assert live.is_open and live.channel is Channel.STATUS_PAGE
        business = found["Order confirmations delayed for some business accounts"]
        assert business.channel is Channel.TARGETED
        glitch = found["Cart errors"]
        assert glitch.channel is Channel.RETROSPECTIVE and glitch.backfilled
        [report] = [e for e in glitch.events if e.data.get("backfilled")]
        assert report.message is not None and "cart" in report.message.lower()
        assert report.data["deliver_notifications"] is False
    managers = {t.account: t.manager for t in tasks if t.incident_id == business.id}
    assert managers["Acme Retail"] == "Dana Whitfield" and len(managers) == 4


def test_the_demo_status_page_tells_the_public_incident_and_the_report_but_not_the_targeted_one(
    demo: Database,
) -> None:
    settings = Settings(_env_file=None, secret_key="s" * 40, worker=False)  # type: ignore[call-arg]
    app = create_app(settings, database=demo, catalog=demo_catalog(PORT))
    with time_machine.travel(NOW + timedelta(seconds=5), tick=False), TestClient(app) as client:
        summary = client.get("/api/v2/summary.json").json()
        history = client.get("/api/v2/incidents.json").json()
        page = client.get("/status").text

    assert summary["status"]["indicator"] in ("minor", "major")
    assert [i["name"] for i in summary["incidents"]] == ["Product images load slowly"]
    names = [i["name"] for i in history["incidents"]]
    assert "Cart errors" in names and "Order confirmations delayed for some business accounts" not in names
    assert all(c["name"] != "Payment gateway" for c in summary["components"])  # internal
    assert "Northwind Goods Status" in page and "Cart errors" in page
    [upcoming] = summary["scheduled_maintenances"]
    assert (upcoming["name"], upcoming["status"]) == ("Search index rebuild", "scheduled")
    assert [c["name"] for c in upcoming["components"]] == ["Search"] and "Search index rebuild" in page


def test_the_demo_trims_its_winter_sale_promotion_of_the_customers_the_outages_hurt(demo: Database) -> None:
    from trustops.guard.models import GuardRun

    with demo.sessions() as session:
        [run] = session.scalars(select(GuardRun)).all()
    assert (run.campaign_id, run.campaign_type.value, run.audience) == ("winter-sale", "promotional", 3_000)
    assert run.suppressed["help_not_offers"] > 0 and run.suppressed["no_offers_after_error"] > 0
    assert run.allowed == run.audience - sum(run.suppressed.values())


def test_the_demo_overview_ranks_what_customers_feel_above_the_louder_outage(demo: Database) -> None:
    policy = Policy()
    with demo.session() as session:
        book = FactBook.load(session, secret=b"s" * 40, policy=policy, now=NOW)
        board = build(session, view_for(Role.ADMIN), policy=policy, now=NOW, book=lambda: book, organisation=None)

    assert board.incidents is not None and board.debt is not None and board.guard is not None
    titles = [i.title for i in board.incidents]
    assert titles.index("Customers report problems with Payment gateway") < titles.index("Product images load slowly")
    assert board.talk is not None and board.talk.today.complaints > 2 * board.talk.usual_complaints
    assert [currency for currency, _value, _runs in board.debt.totals] == ["EUR"]
    assert len(board.guard.windows) >= 3 and board.breach and board.breach[0].drill
