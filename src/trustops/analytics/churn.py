"""Silent churn: what an incident cost among the customers it hit who never complained, against matched
customers it did not hit (``reference/rules.md`` §11).

1. **Cohorts.** The anchor ``t0`` is the incident's start, defined once for everyone (never re-cohortised).
   *Affected* users come from the exposure ledger (or a file). *Candidate controls* are the other users who
   were active in the incident window (optionally: used one of ``window_events`` in it) — people who were
   around when it broke but were not hit. Users first seen less than ``min_tenure_days`` before ``t0`` are
   left out of both groups, as nothing can be said about their habits.
2. **Matching.** Each affected user gets ``neighbours`` controls (with replacement) from the same value
   tier, nearest on standardised log pre-incident activity over ``match_days``: events, sessions, orders and
   revenue per 30 days, and tenure. An affected user with no control within ``caliper`` (standardised
   units) is left out and counted as *unmatched*. Balance (standardised mean differences before and after
   matching) is part of the report.
3. **Metrics** per horizon ``h`` (Policy ``churn_horizons_days``), each user's value over ``[t0 − h, t0)``
   against ``[t0, t0 + h)``: logins, sessions, orders and revenue per 30 days (a user's pre window is cut to
   their tenure), minutes per session, pages per visit, average order value (users with sessions or
   orders in both windows), share still active (a visit in the last 30 days of the window, or its last
   half when shorter, after the incident; against as long before ``t0``), and once, early churn (no visit
   in the 30 days after the incident ended, against none in the 30 days before it). A horizon that runs past
   the end of the events is skipped, with the reason.
4. **Difference-in-differences** on the matched sample: mean change of the affected minus the weighted
   mean change of their controls. Intervals come from a user-level Poisson bootstrap (each user's weight
   drawn from Poisson(1), controls' weights times their matching weights): both groups are resampled as
   users, so a user's whole history moves together.
5. **Lifetime value** (BG/NBD and Gamma-Gamma, :mod:`trustops.analytics.clv`, fitted on every customer's
   purchases before ``t0``): each customer's expected value over the next year at ``t0`` and at ``t0 + h``;
   the LTV reduction is the affected customers' change net of their controls'.
6. **Reputational debt** = revenue lost in the window against the usual rate (DiD of revenue) + lost future
   value (LTV reduction × affected customers) + the recovery costs a person enters, with a joint bootstrap
   interval.

The events are read once, into one row per visit (cached by the engine); per-user windows, active weeks
and purchase days are Ibis aggregations over the visits, run on the events' engine (DuckDB, Spark, a
warehouse). Visits count by their start, so each belongs to one window; amounts add up in integer cents,
so any engine reaches the same sums in any order. Only one row per user comes back to Python, for
matching and the bootstrap, which use a fixed seed: the same events give the same report on every engine.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import numpy.typing as npt

from trustops.analytics.churn_ltv import lifetime_value_changes
from trustops.analytics.churn_report import (
    GAIN,
    LOSS,
    NO_CHANGE,
    Balance,
    ChurnReport,
    Curve,
    Debt,
    Estimate,
    HorizonResult,
    MetricResult,
)
from trustops.analytics.events import DAY, Events, columns_of
from trustops.errors import InvalidInput

if TYPE_CHECKING:
    import ibis.expr.types as ir

Array: TypeAlias = npt.NDArray[np.float64]
Mask: TypeAlias = npt.NDArray[np.bool_]
Progress: TypeAlias = Callable[[str], None]

MONTH = 30  # days: count metrics are per 30 days, whatever the horizon
ACTIVE_DAYS = 30  # "still active": an event in the last 30 days of the window
CURVE_PRE_WEEKS = 4
CURVE_MAX_WEEKS = 48  # weekly activity is a bit mask in one int64; 52 bits fit a float exactly
WEEK = 7 * DAY
ROUNDING = 1e-12
# P(X <= k) for X ~ Poisson(1), k = 0..8: the bootstrap's weights are drawn by inverting it.
POISSON_CDF = tuple(math.exp(-1) * sum(1 / math.factorial(j) for j in range(k + 1)) for k in range(9))
# What a marketing director reads first: money and customers lost, then how engagement moved.
VERDICT_ORDER = ("orders", "revenue", "early_churn", "active", "sessions", "logins")


@dataclass(frozen=True)
class Cohort:
    """Who was hit and when: the anchor ``at`` (incident start), the incident window's end ``until``, and
    the affected users' pseudonyms."""

    at: datetime
    until: datetime
    affected: frozenset[str]
    incident_id: int | None = None
    title: str = ""
    window_events: frozenset[str] | None = None  # events that mean "used the failing feature"; None: any
    controls: str = "window"  # "window": controls were active in the incident window; "all": any user
    tiers: Mapping[str, str] | None = None  # pseudonym -> value tier (the customers table); else by revenue

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.until.tzinfo is None:
            raise InvalidInput("at: times must carry a time zone", field="at")
        if self.until <= self.at:
            raise InvalidInput(
                f"until: {self.until.isoformat()} is not after the start {self.at.isoformat()}", field="until"
            )
        if self.controls not in ("window", "all"):
            raise InvalidInput(f"controls: {self.controls!r} is not one of window, all", field="controls")
        if not self.affected:
            raise InvalidInput("affected: no affected users", field="affected")


