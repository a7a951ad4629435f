"""The silent-churn report written straightforwardly in pandas, timed beside DuckDB (issue #7's "≥ 10×" bar).

Why this exists beside ``bench/churn.py --compare-pandas``: that variant swaps only trustops' engine part
(visits, per-user windows, purchase days) for pandas and keeps trustops' own matching, Poisson bootstrap and
DiD — the strongest pandas there can be, same plan and same numbers to the 6th digit. Issue #7 asks for
something else: "a straightforward pandas implementation", the report as a competent analyst would write it
directly, with no trustops machinery but the lifetime-value fit (called as one calls a library). Here it is:

1. ``pd.read_parquet``; visits by ``groupby(["user_id", "session_id"]).agg()`` (the generator writes a
   session id, so no 30-minute sessionising), counted by their start.
2. Per user: one boolean mask per window over the visits, ``groupby("user_id").sum()``, joined.
3. Matching: 5 nearest controls with replacement within the value tier (none, and thirds of pre-incident
   revenue) on standardised log activity, orders, revenue per 30 days and tenure, with scipy's ``cKDTree``
   and a caliper of 1; an affected user with nobody within it is unmatched.
4. Per horizon (30/60/180 days) and per metric, each user's change from ``[t0 − h, t0)`` to ``[t0, t0 + h)``,
   less what a weighted least-squares fit among the controls predicts from the covariates and the
   pre-incident value (as trustops does), and the DiD of weighted group means; early churn likewise.
5. Bootstrap: 1,000 replicates, each drawing the affected users with replacement (``rng.choice``) together
   with their matched controls and recomputing every DiD and the weekly activity curve; percentile
   intervals.
6. Lifetime value: ``trustops.analytics.clv``'s BG/NBD and Gamma-Gamma fitted on 50,000 customers' purchase
   days before ``t0``, each sampled customer valued at ``t0`` and ``t0 + h``; the debt adds lost revenue.

Both reports run on the same generated events (``churn.generate``), each in a fresh subprocess, imports not
timed, ``--repeat`` times; every pandas DiD must fall inside DuckDB's 95 % interval.

    .venv/bin/python bench/churn_pandas.py [--events 10_000_000] [--repeat 3] [--same-plan] [--dir DIR --keep]
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import churn as bench
import numpy as np
import pandas as pd
from rich.table import Table
from scipy.spatial import cKDTree

from trustops.analytics import clv
from trustops.analytics.events import EventKinds

DAY = pd.Timedelta(days=1)
HORIZONS = bench.HORIZONS
RATES = ("logins", "sessions", "orders", "revenue")  # per 30 days
RATIOS = {"session_minutes": ("duration", "sessions", 1 / 60), "pages_per_visit": ("events", "sessions", 1.0)}
RATIOS |= {"order_value": ("revenue", "orders", 1.0)}
COVARIATES = ("events", "sessions", "orders", "revenue")
SUMS = ["events", "sessions", "logins", "orders", "revenue", "duration"]
REPLICATES, CALIPER, NEIGHBOURS, FIT_CUSTOMERS, SEED = 1_000, 1.0, 5, 50_000, 0
console = bench.console


def read_visits(path: Path, t0: pd.Timestamp, until: pd.Timestamp) -> pd.DataFrame:
    """One row per visit: start, end and what happened in it (every event is a page view)."""
    kinds = EventKinds()
    events = pd.read_parquet(path)
    name = events["event"].str.lower()
    events["login"] = name.isin(kinds.logins)
    events["order"] = name.isin(kinds.orders)
    events["amount"] = events["amount"].where(events["order"], 0.0).fillna(0.0)
    events["in_window"] = (events["timestamp"] >= t0) & (events["timestamp"] < until)
    visits = events.groupby(["user_id", "session_id"], sort=False).agg(
        start=("timestamp", "min"),
        end=("timestamp", "max"),
        events=("event", "size"),
        logins=("login", "sum"),
        orders=("order", "sum"),
        revenue=("amount", "sum"),
        in_window=("in_window", "any"),
    )
    visits["sessions"] = 1
    visits["duration"] = (visits["end"] - visits["start"]).dt.total_seconds()
    return visits.reset_index()


def windows(incident: pd.Timedelta) -> dict[str, tuple[pd.Timedelta, pd.Timedelta]]:
    """[start, end) relative to t0. "Still active" is the last min(30, h/2) days of a horizon, never inside
    the incident, against as long just before t0; early churn is the 30 days after the incident."""
    out = {"match": (-90 * DAY, 0 * DAY), "early": (incident, incident + 30 * DAY), "pre_early": (-30 * DAY, 0 * DAY)}
    for h in HORIZONS:
        out[f"pre_{h}"], out[f"post_{h}"] = (-h * DAY, 0 * DAY), (0 * DAY, h * DAY)
        start = max(h * DAY - min(30, h / 2) * DAY, incident)
        out[f"post_active_{h}"], out[f"pre_active_{h}"] = (start, h * DAY), (start - h * DAY, 0 * DAY)
    return out


def per_user(visits: pd.DataFrame, t0: pd.Timestamp, incident: pd.Timedelta) -> pd.DataFrame:
    users = visits.groupby("user_id").agg(first=("start", "min"), in_window=("in_window", "any"))
    rel = visits["start"] - t0
    for name, (start, end) in windows(incident).items():
        inside = visits[(rel >= start) & (rel < end)]
        users = users.join(inside.groupby("user_id")[SUMS].sum().add_suffix(f"_{name}"))
    return users.fillna(0)


def active_weeks(visits: pd.DataFrame, t0: pd.Timestamp, index: pd.Index) -> pd.DataFrame:
    """Users × weeks from 4 before t0 to the longest horizon's end: was there a visit."""
    week = (visits["start"] - t0) // pd.Timedelta(weeks=1)
    inside = visits[(week >= -4) & (week < min(math.ceil(max(HORIZONS) / 7), 48))]
    counts = inside.groupby(["user_id", week[inside.index]]).size().unstack(fill_value=0)
    return (counts.reindex(index, fill_value=0) > 0).astype(float)


