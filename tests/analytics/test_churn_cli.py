"""``trustops analytics churn``: an incident's silent churn from the exposure ledger or a file of ids, as
tables, JSON, an HTML report and a stored run; bad input named by its option."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.analytics.churn_data import INCIDENT, INCIDENT_END, Synthetic, synthetic_events
from tests.factories import make_incident
from trustops.analytics.models import ChurnRun
from trustops.cli import app
from trustops.cli.state import CliState
from trustops.enums import ComponentStatus
from trustops.monitor.health_models import Exposure
from trustops.monitor.incidents import resolve_incident
from trustops.privacy import pseudonymise

FAST = ["--horizon", "30", "--bootstrap", "200"]


@pytest.fixture(scope="module")
def planted() -> Synthetic:
    return synthetic_events(users=200, drop=0.6, seed=5)


@pytest.fixture
def events_csv(tmp_path: Path, planted: Synthetic) -> Path:
    path = tmp_path / "events.csv"
    pacsv.write_csv(planted.table, str(path))
    return path


def run(cli_state: CliState, *args: str) -> object:
    return CliRunner().invoke(app, ["analytics", "churn", *args], obj=cli_state, env={"COLUMNS": "200"})


def test_an_incident_s_affected_users_come_from_the_exposure_ledger_and_the_run_is_recorded(
    session: Session, cli_state: CliState, events_csv: Path, planted: Synthetic, tmp_path: Path
) -> None:
    incident = make_incident(session, {"checkout": ComponentStatus.MAJOR_OUTAGE}, started_at=INCIDENT, now=INCIDENT)
    secret = cli_state.settings.secret()
    for number, user in enumerate(sorted(planted.affected)):
        session.add(
            Exposure(
                user_key=pseudonymise(secret, user),
                component_id="checkout",
                at=INCIDENT + timedelta(minutes=5),
                kind="error",
                source="test",
                event_id=str(number),
            )
        )
    resolve_incident(session, incident.id, actor="test", now=INCIDENT_END)
    session.commit()
    html = tmp_path / "report.html"

    result = run(
        cli_state, "--events", str(events_csv), "--incident", str(incident.id), "--record", "--html", str(html), *FAST
    )

    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "orders per user (per 30 days)" in result.stdout  # type: ignore[attr-defined]
    assert "Silent churn:" in result.stdout  # type: ignore[attr-defined]
    stored = session.scalars(select(ChurnRun)).one()
    assert stored.incident_id == incident.id and stored.actor == "cli" and stored.treated > 40
    assert stored.report["affected_given"] == len(planted.affected)
    assert len(stored.report["distrust"]["months"]) == 6  # no mentions: six quiet months after resolution
    assert "Lingering distrust: No lingering distrust" in result.stdout  # type: ignore[attr-defined]
    check = stored.report["trust_check"]  # the index's implied churn against the churn measured here
    assert 0 < check["implied_churn"] <= 1 and check["verdict"] in result.stdout  # type: ignore[attr-defined]
    assert "<html" in html.read_text() and "Checkout errors" in html.read_text()


def test_a_file_of_affected_ids_and_a_start_time_give_the_report_as_json(
    cli_state: CliState, events_csv: Path, planted: Synthetic, tmp_path: Path
) -> None:
    affected = tmp_path / "affected.txt"
    affected.write_text("\n".join(sorted(planted.affected)) + "\n")

    result = run(
        cli_state, "--events", str(events_csv), "--affected", str(affected), "--at", INCIDENT.strftime("%Y-%m-%d %H:%M:%S"),
        "--until", INCIDENT_END.strftime("%Y-%m-%d %H:%M:%S"), "--recovery-cost", "refunds=1,200", "--currency", "eur",
        "--json", *FAST,
    )  # fmt: skip

    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    report = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert report["title"] == "affected" and report["affected_given"] == len(planted.affected)
    (month,) = report["horizons"]
    assert month["debt"]["currency"] == "EUR" and month["debt"]["recovery_items"] == {"refunds": 1200.0}
    assert {metric["metric"] for metric in month["metrics"]} >= {"logins", "orders", "sessions"}


def test_columns_are_mapped_and_sessions_derived_when_the_file_has_none(cli_state: CliState, tmp_path: Path) -> None:
    planted = synthetic_events(users=150, drop=0.6, seed=9, sessions=False)
    renamed = planted.table.rename_columns(["who", "what", "when", "paid"])
    path = tmp_path / "events.csv"
    pacsv.write_csv(renamed, str(path))
    affected = tmp_path / "affected.txt"
    affected.write_text("\n".join(sorted(planted.affected)))

    result = run(
        cli_state, "--events", str(path), "--affected", str(affected), "--at", INCIDENT.strftime("%Y-%m-%d %H:%M:%S"),
        "--map", "user_id=who,event=what,timestamp=when,amount=paid,session_id=none", "--json", *FAST,
    )  # fmt: skip

    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert json.loads(result.stdout)["treated"] > 20  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "--incident: name one of --incident ID, --affected FILE or --affected-events NAMES"),
        (["--affected", "{affected}", "--incident", "1"], "--incident: name one of"),
        (["--affected", "{affected}"], "--at: --affected and --affected-events need --at"),
        (["--affected-events", "checkout_error", "--at", "2025-04-01"], "affected_events: no user had checkout_error"),
        (["--incident", "999"], "incident: no incident 999"),
        (
            ["--affected", "{affected}", "--at", "2025-04-01", "--map", "user=id"],
            "--map: 'user=id' is not FIELD=COLUMN",
        ),
        (
            ["--affected", "{affected}", "--at", "2025-04-01", "--recovery-cost", "refunds"],
            "--recovery-cost: 'refunds'",
        ),
        (["--affected", "{affected}", "--at", "2025-04-01", "--engine", "presto"], "engine: 'presto' is not one of"),
        (["--affected", "{affected}", "--at", "2031-01-01"], "at: 2031-01-01 is not within the events"),
    ],
)
def test_bad_input_exits_1_naming_the_option(
    cli_state: CliState, events_csv: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    affected = tmp_path / "affected.txt"
    affected.write_text("u0001\n")
    filled = [arg.replace("{affected}", str(affected)) for arg in args]

    result = run(cli_state, "--events", str(events_csv), *filled, *FAST)

    assert result.exit_code == 1, result.output  # type: ignore[attr-defined]
    assert message in result.output  # type: ignore[attr-defined]
    assert "Traceback" not in result.output  # type: ignore[attr-defined]


def test_a_table_on_another_backend_is_read_through_ibis(
    cli_state: CliState, planted: Synthetic, tmp_path: Path
) -> None:
    import duckdb

    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as connection:
        connection.register("incoming", pa.Table.from_batches(planted.table.to_batches()))
        connection.execute("CREATE TABLE product_events AS SELECT * FROM incoming")
    affected = tmp_path / "affected.txt"
    affected.write_text("\n".join(sorted(planted.affected)))

    result = run(
        cli_state, "--events", f"duckdb://{warehouse}#product_events", "--affected", str(affected),
        "--at", INCIDENT.strftime("%Y-%m-%d %H:%M:%S"), "--json", *FAST,
    )  # fmt: skip

    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert json.loads(result.stdout)["affected_found"] == len(planted.affected)  # type: ignore[attr-defined]


def test_affected_users_can_be_the_ones_whose_own_events_record_the_failure(
    cli_state: CliState, events_csv: Path, planted: Synthetic
) -> None:
    result = run(
        cli_state, "--events", str(events_csv), "--affected-events", "cart", "--at", INCIDENT.strftime("%Y-%m-%d %H:%M:%S"),
        "--until", INCIDENT_END.strftime("%Y-%m-%d %H:%M:%S"), "--all-controls", "--json", *FAST,
    )  # fmt: skip

    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    report = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert report["title"] == "Users with cart"
    assert report["affected_given"] > len(planted.affected)  # everyone with a visit in the window reached the cart
