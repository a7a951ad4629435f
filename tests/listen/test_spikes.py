from __future__ import annotations

import csv
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from scipy import stats  # type: ignore[import-untyped]

from trustops.listen.spikes import (
    DAY,
    PRIOR_DF,
    PRIOR_DISPERSION,
    Spike,
    Window,
    detect,
    format_p,
    severity,
    share_p_value,
    volume_p_value,
)

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
MONDAY = datetime(2024, 3, 4, tzinfo=UTC)
LABEL = "Payment gateway complaints"


def windows(counts: list[int], totals: list[int] | None = None, *, first_end: datetime = MONDAY) -> list[Window]:
    """Consecutive daily windows, oldest first, ending at midnight UTC from ``first_end`` on."""
    totals = totals or [1000] * len(counts)
    return [
        Window(first_end + i * DAY, count, total) for i, (count, total) in enumerate(zip(counts, totals, strict=True))
    ]


def kinds(spikes: list[Spike]) -> set[str]:
    return {spike.kind for spike in spikes}


def test_a_flat_poisson_history_gives_no_spike() -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        totals = rng.poisson(1000, 8).tolist()
        counts = rng.binomial(totals, 0.03).tolist()
        assert detect("payment", LABEL, windows(counts, totals)) == []


def test_a_fourfold_jump_is_a_volume_spike_worded_for_a_director() -> None:
    [volume] = [spike for spike in detect("payment", LABEL, windows([20] * 7 + [80])) if spike.kind == "volume"]
    assert (volume.observed, volume.expected, volume.change) == (80, 20, 3.0)
    assert volume.p_value < 0.001
    assert volume.baseline == "the previous 7 days"
    assert volume.sentence == "Payment gateway complaints +300% vs the previous 7 days (p < 0.001)"


def test_a_monday_peak_is_not_a_spike_when_every_monday_peaks() -> None:
    # Five weeks of windows ending at midnight: the window ending on a Tuesday covers the Monday.
    week = [60, 20, 20, 20, 20, 20, 20]
    history = windows(week * 5 + [60], first_end=MONDAY + DAY)
    assert (history[-1].end - DAY / 2).strftime("%A") == "Monday"
    assert detect("payment", LABEL, history) == []


def test_the_same_peak_on_a_tuesday_is_a_spike_against_the_usual_tuesday() -> None:
    week = [60, 20, 20, 20, 20, 20, 20]
    counts = week * 4 + [60, 60]
    spikes = detect("payment", LABEL, windows(counts, first_end=MONDAY + DAY))
    assert kinds(spikes) == {"volume", "share"}
    volume = next(spike for spike in spikes if spike.kind == "volume")
    assert volume.baseline == "the usual Tuesday"
    assert volume.sentence == "Payment gateway complaints +200% vs the usual Tuesday (p < 0.001)"


def test_without_four_weeks_of_history_a_weekly_peak_is_judged_against_the_previous_days() -> None:
    spikes = detect("payment", LABEL, windows([20, 20, 20, 20, 20, 20, 60], first_end=MONDAY + 2 * DAY))
    assert {spike.baseline for spike in spikes} == {"the previous 6 days"}


def test_a_mix_shift_with_flat_volume_is_a_share_spike_only() -> None:
    [share] = detect("payment", LABEL, windows([50] * 8, [1000] * 7 + [300]))
    assert share.kind == "share"
    assert share.observed == pytest.approx(50 / 300)
    assert share.expected == pytest.approx(0.05)
    assert share.sentence == (
        "Payment gateway complaints as a share of mentions +233% vs the previous 7 days (16.7% vs 5.0%, p < 0.001)"
    )


def test_a_volume_rise_matched_by_the_whole_feed_is_a_volume_spike_but_no_share_spike() -> None:
    spikes = detect("payment", LABEL, windows([20] * 7 + [80], [1000] * 7 + [4000]))
    assert kinds(spikes) == {"volume"}


def test_min_count_is_respected() -> None:
    quiet_then_four = windows([0] * 7 + [4])
    assert detect("payment", LABEL, quiet_then_four) == []
    assert kinds(detect("payment", LABEL, quiet_then_four, min_count=3)) == {"volume", "share"}


def test_fewer_than_three_history_windows_give_nothing() -> None:
    assert detect("payment", LABEL, windows([10, 10, 500])) == []
    assert detect("payment", LABEL, windows([500])) == []
    assert detect("payment", LABEL, windows([10, 10, 10, 500])) != []


def test_a_small_rise_that_is_significant_is_not_news() -> None:
    # +45 % on 5,000 mentions a day, against five flat weeks, is beyond noise but below the +50 % a spike needs.
    flat_then_up = windows([5000] * 35 + [7250], [100_000] * 36)
    assert detect("payment", LABEL, flat_then_up) == []
    assert kinds(detect("payment", LABEL, flat_then_up, min_change=0.4)) == {"volume", "share"}


def test_one_earlier_spike_does_not_mask_the_next() -> None:
    spikes = detect("payment", LABEL, windows([30, 31, 29, 90, 30, 32, 28, 90]))
    volume = next(spike for spike in spikes if spike.kind == "volume")
    assert volume.expected == pytest.approx(30)


