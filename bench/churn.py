"""Silent-churn report time on synthetic product events: DuckDB at 100 M events, pandas beside it at 10 M.

1. **Generate** (not counted in the report time): DuckDB SQL over ``range()`` with seeded ``hash()`` as the
   randomness writes ``events.parquet`` — N events over 400 days by N/100 users (a skewed few are heavy,
   a third sign up late), sessions of five events (home or login first, then search, product_view, cart,
   checkout, purchase with an amount). An incident starts at day 200 and lasts two days; 5 % of users are
   affected, and after it 35 % of their sessions go to someone else and 40 % of their purchases become
   product views, so the report has a loss to find. Unaffected users active in the window are the controls.
2. **Report on DuckDB**: ``events.load_events`` + ``churn.analyse`` with horizons 30/60/180 (1,000 bootstrap
   replicates, lifetime value included), each run in a fresh subprocess so its peak RSS is its own.
3. **Report with pandas** (``--compare-pandas``): the same per-user table and the same lifetime-value input
   computed the straightforward way — ``pd.read_parquet``, visits by ``groupby().agg()``, one boolean mask
   per window, ``groupby().sum()`` — and fed to the very same matching, bootstrap and DiD code
   (``churn._sessions``, ``churn._per_user`` and ``churn_ltv._order_days`` are swapped for the pandas ones
   in that subprocess), so only the engine differs.
   Both reports' effects are compared figure by figure.

    .venv/bin/python bench/churn.py --events 10_000_000 --compare-pandas [--repeat 3]
    .venv/bin/python bench/churn.py [--events 100_000_000] [--repeat 1] [--threads 2] [--keep --dir DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

DAYS = 400
START = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
INCIDENT_DAY = 200
INCIDENT_HOURS = 48
AFFECTED_PERCENT = 5
EVENTS_PER_SESSION = 5
HORIZONS = (30, 60, 180)
SECRET = b"trustops-bench-secret-key-32-bytes"
console = Console()

GENERATE_SQL = """
COPY (
  WITH rows AS (
    SELECT i, i // {per_session} AS s, i % {per_session} AS pos,
           hash(i // {per_session}, {seed}, 1) AS h_user, hash(i // {per_session}, {seed}, 2) AS h_time,
           hash(i // {per_session}, {seed}, 3) AS h_move, hash(i, {seed}, 4) AS h_event,
           hash(i, {seed}, 5) AS h_amount, hash(i // {per_session}, {seed}, 6) AS h_gap
    FROM range({events}) t(i)
  ),
  owners AS (
    SELECT *, least({users} - 1, floor({users} * pow((h_user % 1000003) / 1000003.0, 1.5)))::BIGINT AS u0
    FROM rows
  ),
  timed AS (
    SELECT *, {start} + (signup * 86400)::BIGINT
              + ((h_time % 1000000007) / 1000000007.0 * ({days} - signup) * 86400)::BIGINT AS session_start
    FROM (SELECT *, CASE WHEN hash(u0, {seed}, 7) % 3 = 0 THEN hash(u0, {seed}, 8) % 300 ELSE 0 END AS signup
          FROM owners)
  ),
  moved AS (
    -- after the incident, 35 % of an affected user's sessions are somebody else's: they come back less
    SELECT *, CASE WHEN hash(u0, {seed}, 9) % 100 < {affected_percent} AND session_start >= {t0}
                        AND h_move % 100 < 35 THEN hash(s, {seed}, 10) % {users} ELSE u0 END AS u
    FROM timed
  ),
  named AS (
    SELECT *, CASE
        WHEN pos = 0 THEN CASE WHEN h_event % 100 < 30 THEN 'login' ELSE 'home' END
        WHEN h_event % 100 < 25 THEN 'search'
        WHEN h_event % 100 < 70 THEN 'product_view'
        WHEN h_event % 100 < 85 THEN 'cart'
        WHEN h_event % 100 < 93 THEN 'checkout'
        -- and 40 % of their purchases after it do not happen
        WHEN hash(u, {seed}, 9) % 100 < {affected_percent} AND session_start >= {t0} AND h_amount % 100 < 40
             THEN 'product_view'
        ELSE 'purchase' END AS event
    FROM moved
  )
  SELECT 'u' || u AS user_id, 's' || s AS session_id, event,
         epoch_ms(((session_start + pos * (20 + h_gap % 240)) * 1000)::BIGINT) AS timestamp,
         CASE WHEN event = 'purchase' THEN round(5 + (h_amount % 20000) / 100.0, 2) END AS amount
  FROM named
) TO '{path}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)
"""

AFFECTED_SQL = "SELECT 'u' || u FROM range({users}) t(u) WHERE hash(u, {seed}, 9) % 100 < {affected_percent}"


# -- 1. generation ---------------------------------------------------------------------------------------


def generate(directory: Path, events: int, seed: int) -> dict[str, Any]:
    """Write ``events.parquet``, ``affected.txt`` and ``meta.json`` (times, counts) into ``directory``."""
    import duckdb

    users = max(events // 100, 100)
    t0 = START + INCIDENT_DAY * 86_400
    fill = {
        "events": events,
        "users": users,
        "seed": seed,
        "per_session": EVENTS_PER_SESSION,
        "start": START,
        "days": DAYS,
        "t0": t0,
        "affected_percent": AFFECTED_PERCENT,
        "path": directory / "events.parquet",
    }
    started = time.perf_counter()
    connection = duckdb.connect()
    connection.execute("SET preserve_insertion_order = false")
    connection.execute(GENERATE_SQL.format(**fill))
    affected = [row[0] for row in connection.execute(AFFECTED_SQL.format(**fill)).fetchall()]
    (directory / "affected.txt").write_text("\n".join(affected))
    meta = {
        "events": events,
        "users": users,
        "t0": t0,
        "until": t0 + INCIDENT_HOURS * 3600,
        "affected": len(affected),
        "generate_s": time.perf_counter() - started,
        "parquet_mb": (directory / "events.parquet").stat().st_size / 2**20,
    }
    (directory / "meta.json").write_text(json.dumps(meta))
    return meta


# -- 2. the report on DuckDB (in a worker subprocess) ---------------------------------------------------


def cohort_of(directory: Path, secret: bytes | None = None) -> Any:
    """The incident and its affected users (their pseudonyms when the events are pseudonymised)."""
    from trustops.analytics.churn import Cohort
    from trustops.analytics.events import pseudonyms

    meta = json.loads((directory / "meta.json").read_text())
    ids = (directory / "affected.txt").read_text().split("\n")
    affected = frozenset(pseudonyms(secret, ids) if secret is not None else ids)
    return Cohort(
        at=datetime.fromtimestamp(meta["t0"], UTC),
        until=datetime.fromtimestamp(meta["until"], UTC),
        affected=affected,
        controls="window",
    )


class Steps:
    """Wall-clock marks of the report's steps (``analyse``'s progress messages), reported to the parent."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.marks: list[tuple[str, float]] = []

    def __call__(self, message: str) -> None:
        self.marks.append((message, time.perf_counter() - self.started))
        print(f"step {message}", flush=True)

    def durations(self, total: float) -> dict[str, float]:
        """Seconds per step, summed over the times it was marked (DiD runs once per horizon)."""
        ends = [at for _, at in self.marks[1:]] + [total]
        out: dict[str, float] = {}
        for (name, at), end in zip(self.marks, ends, strict=True):
            out[name] = out.get(name, 0.0) + end - at
        return out


def mark(module: Any, name: str, label: str, steps: Steps) -> None:
    """Mark ``label`` whenever ``module.name`` is called (for the breakdown; costs a function call)."""
    original = getattr(module, name)

    def marked(*args: Any, **kwargs: Any) -> Any:
        steps(label)
        return original(*args, **kwargs)

    setattr(module, name, marked)


def order_days_module() -> Any:
    """The module that holds ``_order_days`` (``churn_ltv`` since lifetime value moved out of ``churn``)."""
    from trustops.analytics import churn

    try:
        from trustops.analytics import churn_ltv
    except ImportError:  # an older checkout
        return churn
    return churn_ltv if hasattr(churn_ltv, "_order_days") else churn


def mark_steps(steps: Steps) -> None:
    """Finer steps than ``analyse``'s own messages: sessions, purchase days, the lifetime-value fit, DiD."""
    from trustops.analytics import churn, clv

    mark(churn, "_sessions", "aggregating events into visits", steps)
    mark(sys.modules[__name__], "pandas_sessions", "aggregating events into visits", steps)
    mark(order_days_module(), "_order_days", "purchase days per customer (engine)", steps)
    mark(clv, "fit_bgnbd", "lifetime value: BG/NBD, Gamma-Gamma, values", steps)
    mark(churn, "_horizon", "DiD per horizon, curve, early churn", steps)


def duckdb_report(directory: Path, threads: int, memory_limit: str | None, secret: bytes | None) -> tuple[Any, Steps]:
    """``load_events`` + ``analyse``, as ``trustops analytics churn`` runs them; without a secret the user
    ids count as pseudonyms already, with one every id is pseudonymised inside the timed report."""
    from trustops.analytics import churn, events

    cohort = cohort_of(directory, secret)
    steps = Steps()
    steps("loading events")
    backend = events.connect("duckdb", threads=threads)
    backend.raw_sql("SET preserve_insertion_order = false")
    if memory_limit:
        backend.raw_sql(f"SET memory_limit = '{memory_limit}'")
    loaded = events.load_events(backend, directory / "events.parquet", engine="duckdb", secret=secret)
    mark_steps(steps)
    report = churn.analyse(loaded, cohort, churn.ChurnOptions(horizons=HORIZONS), progress=steps)
    return report, steps


# -- 3. the same report with pandas ---------------------------------------------------------------------


def pandas_events(path: Path) -> Any:
    """The canonical columns (``events.py``) from the Parquet file, in pandas."""
    import numpy as np
    import pandas as pd  # type: ignore[import-untyped]

    from trustops.analytics.events import EventKinds

    kinds = EventKinds()
    raw = pd.read_parquet(path)
    name = raw["event"].str.lower()
    order = name.isin(kinds.orders).to_numpy()
    return pd.DataFrame(
        {
            "user": raw["user_id"],
            "sec": raw["timestamp"].to_numpy().astype("datetime64[s]").astype(np.int64),
            "session": raw["session_id"],
            "amount": np.where(order, raw["amount"].fillna(0.0).to_numpy(dtype=np.float64), 0.0),
            "login": name.isin(kinds.logins).to_numpy(),
            "order": order,
            "page": True,
        }
    )


class PandasSessions:
    """What ``churn.analyse`` caches and releases, holding the visits pandas already computed."""

    def __init__(self, frame: Any) -> None:
        self.frame = frame

    def cache(self) -> PandasSessions:
        return self

    def release(self) -> None:
        return None


def pandas_sessions(df: Any, cohort: Any, t0: int) -> PandasSessions:
    """``churn._sessions`` with pandas: one row per visit, its start, end and what happened in it."""
    import numpy as np

    sec = df["sec"].to_numpy()
    in_window = (sec >= t0) & (sec < int(cohort.until.timestamp()))
    frame = df.assign(cents=np.round(df["amount"].to_numpy() * 100).astype(np.int64), in_window=in_window)
    sessions = frame.groupby(["user", "session"], sort=False).agg(
        start=("sec", "min"),
        end=("sec", "max"),
        events=("sec", "size"),
        logins=("login", "sum"),
        orders=("order", "sum"),
        revenue=("cents", "sum"),
        pages=("page", "sum"),
        in_window=("in_window", "sum"),
    )
    return PandasSessions(sessions.reset_index())


def pandas_per_user(
    loaded: Any, sessions: PandasSessions, cohort: Any, options: Any, t0: int, horizons: Sequence[int]
) -> dict[str, Any]:
    """``churn._per_user`` with pandas: one boolean mask per window over the visits, summed per user."""
    import numpy as np
    import pandas as pd

    from trustops.analytics import churn

    visits = sessions.frame
    rel = visits["start"].to_numpy() - t0
    length = (visits["end"] - visits["start"]).to_numpy()
    columns: dict[str, Any] = {"user": visits["user"], "in_window": visits["in_window"]}
    for name, (start, end) in churn._windows(horizons, options.match_days, churn._incident_seconds(cohort)).items():
        inside = (rel >= start) & (rel < end)
        columns[f"events_{name}"] = np.where(inside, visits["events"].to_numpy(), 0)
        if churn._counted(name):
            columns[f"logins_{name}"] = np.where(inside, visits["logins"].to_numpy(), 0)
            columns[f"orders_{name}"] = np.where(inside, visits["orders"].to_numpy(), 0)
            columns[f"revenue_{name}"] = np.where(inside, visits["revenue"].to_numpy(), 0)
            columns[f"sessions_{name}"] = inside
            columns[f"duration_{name}"] = np.where(inside, length, 0)
            columns[f"pages_{name}"] = np.where(inside, visits["pages"].to_numpy(), 0)
    per_user = pd.DataFrame(columns).groupby("user", sort=True).sum()
    per_user["first"] = visits.groupby("user", sort=True)["start"].min()
    per_user["weeks_mask"] = pandas_weeks(visits["user"], rel, horizons).reindex(per_user.index, fill_value=0)
    users = per_user.index.to_numpy(dtype=object)
    order = np.argsort(users, kind="stable")
    out: dict[str, Any] = {"user": users[order]}
    for name in per_user.columns:
        values = per_user[name].to_numpy()[order]
        out[name] = values.astype(np.int64) if name == "weeks_mask" else values.astype(np.float64)
        if name.startswith("revenue_"):
            out[name] = out[name] / 100
    return out


def pandas_weeks(user: Any, rel: Any, horizons: Sequence[int]) -> Any:
    """Each user's active weeks around ``t0`` as one bit mask (distinct weeks, so a sum is an or)."""
    import numpy as np
    import pandas as pd

    from trustops.analytics import churn

    weeks = churn._curve_weeks(horizons)
    inside = (rel >= -churn.CURVE_PRE_WEEKS * churn.WEEK) & (rel < weeks * churn.WEEK)
    week = (rel[inside] + churn.CURVE_PRE_WEEKS * churn.WEEK) // churn.WEEK
    pairs = pd.DataFrame({"user": user[inside].to_numpy(), "week": week}).drop_duplicates()
    pairs["bit"] = np.left_shift(np.int64(1), pairs["week"].to_numpy().astype(np.int64))
    return pairs.groupby("user")["bit"].sum()


class ArrowResult:
    """What ``churn`` calls ``.to_pyarrow()`` on, holding a table pandas already computed."""

    def __init__(self, table: Any) -> None:
        self.table = table

    def to_pyarrow(self) -> Any:
        return self.table


def pandas_order_days(sessions: PandasSessions, cutoffs: dict[int, int]) -> ArrowResult:
    """``churn_ltv._order_days`` with pandas: purchase days per customer, and spend (cents) before each cutoff."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from trustops.analytics.events import DAY

    visits = sessions.frame
    orders = visits[visits["orders"] > 0]
    days = orders.assign(day=orders["start"] // DAY).groupby(["user", "day"], sort=False)["revenue"].sum().reset_index()
    days = days.sort_values(["user", "day"], kind="stable")
    columns: dict[str, Any] = {"user": days["user"], "day": days["day"], "amount": days["revenue"]}
    for key, cutoff in cutoffs.items():
        before = (days["day"] < cutoff).to_numpy()
        columns[f"n_{key}"] = before
        columns[f"last_{key}"] = np.where(before, days["day"].to_numpy(), np.nan)
        columns[f"amount_{key}"] = np.where(before, days["revenue"].to_numpy(), 0)
    grouped = pd.DataFrame(columns).groupby("user", sort=True)
    out = pd.DataFrame({"first": grouped["day"].first(), "first_amount": grouped["amount"].first()})
    for key in cutoffs:
        out[f"n_{key}"] = grouped[f"n_{key}"].sum()
        out[f"last_{key}"] = grouped[f"last_{key}"].max()
        out[f"amount_{key}"] = grouped[f"amount_{key}"].sum()
    return ArrowResult(pa.Table.from_pandas(out.reset_index(), preserve_index=False))


def pandas_report(directory: Path) -> tuple[Any, Steps]:
    """Read with pandas, aggregate with pandas, then ``churn.analyse``'s own matching, bootstrap and DiD."""
    from trustops.analytics import churn
    from trustops.analytics.events import Events

    cohort = cohort_of(directory)
    steps = Steps()
    steps("loading events")
    df = pandas_events(directory / "events.parquet")
    sec = df["sec"]
    loaded = Events(df, None, "pandas", int(sec.min()), int(sec.max()), len(df))
    # The engine part, swapped for pandas: visits from the events, then per user, then purchase days.
    churn._sessions = lambda _table, cohort, t0: pandas_sessions(df, cohort, t0)  # type: ignore[assignment]
    churn._per_user = pandas_per_user  # type: ignore[assignment]
    order_days_module()._order_days = pandas_order_days
    mark_steps(steps)
    report = churn.analyse(loaded, cohort, churn.ChurnOptions(horizons=HORIZONS), progress=steps)
    return report, steps


# -- the worker: one report in this process, its figures as JSON on the last line -------------------------


def figures(report: Any) -> dict[str, float]:
    """Every effect of the report, keyed ``days:metric``, plus the sample sizes."""
    out = {"treated": float(report.treated), "controls": float(report.controls), "pool": float(report.pool)}
    for horizon in report.horizons:
        for metric in horizon.metrics:
            out[f"{horizon.days}:{metric.metric}"] = metric.effect.value
        if horizon.ltv is not None:
            out[f"{horizon.days}:ltv"] = horizon.ltv.value
    if report.early_churn is not None:
        out["early_churn"] = report.early_churn.effect.value
    return out


def worker(engine: str, directory: Path, threads: int, memory_limit: str | None, secret: bytes | None) -> None:
    """One measured report; the libraries both engines use are imported before the clock starts."""
    import ibis  # noqa: F401
    import pandas  # noqa: F401
    import sklearn.neighbors  # type: ignore[import-untyped]  # noqa: F401

    from trustops.analytics import churn, clv, events  # noqa: F401

    started = time.perf_counter()
    if engine == "duckdb":
        report, steps = duckdb_report(directory, threads, memory_limit, secret)
    else:
        report, steps = pandas_report(directory)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {"seconds": seconds, "peak_mb": peak_mb, "steps": steps.durations(seconds), "figures": figures(report)}
    print(json.dumps(result), flush=True)


def run_worker(engine: str, directory: Path, args: argparse.Namespace, label: str) -> dict[str, Any]:
    """One report in a fresh interpreter (imports not timed), with its current step in a Rich status."""
    command = [sys.executable, __file__, "--worker", engine, "--dir", str(directory), "--threads", str(args.threads)]
    if args.memory_limit:
        command += ["--memory-limit", args.memory_limit]
    if args.pseudonymise:
        command.append("--pseudonymise")
    last = ""
    with console.status(f"{label}: starting") as status:
        with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
            assert process.stdout is not None
            for line in process.stdout:
                if line.startswith("step "):
                    status.update(f"{label}: {line[5:].strip()}")
                last = line
    if process.returncode:
        raise SystemExit(f"{label} failed with exit status {process.returncode}")
    result: dict[str, Any] = json.loads(last)
    console.print(f"{label}: {result['seconds']:.1f} s, peak RSS {result['peak_mb']:,.0f} MB")
    return result


def median_of(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(run[key] for run in runs))


def differences(a: dict[str, float], b: dict[str, float]) -> list[str]:
    """The figures that differ: by more than 1e-6 relative, or 1e-4 for lifetime value. The engines sum
    floats in different orders, and hand the lifetime-value fit its customers in a different order, which
    moves the optimiser's stopping point (and a difference of two values) in the 5th digit."""
    return [
        f"{key}: {a.get(key, math.nan):+.6g} against {b.get(key, math.nan):+.6g}"
        for key in sorted(a.keys() | b.keys())
        if not (key in a and key in b and _close(a[key], b[key], 1e-4 if key.endswith("ltv") else 1e-6))
    ]


def _close(a: float, b: float, tolerance: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=tolerance, abs_tol=1e-9)


def show(meta: dict[str, Any], ours: list[dict[str, Any]], peer: list[dict[str, Any]]) -> None:
    title = f"Silent-churn report (horizons 30/60/180; medians, peak RSS the largest run's), {meta['affected']:,} affected ids given"
    columns = ["events", "users", "generate s", "DuckDB s", "runs", "peak RSS MB"]
    if peer:
        columns += ["pandas s", "runs", "peak RSS MB", "pandas / DuckDB"]
    table = Table(*columns, title=title)
    ours_s = median_of(ours, "seconds")
    row = [
        f"{meta['events']:,}",
        f"{meta['users']:,}",
        f"{meta['generate_s']:.1f}",
        f"{ours_s:.1f}",
        " / ".join(f"{run['seconds']:.1f}" for run in ours),
        f"{max(run['peak_mb'] for run in ours):,.0f}",
    ]
    if peer:
        peer_s = median_of(peer, "seconds")
        row += [
            f"{peer_s:.1f}",
            " / ".join(f"{run['seconds']:.1f}" for run in peer),
            f"{max(run['peak_mb'] for run in peer):,.0f}",
            f"{peer_s / ours_s:.1f}×",
        ]
    table.add_row(*row)
    console.print(table)
    console.print(steps_table(ours, peer))
    sample = ours[0]["figures"]
    console.print(
        f"Matched: {sample['treated']:,.0f} affected against {sample['controls']:,.0f} controls "
        f"(pool {sample['pool']:,.0f}); 30-day orders effect {sample['30:orders']:+.4f} per user per 30 days, "
        f"revenue {sample['30:revenue']:+.3f}."
    )
    if peer:
        differ = differences(sample, peer[0]["figures"])
        console.print(
            f"same numbers: {'no' if differ else 'yes'} (30-day orders effect: DuckDB {sample['30:orders']:+.6f}, "
            f"pandas {peer[0]['figures']['30:orders']:+.6f}; {len(sample)} figures compared)"
        )
        for line in differ:
            console.print(f"  differs: {line}")


def steps_table(ours: list[dict[str, Any]], peer: list[dict[str, Any]]) -> Table:
    """Median seconds per step (the step runs from its mark to the next one)."""
    table = Table("step", "DuckDB s", *(["pandas s"] if peer else []), title="where the time goes (medians)")
    for step in ours[0]["steps"]:
        cells = [f"{statistics.median(run['steps'][step] for run in ours):.2f}"]
        if peer:
            cells.append(f"{statistics.median(run['steps'].get(step, 0.0) for run in peer):.2f}")
        table.add_row(step, *cells)
    return table


@contextmanager
def workspace(directory: Path | None, keep: bool) -> Iterator[Path]:
    """``--dir`` or a fresh temp dir, removed at the end unless ``--keep``."""
    path = directory or Path(tempfile.mkdtemp(prefix="trustops-churn-bench-"))
    path.mkdir(parents=True, exist_ok=True)
    try:
        yield path
    finally:
        if not keep:
            shutil.rmtree(path, ignore_errors=True)
        else:
            console.print(f"kept {path}")


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=lambda text: int(text.replace("_", "")), default=100_000_000)
    parser.add_argument("--repeat", type=int, help="measured runs each (default 3; 1 from 50 M events)")
    parser.add_argument("--compare-pandas", action="store_true", help="time the pandas report as well")
    parser.add_argument("--dir", type=Path, help="where the events go (default: a fresh temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--reuse", action="store_true", help="use the events already in --dir")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threads", type=int, default=0, help="DuckDB threads (default: every core)")
    parser.add_argument("--memory-limit", help="DuckDB memory_limit, e.g. 12GB")
    parser.add_argument(
        "--pseudonymise", action="store_true", help="DuckDB only: pseudonymise every user id inside the report"
    )
    parser.add_argument("--worker", choices=("duckdb", "pandas"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    if args.worker:
        worker(args.worker, args.dir, args.threads, args.memory_limit, SECRET if args.pseudonymise else None)
        return 0
    if args.pseudonymise and args.compare_pandas:
        parser_error = "--pseudonymise times DuckDB alone; leave out --compare-pandas"
        raise SystemExit(parser_error)
    repeat = args.repeat or (1 if args.events >= 50_000_000 else 3)
    with workspace(args.dir, args.keep or args.reuse) as directory:
        if args.reuse:
            meta = json.loads((directory / "meta.json").read_text())
        else:
            with console.status(f"generating {args.events:,} events with DuckDB SQL"):
                meta = generate(directory, args.events, args.seed)
        console.print(
            f"generated {meta['events']:,} events by {meta['users']:,} users in {meta['generate_s']:.1f} s "
            f"({meta['parquet_mb']:,.0f} MB of Parquet)"
        )

        def measure(engine: str, name: str) -> list[dict[str, Any]]:
            return [run_worker(engine, directory, args, f"{name} report {i + 1}/{repeat}") for i in range(repeat)]

        ours = measure("duckdb", "DuckDB")
        peer = measure("pandas", "pandas") if args.compare_pandas else []
        show(meta, ours, peer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
