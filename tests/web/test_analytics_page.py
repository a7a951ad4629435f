"""Silent-churn runs over the API and on the Analytics page: upload, list, the accumulated debt, the report."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.analytics.sample_churn import sample_report
from tests.factories import auth, make_incident, make_token, make_user
from tests.web.test_dashboard import log_in
from trustops.accounts.models import Role, Scope
from trustops.analytics import store
from trustops.analytics.models import ChurnRun
from trustops.web.routes.analytics import charts

RUNS = "/api/v1/analytics/churn-runs"


@pytest.fixture
def two_runs(session: Session) -> list[ChurnRun]:
    """The newest analyses of two incidents: EUR 48,000 and EUR 12,000 of debt."""
    made = []
    for day, (title, debt) in enumerate((("Payment gateway errors", 48_000.0), ("Search timeouts", 12_000.0)), 1):
        incident = make_incident(session, title=title)
        report = replace(sample_report(incident_id=incident.id, debt_total=debt), title=title)
        with time_machine.travel(datetime(2024, 7, day, tzinfo=UTC), tick=False):
            made.append(store.record(session, report, actor="cli"))
    session.commit()
    return made


def test_an_ingest_token_uploads_a_report_and_gets_its_headline_back(client: TestClient, session: Session) -> None:
    incident = make_incident(session)
    token = make_token(session, Scope.INGEST, name="ci")
    session.commit()
    report = sample_report(incident_id=incident.id)

    response = client.post(RUNS, json=report.to_dict(), headers=auth(token))

    assert response.status_code == 201
    body = response.json()
    headline = (body["incident_id"], body["debt"], body["debt_low"], body["currency"], body["horizon_days"])
    assert headline == (incident.id, 48_000.0, 24_000.0, "EUR", 60)
    stored = session.get(ChurnRun, body["id"])
    assert stored is not None and stored.actor == "token:ci"
    assert store.load(stored) == report


def test_an_upload_without_a_token_or_with_only_read_scope_is_refused(client: TestClient, session: Session) -> None:
    reader = make_token(session, Scope.READ)
    session.commit()
    data = sample_report().to_dict()
    assert client.post(RUNS, json=data).status_code == 401
    refused = client.post(RUNS, json=data, headers=auth(reader))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert session.query(ChurnRun).count() == 0


def test_a_malformed_report_is_refused_naming_the_field(client: TestClient, session: Session) -> None:
    token = make_token(session, Scope.INGEST)
    session.commit()
    data = sample_report().to_dict()
    del data["treated"]

    response = client.post(RUNS, json=data, headers=auth(token))

    assert response.status_code == 422
    assert response.json()["error"] == {"code": "invalid", "message": "treated: required", "field": "treated"}


def test_a_reader_lists_runs_reads_one_whole_and_gets_404_for_a_missing_one(
    client: TestClient, session: Session, two_runs: list[ChurnRun]
) -> None:
    token = make_token(session, Scope.READ)
    session.commit()

    listed = client.get(RUNS, headers=auth(token)).json()
    whole = client.get(f"{RUNS}/{two_runs[0].id}", headers=auth(token))
    missing = client.get(f"{RUNS}/999999", headers=auth(token))

    assert [(r["id"], r["title"], r["debt"]) for r in listed] == [
        (two_runs[1].id, "Search timeouts", 12_000.0),
        (two_runs[0].id, "Payment gateway errors", 48_000.0),
    ]
    assert whole.json() == store.load(two_runs[0]).to_dict()
    assert missing.status_code == 404
    assert missing.json()["error"]["field"] == "run_id"


def test_the_debt_endpoint_sums_the_newest_run_of_each_incident(
    client: TestClient, session: Session, two_runs: list[ChurnRun]
) -> None:
    token = make_token(session, Scope.READ)
    session.commit()
    body = client.get("/api/v1/analytics/debt", headers=auth(token)).json()
    assert body["accumulated"] == {"EUR": {"value": 60_000.0, "runs": 2}}
    assert [row["title"] for row in body["incidents"]] == ["Search timeouts", "Payment gateway errors"]


def test_the_page_shows_the_accumulated_debt_each_incident_and_the_newest_run(
    client: TestClient, session: Session, two_runs: list[ChurnRun]
) -> None:
    make_user(session, "alice", Role.COMMS)
    session.commit()
    log_in(client)

    page = client.get("/analytics")

    assert page.status_code == 200
    text = page.text
    assert "EUR 60,000" in text
    assert "over 2 incidents" in text
    assert f'<a href="/incidents/{two_runs[0].incident_id}">Payment gateway errors</a>' in text
    assert f'<a href="/incidents/{two_runs[1].incident_id}">Search timeouts</a>' in text
    assert 'role="img" aria-label="Reputational debt per incident in EUR: Search timeouts: EUR 12,000' in text
    assert "orders per user (per 30 days)" in text and "worse than matched customers" in text
    assert "Not measured: the events end 2024-06-29" in text
    assert "Trust index per tier" in text
    assert "trustops analytics churn --events FILE" not in text


def test_the_newest_run_shows_its_lingering_distrust_and_the_trust_index_check(
    client: TestClient, session: Session
) -> None:
    incident = make_incident(session, title="Card payments declined")
    report = replace(
        sample_report(incident_id=incident.id),
        distrust={"verdict": "No lingering distrust: mentions stayed at their pre-incident rate."},
        trust_check={"verdict": "the model overstates churn (100.0% implied, 21.6% observed): scale it by 0.22"},
    )
    store.record(session, report, actor="test")
    make_user(session, "alice", Role.COMMS)
    session.commit()
    log_in(client)

    text = client.get("/analytics").text

    assert "Lingering distrust:</strong> No lingering distrust: mentions stayed" in text
    assert "Trust index against this cohort:</strong> the model overstates churn (100.0% implied" in text


def test_the_page_without_runs_says_what_to_run(client: TestClient, session: Session) -> None:
    make_user(session, "alice", Role.COMMS)
    session.commit()
    log_in(client)
    text = client.get("/analytics").text
    assert "No silent-churn analysis yet" in text
    assert "trustops analytics churn --events FILE --incident ID --record" in text
    assert "<td>enterprise</td>" in text and "never dropped" in text  # the trust index still shows, at 100
    assert 'href="/analytics" title="Silent churn, reputational debt and the trust index" aria-current="page"' in text


def test_the_standalone_report_of_a_run_is_served_as_html(
    client: TestClient, session: Session, two_runs: list[ChurnRun]
) -> None:
    pytest.importorskip(
        "trustops.analytics.churn_html", reason="the HTML report module (churn_html.render_html) is not written yet"
    )
    make_user(session, "alice", Role.COMMS)
    session.commit()
    log_in(client)
    response = client.get(f"/analytics/churn-runs/{two_runs[1].id}/report.html")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "Search timeouts" in response.text
    assert client.get("/analytics/churn-runs/999999/report.html").status_code == 404


def test_a_gain_is_drawn_left_of_zero_and_a_run_without_interval_has_no_whisker() -> None:
    gain = ChurnRun(title="Loyalty bonus", currency="EUR", debt=-500.0, debt_low=-900.0, debt_high=-100.0)
    cost = ChurnRun(title="Checkout down", currency="EUR", debt=1_500.0, debt_low=None, debt_high=None)

    [chart] = charts([gain, cost])

    left, right = chart.bars
    assert left.x + left.width == pytest.approx(chart.zero_x) and right.x == chart.zero_x
    assert right.low_x is None and right.high_x is None
    assert chart.label.endswith("Loyalty bonus: EUR -500 (95% CI -900 to -100); Checkout down: EUR 1,500")