def test_a_key_never_seen_before_is_worded_as_new() -> None:
    spikes = detect("payment", LABEL, windows([0] * 7 + [12]))
    assert [spike.sentence for spike in spikes] == [
        "Payment gateway complaints: 12 mentions vs none over the previous 7 days (p < 0.001)",
        "Payment gateway complaints: 1.2% of mentions vs none over the previous 7 days (p < 0.001)",
    ]
    assert all(math.isinf(spike.change) and spike.expected == 0 for spike in spikes)


def test_the_volume_p_value_follows_the_documented_steps() -> None:
    # History 20 a day for a week: variance 0, so the dispersion is the prior's, shrunk over 6 + 4 df,
    # read at the upper quartile, and the variance widened by 1 + 1/7 for the estimated mean.
    df = 6 + PRIOR_DF
    dispersion = PRIOR_DF * PRIOR_DISPERSION / df * df / stats.chi2.ppf(0.25, df)
    variance = (20 + dispersion * 400) * (1 + 1 / 7)
    size = 400 / (variance - 20)
    expected = stats.nbinom.sf(39, size, size / (size + 20))
    [volume] = [spike for spike in detect("payment", LABEL, windows([20] * 7 + [40])) if spike.kind == "volume"]
    assert volume.p_value == pytest.approx(expected, rel=1e-9)


def test_p_values_agree_with_scipy_stats() -> None:
    # By hand: P(X >= 2) for Poisson(1) is 1 - 2/e.
    assert volume_p_value(2, 1.0, 1.0) == pytest.approx(1 - 2 / math.e, rel=1e-12)
    assert volume_p_value(57, 15.0, 15.0) == pytest.approx(stats.poisson.sf(56, 15.0), rel=1e-9)
    size = 15.0**2 / (40.0 - 15.0)
    assert volume_p_value(57, 15.0, 40.0) == pytest.approx(stats.nbinom.sf(56, size, size / (size + 15.0)), rel=1e-9)
    assert share_p_value(57, 370, 0.04, 0.0) == pytest.approx(stats.binom.sf(56, 370, 0.04), rel=1e-9)
    icc = 0.01
    a, b = 0.04 * (1 / icc - 1), 0.96 * (1 / icc - 1)
    assert share_p_value(57, 370, 0.04, icc) == pytest.approx(stats.betabinom.sf(56, 370, a, b), rel=1e-9)


def test_severity_combines_evidence_and_size() -> None:
    assert severity(0.009, 0.5) == 2
    assert severity(1e-12, 2.8) == 7
    assert severity(1e-30, 31.0) == 10
    assert severity(1e-30, math.inf) == 10
    assert severity(0.5, 0.0) == 1


@pytest.mark.parametrize(
    ("p_value", "text"),
    [(0.0004, "p < 0.001"), (0.0042, "p = 0.004"), (0.00996, "p < 0.01"), (0.03, "p = 0.030")],
)
def test_p_values_are_worded_at_a_useful_precision(p_value: float, text: str) -> None:
    assert format_p(p_value) == text


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ([Window(MONDAY, 1, 10), Window(MONDAY, 1, 10)], "0:00:00 after the one before"),
        ([Window(MONDAY, 1, 10), Window(MONDAY + timedelta(hours=25), 1, 10)], "1 day, 1:00:00 after"),
        ([Window(MONDAY, 11, 10)], "count 11 for total 10"),
        ([Window(MONDAY.replace(tzinfo=None), 1, 10)], "naive"),
    ],
)
def test_malformed_windows_are_refused_with_the_offending_value(bad: list[Window], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        detect("payment", LABEL, bad)


def test_windows_may_come_newest_first() -> None:
    oldest_first = windows([20] * 7 + [80])
    assert detect("payment", LABEL, oldest_first[::-1]) == detect("payment", LABEL, oldest_first)


def test_no_windows_give_nothing() -> None:
    assert detect("payment", LABEL, []) == []


@pytest.mark.skipif(not (DATA / "airline_tweets.csv").exists(), reason="needs ../shared/data/airline_tweets.csv")
def test_the_southwest_cancellations_of_21_february_2015_are_a_spike() -> None:
    with (DATA / "airline_tweets.csv").open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["airline"] == "Southwest"]
    times = [datetime.strptime(row["tweet_created"], "%Y-%m-%d %H:%M:%S %z") for row in rows]
    cancelled = [at for at, row in zip(times, rows, strict=True) if row["negativereason"] == "Cancelled Flight"]
    ends = [datetime(2015, 2, 18 + day, 18, tzinfo=UTC) for day in range(4)]
    series = [
        Window(end, sum(end - DAY < at <= end for at in cancelled), sum(end - DAY < at <= end for at in times))
        for end in ends
    ]
    spikes = detect("Cancelled Flight", "Southwest cancelled-flight complaints", series)
    assert kinds(spikes) >= {"volume"}
    assert all(spike.change > 2 for spike in spikes)