def match(users: pd.DataFrame, affected: set[str], t0: pd.Timestamp, data_start: pd.Timestamp) -> dict[str, Any]:
    eligible = users["first"] < t0 - 7 * DAY
    is_affected = users.index.isin(affected)
    treated, pool = eligible & is_affected, eligible & ~is_affected & users["in_window"]
    tenure = ((t0 - users["first"].clip(lower=data_start)) / DAY).clip(0, 3 * 365)
    span = np.minimum(90, tenure.clip(lower=1))
    covariates = pd.DataFrame({c: np.log1p(users[f"{c}_match"] / span * 30) for c in COVARIATES})
    covariates["tenure"] = np.log1p(tenure)
    spread = covariates[treated | pool].std(ddof=0)
    features = covariates / spread.where(spread > 0, 1.0)
    revenue = users["revenue_match"]
    low, high = revenue[(treated | pool) & (revenue > 0)].quantile([1 / 3, 2 / 3])
    tier = pd.cut(revenue, [-np.inf, 0, low, high, np.inf], labels=["none", "low", "mid", "high"])
    pairs = []
    for name in tier[treated].unique():
        t, c = features[treated & (tier == name)], features[pool & (tier == name)]
        k = min(NEIGHBOURS, len(c))
        distance, nearest = cKDTree(c.to_numpy()).query(t.to_numpy(), k=k)
        pairs.append(
            pd.DataFrame(
                {
                    "treated": np.repeat(t.index, k),
                    "control": c.index[nearest.ravel()],
                    "distance": distance.ravel(),
                }
            )
        )
    pairs = pd.concat(pairs)
    pairs = pairs[pairs["distance"] <= CALIPER].copy()
    pairs["share"] = 1 / pairs.groupby("treated")["control"].transform("size")
    weight = pd.concat([pd.Series(1.0, pairs["treated"].unique()), pairs.groupby("control")["share"].sum()])
    sample = users.loc[weight.index].assign(weight=weight, treated=weight.index.isin(affected))
    sample["tenure"] = tenure[weight.index]
    return {
        "sample": sample,
        "features": features.loc[weight.index],
        "pairs": pairs,
        "counts": {"treated": int(sample["treated"].sum()), "controls": int((~sample["treated"]).sum())}
        | {"pool": int(pool.sum()), "unmatched": int(treated.sum()) - pairs["treated"].nunique()},
    }


def outcome(sample: pd.DataFrame, period: str, h: int) -> pd.DataFrame:
    """Each metric per user over ``period`` (pre/post) of horizon ``h``; NaN where a ratio is undefined."""
    w = f"{period}_{h}"
    length = np.minimum(h, sample["tenure"].clip(lower=1)) if period == "pre" else h
    out = pd.DataFrame({m: sample[f"{m}_{w}"] / length * 30 for m in RATES})
    for m, (numerator, denominator, scale) in RATIOS.items():
        out[m] = (sample[f"{numerator}_{w}"] / sample[f"{denominator}_{w}"] * scale).where(
            sample[f"{denominator}_{w}"] > 0
        )
    out["active"] = (sample[f"events_{period}_active_{h}"] > 0).astype(float)
    return out


