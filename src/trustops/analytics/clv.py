"""Customer lifetime value: how many purchases each customer will still make, what they will spend, in money.

1. :func:`read_transactions` streams a purchase file into :class:`Transaction` records, one line at a time;
   a bad line becomes a :class:`LineError` with its number and reason, and the lines around it still count.
2. :func:`summarise` reduces the purchases to one RFM row per customer for a calibration period, in weeks
   from each customer's first purchase: ``x`` repeat purchases, ``t_x`` the time of the last one, ``T``
   the customer's age at the end of the period. Several purchases on one day are one purchase (their
   amounts add up), as in Fader, Hardie & Lee (2005). Purchases after the period are the holdout.
3. :func:`fit_bgnbd` fits the BG/NBD model (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy
   Way", Marketing Science 24(2)): purchases while alive are Poisson(λ), λ ~ Gamma(r, α); after each
   purchase the customer drops out with probability p, p ~ Beta(a, b).
4. :func:`fit_gamma_gamma` fits the Gamma-Gamma spend model (Fader & Hardie, "The Gamma-Gamma Model of
   Monetary Value", 2013) on the repeat buyers' mean repeat spend: parameters ``p``, ``q`` and ``v``
   (the note's γ). It assumes spend does not depend on frequency; :attr:`GammaGammaFit.correlation`
   is the check.
5. :func:`lifetime_values` puts them together (see its docstring for the formula) and :func:`analyse`
   runs steps 2-5 and ranks customers into CLV deciles.

Both models are maximum-likelihood fits in log-parameter space (L-BFGS-B with analytic gradients), with
the log-likelihood written through ``gammaln``/``betaln`` and ``logaddexp`` so large counts neither
overflow nor lose precision. Customers with the same ``(x, t_x, T)`` are fitted once, weighted.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize  # type: ignore[import-untyped]
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1  # type: ignore[import-untyped]

from trustops.errors import InvalidInput
from trustops.privacy import pseudonymise

FORMATS = ("cdnow", "csv")
WEEK = 7  # days
WEEKS_PER_YEAR = 52
# Fader & Hardie's note calls the Gamma-Gamma model inappropriate when spend moves with frequency;
# they find 0.11 on CDNOW. Above this we warn, as a correlation that size is no longer "weak".
SPEND_CORRELATION_LIMIT = 0.3
MAX_ITERATIONS = 1_000

Array: TypeAlias = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Transaction:
    """One purchase. ``customer`` is the pseudonym when a secret was given, else the file's id."""

    customer: str
    day: date
    amount: float


@dataclass(frozen=True, slots=True)
class LineError:
    """Why one line was not read; reading goes on with the next one."""

    line: int
    message: str


Parsed: TypeAlias = tuple[int, Transaction | LineError]


@dataclass(frozen=True)
class CsvColumns:
    """Which CSV columns hold the customer, the purchase time and the amount. ``time=None`` takes
    ``timestamp``, else ``date``."""

    user: str = "user_id"
    time: str | None = None
    amount: str = "amount"


def read_transactions(
    lines: Iterable[str], fmt: str, *, columns: CsvColumns | None = None, secret: bytes | None = None
) -> Iterator[Parsed]:
    """``(line number, Transaction | LineError)`` for each purchase line of a ``cdnow`` or ``csv`` file.

    ``cdnow`` is whitespace separated without quoting: the 1/10 sample's ``customer_id customer_index
    YYYYMMDD cds dollars`` or the master file's ``customer_id YYYYMMDD cds dollars`` (with or without its
    header line), told apart by the first line. With ``secret`` every customer id is replaced by its
    keyed pseudonym (:func:`trustops.privacy.pseudonymise`); the raw ids stay in this reader's memory.
    """
    if fmt not in FORMATS:
        raise InvalidInput(f"format: {fmt!r} is not one of {', '.join(FORMATS)}", field="format")
    if columns is not None and fmt != "csv":
        raise InvalidInput(f"format: a column map applies to csv only, not {fmt!r}", field="format")
    name = _namer(secret)
    if fmt == "cdnow":
        return _read_cdnow(lines, name)
    return _read_csv(lines, columns or CsvColumns(), name)


def _namer(secret: bytes | None) -> Callable[[str], str]:
    if secret is None:
        return str.strip
    known: dict[str, str] = {}

    def name(raw: str) -> str:
        if (pseudonym := known.get(raw)) is None:
            pseudonym = known[raw] = pseudonymise(secret, raw)
        return pseudonym

    return name


