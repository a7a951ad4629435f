"""The report of the demo's incidents, seeded as ``trustops demo`` seeds them: the figures it shows are the
stored ones, and each kind of incident in the scenario prints on one page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.reports.world import page_count, pdf_texts
from trustops.analytics.models import ChurnRun
from trustops.config import Policy
from trustops.db import Database
from trustops.demo import seed
from trustops.monitor.exposure import blast_radius
from trustops.monitor.models import Incident
from trustops.reports.incident_report import incident_report
from trustops.reports.render import render_html, render_pdf

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
SECRET = b"s" * 40


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = Database.from_url(f"sqlite:///{tmp_path_factory.mktemp('demo-report')}/demo.db")
    database.upgrade()
    with database.session() as session:
        seed(session, secret=SECRET, now=NOW)
    yield database
    database.dispose()


def by_title(database: Database, title: str) -> Incident:
    with database.sessions() as session:
        return session.scalars(select(Incident).where(Incident.title == title)).one()


def test_the_card_payment_outage_shows_its_blast_radius_updates_and_recorded_debt(demo: Database) -> None:
    incident = by_title(demo, "Card payments declined")
    with demo.sessions() as session:
        report = incident_report(session, incident.id, policy=Policy(), secret=SECRET, now=NOW)
        radius = blast_radius(session, incident, policy=Policy(), now=NOW)
        run = session.scalars(select(ChurnRun).where(ChurnRun.incident_id == incident.id)).one()

    assert (report.reach.affected, report.reach.active) == (radius.affected, radius.active)
    assert [u.state for u in report.comms.updates] == ["investigating", "identified", "monitoring", "resolved"]
    assert report.comms.channel == "status_page"
    assert report.churn is not None and report.churn.debt is not None and run.debt is not None
    assert report.churn.debt.total.value == pytest.approx(run.debt)
    page = render_html(report)
    assert f"{radius.affected:,}" in page and f"EUR {run.debt:,.0f}" in page
    assert "No mentions about these components were recorded" in page  # the demo's complaints come weeks later


def test_the_customer_reported_incident_shows_its_spikes_and_what_customers_said(demo: Database) -> None:
    incident = by_title(demo, "Customers report problems with Payment gateway")
    with demo.sessions() as session:
        report = incident_report(session, incident.id, policy=Policy(), secret=SECRET, now=NOW)
    assert report.voice.mentions > 30 and len(report.voice.spikes) == 2
    assert report.voice.intents[0][0] == "Payment-failure reports"
    assert report.comms.channel == "internal" and report.comms.updates == ()
    assert report.summary[3] == "It was kept internal, so no customer was told."


@pytest.mark.parametrize(
    "title",
    [
        "Card payments declined",  # churn run, guard windows, a failed delivery
        "Order confirmations delayed for some business accounts",  # targeted: key accounts and their calls
        "Customers report problems with Payment gateway",  # spikes, quotes, a full mentions chart
        "Product images load slowly",  # still open
    ],
)
def test_each_kind_of_demo_incident_prints_on_one_page(demo: Database, title: str) -> None:
    incident = by_title(demo, title)
    with demo.sessions() as session:
        report = incident_report(session, incident.id, policy=Policy(), secret=SECRET, now=NOW)
    pdf = render_pdf(report)
    assert page_count(pdf) == 1
    assert any(title in text for text in pdf_texts(pdf))
