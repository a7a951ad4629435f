"""Lifetime value in the silent-churn analysis: each customer's expected one-year value at the incident
and at the end of each horizon, from BG/NBD and Gamma-Gamma (:mod:`trustops.analytics.clv`) fitted on every
customer's purchases before it. Purchase days per customer come from one Ibis aggregation on the events'
engine; the fits run in numpy on one row per customer."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from trustops.analytics.events import DAY, Events, columns_of
from trustops.errors import InvalidInput

FIT_CUSTOMERS = 50_000

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from trustops.analytics.churn import Array, ChurnOptions, Mask, _Sample


def lifetime_value_changes(
    events: Events,
    sessions: ir.Table,
    sample: _Sample,
    t0: int,
    horizons: Sequence[int],
    options: ChurnOptions,
    say: Callable[[str], None],
) -> dict[int, tuple[Array, Mask]]:
    """Per horizon, each sampled customer's change in expected one-year value from ``t0`` to ``t0 + h``
    (and which users are customers: a purchase before ``t0``). Empty when no model can be fitted."""
    from trustops.analytics import clv

    say("fitting lifetime value")
    cutoffs = {0: t0 // DAY} | {days: t0 // DAY + days for days in horizons}
    table = _order_days(sessions, cutoffs).to_pyarrow()
    if table.num_rows == 0:
        return {}
    c = columns_of(table)
    c["user"] = events.keys(c["user"])
    for name in c:
        if name.startswith(("amount_", "first_amount")):
            c[name] = c[name] / 100  # cents to currency units
    order = np.argsort(c["user"], kind="stable")  # engines return groups in any order; fits sum in this one
    c = {name: values[order] for name, values in c.items()}
    priced = float(c["amount_0"].sum()) > 0 or options.order_value is not None
    if not priced:
        return {}
    calibration = c["n_0"] > 0
    base = _rfm(c, 0, cutoffs[0], _fitted(calibration, options.seed), options)
    try:
        bgnbd = clv.fit_bgnbd(base.x, base.t_x, base.T)
        if options.order_value is None:
            spend = clv.fit_gamma_gamma(base.x, base.monetary)
            if not math.isfinite(spend.mean_spend):
                return {}
        else:
            spend = _fixed_spend(options.order_value, bgnbd.convergence)
    except (InvalidInput, FloatingPointError, ValueError):
        return {}
    # The models are fitted on every customer; values are needed only for the matched sample's.
    index = {user: i for i, user in enumerate(c["user"].tolist())}
    rows = np.array([index.get(user, -1) for user in sample.columns["user"].tolist()], dtype=np.int64)
    sampled = np.zeros(len(calibration), dtype=bool)
    sampled[rows[rows >= 0]] = True
    sampled &= calibration
    values = {
        key: clv.lifetime_values(
            _rfm(c, key, cutoff, sampled, options),
            bgnbd,
            spend,
            horizon_weeks=options.clv_horizon_weeks,
            discount_rate=options.discount_rate,
        )
        for key, cutoff in cutoffs.items()
    }
    position = np.cumsum(sampled) - 1  # a sampled customer's row in ``values``
    defined = (rows >= 0) & sampled[np.maximum(rows, 0)]
    out = {}
    for days in horizons:
        change = np.zeros(len(sample))
        delta = values[days] - values[0]
        change[defined] = delta[position[rows[defined]]]
        out[days] = (np.where(np.isfinite(change), change, 0.0), defined & np.isfinite(change))
    return out


def _fitted(customers: Mask, seed: int) -> Mask:
    """The customers the models are fitted on: all of them, or a seeded random ``FIT_CUSTOMERS`` when
    there are more. Two population parameters per model are pinned down long before a million customers
    (their standard errors shrink with the square root of the count), and each customer's value is
    still computed from their own history."""
    chosen = np.flatnonzero(customers)
    if len(chosen) <= FIT_CUSTOMERS:
        return customers
    subset = np.zeros(len(customers), dtype=bool)
    subset[np.random.default_rng(seed).choice(chosen, size=FIT_CUSTOMERS, replace=False)] = True
    return subset


def _fixed_spend(order_value: float, convergence: Any) -> Any:
    """A Gamma-Gamma "fit" whose every expectation is ``order_value``: with p = 1 and v = value · (q − 1),
    E[M | x, m_x = value] = value for any x (events without amounts, priced by the user)."""
    from trustops.analytics.clv import GammaGammaFit

    q = 1.0e9
    return GammaGammaFit(1.0, q, order_value * (q - 1), 0.0, 0, 0.0, convergence)


def _order_days(sessions: ir.Table, cutoffs: Mapping[int, int]) -> ir.Table:
    """Per customer: purchase days (the days visits with an order started) and spend before each cutoff
    day, the first purchase day and its spend."""
    import ibis

    orders = sessions.filter(sessions.orders > 0)
    days = orders.group_by([orders.user, (orders.start // DAY).name("day")]).aggregate(amount=orders.revenue.sum())
    aggregates: dict[str, Any] = {"first": days.day.min(), "first_amount": days.amount.argmin(days.day)}
    for key, cutoff in cutoffs.items():
        before = days.day < cutoff
        aggregates[f"n_{key}"] = before.sum()
        aggregates[f"last_{key}"] = ibis.ifelse(before, days.day, None).max()
        aggregates[f"amount_{key}"] = ibis.ifelse(before, days.amount, 0).sum()  # cents, as the visits hold them
    return days.group_by("user").aggregate(**aggregates)


def _rfm(c: dict[str, Any], key: int, cutoff: int, customers: Mask, options: ChurnOptions) -> Any:
    from trustops.analytics.clv import WEEK as WEEK_DAYS
    from trustops.analytics.clv import RfmSummary

    n = c[f"n_{key}"][customers]
    first = c["first"][customers]
    last = c[f"last_{key}"][customers]
    x = np.maximum(n - 1, 0)
    repeat_spend = c[f"amount_{key}"][customers] - c["first_amount"][customers]
    if options.order_value is not None and float(c["amount_0"].sum()) == 0:
        monetary = np.full(len(x), options.order_value)
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            monetary = np.where(x > 0, repeat_spend / np.where(x > 0, x, 1), 0.0)
    zero = np.zeros(len(x))
    epoch = date(1970, 1, 1)
    return RfmSummary(
        customers=tuple(c["user"][customers].tolist()),
        x=x.astype(np.float64),
        t_x=((np.where(n > 0, last, first) - first) / WEEK_DAYS).astype(np.float64),
        T=((cutoff - 1 - first) / WEEK_DAYS).astype(np.float64),
        monetary=np.maximum(monetary, 0.0).astype(np.float64),
        x_holdout=zero,
        spend_holdout=zero,
        start=epoch + timedelta(days=int(first.min())),
        calibration_end=epoch + timedelta(days=int(cutoff - 1)),
        end=epoch + timedelta(days=int(cutoff - 1)),
        later_customers=0,
    )
