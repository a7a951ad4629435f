"""The report's two small charts as SVG geometry, computed here and drawn by the template.

SVG rather than plotly: the PDF renderer runs no JavaScript. Each chart carries its text alternative —
a title, a one-sentence description and the plotted numbers as table rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from trustops.analytics.churn_report import Debt
from trustops.clock import as_utc
from trustops.reports.facts import Overview, Voice
from trustops.reports.wording import clock_time, count, money, when

WIDTH = 340
LEFT, RIGHT, TOP, BOTTOM = 30, 6, 8, 18
MENTIONS_HEIGHT = 118
DEBT_HEIGHT = 58


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    y: float  # top of the whole bar
    height: float
    negative_y: float  # top of its negative part, drawn from the baseline
    negative_height: float


@dataclass(frozen=True)
class MentionsChart:
    width: int
    height: int
    baseline: float
    left: float
    right: float
    top: float
    peak: int
    bars: tuple[Bar, ...]
    span_x: float  # the incident, shaded
    span_width: float
    first_label: str
    last_label: str
    title: str
    description: str
    rows: tuple[tuple[str, str, str], ...]  # bin start, mentions, negative


def mentions_chart(voice: Voice, overview: Overview) -> MentionsChart | None:
    """Mentions per bin, negative ones in their own colour, the incident's span shaded; ``None`` if silent."""
    if not voice.mentions or not voice.bins:
        return None
    size = timedelta(hours=voice.bin_hours)
    first, last = as_utc(voice.bins[0].start), as_utc(voice.bins[-1].start) + size
    plot_w, plot_h = WIDTH - LEFT - RIGHT, MENTIONS_HEIGHT - TOP - BOTTOM
    baseline = TOP + plot_h
    peak = max(b.mentions for b in voice.bins) or 1
    step = plot_w / len(voice.bins)

    def x(moment: datetime) -> float:
        share = (as_utc(moment) - first) / (last - first)
        return round(LEFT + min(1.0, max(0.0, share)) * plot_w, 1)

    bars = []
    for i, b in enumerate(voice.bins):
        height, negative = b.mentions / peak * plot_h, b.negative / peak * plot_h
        bars.append(
            Bar(
                x=round(LEFT + i * step + step * 0.1, 1),
                width=round(step * 0.8, 1),
                y=round(baseline - height, 1),
                height=round(height, 1),
                negative_y=round(baseline - negative, 1),
                negative_height=round(negative, 1),
            )
        )
    start, end = x(overview.started_at), x(overview.resolved_at or voice.end)
    unit = "hour" if voice.bin_hours == 1 else f"{voice.bin_hours} hours"
    busiest = max(voice.bins, key=lambda b: b.mentions)
    return MentionsChart(
        width=WIDTH,
        height=MENTIONS_HEIGHT,
        baseline=baseline,
        left=LEFT,
        right=WIDTH - RIGHT,
        top=TOP,
        peak=peak,
        bars=tuple(bars),
        span_x=start,
        span_width=max(1.0, round(end - start, 1)),
        first_label=_label(first, last),
        last_label=_label(last, first),
        title=f"Mentions per {unit} about {', '.join(overview.components)}",
        description=(
            f"From {when(first)} to {when(last)}: {count(sum(b.mentions for b in voice.bins))} mentions, "
            f"{count(sum(b.negative for b in voice.bins))} of them negative; the busiest {unit} began "
            f"{when(busiest.start)} with {count(busiest.mentions)}. The shaded span is the incident, "
            f"{when(overview.started_at)} to {when(overview.resolved_at) if overview.resolved_at else 'now'}."
        ),
        rows=tuple((when(b.start), count(b.mentions), count(b.negative)) for b in voice.bins if b.mentions),
    )


def _label(moment: datetime, other: datetime) -> str:
    """Times only when the chart stays within one day, else the date too."""
    return clock_time(moment) if as_utc(moment).date() == as_utc(other).date() else f"{as_utc(moment):%d %b %H:%M}"


@dataclass(frozen=True)
class DebtChart:
    width: int
    height: int
    zero_x: float
    bar_x: float
    bar_width: float
    low_x: float
    high_x: float
    y: float
    value_label: str
    low_label: str
    high_label: str
    title: str
    description: str


def debt_chart(debt: Debt | None) -> DebtChart | None:
    """The headline reputational debt as a bar from zero, its 95% interval as a whisker."""
    if debt is None:
        return None
    total = debt.total
    low, high = min(0.0, total.low, total.value), max(0.0, total.high, total.value)
    span = (high - low) or 1.0
    plot = WIDTH - 2 * LEFT

    def x(value: float) -> float:
        return round(LEFT + (value - low) / span * plot, 1)

    start, end = sorted((x(0.0), x(total.value)))
    said = money(total.value, debt.currency)
    interval = f"{money(total.low, debt.currency)} to {money(total.high, debt.currency)}"
    return DebtChart(
        width=WIDTH,
        height=DEBT_HEIGHT,
        zero_x=x(0.0),
        bar_x=start,
        bar_width=max(1.0, round(end - start, 1)),
        low_x=x(total.low),
        high_x=x(total.high),
        y=14.0,
        value_label=said,
        low_label=money(total.low, debt.currency),
        high_label=money(total.high, debt.currency),
        title=f"Reputational debt over {debt.horizon_days} days",
        description=f"Reputational debt over {debt.horizon_days} days: {said}, 95% interval {interval}.",
    )
