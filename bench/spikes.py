"""Complaint spikes replayed on real tweets: the statistical detector against two threshold rules.

Replays Twitter US Airline Sentiment (../shared/data/airline_tweets.csv, Feb 2015) in time order: each
airline is a brand and each human-labelled ``negativereason`` a key. At the end of every UTC hour from the
first day + 3 days on, each (airline, reason) gets its rolling 24-hour windows and goes through
``trustops.listen.spikes.detect``; an alert is raised when it fires and the same (airline, reason, kind)
did not fire in the previous 24 h. The known event must be among the alerts: Southwest "Cancelled
Flight" on 21 Feb 2015, about 57 against 15 a day (rules.md §10); the script exits 1 when it is not.

Peers on the same windows, with the same guards (>= 3 history windows, >= min-count mentions, 24 h
dedupe): Socialmetrix's variation alert, mean(last 24 h) > mean(last 7 d) + 2 sigma (daily counts), and
ThirdEye's daily > 150 % of the 7-day average (rules.md §10).

    .venv/bin/python bench/spikes.py [--alpha 0.01] [--min-count 5]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

from trustops.listen.spikes import DAY, RECENT_DAYS, Window, detect, format_p

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
TWEETS = DATA / "airline_tweets.csv"
HOUR = timedelta(hours=1)
MAX_WINDOWS = 29  # the judged window and 4 weeks of history: enough for the seasonal baseline
KNOWN = ("Southwest", "Cancelled Flight", date(2015, 2, 21))


@dataclass(frozen=True)
class Feed:
    """Sorted tweet times per airline, and per (airline, reason) for the negative ones."""

    start: datetime
    end: datetime
    totals: dict[str, list[datetime]]
    reasons: dict[tuple[str, str], list[datetime]]


@dataclass(frozen=True)
class Alert:
    at: datetime
    airline: str
    reason: str
    kind: str
    observed: float
    expected: float
    p_value: float | None
    severity: int | None
    sentence: str


Rule = Callable[[str, str, Sequence[Window]], list[Alert]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alpha", type=float, default=0.01)
    parser.add_argument("--min-count", type=int, default=5)
    args = parser.parse_args()
    console = Console()
    if not TWEETS.exists():
        console.print(
            f"bench/spikes.py skipped: {TWEETS} is absent (the real data lives beside the repo, in ../shared)."
        )
        return
    feed = load(TWEETS)
    console.print(volume_table(feed))
    rules: dict[str, Rule] = {
        "trustops detect()": lambda airline, reason, windows: ours(
            airline, reason, windows, args.alpha, args.min_count
        ),
        "Socialmetrix 24 h > 7 d mean + 2σ": peer(socialmetrix, args.min_count),
        "ThirdEye daily > 150 % of 7 d avg": peer(thirdeye, args.min_count),
    }
    results = {name: replay(feed, rule) for name, rule in rules.items()}
    alerts, seconds, evaluations = results["trustops detect()"]
    console.print(alert_table(alerts))
    console.print(peer_table(results))
    console.print(
        f"detect(): {evaluations:,} evaluations in {seconds:.2f} s = {evaluations / seconds:,.0f} evaluations/s"
    )
    if not any(caught(alert) for alert in alerts):
        console.print(f"[red]MISSING: no {KNOWN[0]} {KNOWN[1]!r} alert on {KNOWN[2]}[/red]")
        sys.exit(1)


def load(path: Path) -> Feed:
    totals: dict[str, list[datetime]] = defaultdict(list)
    reasons: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            at = datetime.strptime(row["tweet_created"], "%Y-%m-%d %H:%M:%S %z").astimezone(UTC)
            totals[row["airline"]].append(at)
            if row["negativereason"]:
                reasons[(row["airline"], row["negativereason"])].append(at)
    for times in (*totals.values(), *reasons.values()):
        times.sort()
    every = [at for times in totals.values() for at in times]
    return Feed(min(every), max(every), dict(totals), dict(reasons))


def evaluation_times(feed: Feed) -> Iterator[datetime]:
    """The end of every UTC hour from the first day + 3 days to the hour the feed stops."""
    now = feed.start.replace(hour=0, minute=0, second=0, microsecond=0) + 3 * DAY
    while now - HOUR < feed.end:
        yield now
        now += HOUR


def windows_at(feed: Feed, airline: str, reason: str, now: datetime) -> list[Window]:
    """Rolling 24 h windows ending at ``now``, oldest first; only those the feed saw whole."""
    ends = [now - i * DAY for i in range(MAX_WINDOWS - 1, -1, -1)]
    ends = [end for end in ends if end - DAY >= feed.start]
    key_times = feed.reasons.get((airline, reason), [])
    return [
        Window(end, _count(key_times, end - DAY, end), _count(feed.totals[airline], end - DAY, end)) for end in ends
    ]


def _count(times: list[datetime], start: datetime, end: datetime) -> int:
    return bisect_right(times, end) - bisect_right(times, start)


def replay(feed: Feed, rule: Rule) -> tuple[list[Alert], float, int]:
    """Every alert the rule raises over the replay, deduplicated over 24 h, and the time spent in it."""
    last_fired: dict[tuple[str, str, str], datetime] = {}
    alerts: list[Alert] = []
    seconds, evaluations = 0.0, 0
    keys = sorted(feed.reasons)
    for now in evaluation_times(feed):
        for airline, reason in keys:
            windows = windows_at(feed, airline, reason, now)
            if not windows:
                continue
            started = time.perf_counter()
            fired = rule(airline, reason, windows)
            seconds += time.perf_counter() - started
            evaluations += 1
            for alert in fired:
                key = (airline, reason, alert.kind)
                if key not in last_fired or now - last_fired[key] > DAY:
                    alerts.append(alert)
                last_fired[key] = now
    return alerts, seconds, evaluations


def ours(airline: str, reason: str, windows: Sequence[Window], alpha: float, min_count: int) -> list[Alert]:
    label = f'{airline} "{reason.removesuffix(" Complaints")}" complaints'
    return [
        Alert(windows[-1].end, airline, reason, s.kind, s.observed, s.expected, s.p_value, s.severity, s.sentence)
        for s in detect(reason, label, windows, alpha=alpha, min_count=min_count)
    ]


def socialmetrix(current: int, history: list[int]) -> bool:
    return current > statistics.fmean(history) + 2 * statistics.stdev(history)


def thirdeye(current: int, history: list[int]) -> bool:
    return current > 1.5 * statistics.fmean(history)


def peer(fires: Callable[[int, list[int]], bool], min_count: int) -> Rule:
    """A threshold rule on the key's daily counts, behind the same guards as detect()."""

    def rule(airline: str, reason: str, windows: Sequence[Window]) -> list[Alert]:
        history = [window.count for window in windows[-RECENT_DAYS - 1 : -1]]
        current = windows[-1].count
        if len(history) < 3 or current < min_count or not fires(current, history):
            return []
        expected = statistics.fmean(history)
        return [Alert(windows[-1].end, airline, reason, "volume", current, expected, None, None, "")]

    return rule