@dataclass(frozen=True)
class ChurnOptions:
    """How the analysis runs; defaults follow ``reference/rules.md`` §11."""

    horizons: tuple[int, ...] = (30, 60, 180)
    match_days: int = 90
    min_tenure_days: int = 7
    neighbours: int = 5
    caliper: float | None = 1.0  # standardised units; None matches every affected user
    bootstrap: int = 1_000
    confidence: float = 0.95
    seed: int = 0
    currency: str = "USD"
    recovery_costs: Mapping[str, float] = field(default_factory=dict)
    order_value: float | None = None  # prices orders when the events carry no amounts
    lifetime_value: bool = True  # fit BG/NBD + Gamma-Gamma for the LTV reduction and the future part of the debt
    clv_horizon_weeks: int = 52
    discount_rate: float = 0.10

    def __post_init__(self) -> None:
        if not self.horizons or any(days < 1 for days in self.horizons):
            raise InvalidInput(f"horizons: {list(self.horizons)} must be whole days of at least 1", field="horizons")
        if self.neighbours < 1:
            raise InvalidInput(f"neighbours: {self.neighbours} is not at least 1", field="neighbours")
        if self.bootstrap < 100:
            raise InvalidInput(f"bootstrap: {self.bootstrap} is fewer than 100 replicates", field="bootstrap")
        if not 0.5 < self.confidence < 1:
            raise InvalidInput(f"confidence: {self.confidence} is not within (0.5, 1)", field="confidence")


@dataclass(frozen=True)
class _Metric:
    key: str
    label: str
    kind: str  # "rate" (count per 30 days), "ratio" (numerator / denominator), "share" (0/1)
    numerator: str
    denominator: str | None = None
    scale: float = 1.0
    higher_is_better: bool = True


METRICS = (
    _Metric("logins", "logins per user (per 30 days)", "rate", "logins"),
    _Metric("sessions", "sessions per user (per 30 days)", "rate", "sessions"),
    _Metric("session_minutes", "minutes per session", "ratio", "duration", "sessions", scale=1 / 60),
    _Metric("pages_per_visit", "pages per visit", "ratio", "pages", "sessions"),
    _Metric("orders", "orders per user (per 30 days)", "rate", "orders"),
    _Metric("order_value", "average order value", "ratio", "revenue", "orders"),
    _Metric("revenue", "revenue per user (per 30 days)", "rate", "revenue"),
    _Metric("active", "share still active", "share", "active"),
)


def analyse(
    events: Events,
    cohort: Cohort,
    options: ChurnOptions | None = None,
    *,
    progress: Progress | None = None,
) -> ChurnReport:
    """The whole report (module docstring) for ``cohort`` over ``events``."""
    options = options or ChurnOptions()
    say = progress or (lambda _message: None)
    t0 = int(cohort.at.timestamp())
    horizons, skipped = _horizons(events, t0, options)
    say("aggregating events into visits")
    sessions = _sessions(events.table, cohort, t0).cache()  # the one pass over the events
    try:
        say("aggregating visits per user")
        users = _per_user(events, sessions, cohort, options, t0, horizons)
        say("matching controls")
        sample = _match(users, cohort, options, t0, events.start_sec)
        say("bootstrapping")
        rng = np.random.default_rng(options.seed)
        boot = _Bootstrap.draw(rng, sample, options.bootstrap)
        clv_changes = (
            lifetime_value_changes(events, sessions, sample, t0, horizons, options, say)
            if horizons and options.lifetime_value
            else {}
        )
    finally:
        sessions.release()
    results: list[HorizonResult] = []
    for days in sorted({*horizons, *skipped}):
        if days in skipped:
            results.append(HorizonResult(days=days, skipped=skipped[days]))
            continue
        results.append(_horizon(sample, boot, days, options, clv_changes.get(days)))
    early_covered = events.end_sec >= int(cohort.until.timestamp()) + ACTIVE_DAYS * DAY - DAY
    early = _early_churn(sample, boot, options) if early_covered else None
    report = ChurnReport(
        at=cohort.at.astimezone(UTC),
        until=cohort.until.astimezone(UTC),
        engine=events.engine,
        incident_id=cohort.incident_id,
        title=cohort.title or "Affected users",
        data_start=datetime.fromtimestamp(events.start_sec, UTC),
        data_end=datetime.fromtimestamp(events.end_sec, UTC),
        affected_given=len(cohort.affected),
        affected_found=sample.affected_found,
        treated=int(sample.treated.sum()),
        unmatched=sample.unmatched,
        pool=sample.pool,
        controls=int(np.count_nonzero(sample.weight[~sample.treated])),
        horizons=tuple(results),
        balance=sample.balance,
        curve=_curve(sample, boot, horizons, options),
        early_churn=early,
        verdict="",
        definition=_definition(cohort, options, events),
    )
    return _with_verdict(report)


