"""Silent churn on DuckDB: cohorts, matching, the difference-in-differences and what it refuses."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from tests.analytics.churn_data import INCIDENT, INCIDENT_END, Synthetic, synthetic_events
from trustops.analytics.churn import ChurnOptions, Cohort, analyse
from trustops.analytics.churn_report import LOSS, NO_CHANGE, ChurnReport
from trustops.analytics.events import EventColumns, EventKinds, Events, connect, load_events, pseudonyms
from trustops.errors import InvalidInput
from trustops.privacy import pseudonymise

pytestmark = pytest.mark.engine
SECRET = b"test-secret"
FAST = ChurnOptions(horizons=(30,), bootstrap=400)


@pytest.fixture(scope="module")
def planted() -> Synthetic:
    return synthetic_events(users=300, drop=0.6)


@pytest.fixture(scope="module")
def events(planted: Synthetic) -> Events:
    return load_events(connect("duckdb"), ibis.memtable(planted.table), engine="duckdb", secret=None)


def cohort(hit: frozenset[str], **changes: object) -> Cohort:
    base = Cohort(at=INCIDENT, until=INCIDENT_END, affected=hit, title="Checkout errors")
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def report(events: Events, planted: Synthetic) -> ChurnReport:
    return analyse(events, cohort(planted.affected), ChurnOptions(horizons=(30, 60), bootstrap=400))


def test_a_planted_loss_of_visits_and_orders_is_found_with_intervals_that_exclude_zero(report: ChurnReport) -> None:
    month = report.horizon(30)
    for key in ("sessions", "orders", "logins"):
        metric = month.metric(key)
        assert metric.verdict == LOSS, metric.sentence
        assert metric.effect.high < 0
        assert metric.treated_post < metric.treated_pre
    assert "a significant loss" in month.metric("orders").sentence
    assert report.verdict.startswith("Silent churn:")


def test_metrics_that_need_what_the_events_lack_are_left_out_and_short_horizons_say_why(report: ChurnReport) -> None:
    skipped = report.horizon(60)
    assert skipped.metrics == ()
    assert skipped.skipped is not None and "too short for 60 days" in skipped.skipped
    keys = {metric.metric for metric in report.horizon(30).metrics}
    assert {"logins", "sessions", "session_minutes", "pages_per_visit", "orders", "order_value", "revenue"} <= keys


def test_matching_brings_the_groups_together_on_every_covariate(report: ChurnReport) -> None:
    assert report.treated + report.unmatched == report.affected_found == 75
    assert report.controls > 0 and report.pool > report.controls // 2
    for balance in report.balance:
        assert abs(balance.smd_after) <= max(abs(balance.smd_before), 0.1), balance


def test_the_debt_prices_lost_revenue_and_future_value_plus_entered_recovery_costs(
    events: Events, planted: Synthetic
) -> None:
    options = replace(FAST, recovery_costs={"refunds": 500.0, "support overtime": 250.0}, currency="EUR")
    debt = analyse(events, cohort(planted.affected), options).debt
    assert debt is not None and debt.currency == "EUR" and debt.horizon_days == 30
    assert debt.recovery == 750.0 and debt.recovery_items == {"refunds": 500.0, "support overtime": 250.0}
    assert debt.immediate.value > 0  # affected users bought less: revenue was lost
    future = debt.future.value if debt.future else 0.0
    assert debt.total.value == pytest.approx(debt.immediate.value + future + 750.0)
    assert debt.total.low <= debt.total.value <= debt.total.high


def test_without_an_effect_nothing_is_called_a_loss(events: Events) -> None:
    quiet = synthetic_events(users=300, drop=0.0, seed=11)
    loaded = load_events(connect("duckdb"), ibis.memtable(quiet.table), engine="duckdb", secret=None)
    month = analyse(loaded, cohort(quiet.affected), FAST).horizon(30)
    assert [m.metric for m in month.metrics if m.verdict == LOSS] == []
    assert month.metric("orders").verdict == NO_CHANGE


def test_the_report_round_trips_through_json_and_holds_no_user(report: ChurnReport, planted: Synthetic) -> None:
    text = json.dumps(report.to_dict())
    assert ChurnReport.from_dict(json.loads(text)) == report
    assert not any(user in text for user in planted.affected)


def test_the_same_seed_gives_the_same_report(events: Events, planted: Synthetic) -> None:
    first = analyse(events, cohort(planted.affected), FAST)
    again = analyse(events, cohort(planted.affected), FAST)
    assert first.to_dict() == again.to_dict()


def test_weekly_curves_start_four_weeks_before_the_incident(report: ChurnReport) -> None:
    curve = report.curve
    assert curve is not None and curve.weeks[0] == -4 and curve.weeks[-1] == 4
    week = curve.weeks.index(2)
    assert curve.treated[week] < curve.control[week]
    assert all(
        low <= mid <= high for low, mid, high in zip(curve.treated_low, curve.treated, curve.treated_high, strict=True)
    )


def test_ids_are_pseudonymised_as_the_exposure_ledger_does(planted: Synthetic) -> None:
    loaded = load_events(connect("duckdb"), ibis.memtable(planted.table), engine="duckdb", secret=SECRET)
    assert list(loaded.keys(["u0001", "u0002"])) == [pseudonymise(SECRET, "u0001"), pseudonymise(SECRET, "u0002")]
    assert pseudonyms(SECRET, ["u0001", " u0002 "]) == [pseudonymise(SECRET, "u0001"), pseudonymise(SECRET, "u0002")]
    hit = frozenset(pseudonyms(SECRET, sorted(planted.affected)))
    report = analyse(loaded, cohort(hit), FAST)
    assert report.treated > 70
    with pytest.raises(InvalidInput, match="none of the 75 affected users"):
        analyse(loaded, cohort(planted.affected), FAST)  # raw ids match nothing once pseudonymised


def test_sessions_are_derived_from_thirty_minute_gaps_when_the_events_have_none() -> None:
    table = pa.table(
        {
            "user_id": ["a", "a", "a", "b"],
            "timestamp": ["2025-01-01 10:00:00", "2025-01-01 10:20:00", "2025-01-01 11:00:00", "2025-01-01 10:00:00"],
            "event": ["home", "purchase", "home", "home"],
            "amount": [None, 12.5, None, None],
        }
    )
    loaded = load_events(
        connect("duckdb"), ibis.memtable(table), engine="duckdb", secret=None, columns=EventColumns(session=None)
    )
    sessions = loaded.table.select("user", "session").distinct().to_pyarrow()
    assert sorted(sessions.column("session").to_pylist()) == ["a#1", "a#2", "b#1"]
    orders = loaded.table.filter(loaded.table.order).to_pyarrow()
    assert orders.column("amount").to_pylist() == [12.5]


def test_ids_with_surrounding_spaces_are_one_user_and_blank_ids_none() -> None:
    table = pa.table(
        {
            "user_id": ["u1", " u1 ", "   ", "u2"],
            "timestamp": ["2025-01-01 10:00:00", "2025-01-01 10:05:00", "2025-01-01 10:06:00", "2025-01-01 10:00:00"],
            "event": ["home", "home", "home", "home"],
        }
    )
    loaded = load_events(
        connect("duckdb"), ibis.memtable(table), engine="duckdb", secret=None, columns=EventColumns(session=None)
    )
    assert (loaded.events, loaded.users) == (3, 2)
    assert sorted(loaded.table.select("user", "session").distinct().to_pyarrow().column("session").to_pylist()) == [
        "u1#1",
        "u2#1",
    ]


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".parquet", ".ndjson"])
def test_files_are_read_by_their_extension(tmp_path: Path, planted: Synthetic, suffix: str) -> None:
    path = tmp_path / f"events{suffix}"
    if suffix == ".parquet":
        pq.write_table(planted.table, path)
    elif suffix == ".ndjson":
        lines = (json.dumps(row) for row in planted.table.slice(0, 500).to_pylist())
        path.write_text("\n".join(lines) + "\n")
    else:
        pacsv.write_csv(
            planted.table, pa.CompressedOutputStream(str(path), "gzip") if suffix.endswith(".gz") else str(path)
        )
    loaded = load_events(connect("duckdb"), path, engine="duckdb", secret=None)
    assert loaded.events == (500 if suffix == ".ndjson" else planted.table.num_rows)
    assert loaded.users > 0 and loaded.start_sec < loaded.end_sec


def test_event_kinds_come_from_comma_separated_names() -> None:
    kinds = EventKinds.parse(logins="Sign_In, auth", orders="paid")
    assert kinds.logins == frozenset({"sign_in", "auth"}) and kinds.orders == frozenset({"paid"})
    assert EventKinds.parse().orders == EventKinds().orders


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            {"at": datetime(2030, 1, 1, tzinfo=UTC), "until": datetime(2030, 1, 2, tzinfo=UTC)},
            "at",
            "is not within the events",
        ),
        ({"affected": frozenset({"nobody"})}, "affected", "none of the 1 affected users"),
        ({"window_events": frozenset({"no-such-event"})}, "controls", "no unaffected user was active"),
    ],
)
def test_a_cohort_the_events_cannot_answer_is_refused_naming_the_field(
    events: Events, planted: Synthetic, change: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        analyse(events, cohort(planted.affected, **change), FAST)
    assert caught.value.field == field and words in caught.value.message


def test_bad_cohorts_and_options_are_refused_when_made() -> None:
    with pytest.raises(InvalidInput, match="until: .* is not after"):
        Cohort(at=INCIDENT, until=INCIDENT - timedelta(hours=1), affected=frozenset({"a"}))
    with pytest.raises(InvalidInput, match="at: times must carry a time zone"):
        Cohort(at=INCIDENT.replace(tzinfo=None), until=INCIDENT_END, affected=frozenset({"a"}))
    with pytest.raises(InvalidInput, match="bootstrap: 10 is fewer than 100"):
        ChurnOptions(bootstrap=10)
    with pytest.raises(InvalidInput, match=r"horizons: \[0\]"):
        ChurnOptions(horizons=(0,))


def test_missing_columns_and_unknown_engines_are_named(planted: Synthetic, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="the user column 'customer' is not in the events"):
        load_events(
            connect("duckdb"),
            ibis.memtable(planted.table),
            engine="duckdb",
            secret=None,
            columns=EventColumns(user="customer"),
        )
    with pytest.raises(InvalidInput, match="engine: 'presto' is not one of duckdb, spark"):
        connect("presto")
    with pytest.raises(InvalidInput, match="events: .* is not a file"):
        load_events(connect("duckdb"), tmp_path / "missing.csv", engine="duckdb", secret=None)
    with pytest.raises(InvalidInput, match="names no table"):
        load_events(connect("duckdb"), "duckdb:///x.db", engine="duckdb", secret=None)