def _read_cdnow(lines: Iterable[str], name: Callable[[str], str]) -> Iterator[Parsed]:
    width = 0  # 5 fields in the sample, 4 in the master file; set by the first line with any
    for number, line in enumerate(lines, start=1):
        fields = line.split()
        if not fields:
            continue
        if not width:
            width = _cdnow_width(number, fields)
            if not _numeric(fields):
                continue  # the master file's header
        if len(fields) != width:
            yield number, LineError(number, f"{len(fields)} fields; expected {width} like the lines before")
            continue
        try:
            day = _yyyymmdd(fields[-3])
            _count(fields[-2])
            yield number, Transaction(name(fields[0]), day, _amount(fields[-1]))
        except ValueError as exc:
            yield number, LineError(number, str(exc))


def _cdnow_width(number: int, fields: list[str]) -> int:
    if len(fields) not in (4, 5):
        raise InvalidInput(
            f"format: line {number} has {len(fields)} fields; a cdnow file has 5 (customer_id customer_index "
            "YYYYMMDD cds dollars) or 4 (customer_id YYYYMMDD cds dollars)",
            field="format",
        )
    return len(fields)


def _numeric(fields: list[str]) -> bool:
    try:
        [float(field) for field in fields]
    except ValueError:
        return False
    return True


def _read_csv(lines: Iterable[str], columns: CsvColumns, name: Callable[[str], str]) -> Iterator[Parsed]:
    rows = csv.reader(iter(lines))
    header = [column.strip() for column in next(rows, [])]
    time_column = columns.time or ("timestamp" if "timestamp" in header else "date")
    wanted = {"user": columns.user, "time": time_column, "amount": columns.amount}
    missing = [f"{field}={column!r}" for field, column in wanted.items() if column not in header]
    if missing:
        raise InvalidInput(f"columns: {', '.join(missing)} not in the header ({', '.join(header)})", field="columns")
    user, time, amount = (header.index(column) for column in wanted.values())
    width = max(user, time, amount) + 1
    for row in rows:
        number = rows.line_num
        if not row or not any(row):
            continue
        if len(row) < width:
            yield number, LineError(number, f"{len(row)} fields; the header has {len(header)}")
            continue
        try:
            if not row[user].strip():
                raise ValueError(f"{columns.user}: empty")
            yield number, Transaction(name(row[user]), _day(row[time]), _amount(row[amount]))
        except ValueError as exc:
            yield number, LineError(number, str(exc))


def _yyyymmdd(value: str) -> date:
    if len(value) != 8 or not value.isdigit():
        raise ValueError(f"date {value!r} is not YYYYMMDD")
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise ValueError(f"date {value!r} is not a calendar date") from None