def corrected(change: pd.Series, pre: pd.Series, found: dict[str, Any]) -> pd.Series:
    """The change less what the covariates and the pre value predict of it among the controls (WLS)."""
    sample = found["sample"]
    design = np.column_stack([np.ones(len(sample)), found["features"].to_numpy(), pre.fillna(0).to_numpy()])
    fit = change.notna().to_numpy() & ~sample["treated"].to_numpy()
    root = np.sqrt(sample["weight"].to_numpy()[fit])
    beta = np.linalg.lstsq(design[fit] * root[:, None], change.to_numpy()[fit] * root, rcond=None)[0]
    return change - design[:, 1:] @ beta[1:]


def changes(found: dict[str, Any], ltv: pd.DataFrame) -> pd.DataFrame:
    """One column per figure ("30:orders", "early_churn", "180:ltv"...), one row per sampled user."""
    sample, columns = found["sample"], {}
    for h in HORIZONS:
        pre, post = outcome(sample, "pre", h), outcome(sample, "post", h)
        for metric in pre.columns:
            columns[f"{h}:{metric}"] = corrected(post[metric] - pre[metric], pre[metric], found)
        columns[f"{h}:ltv"] = ltv[h]
    pre, post = (sample["events_pre_early"] == 0).astype(float), (sample["events_early"] == 0).astype(float)
    columns["early_churn"] = corrected(post - pre, pre, found)
    return pd.DataFrame(columns)


def lifetime_value(visits: pd.DataFrame, sample: pd.DataFrame, t0: pd.Timestamp) -> pd.DataFrame:
    """Per horizon, each sampled customer's change in one-year value from t0 to t0 + h (NaN: no customer)."""
    buys = visits[visits["orders"] > 0]
    days = buys.groupby(["user_id", buys["start"].dt.floor("D").rename("day")])["revenue"].sum().reset_index()
    first = days.groupby("user_id").first().rename(columns={"day": "first", "revenue": "first_amount"})
    customers = first[first["first"] < t0]
    fitted = rfm(days, customers.sample(n=min(FIT_CUSTOMERS, len(customers)), random_state=SEED), t0)
    bgnbd = clv.fit_bgnbd(fitted.x, fitted.t_x, fitted.T)
    spend = clv.fit_gamma_gamma(fitted.x, fitted.monetary)
    valued = customers[customers.index.isin(sample.index)]
    value = {h: clv.lifetime_values(rfm(days, valued, t0 + h * DAY), bgnbd, spend) for h in (0, *HORIZONS)}
    out = pd.DataFrame({h: value[h] - value[0] for h in HORIZONS}, index=valued.index)
    return out.reindex(sample.index)


def rfm(days: pd.DataFrame, customers: pd.DataFrame, cutoff: pd.Timestamp) -> clv.RfmSummary:
    before = days[(days["day"] < cutoff) & days["user_id"].isin(customers.index)]
    seen = before.groupby("user_id").agg(n=("day", "size"), last=("day", "max"), amount=("revenue", "sum"))
    seen = customers.join(seen)
    x = (seen["n"] - 1).to_numpy(dtype=float)
    repeat = (seen["amount"] - seen["first_amount"]).to_numpy()
    return clv.RfmSummary(
        customers=tuple(seen.index),
        x=x,
        t_x=((seen["last"] - seen["first"]) / DAY / 7).to_numpy(),
        T=((cutoff - DAY - seen["first"]) / DAY / 7).to_numpy(),
        monetary=np.maximum(np.where(x > 0, repeat / np.maximum(x, 1), 0.0), 0.0),
        x_holdout=np.zeros(len(x)),
        spend_holdout=np.zeros(len(x)),
        start=seen["first"].min().date(),
        calibration_end=(cutoff - DAY).date(),
        end=(cutoff - DAY).date(),
        later_customers=0,
    )


