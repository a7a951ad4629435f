"""Stored silent-churn reports: what a run keeps, which run of an incident counts, and the debt they add up to."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy.orm import Session

from tests.analytics.sample_churn import sample_report
from tests.factories import make_incident
from trustops.analytics import store
from trustops.analytics.churn_report import HorizonResult
from trustops.analytics.models import ChurnRun
from trustops.errors import InvalidInput, NotFound

T0 = datetime(2024, 7, 1, 9, 0, tzinfo=UTC)


def recorded(session: Session, when: datetime, **sample: object) -> ChurnRun:
    with time_machine.travel(when, tick=False):
        return store.record(session, sample_report(**sample), actor="cli")  # type: ignore[arg-type]


def test_a_report_is_stored_with_its_headline_debt_and_reads_back_unchanged(session: Session) -> None:
    incident = make_incident(session)
    report = sample_report(incident_id=incident.id, debt_total=48_000.0)
    run = store.record(session, report, actor="token:ci")
    session.commit()
    session.expire_all()

    stored = session.get(ChurnRun, run.id)
    assert stored is not None
    assert (stored.actor, stored.incident_id, stored.title) == ("token:ci", incident.id, "Payment gateway errors")
    assert (stored.at, stored.engine, stored.treated) == (datetime(2024, 5, 19, tzinfo=UTC), "duckdb", 80)
    # The headline is the longest horizon with a debt: 60 days, 180 being skipped.
    assert (stored.horizon_days, stored.debt, stored.debt_low, stored.debt_high) == (60, 48_000.0, 24_000.0, 72_000.0)
    assert stored.currency == "EUR"
    assert stored.verdict == report.verdict
    assert store.load(stored) == report


def test_a_report_without_a_debt_stores_none_in_the_debt_columns(session: Session) -> None:
    report = sample_report()
    report = replace(report, horizons=tuple(replace(h, debt=None) for h in report.horizons))
    run = store.record(session, report, actor="cli")
    assert (run.horizon_days, run.debt, run.debt_low, run.debt_high) == (None, None, None, None)
    assert store.accumulated_debt(session) == {}


def test_a_report_about_an_unknown_incident_is_refused(session: Session) -> None:
    with pytest.raises(InvalidInput, match="incident_id: no incident 424242") as caught:
        store.record(session, sample_report(incident_id=424242), actor="cli")
    assert caught.value.field == "incident_id"


def test_the_newest_run_of_an_incident_replaces_the_older_ones(session: Session) -> None:
    checkout, search = make_incident(session), make_incident(session, title="Search slow")
    recorded(session, T0, incident_id=checkout.id, debt_total=10_000.0)
    newest = recorded(session, T0 + timedelta(days=2), incident_id=checkout.id, debt_total=30_000.0)
    recorded(session, T0 + timedelta(days=1), incident_id=checkout.id, debt_total=20_000.0)
    other = recorded(session, T0 + timedelta(days=1), incident_id=search.id, debt_total=5_000.0)
    lone = [recorded(session, T0 + timedelta(hours=h), debt_total=1_000.0) for h in (1, 2)]

    latest = store.latest_per_incident(session)

    assert [run.id for run in latest] == [newest.id, other.id, lone[1].id, lone[0].id]


def test_the_accumulated_debt_sums_the_newest_runs_per_currency(session: Session) -> None:
    checkout, search = make_incident(session), make_incident(session, title="Search slow")
    recorded(session, T0, incident_id=checkout.id, debt_total=10_000.0)
    recorded(session, T0 + timedelta(days=1), incident_id=checkout.id, debt_total=30_000.0)
    recorded(session, T0, incident_id=search.id, debt_total=5_000.0)
    dollars = recorded(session, T0, debt_total=700.0)
    dollars.currency = "USD"

    assert store.accumulated_debt(session) == {
        "EUR": store.Total(value=35_000.0, runs=2),
        "USD": store.Total(value=700.0, runs=1),
    }


def test_runs_lists_the_newest_first_up_to_the_limit(session: Session) -> None:
    made = [recorded(session, T0 + timedelta(hours=h)) for h in range(3)]
    assert [run.id for run in store.runs(session, limit=2)] == [made[2].id, made[1].id]


def test_a_missing_run_is_not_found_by_id(session: Session) -> None:
    with pytest.raises(NotFound, match="run_id: no churn run 9999"):
        store.get_run(session, 9999)


def test_an_uploaded_report_reads_as_the_report_it_was_made_from() -> None:
    report = sample_report(incident_id=3)
    assert store.report_from_json(report.to_dict()) == report


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        (lambda d: d.pop("treated"), "treated", "treated: required"),
        (lambda d: d.update(at="yesterday"), "at", "at: 'yesterday' is not valid"),
        (lambda d: d.update(incident_id="seven"), "incident_id", "incident_id: 'seven' is not valid"),
        (lambda d: d.update(horizons={}), "horizons", "horizons: expected a JSON array"),
        (lambda d: d["horizons"][1]["metrics"][0].pop("effect"), "horizons.1", "horizons.1: missing key 'effect'"),
        (lambda d: d["horizons"][0]["debt"].update(currency="EUROPEAN EURO"), "horizons.0.debt.currency", "currency"),
    ],
)
def test_a_malformed_upload_is_refused_naming_the_key(change: object, field: str, says: str) -> None:
    data = sample_report().to_dict()
    change(data)  # type: ignore[operator]
    with pytest.raises(InvalidInput, match=says) as caught:
        store.report_from_json(data)
    assert caught.value.field == field


def test_a_skipped_horizon_survives_the_round_trip(session: Session) -> None:
    run = store.record(session, sample_report(), actor="cli")
    assert store.load(run).horizon(180) == HorizonResult(
        days=180, skipped="the events end 2024-06-29, 41 days after the incident"
    )