def _day(value: str) -> date:
    """The purchase day: an ISO 8601 date or time; a time with an offset counts on its UTC day."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"time {value!r} is not an ISO 8601 date or time") from None
    return (moment.astimezone(UTC) if moment.tzinfo else moment).date()


def _amount(value: str) -> float:
    try:
        amount = float(value)
    except ValueError:
        raise ValueError(f"amount {value!r} is not a number") from None
    if not math.isfinite(amount) or amount < 0:
        raise ValueError(f"amount {value!r} is not a finite amount of at least 0")
    return amount


def _count(value: str) -> int:
    if not value.isdigit():
        raise ValueError(f"number of items {value!r} is not a whole number of at least 0")
    return int(value)


@dataclass(frozen=True)
class RfmSummary:
    """One row per customer who first bought within the calibration period, times in weeks.

    ``x`` repeat purchase days, ``t_x`` weeks from the first to the last purchase, ``T`` weeks from the
    first purchase to ``calibration_end``, ``monetary`` the mean amount of the repeat purchase days (0
    without any); ``x_holdout`` and ``spend_holdout`` count purchase days and amounts after the period.
    """

    customers: tuple[str, ...]
    x: Array
    t_x: Array
    T: Array
    monetary: Array
    x_holdout: Array
    spend_holdout: Array
    start: date
    calibration_end: date
    end: date
    later_customers: int  # first purchase after calibration_end: not in the summary

    @property
    def n_customers(self) -> int:
        return len(self.customers)

    @property
    def n_repeat_buyers(self) -> int:
        return int(np.count_nonzero(self.x))

    @property
    def holdout_weeks(self) -> float:
        return (self.end - self.calibration_end).days / WEEK


def summarise(transactions: Iterable[Transaction], calibration_weeks: int | None = None) -> RfmSummary:
    """The RFM summary; the calibration period is the first ``calibration_weeks`` weeks from the earliest
    purchase (its last day included), or all of the data when ``None``.

    Ages run to the period's last day, as in the CDNOW benchmark (39 weeks from 1997-01-01: a customer
    who first bought on 1997-01-01 has T = 272 / 7 = 38.86).
    """
    days = _purchase_days(transactions)
    if not days:
        raise InvalidInput("transactions: no valid purchase lines", field="transactions")
    start = date.fromordinal(min(min(history) for history in days.values()))
    end = date.fromordinal(max(max(history) for history in days.values()))
    cutoff = end.toordinal()
    if calibration_weeks is not None:
        cutoff = start.toordinal() + calibration_weeks * WEEK - 1
        if calibration_weeks < 1 or cutoff > end.toordinal():
            span = (end - start).days / WEEK
            raise InvalidInput(
                f"calibration_weeks: {calibration_weeks} is not within the {span:.1f} weeks of purchases "
                f"({start} to {end})",
                field="calibration_weeks",
            )
    rows = [(customer, _rfm(history, cutoff)) for customer, history in sorted(days.items()) if min(history) <= cutoff]
    columns = np.array([row for _, row in rows], dtype=np.float64).reshape(-1, 6)
    return RfmSummary(
        customers=tuple(customer for customer, _ in rows),
        x=columns[:, 0],
        t_x=columns[:, 1],
        T=columns[:, 2],
        monetary=columns[:, 3],
        x_holdout=columns[:, 4],
        spend_holdout=columns[:, 5],
        start=start,
        calibration_end=date.fromordinal(cutoff),
        end=end,
        later_customers=len(days) - len(rows),
    )


def _purchase_days(transactions: Iterable[Transaction]) -> dict[str, dict[int, float]]:
    """Spend per customer and purchase day (a date ordinal)."""
    days: dict[str, dict[int, float]] = {}
    for purchase in transactions:
        history = days.setdefault(purchase.customer, {})
        day = purchase.day.toordinal()
        history[day] = history.get(day, 0.0) + purchase.amount
    return days


def _rfm(history: dict[int, float], cutoff: int) -> tuple[float, float, float, float, float, float]:
    ordered = sorted(history)
    calibration = [day for day in ordered if day <= cutoff]
    later = ordered[len(calibration) :]
    first, last = calibration[0], calibration[-1]
    x = len(calibration) - 1
    monetary = sum(history[day] for day in calibration[1:]) / x if x else 0.0
    spend_later = sum(history[day] for day in later)
    return x, (last - first) / WEEK, (cutoff - first) / WEEK, monetary, len(later), spend_later


@dataclass(frozen=True)
class Convergence:
    """How the optimiser ended."""

    converged: bool
    iterations: int
    message: str


@dataclass(frozen=True)
class BgNbdFit:
    """BG/NBD parameters: purchase rate λ ~ Gamma(shape r, rate α), dropout p ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    n_customers: int
    n_repeat_buyers: int
    convergence: Convergence

    def expected_purchases(self, t: float | Array) -> Array:
        """E[X(t)]: purchases a new customer makes in their first ``t`` weeks (FHL 2005, eq. 9).

        Like the paper's formula it has no value at a = 1 or a + b = 1 (poles of the 2F1 form); a fit
        lands exactly there with probability zero."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        t = np.asarray(t, dtype=np.float64)
        tail = (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t))
        return np.asarray((a + b - 1) / (a - 1) * (1 - tail), dtype=np.float64)

    def p_alive(self, x: Array, t_x: Array, T: Array) -> Array:
        """P(alive | x, t_x, T) (FHL 2005, eq. 11). It is 1 whenever x = 0: in BG/NBD a customer can only
        drop out just after a repeat purchase, so one who never came back is taken to be still active."""
        return np.asarray(expit(-self._dropout_odds(x, t_x, T)), dtype=np.float64)

    def conditional_expected_purchases(self, t: float | Array, x: Array, t_x: Array, T: Array) -> Array:
        """E[Y(t) | x, t_x, T]: purchases in the ``t`` weeks after the calibration period (FHL 2005, eq. 10)."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        t = np.asarray(t, dtype=np.float64)
        shape = r + x
        tail = ((alpha + T) / (alpha + T + t)) ** shape * hyp2f1(shape, b + x, a + b + x - 1, t / (alpha + T + t))
        alive_rate = (a + b + x - 1) / (a - 1) * (1 - tail)
        return np.asarray(alive_rate * expit(-self._dropout_odds(x, t_x, T)), dtype=np.float64)

    def _dropout_odds(self, x: Array, t_x: Array, T: Array) -> Array:
        """log of δ(x > 0) · a / (b + x - 1) · ((α + T) / (α + t_x))^(r + x); -inf for x = 0."""
        repeat = x > 0
        safe_x = np.where(repeat, x, 1.0)
        odds = (
            np.log(self.a)
            - np.log(self.b + safe_x - 1)
            + (self.r + safe_x) * (np.log(self.alpha + T) - np.log(self.alpha + t_x))
        )
        return np.where(repeat, odds, -np.inf)