def did(values: np.ndarray, treated: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Per column: the affected users' mean less the controls' weighted mean, where the value is defined."""
    defined = ~np.isnan(values)
    filled = np.where(defined, values, 0.0)

    def mean(group: np.ndarray) -> np.ndarray:
        w = defined * (weight * group)[:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            return (w * filled).sum(axis=0) / w.sum(axis=0)

    return mean(treated) - mean(~treated)


def bootstrap(found: dict[str, Any], table: pd.DataFrame, weeks: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Replicates of every DiD and of the curves: draw the affected users with replacement, each bringing
    their matched controls along."""
    sample, pairs = found["sample"], found["pairs"]
    treated = sample["treated"].to_numpy()
    rows = pd.Series(np.arange(len(sample)), sample.index)
    t_rows, c_rows = rows[pairs["treated"]].to_numpy(), rows[pairs["control"]].to_numpy()
    matched = np.flatnonzero(treated)
    values, active = table.to_numpy(), weeks.to_numpy()
    rng = np.random.default_rng(SEED)
    draws, curves = [], []
    for _ in range(REPLICATES):
        times = np.bincount(rng.choice(matched, size=len(matched)), minlength=len(sample)).astype(float)
        weight = times + np.bincount(c_rows, weights=pairs["share"].to_numpy() * times[t_rows], minlength=len(sample))
        draws.append(did(values, treated, weight))
        curves.append([(weight * group) @ active / (weight * group).sum() for group in (treated, ~treated)])
    return np.array(draws), np.array(curves)


def pandas_report(directory: Path) -> dict[str, Any]:
    meta = json.loads((directory / "meta.json").read_text())
    t0, until = pd.Timestamp(meta["t0"], unit="s"), pd.Timestamp(meta["until"], unit="s")
    affected = set((directory / "affected.txt").read_text().split("\n"))
    visits = read_visits(directory / "events.parquet", t0, until)
    users = per_user(visits, t0, until - t0)
    found = match(users, affected, t0, visits["start"].min())
    sample = found["sample"]
    table = changes(found, lifetime_value(visits, sample, t0))
    weeks = active_weeks(visits, t0, sample.index)
    draws, curves = bootstrap(found, table, weeks)
    point = did(table.to_numpy(), sample["treated"].to_numpy(), sample["weight"].to_numpy())
    estimates = {key: (point[i], *np.nanpercentile(draws[:, i], [2.5, 97.5])) for i, key in enumerate(table)}
    for h in HORIZONS:  # the debt: revenue lost in the window plus lost future value
        customers = int((table[f"{h}:ltv"].notna() & sample["treated"]).sum())
        scale = np.array([-h / 30 * found["counts"]["treated"], -customers])
        columns = [table.columns.get_loc(f"{h}:revenue"), table.columns.get_loc(f"{h}:ltv")]
        debt = draws[:, columns] @ scale
        estimates[f"{h}:debt"] = (point[columns] @ scale, *np.nanpercentile(debt, [2.5, 97.5]))
    weight, treated = sample["weight"].to_numpy(), sample["treated"].to_numpy()
    low, high = np.nanpercentile(curves, [2.5, 97.5], axis=0)  # group × week
    curve = {
        "treated": (weight * treated) @ weeks.to_numpy() / weight[treated].sum(),
        "treated_band": [low[0], high[0]],
    }
    curve |= {
        "control": (weight * ~treated) @ weeks.to_numpy() / weight[~treated].sum(),
        "control_band": [low[1], high[1]],
    }
    return {
        "counts": found["counts"],
        "estimates": {key: [float(v) for v in e] for key, e in estimates.items()},
        "curve": {name: np.asarray(values).tolist() for name, values in curve.items()},
    }


def duckdb_estimates(report: Any) -> dict[str, Any]:
    estimates = {}
    for horizon in report.horizons:
        found = [(metric.metric, metric.effect) for metric in horizon.metrics] + [("ltv", horizon.ltv)]
        for key, effect in [*found, ("debt", horizon.debt.total)]:
            estimates[f"{horizon.days}:{key}"] = [effect.value, effect.low, effect.high]
    effect = report.early_churn.effect
    estimates["early_churn"] = [effect.value, effect.low, effect.high]
    counts = {"treated": report.treated, "controls": report.controls, "pool": report.pool}
    curve = {"treated": list(report.curve.treated), "control": list(report.curve.control)}
    return {"counts": counts | {"unmatched": report.unmatched}, "estimates": estimates, "curve": curve}


def worker(engine: str, directory: Path) -> None:
    import ibis  # noqa: F401  (imported before the clock, as bench/churn.py does)

    from trustops.analytics import churn  # noqa: F401

    started = time.perf_counter()
    if engine == "duckdb":
        result = duckdb_estimates(bench.duckdb_report(directory, 0, None, None)[0])
    else:
        result = pandas_report(directory)
    result["seconds"] = time.perf_counter() - started
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result), flush=True)


