"""Is today's count of one complaint unusual? A statistical answer, not a fixed threshold.

Mentions are counted in rolling 24-hour windows ending at the evaluation time; for one key (a component
such as "payment" or an intent such as "outage") :func:`detect` gets the key's count and the count of all
mentions per window, and asks two questions about the newest window (rules.md §10):

- **volume**: is the key's count improbable under a negative binomial fitted to the baseline?
  ``P(X >= observed)``, as in ``nbinom.sf(k - 1, ...)``; :func:`volume_p_value` is Poisson when the
  variance is no more than the mean.
- **share**: is the key's share of all mentions improbable under a beta-binomial at the baseline share
  (:func:`share_p_value`: binomial when the intra-class correlation is 0)? This is Kleinberg's
  batched-burst view: a volume rise that the whole feed shares (a busy news day) is not a shift in what
  people complain about.

The baseline is seasonal when there is enough history ("the usual Tuesday": the same weekday over the
previous 4 weeks), else the previous up-to-7 days. It is robust: a baseline window that stands out (an
earlier spike) is left out of both the expectation and the spread, so it does not mask the next one.

The spread is a method-of-moments dispersion, floored at 0 (Poisson / binomial), shrunk towards a prior
of 30 % day-to-day variation and read at its upper quartile (:func:`_upper`), because 3 to 28 windows say
little about it. On simulated streams at ``alpha = 0.01`` this fires 0.1-1.5 % of the time on keys
varying by 30 % a day and never on Poisson keys, where plugging in the estimates fired 2.5-4 %; keys
varying by 60 % a day still fire 2-7 % of the time (the price of catching a spike after 3 days).

``windows`` may come newest or oldest first: they are sorted by ``end``, must then be 24 hours apart,
and the latest one is the window being judged.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from scipy import special  # type: ignore[import-untyped]

DAY = timedelta(hours=24)
SEASON_WEEKS = 4
RECENT_DAYS = 7
MIN_HISTORY = 3
# A key never seen in the baseline is tested as if it came up once every two days, so its first
# mentions are judged by their number rather than being infinitely improbable.
ZERO_FLOOR = 0.5
# Before the history says otherwise, a key's daily count is assumed to vary by about 30 % beyond Poisson
# noise (dispersion = CV^2 = 0.1), a belief worth 4 windows: 3 days of history cannot tell a quiet key
# from a lucky one, and social volume is over-dispersed (news cycles, retweet storms, weekdays).
PRIOR_DISPERSION = 0.1
PRIOR_DF = 4


@dataclass(frozen=True)
class Window:
    """One 24-hour window: mentions of the key and of everything, in (end - 24 h, end]."""

    end: datetime
    count: int
    total: int


@dataclass(frozen=True)
class Spike:
    """A spike in the newest window, worded for someone who never saw a p-value."""

    key: str
    kind: str  # "volume" | "share"
    observed: float  # count (volume) or share (share) in the newest window
    expected: float  # the baseline value; 0 when the key is new
    change: float  # (observed - expected) / expected: 2.8 is +280 %; inf when expected is 0
    p_value: float
    severity: int  # 1..10, see severity()
    baseline: str  # "the usual Tuesday" or "the previous 5 days"
    sentence: str


@dataclass(frozen=True)
class _Test:
    observed: float
    expected: float
    p_value: float


def detect(
    key: str,
    label: str,
    windows: Sequence[Window],
    *,
    alpha: float = 0.01,
    min_count: int = 5,
    min_change: float = 0.5,
) -> list[Spike]:
    """Volume and/or share spikes of ``key`` in the newest window (0, 1 or 2 of them).

    ``windows`` are consecutive 24-hour windows in either order: the latest is judged, the others are
    history. A spike needs p < ``alpha``, at least ``min_count`` mentions and a lift of at least
    ``min_change`` (0.5 = +50 %): with thousands of mentions a +5 % drift is significant yet not news.
    """
    ordered = _ordered(windows)
    if not ordered:
        return []
    current, history = ordered[-1], ordered[:-1]
    baseline = _baseline(current, history)
    if baseline is None or current.count < min_count:
        return []
    tests = {"volume": _volume_test(current, baseline), "share": _share_test(current, baseline)}
    spikes = []
    for kind, test in tests.items():
        if test is None or test.p_value >= alpha:
            continue
        change = _change(test.observed, test.expected)
        if change >= min_change:
            spikes.append(_spike(key, label, kind, test, change, baseline.wording))
    return spikes


def _ordered(windows: Sequence[Window]) -> list[Window]:
    """The windows oldest first, refusing what would make the test meaningless."""
    for window in windows:
        if window.end.utcoffset() is None:
            raise ValueError(f"Window end {window.end.isoformat()} is naive; pass an aware UTC time.")
        if not 0 <= window.count <= window.total:
            raise ValueError(
                f"Window ending {window.end.isoformat()} has count {window.count} for total {window.total}; "
                "need 0 <= count <= total."
            )
    ordered = sorted(windows, key=lambda window: window.end)
    for before, window in itertools.pairwise(ordered):
        if window.end - before.end != DAY:
            raise ValueError(
                f"Window ending {window.end.isoformat()} is {window.end - before.end} after the one before; "
                "windows must be 24 h apart."
            )
    return ordered


@dataclass(frozen=True)
class _Baseline:
    wording: str  # "the usual Tuesday" or "the previous 5 days"
    windows: list[Window]  # the expectation is their mean, an outlier left out
    groups: list[list[Window]]  # the spread is pooled over these: one per weekday when seasonal


def _baseline(current: Window, history: Sequence[Window]) -> _Baseline | None:
    """The same weekday over the last 4 weeks when there is that much history, else the last 7 days.

    Four same-weekday windows are too few to say how noisy a key is, so the seasonal spread is pooled
    over all seven weekdays of those 4 weeks, each around its own level (a Monday peak is not noise).
    """
    season = 7 * SEASON_WEEKS
    if len(history) >= season:
        # The window's weekday is that of its midpoint, so a window ending at 03:00 counts as the day before.
        weekday = (current.end - DAY / 2).strftime("%A")
        groups = [[history[-lag - 7 * week] for week in range(SEASON_WEEKS)] for lag in range(1, 8)]
        return _Baseline(f"the usual {weekday}", groups[-1], groups)
    recent = list(history[-RECENT_DAYS:])
    if len(recent) < MIN_HISTORY:
        return None
    return _Baseline(f"the previous {len(recent)} days", recent, [recent])


def _volume_test(current: Window, baseline: _Baseline) -> _Test:
    counts = _without_outlier([float(window.count) for window in baseline.windows])
    expected = statistics.fmean(counts)
    mu = max(expected, ZERO_FLOOR)
    dispersion, df = _shrunk(*_pooled([_count_moments(group) for group in baseline.groups]), PRIOR_DISPERSION)
    variance = (mu + _upper(dispersion, df) * mu * mu) * (1 + 1 / len(counts))
    return _Test(float(current.count), expected, volume_p_value(current.count, mu, variance))


def _share_test(current: Window, baseline: _Baseline) -> _Test | None:
    seen = [window for window in baseline.windows if window.total > 0]
    if not seen or current.total < 2:
        return None
    shares = _without_outlier([window.count / window.total for window in seen], _binomial_noise(seen))
    expected = statistics.fmean(shares)
    share = max(expected, ZERO_FLOOR / current.total)
    if share >= 1:
        return None
    # The same prior coefficient of variation, as an intra-class correlation: CV^2 = icc * (1 - p) / p.
    prior = PRIOR_DISPERSION * share / (1 - share)
    icc, df = _shrunk(*_pooled([_share_moments(group) for group in baseline.groups]), prior)
    # Widen the current count's beta-binomial variance, n/N * (1 + (N - 1) * icc), as the volume test does.
    inverse = 1 / current.total
    widened = (1 + 1 / len(shares)) * (inverse + _upper(icc, df) * (1 - inverse))
    icc = min((widened - inverse) / (1 - inverse), 0.99)
    observed = current.count / current.total
    return _Test(observed, expected, share_p_value(current.count, current.total, share, icc))


def _shrunk(estimate: float, df: int, prior: float) -> tuple[float, int]:
    """The dispersion estimate pulled towards the prior, which counts as ``PRIOR_DF`` degrees of freedom."""
    return (df * estimate + PRIOR_DF * prior) / (df + PRIOR_DF), df + PRIOR_DF


def _upper(dispersion: float, df: int) -> float:
    """The dispersion read at the upper quartile of what ``df`` degrees of freedom allow: ``df / chi2_df(0.25)``.

    A handful of windows says little about how noisy a key is (x1.5 with a week of history and the prior,
    x1.25 with four weeks); with the ``1 + 1/n`` that the baseline mean's own error adds, the variance is a
    predictive rather than a plug-in one.
    """
    return dispersion * df / float(special.chdtri(df, 0.75))


def _pooled(moments: list[tuple[float, float, int]]) -> tuple[float, int]:
    """Method-of-moments dispersion pooled over groups, floored at 0 (no over-dispersion), and its df."""
    excess = sum(moment[0] for moment in moments)
    scale = sum(moment[1] for moment in moments)
    return (max(0.0, excess / scale) if scale > 0 else 0.0), sum(moment[2] for moment in moments)


def _count_moments(group: list[Window]) -> tuple[float, float, int]:
    """(variance - mean, mean^2, df): the ratio is the negative-binomial dispersion, var = mu + phi * mu^2."""
    counts = _without_outlier([float(window.count) for window in group])
    if len(counts) < 2:
        return 0.0, 0.0, 0
    mean = statistics.fmean(counts)
    return statistics.variance(counts) - mean, mean * mean, len(counts) - 1


def _share_moments(group: list[Window]) -> tuple[float, float, int]:
    """(variance beyond binomial sampling, the rest, df): the ratio is the beta-binomial intra-class correlation."""
    seen = [window for window in group if window.total > 0]
    if len(seen) < 2:
        return 0.0, 0.0, 0
    shares = _without_outlier([window.count / window.total for window in seen], _binomial_noise(seen))
    sampling = statistics.fmean(1 / window.total for window in seen)
    mean = statistics.fmean(shares)
    binomial = mean * (1 - mean)
    return statistics.variance(shares) - binomial * sampling, binomial * (1 - sampling), len(shares) - 1


def _binomial_noise(windows: list[Window]) -> float:
    """The standard deviation binomial sampling alone gives the shares of these windows."""
    middle = statistics.median(window.count / window.total for window in windows)
    middle = max(middle, 1 / max(window.total for window in windows))
    return math.sqrt(middle * (1 - middle) * statistics.fmean(1 / window.total for window in windows))


def _without_outlier(values: list[float], noise: float | None = None) -> list[float]:
    """Leave out the largest value when it stands out, so one past spike does not hide the next one.

    "Stands out" is a Hampel filter: more than 5 robust standard deviations above the median (5, not the
    usual 3, because the MAD of 3 to 7 values is itself noisy), the robust deviation being 1.4826 MAD but
    at least ``noise``, the sampling noise of the values (Poisson for counts when not given).
    """
    if len(values) < MIN_HISTORY:
        return values
    middle = statistics.median(values)
    mad = 1.4826 * statistics.median(abs(value - middle) for value in values)
    floor = math.sqrt(max(middle, 1.0)) if noise is None else noise
    ordered = sorted(values)
    return ordered[:-1] if ordered[-1] > middle + 5 * max(mad, floor) else ordered


def volume_p_value(count: int, mu: float, variance: float) -> float:
    """P(X >= count) for a negative binomial of mean ``mu`` and ``variance`` (method of moments).

    The variance is floored at ``mu``: a history quieter than Poisson is tested as Poisson.
    """
    if count <= 0:
        return 1.0
    if variance <= mu:
        return float(special.pdtrc(count - 1, mu))
    size = mu * mu / (variance - mu)
    # scipy.stats.nbinom(size, p).sf(count - 1) with p = size / (size + mu), as a regularised beta.
    return float(special.betainc(count, size, mu / (size + mu)))


def share_p_value(count: int, total: int, share: float, icc: float) -> float:
    """P(X >= count) out of ``total`` at ``share``: beta-binomial with intra-class correlation ``icc``.

    An ``icc`` of 0 or less (shares no more spread than sampling explains) is the plain binomial.
    """
    if count <= 0:
        return 1.0
    if icc <= 0:
        return float(special.bdtrc(count - 1, total, share))
    a, b = share * (1 / icc - 1), (1 - share) * (1 / icc - 1)
    # The upper tail summed in log space: ~20x faster than scipy.stats.betabinom.sf, which sums pmfs too.
    k = np.arange(count, total + 1, dtype=float)
    log_pmf = (
        special.gammaln(total + 1)
        - special.gammaln(k + 1)
        - special.gammaln(total - k + 1)
        + special.betaln(k + a, total - k + b)
        - special.betaln(a, b)
    )
    return min(1.0, float(np.exp(log_pmf).sum()))


def _change(observed: float, expected: float) -> float:
    return (observed - expected) / expected if expected > 0 else math.inf


def severity(p_value: float, change: float) -> int:
    """1..10: half from the evidence, half from the size of the jump.

    ``min(-log10 p, 10) / 2`` gives up to 5 points (p <= 1e-10 is all the evidence one needs) and
    ``min(log2(1 + change), 5)`` up to 5 more (a doubling is 1, 4x is 2, 32x is 5); the sum is rounded
    half up and clamped to 1..10. A +280 % jump at p < 1e-10 is a 7; a 10 needs 32x at p < 1e-10.
    """
    evidence = min(-math.log10(max(p_value, 1e-300)), 10.0) / 2
    size = min(math.log2(1 + change), 5.0) if change > 0 else 0.0
    return max(1, min(10, math.floor(evidence + size + 0.5)))


def format_p(p_value: float) -> str:
    """'p < 0.001' below a thousandth, else 'p = 0.004': the precision a reader can use.

    A p just under 0.01 would round to "p = 0.010" and read as failing the default alpha; it says "p < 0.01".
    """
    if p_value < 0.001:
        return "p < 0.001"
    if p_value < 0.01 <= round(p_value, 3):
        return "p < 0.01"
    return f"p = {p_value:.3f}"


def _spike(key: str, label: str, kind: str, test: _Test, change: float, wording: str) -> Spike:
    return Spike(
        key=key,
        kind=kind,
        observed=test.observed,
        expected=test.expected,
        change=change,
        p_value=test.p_value,
        severity=severity(test.p_value, change),
        baseline=wording,
        sentence=_sentence(label, kind, test, change, wording),
    )


def _sentence(label: str, kind: str, test: _Test, change: float, wording: str) -> str:
    """'Payment gateway complaints +300% vs the usual Tuesday (p < 0.001)', or its share/new-key forms."""
    p = format_p(test.p_value)
    if kind == "share":
        subject, figures = f"{label} as a share of mentions", f"{test.observed:.1%} vs {test.expected:.1%}, "
    else:
        subject, figures = label, ""
    if math.isinf(change):
        seen = f"{test.observed:.1%} of mentions" if kind == "share" else f"{test.observed:,.0f} mentions"
        where = "on" if wording.startswith("the usual") else "over"
        return f"{label}: {seen} vs none {where} {wording} ({p})"
    return f"{subject} +{change:,.0%} vs {wording} ({figures}{p})"