@dataclass(frozen=True)
class GammaGammaFit:
    """Gamma-Gamma spend parameters: transaction value ~ Gamma(p, ν), ν ~ Gamma(q, v)."""

    p: float
    q: float
    v: float
    log_likelihood: float
    n_customers: int  # the repeat buyers with a positive mean spend it was fitted on
    correlation: float  # Pearson, repeat purchases against mean repeat spend, over those customers
    convergence: Convergence

    @property
    def spend_independent_of_frequency(self) -> bool:
        return abs(self.correlation) < SPEND_CORRELATION_LIMIT

    @property
    def mean_spend(self) -> float:
        """E[M] of a customer we know nothing about: p v / (q - 1); infinite when q <= 1."""
        return self.p * self.v / (self.q - 1) if self.q > 1 else math.inf

    def conditional_expected_spend(self, x: Array, monetary: Array) -> Array:
        """E[M | x, m_x] = p (v + x m_x) / (p x + q - 1), the population mean for x = 0 (note, eq. 5)."""
        return np.asarray(
            np.where(x > 0, self.p * (self.v + x * monetary) / (self.p * x + self.q - 1), self.mean_spend),
            dtype=np.float64,
        )


def fit_bgnbd(x: Array, t_x: Array, T: Array) -> BgNbdFit:
    """Maximum-likelihood BG/NBD on an RFM summary (times in the same unit as ``t_x`` and ``T``)."""
    if len(x) < 2 or not np.any(x > 0):
        raise InvalidInput(
            "transactions: BG/NBD needs at least two customers and one repeat purchase", field="transactions"
        )
    rows, _, weight = _distinct_rows(x, t_x, T)
    ux, ut_x, uT = rows[:, 0], rows[:, 1], rows[:, 2]
    start = np.log([1.0, max(float(np.mean(T)), 1.0), 1.0, 1.0])

    def objective(theta: Array) -> tuple[float, Array]:
        ll, gradient = _bgnbd_log_likelihood(np.exp(theta), ux, ut_x, uT, weight)
        return -ll / len(x), -gradient * np.exp(theta) / len(x)

    theta, convergence = _maximise(objective, start)
    r, alpha, a, b = np.exp(theta)
    ll = _bgnbd_log_likelihood(np.exp(theta), ux, ut_x, uT, weight)[0]
    return BgNbdFit(float(r), float(alpha), float(a), float(b), ll, len(x), int(np.count_nonzero(x)), convergence)


def _distinct_rows(*columns: Array) -> tuple[Array, npt.NDArray[np.intp], npt.NDArray[np.int64]]:
    """The distinct rows of ``columns`` side by side, each input row's index among them, and their counts
    (``np.unique(axis=0)`` does the same about 15 times slower: it sorts rows as opaque bytes)."""
    order = np.lexsort(columns[::-1])
    rows = np.column_stack(columns)[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = np.any(rows[1:] != rows[:-1], axis=1)
    group = np.cumsum(first) - 1
    inverse = np.empty(len(rows), dtype=np.intp)
    inverse[order] = group
    return rows[first], inverse, np.bincount(group).astype(np.int64)


def _bgnbd_log_likelihood(
    params: Array, x: Array, t_x: Array, T: Array, weight: npt.NDArray[np.int64]
) -> tuple[float, Array]:
    """Σ weight · ln L(r, α, a, b | x, t_x, T) (FHL 2005, eq. 6) and its gradient in (r, α, a, b).

    ln L = ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x) − ln B(a, b) + ln(A3 + δ(x>0) A4), with
    A3 = (α+T)^−(r+x) and A4 = a / (b+x−1) · (α+t_x)^−(r+x), added in log space.
    """
    r, alpha, a, b = params
    repeat = x > 0
    safe_x = np.where(repeat, x, 1.0)
    log_a3 = -(r + x) * np.log(alpha + T)
    log_a4 = np.where(repeat, np.log(a) - np.log(b + safe_x - 1) - (r + x) * np.log(alpha + t_x), -np.inf)
    mixed = np.logaddexp(log_a3, log_a4)
    share3, share4 = np.exp(log_a3 - mixed), np.exp(log_a4 - mixed)
    each = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b) + mixed
    d_r = digamma(r + x) - digamma(r) + np.log(alpha) - share3 * np.log(alpha + T) - share4 * np.log(alpha + t_x)
    d_alpha = r / alpha - (r + x) * (share3 / (alpha + T) + share4 / (alpha + t_x))
    d_a = digamma(a + b) - digamma(a + b + x) + share4 / a
    d_b = digamma(b + x) - digamma(a + b + x) - digamma(b) + digamma(a + b) - share4 / (b + safe_x - 1)
    gradient = np.array([weight @ d for d in (d_r, d_alpha, d_a, d_b)])
    return float(weight @ each), gradient


