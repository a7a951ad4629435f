"""Reading purchase files and reducing them to the RFM summary, on tiny hand-made files."""

from __future__ import annotations

import io

import numpy as np
import pytest

from trustops.analytics.clv import CsvColumns, LineError, Transaction, read_transactions, summarise
from trustops.errors import InvalidInput
from trustops.privacy import pseudonymise

SAMPLE_STYLE = """\
 00001 0001 19970101  1   10.00
 00001 0001 19970101  2    5.00
 00001 0001 19970115  1   20.00
 00001 0001 19970129  1   30.00
 00001 0001 19970305  1   99.00
 00002 0002 19970108  1   12.00
 00003 0003 19970301  1    7.00
"""
MASTER_STYLE = "customer_id  date number_of_cds  dollar_value\n" + "".join(
    f"{line.split()[0]} {' '.join(line.split()[2:])}\n" for line in SAMPLE_STYLE.splitlines()
)


def parse(text: str, fmt: str = "cdnow", **options: object) -> list[tuple[int, Transaction | LineError]]:
    return list(read_transactions(io.StringIO(text), fmt, **options))  # type: ignore[arg-type]


def good(text: str, fmt: str = "cdnow", **options: object) -> list[Transaction]:
    return [item for _, item in parse(text, fmt, **options) if isinstance(item, Transaction)]


def test_same_day_purchases_count_once_with_their_amounts_added() -> None:
    summary = summarise(good(SAMPLE_STYLE), calibration_weeks=8)

    first = summary.customers.index("00001")
    assert summary.x[first] == 2
    assert summary.t_x[first] == 4
    assert summary.monetary[first] == 25  # (20 + 30) / 2: the first day's 15 is not a repeat purchase


def test_the_calibration_cut_off_ends_the_age_and_moves_later_purchases_to_the_holdout() -> None:
    summary = summarise(good(SAMPLE_STYLE), calibration_weeks=8)

    first = summary.customers.index("00001")
    assert str(summary.calibration_end) == "1997-02-25"  # 8 weeks from 1997-01-01, its last day included
    assert summary.T[first] == pytest.approx(55 / 7)
    assert (summary.x_holdout[first], summary.spend_holdout[first]) == (1, 99)
    assert summary.holdout_weeks == pytest.approx(8 / 7)


def test_a_customer_without_repeat_purchases_has_zero_frequency_recency_and_spend() -> None:
    summary = summarise(good(SAMPLE_STYLE), calibration_weeks=8)

    second = summary.customers.index("00002")
    assert (summary.x[second], summary.t_x[second], summary.monetary[second]) == (0, 0, 0)
    assert summary.T[second] == pytest.approx(48 / 7)


def test_customers_who_first_buy_after_the_calibration_period_are_left_out_and_counted() -> None:
    summary = summarise(good(SAMPLE_STYLE), calibration_weeks=8)

    assert summary.customers == ("00001", "00002")
    assert summary.later_customers == 1


def test_without_calibration_weeks_all_the_data_is_the_calibration_period() -> None:
    summary = summarise(good(SAMPLE_STYLE))

    assert str(summary.calibration_end) == "1997-03-05"
    assert summary.n_customers == 3
    assert summary.holdout_weeks == 0
    assert summary.x.tolist() == [3, 0, 0]


def test_the_master_layout_with_a_header_reads_like_the_sample_layout() -> None:
    master, sample = summarise(good(MASTER_STYLE), 8), summarise(good(SAMPLE_STYLE), 8)

    assert master.customers == sample.customers
    for column in ("x", "t_x", "T", "monetary", "x_holdout"):
        assert np.array_equal(getattr(master, column), getattr(sample, column))


def test_bad_lines_are_reported_with_their_number_and_reason_and_the_good_ones_kept() -> None:
    text = (
        SAMPLE_STYLE + " 00004 0004 19971301 1 1.00\n 00004 0004 19970101 x 1.00\n 00004 0004 19970101 1 -1\n00004 1\n"
    )

    parsed = parse(text)

    errors = [item for _, item in parsed if isinstance(item, LineError)]
    assert [(error.line, error.message) for error in errors] == [
        (8, "date '19971301' is not a calendar date"),
        (9, "number of items 'x' is not a whole number of at least 0"),
        (10, "amount '-1' is not a finite amount of at least 0"),
        (11, "2 fields; expected 5 like the lines before"),
    ]
    assert len(parsed) - len(errors) == 7


def test_a_file_that_is_neither_cdnow_layout_is_refused_at_its_first_line() -> None:
    with pytest.raises(InvalidInput, match="format: line 2 has 3 fields") as caught:
        parse("\n 1 2 3\n")
    assert caught.value.field == "format"


def test_csv_takes_iso_times_on_their_utc_day_and_reports_bad_rows() -> None:
    text = (
        "user_id,timestamp,amount\n"
        "ann,2024-01-01T23:30:00-02:00,10\n"  # 01:30 UTC on 2 January
        "ann,2024-01-02T09:00:00Z,5\n"
        "ann,20240110,4.5\n"
        "bob,yesterday,3\n"
        ",2024-01-03,3\n"
        "bob,2024-01-03,lots\n"
    )

    parsed = parse(text, "csv")

    assert [item for _, item in parsed if isinstance(item, LineError)] == [
        LineError(5, "time 'yesterday' is not an ISO 8601 date or time"),
        LineError(6, "user_id: empty"),
        LineError(7, "amount 'lots' is not a number"),
    ]
    summary = summarise(item for _, item in parsed if isinstance(item, Transaction))
    assert (summary.customers, summary.x.tolist(), summary.monetary.tolist()) == (("ann",), [1.0], [4.5])


def test_csv_column_names_are_configurable_and_a_missing_one_is_named() -> None:
    text = "customer,ordered_on,total\nann,2024-01-01,10\n"

    rows = good(text, "csv", columns=CsvColumns(user="customer", time="ordered_on", amount="total"))

    assert rows == [Transaction("ann", rows[0].day, 10.0)]
    with pytest.raises(InvalidInput, match=r"columns: user='user_id', time='date', amount='amount' not in the header"):
        good(text, "csv")


def test_a_secret_replaces_every_customer_id_by_its_pseudonym() -> None:
    secret = b"clv-test-secret"

    summary = summarise(good(SAMPLE_STYLE, secret=secret), calibration_weeks=8)

    assert set(summary.customers) == {pseudonymise(secret, "00001"), pseudonymise(secret, "00002")}
    assert not {"00001", "00002"} & set(summary.customers)


def test_a_calibration_period_longer_than_the_data_is_refused_with_the_span() -> None:
    with pytest.raises(InvalidInput, match=r"calibration_weeks: 10 is not within the 9.0 weeks") as caught:
        summarise(good(SAMPLE_STYLE), calibration_weeks=10)
    assert caught.value.field == "calibration_weeks"


def test_an_unknown_format_and_a_file_without_purchases_are_refused() -> None:
    with pytest.raises(InvalidInput, match="format: 'xml' is not one of cdnow, csv"):
        parse("", "xml")
    with pytest.raises(InvalidInput, match="transactions: no valid purchase lines"):
        summarise(good("customer_id date number_of_cds dollar_value\n"))
