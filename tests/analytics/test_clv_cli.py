"""``trustops analytics clv``: JSON by the models' parameter names, tables, bad lines and errors by option."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from tests.analytics.simulate import purchases_csv
from tests.conftest import SHARED_DATA
from trustops.cli import app

SAMPLE = SHARED_DATA / "cdnow_sample.txt"


def run(*args: str) -> Result:
    return CliRunner().invoke(app, ["analytics", "clv", *args])


@pytest.fixture
def purchases(tmp_path: Path) -> Path:
    path = tmp_path / "purchases.csv"
    path.write_text(purchases_csv(400))
    return path


@pytest.mark.skipif(not SAMPLE.exists(), reason=f"{SAMPLE} is absent (../shared/data is not in a fresh clone)")
def test_json_on_the_cdnow_sample_holds_the_published_parameters_by_name() -> None:
    result = run("--transactions", str(SAMPLE), "--calibration-weeks", "39", "--json")

    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    bgnbd, spend = figures["bgnbd"], figures["gamma_gamma"]
    assert [round(bgnbd[name], 3) for name in ("r", "alpha", "a", "b")] == [0.243, 4.414, 0.793, 2.426]
    assert round(bgnbd["log_likelihood"], 1) == -9582.4
    assert [round(spend[name], 2) for name in ("p", "q")] == [6.25, 3.74]
    assert spend["v"] == pytest.approx(15.44, abs=0.01)
    assert (figures["customers"], figures["repeat_buyers"], spend["n_repeat_buyers"]) == (2357, 946, 946)
    assert figures["period"]["calibration_end"] == "1997-09-30"
    assert figures["holdout"]["actual_repeat_purchases"] == 1882
    deciles = figures["clv"]["deciles"]
    assert [decile["decile"] for decile in deciles] == list(range(1, 11))
    assert sum(decile["customers"] for decile in deciles) == 2357
    assert sum(decile["clv_total"] for decile in deciles) == pytest.approx(figures["clv"]["total"])


def test_the_default_output_is_tables_of_parameters_and_deciles(purchases: Path) -> None:
    result = run("--transactions", str(purchases), "--horizon-weeks", "26", "--discount-rate", "0.05")

    assert result.exit_code == 0, result.output
    for text in ("BG/NBD", "alpha", "Gamma-Gamma", "CLV over 26 weeks at 5% a year, by decile", "Total CLV"):
        assert text in result.stdout


def test_csv_columns_can_be_mapped_and_bad_lines_are_reported_by_number_with_exit_1(tmp_path: Path) -> None:
    path = tmp_path / "orders.txt"
    text = purchases_csv(400).replace("user_id,date,amount", "customer,ordered_on,total", 1)
    path.write_text(text + "c1,not a date,3.00\n")
    bad_line = len(text.splitlines()) + 1

    result = run(
        "--transactions", str(path), "--format", "csv", "--map", "user_id=customer,timestamp=ordered_on",
        "--map", "amount=total", "--json",
    )  # fmt: skip

    assert result.exit_code == 1
    assert f"orders.txt:{bad_line}: time 'not a date' is not an ISO 8601 date or time" in result.stderr
    assert json.loads(result.stdout)["bad_lines"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xml"], "Error: --format: 'xml' is not one of cdnow, csv"),
        (["--calibration-weeks", "900"], "Error: --calibration-weeks: 900 is not within the"),
        (["--map", "who=customer"], "Error: --map: 'who=customer' is not FIELD=COLUMN"),
        (["--map", "user_id=customer"], "Error: --map: user='customer' not in the header"),
        (["--discount-rate", "1.5"], "--discount-rate"),
    ],
)
def test_bad_options_are_refused_with_a_message_naming_the_option(
    purchases: Path, args: list[str], message: str
) -> None:
    result = run("--transactions", str(purchases), *args)

    assert result.exit_code != 0
    assert message in result.output


def test_a_file_too_small_to_fit_is_refused_naming_transactions(tmp_path: Path) -> None:
    path = tmp_path / "tiny.csv"
    path.write_text("user_id,date,amount\nann,2024-01-01,5\nbob,2024-01-02,7\n")

    result = run("--transactions", str(path))

    assert result.exit_code == 1
    assert "Error: --transactions: BG/NBD needs at least two customers and one repeat purchase" in result.stderr
