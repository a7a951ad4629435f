"""The demo's silent churn: the payment-gateway outage's report, and the events file behind it (issue #7)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from trustops.analytics import store
from trustops.analytics.events import connect, load_events
from trustops.analytics.models import ChurnRun
from trustops.db import Database
from trustops.demo import seed
from trustops.monitor.health_models import Exposure
from trustops.monitor.models import Incident

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
SECRET = b"s" * 40


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, Path]]:
    folder = tmp_path_factory.mktemp("demo-churn")
    database = Database.from_url(f"sqlite:///{folder}/demo.db")
    database.upgrade()
    events_path = folder / "trustops-demo-events.csv.gz"
    with database.session() as session:
        seed(session, secret=SECRET, now=NOW, events_path=events_path)
    yield database, events_path
    database.dispose()


def _payment_keys(database: Database) -> tuple[Incident, set[str]]:
    with database.sessions() as session:
        incident = session.scalars(select(Incident).where(Incident.title == "Card payments declined")).one()
        end = incident.resolved_at or NOW
        keys = set(
            session.scalars(select(Exposure.user_key).where(Exposure.at >= incident.started_at, Exposure.at <= end))
        )
    return incident, keys


def test_the_payment_outage_shows_a_significant_loss_of_orders_and_a_debt(demo: tuple[Database, Path]) -> None:
    database, _path = demo
    incident, _keys = _payment_keys(database)
    with database.sessions() as session:
        [run] = session.scalars(select(ChurnRun)).all()
    report = store.load(run)
    orders = report.horizon(30).metric("orders")

    assert (run.incident_id, run.actor, run.engine, run.horizon_days) == (incident.id, "demo", "duckdb", 30)
    assert incident.started_at <= NOW - timedelta(days=30)  # the 30-day horizon is covered
    assert orders.verdict == "loss" and orders.effect.high < 0
    assert orders.treated_post < orders.treated_pre
    assert run.currency == "EUR" and run.debt is not None and run.debt_low is not None and run.debt_low > 0
    assert report.treated > 0 and report.controls > 0
    assert run.verdict.startswith("Silent churn:")


def test_the_stored_report_names_no_customer(demo: tuple[Database, Path]) -> None:
    database, _path = demo
    _incident, keys = _payment_keys(database)
    with database.sessions() as session:
        [run] = session.scalars(select(ChurnRun)).all()
    text = json.dumps(run.report)

    assert len(keys) > 100
    assert not [key for key in keys if key in text]
    assert "loyal-0" not in text and "regular-0" not in text and "enterprise-0" not in text


def test_the_events_file_loads_with_the_ledgers_pseudonyms(demo: tuple[Database, Path]) -> None:
    database, path = demo
    _incident, keys = _payment_keys(database)

    events = load_events(connect("duckdb"), path, engine="duckdb", secret=SECRET)
    raw = events.table.select("user").distinct().to_pyarrow().column("user").to_pylist()
    users = set(events.keys(raw))
    kinds = set(events.table.select("event").distinct().to_pyarrow().column("event").to_pylist())

    assert 100_000 < events.events <= 300_000
    assert datetime.fromtimestamp(events.end_sec, UTC) <= NOW
    assert datetime.fromtimestamp(events.start_sec, UTC) < NOW - timedelta(days=90)
    assert kinds == {"login", "home", "search", "product_view", "cart", "checkout", "purchase"}
    assert len(keys & users) > 0.6 * len(keys)  # the hit customers, under the ledger's pseudonyms