def run(command: list[str], label: str) -> dict[str, Any]:
    with console.status(label):
        done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{label} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    console.print(f"{label}: {result['seconds']:.1f} s, peak RSS {result['peak_mb']:,.0f} MB")
    return result


def show(meta: dict[str, Any], runs: dict[str, list[dict[str, Any]]]) -> None:
    title = f"Silent-churn report, {meta['events']:,} events (medians; peak RSS of the largest run)"
    table = Table("report", "median s", "runs", "peak RSS MB", "÷ DuckDB", title=title)
    base = statistics.median(r["seconds"] for r in runs["DuckDB"])
    for name, done in runs.items():
        median = statistics.median(r["seconds"] for r in done)
        times = " / ".join(f"{r['seconds']:.1f}" for r in done)
        goal = " (goal ≥ 10×)" if name == "pandas, straightforward" else ""
        table.add_row(
            name, f"{median:.1f}", times, f"{max(r['peak_mb'] for r in done):,.0f}", f"{median / base:.1f}×{goal}"
        )
    console.print(table)
    ours, peer = runs["DuckDB"][0], runs["pandas, straightforward"][0]
    console.print(f"DuckDB counts {ours['counts']}; pandas counts {peer['counts']}")
    check = Table("figure", "DuckDB", "95 % CI", "pandas", "pandas CI", "|diff|", "inside", title="agreement")
    inside, largest, widths = 0, (0.0, "", 0.0), []
    for key, (value, low, high) in ours["estimates"].items():
        mine = peer["estimates"][key]
        ok = low <= mine[0] <= high
        inside += ok
        gap = abs(mine[0] - value)
        largest = max(largest, (gap / ((high - low) / 2) if high > low else 0.0, key, gap))
        widths += [(mine[2] - mine[1]) / (high - low)] if high > low else []
        check.add_row(
            key,
            f"{value:+.4g}",
            f"{low:+.4g} … {high:+.4g}",
            f"{mine[0]:+.4g}",
            f"{mine[1]:+.4g} … {mine[2]:+.4g}",
            f"{abs(mine[0] - value):.3g}",
            "yes" if ok else "NO",
        )
    console.print(check)
    console.print(
        f"{inside} of {len(ours['estimates'])} pandas estimates inside DuckDB's 95 % CI; largest difference "
        f"{largest[2]:.4g} ({largest[1]}), {largest[0]:.2f} of DuckDB's half-interval"
    )
    console.print(
        f"pandas' interval width ÷ DuckDB's: median {statistics.median(widths):.2f} over {len(widths)} figures"
    )
    curves = [
        abs(a - b)
        for name in ("treated", "control")
        for a, b in zip(ours["curve"][name], peer["curve"][name], strict=True)
    ]
    console.print(f"weekly activity curves: largest |diff| {max(curves):.3g} over {len(curves)} points")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=lambda text: int(text.replace("_", "")), default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="measured runs each")
    parser.add_argument("--pandas-repeat", type=int, help="runs of the straightforward pandas (default --repeat)")
    parser.add_argument("--same-plan", action="store_true", help="also time bench/churn.py's same-plan pandas")
    parser.add_argument("--dir", type=Path, help="where the events go (default: a fresh temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--reuse", action="store_true", help="use the events already in --dir")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--worker", choices=("duckdb", "pandas"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.dir)
        return 0
    with bench.workspace(args.dir, args.keep or args.reuse) as directory:
        if not args.reuse:
            with console.status(f"generating {args.events:,} events"):
                meta = bench.generate(directory, args.events, args.seed)
            console.print(
                f"generated {meta['events']:,} events by {meta['users']:,} users in {meta['generate_s']:.1f} s"
            )
        meta = json.loads((directory / "meta.json").read_text())
        ours = [sys.executable, __file__, "--dir", str(directory), "--worker"]
        same = [sys.executable, str(Path(__file__).with_name("churn.py")), "--dir", str(directory), "--worker"]
        runs = {"DuckDB": [run([*ours, "duckdb"], f"DuckDB {i + 1}") for i in range(args.repeat)]}
        pandas_repeat = args.pandas_repeat or args.repeat
        runs["pandas, straightforward"] = [run([*ours, "pandas"], f"pandas {i + 1}") for i in range(pandas_repeat)]
        if args.same_plan:
            runs["pandas, same plan (churn.py)"] = [
                run([*same, "pandas"], f"same-plan pandas {i + 1}") for i in range(args.repeat)
            ]
        show(meta, runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