# -- 1. horizons and per-user aggregation ------------------------------------------------------------------


def _horizons(events: Events, t0: int, options: ChurnOptions) -> tuple[list[int], dict[int, str]]:
    """Horizons the events cover after ``t0`` (whole days to the last event's day), and the rest with why."""
    if not events.start_sec < t0 <= events.end_sec:
        raise InvalidInput(
            f"at: {_day(t0)} is not within the events, which run from {_day(events.start_sec)} to "
            f"{_day(events.end_sec)}",
            field="at",
        )
    covered = (events.end_sec // DAY + 1) * DAY - t0  # the last event's day counts whole
    measured, skipped = [], {}
    for days in sorted(set(options.horizons)):
        if days * DAY <= covered:
            measured.append(days)
        else:
            skipped[days] = (
                f"the events end {_day(events.end_sec)}, {covered // DAY} days after the incident: too short for "
                f"{days} days"
            )
    return measured, skipped


def _sessions(table: ir.Table, cohort: Cohort, t0: int) -> ir.Table:
    """One row per visit: its start and end, and what happened in it. Everything after counts visits by
    their start, so a visit belongs to one window, and reads this table, a fifth of the events' size."""
    in_window = (table.sec >= t0) & (table.sec < int(cohort.until.timestamp()))
    if cohort.window_events is not None:
        in_window = in_window & table.event.lower().isin(sorted(cohort.window_events))
    return table.group_by(["user", "session"]).aggregate(
        start=table.sec.min(),
        end=table.sec.max(),
        events=table.count(),
        logins=table.login.sum(),
        orders=table.order.sum(),
        # In cents: integer sums are exact, so every engine adds them up to the same total in any order.
        revenue=(table.amount * 100).round().cast("int64").sum(),
        pages=table.page.sum(),
        in_window=in_window.sum(),
    )


def _per_user(
    events: Events, sessions: ir.Table, cohort: Cohort, options: ChurnOptions, t0: int, horizons: Sequence[int]
) -> dict[str, Any]:
    """One row per user of every count the analysis needs, as numpy columns sorted by pseudonym (the same
    order on every engine)."""
    columns = columns_of(_user_aggregates(sessions, cohort, options, t0, horizons).to_pyarrow())
    weeks = _curve_weeks(horizons)
    if weeks:
        masks = _week_masks(sessions, t0, weeks).to_pyarrow()
        position = {user: index for index, user in enumerate(columns["user"].tolist())}
        rows = np.array([position[user] for user in masks.column("user").to_pylist()], dtype=np.int64)
        columns["weeks_mask"] = np.zeros(len(position), dtype=np.int64)
        columns["weeks_mask"][rows] = masks.column("weeks_mask").to_numpy()
    columns["user"] = events.keys(columns["user"])
    for name in columns:
        if name.startswith("revenue_"):
            columns[name] = columns[name] / 100  # cents to currency units
    order = np.argsort(columns["user"], kind="stable")
    return {name: values[order] for name, values in columns.items()}


def _windows(horizons: Sequence[int], match_days: int, incident_seconds: int) -> dict[str, tuple[int, int]]:
    """Named windows in seconds relative to ``t0``, [start, end).

    "Still active" looks at the last ``min(30, h / 2)`` days of each horizon, but never inside the incident
    window, where every control was active by definition; its ``pre`` twin is as long, just before ``t0``.
    Early churn looks at the 30 days after the incident ended."""
    windows = {
        "match": (-match_days * DAY, 0),
        "early": (incident_seconds, incident_seconds + ACTIVE_DAYS * DAY),
        "pre_early": (-ACTIVE_DAYS * DAY, 0),
    }
    for days in horizons:
        windows[f"pre_{days}"] = (-days * DAY, 0)
        windows[f"post_{days}"] = (0, days * DAY)
        start = max(days * DAY - min(ACTIVE_DAYS * DAY, days * DAY // 2), incident_seconds)
        if start < days * DAY:
            windows[f"post_active_{days}"] = (start, days * DAY)
            windows[f"pre_active_{days}"] = (start - days * DAY, 0)
    return windows


def _counted(name: str) -> bool:
    """Windows that get every count (the others only need "any event")."""
    return name == "match" or (name.startswith(("pre_", "post_")) and "active" not in name and "early" not in name)


def _user_aggregates(
    sessions: ir.Table, cohort: Cohort, options: ChurnOptions, t0: int, horizons: Sequence[int]
) -> ir.Table:
    """Per user, conditional sums over their visits for every window (``_windows``), their first visit,
    whether they were around in the incident window, and their active weeks."""
    import ibis

    rel = sessions.start - t0
    aggregates: dict[str, Any] = {"first": sessions.start.min(), "in_window": sessions.in_window.sum()}
    for name, (start, end) in _windows(horizons, options.match_days, _incident_seconds(cohort)).items():
        inside = (rel >= start) & (rel < end)
        aggregates[f"events_{name}"] = ibis.ifelse(inside, sessions.events, 0).sum()
        if _counted(name):
            aggregates[f"logins_{name}"] = ibis.ifelse(inside, sessions.logins, 0).sum()
            aggregates[f"orders_{name}"] = ibis.ifelse(inside, sessions.orders, 0).sum()
            aggregates[f"revenue_{name}"] = ibis.ifelse(inside, sessions.revenue, 0).sum()
            aggregates[f"sessions_{name}"] = inside.sum()
            aggregates[f"duration_{name}"] = ibis.ifelse(inside, sessions.end - sessions.start, 0).sum()
            aggregates[f"pages_{name}"] = ibis.ifelse(inside, sessions.pages, 0).sum()
    return sessions.group_by("user").aggregate(**aggregates)


def _week_masks(sessions: ir.Table, t0: int, weeks: int) -> ir.Table:
    """Per user, the weeks around ``t0`` with a visit as one bit mask: distinct (user, week) pairs, then a
    sum of powers of two (a sum of distinct bits is their or; BitOr has no PySpark rule in Ibis 12)."""
    import ibis

    rel = sessions.start - t0
    inside = sessions.filter((rel >= -CURVE_PRE_WEEKS * WEEK) & (rel < weeks * WEEK))
    pairs = inside.select("user", week=((inside.start - t0 + CURVE_PRE_WEEKS * WEEK) // WEEK).cast("int64")).distinct()
    bit = (ibis.literal(2, type="int64") ** pairs.week).cast("int64")
    return pairs.group_by("user").aggregate(weeks_mask=bit.sum())


def _incident_seconds(cohort: Cohort) -> int:
    return int((cohort.until - cohort.at).total_seconds())


def _curve_weeks(horizons: Sequence[int]) -> int:
    return min(math.ceil(max(horizons) / 7), CURVE_MAX_WEEKS) if horizons else 0


# -- 2. matching -------------------------------------------------------------------------------------------


@dataclass
class _Sample:
    """The matched sample: users with a matching weight > 0 (affected: 1, controls: the share of affected
    users they stand in for), their columns, and the figures about how they were chosen."""

    columns: dict[str, Any]
    treated: Mask
    weight: Array
    tenure_days: Array
    features: Array  # the standardised matching covariates, for the bias correction
    affected_found: int
    unmatched: int
    pool: int
    balance: tuple[Balance, ...]

    def __len__(self) -> int:
        return len(self.treated)


COVARIATES = ("events", "sessions", "orders", "revenue")


def _match(users: dict[str, Any], cohort: Cohort, options: ChurnOptions, t0: int, data_start: int) -> _Sample:
    from scipy.spatial import cKDTree  # type: ignore[import-untyped]

    eligible = users["first"] < t0 - options.min_tenure_days * DAY
    affected = np.fromiter((user in cohort.affected for user in users["user"]), dtype=bool, count=len(eligible))
    treated = eligible & affected
    pool = eligible & ~affected
    if cohort.controls == "window":
        pool &= users["in_window"] > 0
    found = int(treated.sum())
    if not found:
        raise InvalidInput(
            f"affected: none of the {len(cohort.affected):,} affected users has events at least "
            f"{options.min_tenure_days} days before {_day(t0)}",
            field="affected",
        )
    if not pool.any():
        where = "active in the incident window" if cohort.controls == "window" else "in the events"
        raise InvalidInput(f"controls: no unaffected user was {where} to compare with", field="controls")
    tenure = np.clip((t0 - np.maximum(users["first"], data_start)) / DAY, 0.0, 3 * 365)
    match_days = np.minimum(options.match_days, np.maximum(tenure, 1.0))
    covariates = np.column_stack(
        [np.log1p(users[f"{name}_match"] / match_days * MONTH) for name in COVARIATES] + [np.log1p(tenure)]
    )
    spread = covariates[treated | pool].std(axis=0)
    features = covariates / np.where(spread > 0, spread, 1.0)  # standardised, for the distances
    tiers = _tiers(users, cohort, treated | pool)
    weight = np.zeros(len(eligible))
    unmatched = 0
    shuffle = np.random.default_rng(options.seed)
    for tier in np.unique(tiers[treated]):
        t_index = np.flatnonzero(treated & (tiers == tier))
        # Shuffled (seeded): many users tie exactly (no activity, same first day), and the neighbour
        # search returns the first of equals; in a fixed order that would be the same few users each time.
        c_index = shuffle.permutation(np.flatnonzero(pool & (tiers == tier)))
        if not len(c_index):
            unmatched += len(t_index)
            continue
        k = min(options.neighbours, len(c_index))
        distance, nearest = cKDTree(features[c_index]).query(features[t_index], k=[*range(1, k + 1)])
        keep = np.ones(len(t_index), dtype=bool) if options.caliper is None else distance[:, 0] <= options.caliper
        unmatched += int((~keep).sum())
        weight[t_index[keep]] = 1.0
        within = np.ones_like(distance, dtype=bool) if options.caliper is None else distance <= options.caliper
        share = within[keep] / within[keep].sum(axis=1, keepdims=True)
        np.add.at(weight, c_index[nearest[keep]].ravel(), share.ravel())
    if not weight[treated].any():
        raise InvalidInput(
            f"caliper: no affected user has a control within {options.caliper} standard deviations", field="caliper"
        )
    balance = _balance(covariates, treated, pool, weight)
    chosen = weight > 0
    columns = {name: values[chosen] for name, values in users.items()}
    return _Sample(
        columns=columns,
        treated=treated[chosen],
        weight=weight[chosen],
        tenure_days=tenure[chosen],
        features=features[chosen],
        affected_found=found,
        unmatched=unmatched,
        pool=int(pool.sum()),
        balance=balance,
    )


def _tiers(users: dict[str, Any], cohort: Cohort, considered: Mask) -> npt.NDArray[np.str_]:
    """The value tier per user: the customers table's where it knows the user, else by revenue before
    the incident: none, and thirds of the rest."""
    revenue = users["revenue_match"]
    tiers = np.full(len(revenue), "none", dtype=object)
    buyers = considered & (revenue > 0)
    if buyers.any():
        low, high = np.quantile(revenue[buyers], [1 / 3, 2 / 3])
        tiers[revenue > 0] = "mid"
        tiers[(revenue > 0) & (revenue <= low)] = "low"
        tiers[revenue > high] = "high"
    if cohort.tiers:
        for index, user in enumerate(users["user"].tolist()):
            known = cohort.tiers.get(user)
            if known:
                tiers[index] = known
    return tiers.astype(str)


def _balance(features: Array, treated: Mask, pool: Mask, weight: Array) -> tuple[Balance, ...]:
    labels = [f"log {name} per 30 days" for name in COVARIATES] + ["log tenure (days)"]
    out = []
    controls = pool & (weight > 0)
    for column, label in enumerate(labels):
        values = features[:, column]
        t_mean = float(values[treated & (weight > 0)].mean())
        p_mean = float(values[pool].mean())
        c_mean = float(np.average(values[controls], weights=weight[controls]))
        spread = math.sqrt((values[treated].var() + values[pool].var()) / 2) or 1.0
        out.append(
            Balance(
                label,
                t_mean,
                p_mean,
                c_mean,
                (float(values[treated].mean()) - p_mean) / spread,
                (t_mean - c_mean) / spread,
            )
        )
    return tuple(out)


# -- 3-4. metrics and the bootstrap ------------------------------------------------------------------------


@dataclass
class _Bootstrap:
    """Poisson(1) weights per replicate and user, times the matching weights (a B × n matrix)."""

    weights: npt.NDArray[np.float32]
    point: Array  # the matching weights themselves

    @classmethod
    def draw(cls, rng: np.random.Generator, sample: _Sample, replicates: int) -> _Bootstrap:
        """Poisson(1) by its inverse distribution function on float32 uniforms, six times faster than
        ``Generator.poisson``: a weight is how many of the cumulative probabilities its uniform exceeds
        (cut at 9, which Poisson(1) passes once in 10 million draws)."""
        uniform = rng.random((replicates, len(sample)), dtype=np.float32)
        draws = np.zeros_like(uniform)
        for probability in POISSON_CDF:
            draws += uniform > probability
        del uniform
        draws *= sample.weight.astype(np.float32)
        return cls(draws, sample.weight)

    def did(self, change: Array, defined: Mask, treated: Mask) -> tuple[float, Array]:
        """The DiD of ``change`` (mean over affected − weighted mean over controls) and its replicates."""
        values = np.where(defined, change, 0.0)
        point = _group_mean(self.point, values, defined, treated) - _group_mean(self.point, values, defined, ~treated)
        arm_t = (defined & treated).astype(np.float32)
        arm_c = (defined & ~treated).astype(np.float32)
        v32 = values.astype(np.float32)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_t = (self.weights @ (v32 * arm_t)) / (self.weights @ arm_t)
            mean_c = (self.weights @ (v32 * arm_c)) / (self.weights @ arm_c)
        return point, (mean_t - mean_c).astype(np.float64)


def _group_mean(weight: Array, values: Array, defined: Mask, group: Mask) -> float:
    chosen = defined & group
    total = float(weight[chosen].sum())
    return float((weight[chosen] * values[chosen]).sum() / total) if total else math.nan


def _estimate(point: float, replicates: Array, confidence: float) -> Estimate:
    finite = replicates[np.isfinite(replicates)]
    if math.isfinite(point) and abs(point) < ROUNDING:
        point = 0.0  # a difference of equal means, left over from float arithmetic
    if not math.isfinite(point) or len(finite) < 10:
        return Estimate(point, math.nan, math.nan, math.nan)
    tail = (1 - confidence) / 2
    low, high = np.quantile(finite, [tail, 1 - tail])
    p = 2 * min(float((finite <= 0).mean()), float((finite >= 0).mean()))
    return Estimate(float(point), float(low), float(high), min(1.0, max(p, 1 / len(finite))))


def _values(sample: _Sample, metric: _Metric, period: str, days: int) -> tuple[Array, Mask]:
    """One metric per user over ``period`` (``pre``/``post``) of horizon ``days``, and where it is defined."""
    c = sample.columns
    if metric.kind == "share":
        window = f"{period}_active_{days}"
        return (c[f"events_{window}"] > 0).astype(np.float64), np.ones(len(sample), dtype=bool)
    window = f"{period}_{days}"
    numerator = c[f"{metric.numerator}_{window}"]
    if metric.kind == "ratio":
        assert metric.denominator is not None
        denominator = c[f"{metric.denominator}_{window}"]
        defined = denominator > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(defined, numerator / np.where(defined, denominator, 1.0) * metric.scale, 0.0), defined
    length = np.minimum(days, np.maximum(sample.tenure_days, 1.0)) if period == "pre" else np.full(len(sample), days)
    return numerator / length * MONTH, np.ones(len(sample), dtype=bool)


def _horizon(
    sample: _Sample, boot: _Bootstrap, days: int, options: ChurnOptions, clv_change: tuple[Array, Mask] | None
) -> HorizonResult:
    metrics = []
    replicates: dict[str, Array] = {}
    for metric in METRICS:
        if not _measured(sample, metric, days):
            continue
        result, draws = _metric(sample, boot, metric, days, options)
        metrics.append(result)
        replicates[metric.key] = draws
    ltv = None
    ltv_customers = 0
    ltv_draws = None
    if clv_change is not None:
        change, defined = clv_change
        point, ltv_draws = boot.did(change, defined, sample.treated)
        ltv = _estimate(point, ltv_draws, options.confidence)
        ltv_customers = int((defined & sample.treated).sum())
    debt = _debt(sample, boot, days, options, metrics, replicates, ltv, ltv_draws, ltv_customers)
    return HorizonResult(days=days, metrics=tuple(metrics), ltv=ltv, ltv_customers=ltv_customers, debt=debt)


def _measured(sample: _Sample, metric: _Metric, days: int) -> bool:
    """Leave out what the events cannot tell: no login events, no amounts, no orders."""
    c = sample.columns
    if metric.kind == "share":
        return f"events_post_active_{days}" in c  # the horizon ends inside the incident window
    if metric.numerator in ("logins", "orders", "revenue"):
        return bool(c[f"{metric.numerator}_pre_{days}"].any() or c[f"{metric.numerator}_post_{days}"].any())
    return True


def _metric(
    sample: _Sample, boot: _Bootstrap, metric: _Metric, days: int, options: ChurnOptions
) -> tuple[MetricResult, Array]:
    pre, pre_defined = _values(sample, metric, "pre", days)
    post, post_defined = _values(sample, metric, "post", days)
    return _compared(
        sample,
        boot,
        metric.key,
        metric.label,
        days,
        (pre, post, pre_defined & post_defined),
        metric.higher_is_better,
        options,
    )


def _early_churn(sample: _Sample, boot: _Bootstrap, options: ChurnOptions) -> MetricResult:
    """No event in the first 30 days after the incident ended, against none in the 30 days before it."""
    c = sample.columns
    pre = (c["events_pre_early"] == 0).astype(np.float64)
    post = (c["events_early"] == 0).astype(np.float64)
    label = "early churn (no activity in the 30 days after the incident)"
    everyone = np.ones(len(sample), dtype=bool)
    return _compared(sample, boot, "early_churn", label, ACTIVE_DAYS, (pre, post, everyone), False, options)[0]


def _compared(
    sample: _Sample,
    boot: _Bootstrap,
    key: str,
    label: str,
    days: int,
    values: tuple[Array, Array, Mask],
    higher_is_better: bool,
    options: ChurnOptions,
) -> tuple[MetricResult, Array]:
    """The difference-in-differences of one per-user measure (``pre``, ``post``, where both are defined)
    as a result with its sentence, and its bootstrap replicates."""
    pre, post, defined = values
    change = _bias_corrected(post - pre, defined, sample, pre)
    point, draws = boot.did(change, defined, sample.treated)
    effect = _estimate(point, draws, options.confidence)
    t, w = sample.treated, sample.weight
    means = [_group_mean(w, values, defined, group) for group in (t, ~t) for values in (pre, post)]
    verdict = _verdict(effect, higher_is_better)
    result = MetricResult(
        metric=key,
        label=label,
        horizon_days=days,
        treated_pre=means[0],
        treated_post=means[1],
        control_pre=means[2],
        control_post=means[3],
        effect=effect,
        n_treated=int((defined & t).sum()),
        n_control=int((defined & ~t).sum()),
        higher_is_better=higher_is_better,
        verdict=verdict,
        sentence=_sentence(label, days, effect, verdict, options.confidence),
    )
    return result, draws


def _bias_corrected(change: Array, defined: Mask, sample: _Sample, pre: Array) -> Array:
    """``change`` less what the covariates predict of it among the controls (Abadie & Imbens 2011).

    Nearest neighbours are never exact: an affected user in the long tail of activity gets controls a
    little less active than they were, and a change measured from the very activity matched on regresses
    to the mean faster the higher it starts, which alone would read as a loss. A weighted least-squares
    fit of the change on the matching covariates and the metric's own pre-incident value among the
    controls removes what the remaining differences explain; the difference of group means of the
    residuals is the corrected estimate (the intercept cancels out)."""
    controls = defined & ~sample.treated
    design = np.column_stack([np.ones(len(change)), sample.features, pre])
    if controls.sum() <= design.shape[1]:
        return change
    root = np.sqrt(sample.weight[controls])
    beta, *_ = np.linalg.lstsq(design[controls] * root[:, None], change[controls] * root, rcond=None)
    return np.asarray(change - design[:, 1:] @ beta[1:], dtype=np.float64)


def _verdict(effect: Estimate, higher_is_better: bool) -> str:
    if not effect.significant:
        return NO_CHANGE
    return LOSS if (effect.value < 0) == higher_is_better else GAIN


def _sentence(label: str, days: int, effect: Estimate, verdict: str, confidence: float) -> str:
    level = f"{confidence:.0%}"
    interval = f"{level} CI {_num(effect.low)} to {_num(effect.high)}"
    if verdict == NO_CHANGE:
        return f"{label.capitalize()} over {days} days: {_num(effect.value)} against matched controls ({interval}): no significant change."
    return f"{label.capitalize()} over {days} days: {_num(effect.value)} against matched controls ({interval}): a significant {verdict}."


def _num(value: float) -> str:
    if not math.isfinite(value):
        return "n/a"
    return f"{value:+.3f}" if abs(value) < 10 else f"{value:+,.1f}"


# -- 5-6. lifetime value and debt --------------------------------------------------------------------------


def _debt(
    sample: _Sample,
    boot: _Bootstrap,
    days: int,
    options: ChurnOptions,
    metrics: Sequence[MetricResult],
    replicates: Mapping[str, Array],
    ltv: Estimate | None,
    ltv_draws: Array | None,
    ltv_customers: int,
) -> Debt | None:
    """Reputational debt over ``days``: lost revenue in the window + lost future value + recovery costs."""
    treated = int(sample.treated.sum())
    per_window = days / MONTH * treated
    keys = {metric.metric for metric in metrics}
    if "revenue" in keys and float(np.abs(sample.columns[f"revenue_pre_{days}"]).sum()) > 0:
        point = -_find(metrics, "revenue").effect.value * per_window
        draws = -replicates["revenue"] * per_window
    elif "orders" in keys and options.order_value is not None:
        point = -_find(metrics, "orders").effect.value * per_window * options.order_value
        draws = -replicates["orders"] * per_window * options.order_value
    else:
        return None
    immediate = _estimate(point, draws, options.confidence)
    future = None
    total_draws = draws
    total_point = point
    if ltv is not None and ltv_draws is not None:
        future = _estimate(-ltv.value * ltv_customers, -ltv_draws * ltv_customers, options.confidence)
        total_draws = total_draws - ltv_draws * ltv_customers
        total_point += future.value
    recovery = float(sum(options.recovery_costs.values()))
    total = _estimate(total_point + recovery, total_draws + recovery, options.confidence)
    return Debt(days, immediate, future, recovery, total, options.currency, dict(options.recovery_costs))


def _find(metrics: Sequence[MetricResult], key: str) -> MetricResult:
    return next(metric for metric in metrics if metric.metric == key)


# -- curves, verdict, definition ---------------------------------------------------------------------------


def _curve(sample: _Sample, boot: _Bootstrap, horizons: Sequence[int], options: ChurnOptions) -> Curve | None:
    weeks = _curve_weeks(horizons)
    if not weeks or "weeks_mask" not in sample.columns:
        return None
    masks = sample.columns["weeks_mask"].astype(np.int64)
    labels = tuple(range(-CURVE_PRE_WEEKS, weeks))
    tail = (1 - options.confidence) / 2
    active = ((masks[:, None] >> np.arange(len(labels))) & 1).astype(np.float32)  # users × weeks
    series: dict[str, list[float]] = {}
    for name, group in (("treated", sample.treated), ("control", ~sample.treated)):
        arm = group.astype(np.float32)
        weight = boot.point * group
        series[name] = list(weight @ active / weight.sum())
        with np.errstate(invalid="ignore", divide="ignore"):
            draws = (boot.weights @ (active * arm[:, None])) / (boot.weights @ arm)[:, None]  # one product
        low, high = np.nanquantile(draws, [tail, 1 - tail], axis=0)
        series[f"{name}_low"] = [float(value) for value in low]
        series[f"{name}_high"] = [float(value) for value in high]
    series = {name: [float(value) for value in values] for name, values in series.items()}
    return Curve(weeks=labels, **{name: tuple(values) for name, values in series.items()})


def _with_verdict(report: ChurnReport) -> ChurnReport:
    from dataclasses import replace

    return replace(report, verdict=verdict_of(report))


def verdict_of(report: ChurnReport) -> str:
    """One paragraph for a marketing director: the significant losses, the debt, or that none was found."""
    measured = [result for result in report.horizons if result.skipped is None]
    if not measured:
        return "No horizon could be measured: " + "; ".join(r.skipped or "" for r in report.horizons) + "."
    losses = [m for result in measured for m in result.metrics if m.verdict == LOSS]
    if report.early_churn is not None and report.early_churn.verdict == LOSS:
        losses.append(report.early_churn)
    losses.sort(key=lambda m: VERDICT_ORDER.index(m.metric) if m.metric in VERDICT_ORDER else len(VERDICT_ORDER))
    first = f"{report.treated:,} affected users against {report.controls:,} matched users."
    debt = report.debt
    money = (
        f" Reputational debt over {debt.horizon_days} days: {_money(debt.total.value, debt.currency)} "
        f"({_money(debt.total.low, debt.currency)} to {_money(debt.total.high, debt.currency)})."
        if debt is not None and math.isfinite(debt.total.low)
        else ""
    )
    if not losses:
        return f"No significant silent churn: {first}{money}"
    shown = "; ".join(_loss_phrase(metric) for metric in losses[:3])
    return f"Silent churn: {shown}. {first}{money}"


def _loss_phrase(metric: MetricResult) -> str:
    effect = metric.effect
    return f"{metric.label} {_num(effect.value)} over {metric.horizon_days} days ({_num(effect.low)} to {_num(effect.high)})"


def _money(value: float, currency: str) -> str:
    return f"{currency} {value:,.0f}"


def _definition(cohort: Cohort, options: ChurnOptions, events: Events) -> dict[str, Any]:
    return {
        "anchor": "incident start" if cohort.incident_id is not None else "given time",
        "window": f"{cohort.at.isoformat()} to {cohort.until.isoformat()}",
        "controls": (
            "unaffected users active in the incident window"
            + (f" with {', '.join(sorted(cohort.window_events))}" if cohort.window_events else "")
            if cohort.controls == "window"
            else "any unaffected user"
        ),
        "matching": f"{options.neighbours} nearest per affected user within value tier on {options.match_days}-day "
        f"activity, orders, revenue and tenure; caliper {options.caliper}",
        "min_tenure_days": options.min_tenure_days,
        "horizons_days": list(options.horizons),
        "rates": "per 30 days; a user's pre window is cut to their tenure",
        "still_active": f"an event in the last {ACTIVE_DAYS} days of the window (half of it when shorter), after the "
        "incident; against as long just before it",
        "early_churn": f"no event in the {ACTIVE_DAYS} days after the incident ended, against none in the "
        f"{ACTIVE_DAYS} days before it",
        "bootstrap": f"{options.bootstrap} user-level Poisson replicates, seed {options.seed}",
        "confidence": options.confidence,
        "logins": sorted(events.kinds.logins),
        "orders": sorted(events.kinds.orders),
        "ltv": f"BG/NBD + Gamma-Gamma, {options.clv_horizon_weeks}-week value, {options.discount_rate:.0%} discount",
    }


def _day(sec: int) -> str:
    return datetime.fromtimestamp(sec, UTC).date().isoformat()
