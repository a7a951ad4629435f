"""Issue #7's bars for silent churn, on real data (../shared/data, never copied into the repository):

- on the Retentioneering e-commerce clickstream, the payment-gateway incident's affected users show a
  significant loss against matched controls;
- on CDNOW, thinning the later purchases of a random 20% of customers is recovered by the
  difference-in-differences within its 95% interval in at least 90% of 50 repetitions.
"""

from __future__ import annotations

import csv
import gzip
from datetime import UTC, date, datetime

import ibis
import numpy as np
import pyarrow as pa
import pytest

from tests.conftest import SHARED_DATA
from trustops.analytics.churn import ChurnOptions, Cohort, analyse
from trustops.analytics.churn_report import LOSS
from trustops.analytics.events import connect, load_events

ECOM = SHARED_DATA / "ecom_events.csv.gz"
CDNOW = SHARED_DATA / "cdnow_master.txt"
pytestmark = pytest.mark.engine


@pytest.mark.skipif(not ECOM.exists(), reason=f"{ECOM} is absent (../shared/data sits beside the repository)")
def test_the_payment_gateway_incident_costs_its_affected_users_orders_against_matched_controls() -> None:
    with gzip.open(ECOM, "rt", newline="") as rows:
        affected = frozenset(row["user_id"] for row in csv.DictReader(rows) if row["event"] == "payment_error")
    events = load_events(connect("duckdb"), ECOM, engine="duckdb", secret=None)
    cohort = Cohort(
        at=datetime(2024, 5, 19, tzinfo=UTC),  # the first payment_error; the last is on June 8
        until=datetime(2024, 6, 9, tzinfo=UTC),
        affected=affected,
        title="Payment gateway errors",
        window_events=frozenset({"cart", "shipping_details", "payment_details"}),  # reached checkout meanwhile
    )
    report = analyse(events, cohort, ChurnOptions(order_value=40.0))
    assert len(affected) == 87
    orders = report.horizon(30).metric("orders")
    assert orders.verdict == LOSS, orders.sentence
    assert orders.effect.high < 0 and orders.effect.p_value < 0.05
    assert orders.treated_post - orders.treated_pre < orders.control_post - orders.control_pre
    assert report.horizon(60).skipped and report.horizon(180).skipped  # the clickstream ends on June 29
    assert report.verdict.startswith("Silent churn: orders per user")


def _cdnow() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lines = CDNOW.read_text().splitlines()[1:]
    fields = [line.split() for line in lines]
    epoch = date(1970, 1, 1).toordinal()
    customers = np.array([int(f[0]) for f in fields])
    seconds = np.array(
        [(date(int(f[1][:4]), int(f[1][4:6]), int(f[1][6:])).toordinal() - epoch) * 86_400 for f in fields]
    )
    amounts = np.array([float(f[3]) for f in fields])
    return customers, seconds, amounts


@pytest.mark.skipif(not CDNOW.exists(), reason=f"{CDNOW} is absent (../shared/data sits beside the repository)")
@pytest.mark.timeout(600)
def test_a_thinning_planted_in_cdnow_is_recovered_within_the_interval_in_nine_of_ten_repetitions() -> None:
    customers, seconds, amounts = _cdnow()
    users = np.unique(customers)
    at = datetime(1997, 10, 1, tzinfo=UTC)
    start, horizon, thinning = int(at.timestamp()), 180, 0.3
    backend = connect("duckdb")
    options = ChurnOptions(horizons=(horizon,), lifetime_value=False)
    covered = []
    for repetition in range(50):
        rng = np.random.default_rng(1_000 + repetition)
        treated = rng.choice(users, size=len(users) // 5, replace=False)
        later = np.isin(customers, treated) & (seconds >= start)
        dropped = later & (rng.random(len(seconds)) < thinning)
        in_window = int((dropped & (seconds < start + horizon * 86_400)).sum())
        truth = -in_window / len(treated) * 30 / horizon  # orders per user per 30 days the thinning took
        kept = ~dropped
        table = pa.table(
            {
                "user_id": customers[kept].astype(str),
                "timestamp": pa.array(seconds[kept], pa.int64()),
                "event": pa.array(["purchase"] * int(kept.sum())),
                "session_id": (seconds[kept] // 86_400).astype(str),  # a day's purchases are one visit
                "amount": amounts[kept],
            }
        )
        events = load_events(backend, ibis.memtable(table), engine="duckdb", secret=None)
        cohort = Cohort(
            at=at, until=datetime(1997, 10, 2, tzinfo=UTC), affected=frozenset(treated.astype(str)), controls="all"
        )
        effect = analyse(events, cohort, options).horizon(horizon).metric("orders").effect
        covered.append(effect.low <= truth <= effect.high)
    assert sum(covered) >= 45, f"covered in {sum(covered)} of 50"