def fit_gamma_gamma(x: Array, monetary: Array) -> GammaGammaFit:
    """Maximum-likelihood Gamma-Gamma on the customers with repeat purchases and a positive mean spend."""
    used = (x > 0) & (monetary > 0)
    fx, fm = x[used], monetary[used]
    if len(fx) < 2:
        raise InvalidInput(
            "transactions: the spend model needs at least two repeat buyers with a positive spend",
            field="transactions",
        )
    correlation = float(np.corrcoef(fx, fm)[0, 1]) if np.ptp(fx) and np.ptp(fm) else 0.0
    # Start at the method-of-moments guess of a gamma with mean and spread of the observed means.
    mean, var = float(np.mean(fm)), float(np.var(fm)) or 1.0
    start = np.log([max(mean**2 / var, 0.5) + 1, 3.0, mean])

    def objective(theta: Array) -> tuple[float, Array]:
        ll, gradient = _gamma_gamma_log_likelihood(np.exp(theta), fx, fm)
        return -ll / len(fx), -gradient * np.exp(theta) / len(fx)

    theta, convergence = _maximise(objective, start)
    p, q, v = np.exp(theta)
    ll = _gamma_gamma_log_likelihood(np.exp(theta), fx, fm)[0]
    return GammaGammaFit(float(p), float(q), float(v), ll, len(fx), correlation, convergence)


def _gamma_gamma_log_likelihood(params: Array, x: Array, m: Array) -> tuple[float, Array]:
    """Σ ln f(m_x | p, q, v, x) (Fader & Hardie's note, eq. 3) and its gradient in (p, q, v):
    ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln v + (px−1) ln m_x + px ln x − (px+q) ln(v + x m_x)."""
    p, q, v = params
    px = p * x
    log_total = np.log(v + x * m)
    each = (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v) + (px - 1) * np.log(m) + px * np.log(x)) - (
        px + q
    ) * log_total
    d_p = x * (digamma(px + q) - digamma(px) + np.log(m) + np.log(x) - log_total)
    d_q = digamma(px + q) - digamma(q) + np.log(v) - log_total
    d_v = q / v - (px + q) / (v + x * m)
    return float(np.sum(each)), np.array([np.sum(d_p), np.sum(d_q), np.sum(d_v)])


def _maximise(objective: Callable[[Array], tuple[float, Array]], start: Array) -> tuple[Array, Convergence]:
    # Log-parameters stay within e^±20: beyond that a parameter has run off to a boundary of the model.
    result = minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=[(-20.0, 20.0)] * len(start),
        options={"maxiter": MAX_ITERATIONS, "ftol": 1e-13, "gtol": 1e-9},
    )
    message = str(result.message)
    return np.asarray(result.x, dtype=np.float64), Convergence(bool(result.success), int(result.nit), message)