def caught(alert: Alert) -> bool:
    airline, reason, day = KNOWN
    return alert.airline == airline and alert.reason == reason and (alert.at - timedelta(microseconds=1)).date() == day


def volume_table(feed: Feed) -> Table:
    """Tweets per airline per UTC day: where a brand's feed starts late, its first alerts are coverage."""
    days = sorted({at.date() for times in feed.totals.values() for at in times})
    table = Table("tweets / UTC day", *(day.strftime("%b %d") for day in days), title="The replayed feed")
    for airline, times in sorted(feed.totals.items()):
        per_day = defaultdict(int, {day: 0 for day in days})
        for at in times:
            per_day[at.date()] += 1
        table.add_row(airline, *(f"{per_day[day]:,}" for day in days))
    return table


def alert_table(alerts: list[Alert]) -> Table:
    table = Table(
        "window end (UTC)", "airline", "reason", "kind", "observed vs expected", "p", "sev", "sentence",
        title=f"trustops detect(): {len(alerts)} alerts",
    )  # fmt: skip
    for alert in alerts:
        table.add_row(
            alert.at.strftime("%b %d %H:%M"),
            alert.airline,
            alert.reason,
            alert.kind,
            _figures(alert),
            format_p(alert.p_value or 0.0),
            str(alert.severity),
            alert.sentence,
        )
    return table


def _figures(alert: Alert) -> str:
    if alert.kind == "share":
        return f"{alert.observed:.1%} vs {alert.expected:.1%}"
    return f"{alert.observed:,.0f} vs {alert.expected:,.1f}"


def peer_table(results: dict[str, tuple[list[Alert], float, int]]) -> Table:
    table = Table(
        "rule (same replay, same guards)",
        "alerts",
        "volume",
        "share",
        "(airline, reason) keys",
        f"{KNOWN[0]} {KNOWN[1]} {KNOWN[2]:%b %d}",
        title="Side by side",
    )
    for name, (alerts, _, _) in results.items():
        table.add_row(
            name,
            str(len(alerts)),
            str(sum(alert.kind == "volume" for alert in alerts)),
            str(sum(alert.kind == "share" for alert in alerts)),
            str(len({(alert.airline, alert.reason) for alert in alerts})),
            next((f"yes, {alert.at:%b %d %H:%M}" for alert in alerts if caught(alert)), "no"),
        )
    return table


if __name__ == "__main__":
    main()
