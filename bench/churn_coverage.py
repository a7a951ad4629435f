"""How often the silent-churn interval holds a planted loss: CDNOW purchases, a random 20 % of customers
whose purchases after 1997-10-01 are thinned by 30 %, 50 repetitions (issue #7's bar: at least 90 %).

Beside trustops' matched difference-in-differences with its user-level bootstrap, the peer is the plain
one: all affected against all other customers, no matching, a normal-approximation interval from the two
groups' variances. Both see the same thinned data each repetition.

    .venv/bin/python bench/churn_coverage.py [--repetitions 50]
"""

from __future__ import annotations

import argparse
import math
from datetime import UTC, date, datetime
from pathlib import Path

import ibis
import numpy as np
import pyarrow as pa
from rich.console import Console
from rich.progress import track
from rich.table import Table

from trustops.analytics.churn import ChurnOptions, Cohort, analyse
from trustops.analytics.events import connect, load_events

CDNOW = Path(__file__).resolve().parents[2] / "shared" / "data" / "cdnow_master.txt"
AT = datetime(1997, 10, 1, tzinfo=UTC)
HORIZON, THINNING, SHARE, DAY = 180, 0.3, 0.2, 86_400


def read() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    fields = [line.split() for line in CDNOW.read_text().splitlines()[1:]]
    epoch = date(1970, 1, 1).toordinal()
    customers = np.array([int(f[0]) for f in fields])
    seconds = np.array([(date(int(f[1][:4]), int(f[1][4:6]), int(f[1][6:])).toordinal() - epoch) * DAY for f in fields])
    return customers, seconds, np.array([float(f[3]) for f in fields])


def plain(customers: np.ndarray, seconds: np.ndarray, treated: np.ndarray, users: np.ndarray) -> tuple[float, float]:
    """Unmatched DiD of orders per 30 days with a normal 95 % interval: (low, high)."""
    start = int(AT.timestamp())
    index = np.searchsorted(users, customers)
    pre = np.bincount(index[(seconds >= start - HORIZON * DAY) & (seconds < start)], minlength=len(users))
    post = np.bincount(index[(seconds >= start) & (seconds < start + HORIZON * DAY)], minlength=len(users))
    change = (post - pre) * 30 / HORIZON
    hit = np.isin(users, treated)
    a, b = change[hit], change[~hit]
    estimate = a.mean() - b.mean()
    error = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    return estimate - 1.96 * error, estimate + 1.96 * error


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=50)
    args = parser.parse_args()
    customers, seconds, amounts = read()
    users = np.unique(customers)
    start = int(AT.timestamp())
    backend = connect("duckdb")
    options = ChurnOptions(horizons=(HORIZON,), lifetime_value=False)
    ours, peer, errors, widths = 0, 0, [], []
    for repetition in track(range(args.repetitions), description="repetitions"):
        rng = np.random.default_rng(1_000 + repetition)  # the seeds tests/analytics/test_churn_bars.py uses
        treated = rng.choice(users, size=int(len(users) * SHARE), replace=False)
        dropped = np.isin(customers, treated) & (seconds >= start) & (rng.random(len(seconds)) < THINNING)
        truth = -int((dropped & (seconds < start + HORIZON * DAY)).sum()) / len(treated) * 30 / HORIZON
        kept = ~dropped
        table = pa.table(
            {
                "user_id": customers[kept].astype(str),
                "timestamp": pa.array(seconds[kept], pa.int64()),
                "event": pa.array(["purchase"] * int(kept.sum())),
                "session_id": (seconds[kept] // DAY).astype(str),
                "amount": amounts[kept],
            }
        )
        events = load_events(backend, ibis.memtable(table), engine="duckdb", secret=None)
        cohort = Cohort(
            at=AT, until=datetime(1997, 10, 2, tzinfo=UTC), affected=frozenset(treated.astype(str)), controls="all"
        )
        effect = analyse(events, cohort, options).horizon(HORIZON).metric("orders").effect
        ours += effect.low <= truth <= effect.high
        errors.append(effect.value - truth)
        widths.append(effect.high - effect.low)
        low, high = plain(customers[kept], seconds[kept], treated, users)
        peer += low <= truth <= high
    table_out = Table("method", "covered", "share", "goal")
    table_out.add_row(
        "trustops: matched DiD, user bootstrap",
        f"{ours} of {args.repetitions}",
        f"{ours / args.repetitions:.0%}",
        "≥ 90 %",
    )
    table_out.add_row(
        "plain DiD, normal interval (peer)", f"{peer} of {args.repetitions}", f"{peer / args.repetitions:.0%}", ""
    )
    Console().print(table_out)
    print(
        f"trustops: mean error {np.mean(errors):+.4f} (sd {np.std(errors):.4f}) orders per user per 30 days; "
        f"mean interval width {np.mean(widths):.4f} against 3.92 × sd = {3.92 * np.std(errors):.4f}"
    )


if __name__ == "__main__":
    main()