def lifetime_values(
    summary: RfmSummary,
    bgnbd: BgNbdFit,
    spend: GammaGammaFit,
    *,
    horizon_weeks: int = 52,
    discount_rate: float = 0.10,
) -> Array:
    """Each customer's discounted value over the ``horizon_weeks`` after the calibration period:

        CLV = Σ_{k=1..H} (E[Y(k) | x, t_x, T] − E[Y(k−1) | x, t_x, T]) · E[M | x, m_x] / (1 + d)^(k / 52)

    expected purchases in week k (BG/NBD) times expected spend per purchase (Gamma-Gamma), discounted at
    the annual rate ``d`` compounded weekly, as in Fader, Hardie & Lee's "RFM and CLV" (2005) with weeks
    for periods.
    """
    if horizon_weeks < 1:
        raise InvalidInput(f"horizon_weeks: {horizon_weeks} is not at least 1", field="horizon_weeks")
    if not 0 <= discount_rate < 1:
        raise InvalidInput(f"discount_rate: {discount_rate} is not within [0, 1)", field="discount_rate")
    # Customers sharing (x, t_x, T) share their purchase forecast: compute it once per distinct row.
    rows, inverse, _ = _distinct_rows(summary.x, summary.t_x, summary.T)
    weeks = np.arange(horizon_weeks + 1, dtype=np.float64)[:, None]
    cumulative = bgnbd.conditional_expected_purchases(weeks, rows[None, :, 0], rows[None, :, 1], rows[None, :, 2])
    discount = (1 + discount_rate) ** (-weeks[1:] / WEEKS_PER_YEAR)
    discounted_purchases = (np.diff(cumulative, axis=0) * discount).sum(axis=0)[inverse]
    spend_per_purchase = spend.conditional_expected_spend(summary.x, summary.monetary)
    return np.asarray(discounted_purchases * spend_per_purchase, dtype=np.float64)


@dataclass(frozen=True)
class Segment:
    """One CLV decile: decile 1 holds the most valuable tenth of the customers."""

    decile: int
    customers: int
    clv_mean: float
    clv_total: float
    clv_min: float
    clv_max: float
    p_alive_mean: float
    expected_purchases_mean: float


@dataclass(frozen=True)
class ClvReport:
    summary: RfmSummary
    bgnbd: BgNbdFit
    spend: GammaGammaFit
    horizon_weeks: int
    discount_rate: float
    clv: Array
    p_alive: Array
    expected_purchases: Array  # over the horizon, undiscounted
    expected_holdout: float | None  # repeat purchases the model expects in the holdout, all customers
    segments: tuple[Segment, ...]

    @property
    def actual_holdout(self) -> int:
        return int(self.summary.x_holdout.sum())


def analyse(summary: RfmSummary, *, horizon_weeks: int = 52, discount_rate: float = 0.10) -> ClvReport:
    """Fit both models to ``summary``, value every customer, and rank them into deciles."""
    bgnbd = fit_bgnbd(summary.x, summary.t_x, summary.T)
    spend = fit_gamma_gamma(summary.x, summary.monetary)
    if not math.isfinite(spend.mean_spend):
        raise InvalidInput(
            f"transactions: the spend model's q = {spend.q:.3f} is not above 1, so a customer without repeat "
            "purchases has no finite expected spend",
            field="transactions",
        )
    clv = lifetime_values(summary, bgnbd, spend, horizon_weeks=horizon_weeks, discount_rate=discount_rate)
    if not np.all(np.isfinite(clv)):
        raise InvalidInput(
            f"transactions: the fitted models give no finite value for {np.count_nonzero(~np.isfinite(clv)):,} of "
            f"{summary.n_customers:,} customers; {summary.n_repeat_buyers:,} repeat buyers are too few to fit them",
            field="transactions",
        )
    args = summary.x, summary.t_x, summary.T
    p_alive = bgnbd.p_alive(*args)
    expected = bgnbd.conditional_expected_purchases(float(horizon_weeks), *args)
    holdout = summary.holdout_weeks
    expected_holdout = float(bgnbd.conditional_expected_purchases(holdout, *args).sum()) if holdout > 0 else None
    segments = _deciles(clv, p_alive, expected)
    return ClvReport(
        summary, bgnbd, spend, horizon_weeks, discount_rate, clv, p_alive, expected, expected_holdout, segments
    )


def _deciles(clv: Array, p_alive: Array, expected: Array) -> tuple[Segment, ...]:
    order = np.argsort(-clv, kind="stable")
    parts = [part for part in np.array_split(order, 10) if len(part)]
    return tuple(
        Segment(
            decile=number,
            customers=len(part),
            clv_mean=float(clv[part].mean()),
            clv_total=float(clv[part].sum()),
            clv_min=float(clv[part].min()),
            clv_max=float(clv[part].max()),
            p_alive_mean=float(p_alive[part].mean()),
            expected_purchases_mean=float(expected[part].mean()),
        )
        for number, part in enumerate(parts, start=1)
    )
