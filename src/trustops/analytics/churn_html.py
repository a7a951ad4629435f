"""The silent-churn analysis as one self-contained HTML page (issue #7), for a marketing director's inbox.

:func:`render_html` reads a :class:`~trustops.analytics.churn_report.ChurnReport` (and, optionally, the
lingering-distrust report as ``DistrustReport.to_dict()``) and renders ``web/templates/churn_report.html``:

- the verdict sentence, who was compared and how the cohorts were defined;
- per measured horizon, a table of metrics (affected and controls before → after, the
  difference-in-differences with its 95% CI and a worded verdict); skipped horizons with their reason;
- three plotly charts: retention curves with bands, a forest plot of relative metric deltas for the longest
  measured horizon, and a waterfall of the headline reputational debt.

The page loads nothing from the network: plotly.js is inlined once in the head (it ships in the plotly
wheel), styles are inline and fonts are the reader's own. Every chart has a text alternative: a summary in
its ``aria-label`` and ``<figcaption>`` and the same numbers in a ``<table>``. Report text is escaped by
Jinja's autoescape; the charts' JSON is escaped by plotly (``<`` becomes ``\\u003c``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import plotly.graph_objects as go  # type: ignore[import-untyped]
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from plotly.offline import get_plotlyjs  # type: ignore[import-untyped]

from trustops.analytics.churn_report import GAIN, LOSS, ChurnReport, Curve, Debt, Estimate, HorizonResult, MetricResult
from trustops.errors import InvalidInput

TEMPLATE = "churn_report.html"
PLOT_CONFIG = {"displaylogo": False, "responsive": True}
CHART_HEIGHT = "420px"
# Every text colour has at least 4.5:1 against its background and every line or mark at least 3:1
# (WCAG 2.1 AA, 1.4.3 and 1.4.11); the tests check the ratios.
PALETTE = {
    "text": "#1d2430",
    "muted": "#4d5566",
    "background": "#ffffff",
    "line": "#c9ced8",
    "affected": "#b2182b",
    "control": "#2166ac",
    "loss": "#9b1c1c",
    "loss_background": "#fdecea",
    "gain": "#17603a",
    "gain_background": "#e8f5ec",
    "neutral": "#4d5566",
}
BAND_OPACITY = 0.18
# Metrics whose values are shares of users (0 to 1): shown as %, their differences in percentage points.
SHARE_METRICS = frozenset({"active", "early_churn", "retention", "retained"})
VERDICT_WORDS = {LOSS: ("Loss", "▼"), GAIN: ("Gain", "▲")}
NOT_AVAILABLE = "n/a"


@dataclass(frozen=True)
class Chart:
    """One chart and its text alternative: ``summary`` (the ``aria-label``), ``caption`` and a table of the
    plotted numbers. ``html`` is ``None`` when the data is missing; ``missing`` then says why."""

    key: str
    title: str
    html: Markup | None
    summary: str
    caption: str
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    notes: tuple[str, ...] = ()
    missing: str | None = None


@dataclass(frozen=True)
class MetricRow:
    """One metric of one horizon, formatted for the table; ``tone`` is ``loss``, ``gain`` or ``neutral``."""

    label: str
    affected: str
    controls: str
    effect: str
    interval: str
    p_value: str
    n: str
    verdict: str
    symbol: str
    tone: str


@dataclass(frozen=True)
class HorizonView:
    """A horizon as the page shows it: its metric rows, or the reason it was skipped."""

    days: int
    rows: tuple[MetricRow, ...] = ()
    notes: tuple[str, ...] = ()
    skipped: str | None = None


@dataclass(frozen=True)
class DistrustView:
    """The lingering-distrust section: its verdict and one formatted row per month."""

    verdict: str
    baseline: str
    rows: tuple[tuple[str, ...], ...] = field(default_factory=tuple)
    lingering: tuple[bool, ...] = field(default_factory=tuple)


def render_html(report: ChurnReport, *, distrust: dict[str, Any] | None = None, nonce: str | None = None) -> str:
    """The whole report as one HTML page that needs no network to display. ``distrust`` defaults to the
    lingering distrust the report carries. ``nonce`` marks its scripts for a served page's CSP."""
    distrust = distrust if distrust is not None else report.distrust
    measured = [h for h in report.horizons if h.skipped is None and h.metrics]
    longest = max(measured, key=lambda h: h.days) if measured else None
    return (
        _environment()
        .get_template(TEMPLATE)
        .render(
            report=report,
            palette=PALETTE,
            plotlyjs=Markup(get_plotlyjs()),
            anchor=_when(report.at),
            facts=_facts(report),
            definition=[(str(key), _definition_value(value)) for key, value in report.definition.items()],
            balance=_balance_rows(report),
            early_churn=report.early_churn.sentence if report.early_churn else None,
            horizons=[_horizon_view(h) for h in report.horizons],
            charts=[_retention_chart(report.curve), _forest_chart(longest), _debt_chart(report.debt)],
            distrust=_distrust_view(distrust) if distrust is not None else None,
            nonce=nonce,
        )
    )


def write_html(report: ChurnReport, path: Path, *, distrust: dict[str, Any] | None = None) -> None:
    """Render the report and write it to ``path`` (UTF-8), creating missing parent folders."""
    page = render_html(report, distrust=distrust)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")


@cache
def _environment() -> Environment:
    """A plain Jinja environment over the package's templates, autoescaping HTML (no web adapter needed)."""
    folder = Path(str(resources.files("trustops").joinpath("web", "templates")))
    environment = Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["nonced"] = _nonced
    return environment


def _nonced(html: Markup, nonce: str | None) -> Markup:
    """Plotly's chart markup with ``nonce`` on its script tags (plotly writes them; nothing else is touched)."""
    if not nonce:
        return html
    return Markup(
        str(html).replace("<script ", f'<script nonce="{nonce}" ').replace("<script>", f'<script nonce="{nonce}">')
    )


# --- numbers for people -------------------------------------------------------------------------------------


def money(value: float, currency: str) -> str:
    """``48,000 EUR``; amounts under 1,000 keep their cents."""
    if not math.isfinite(value):
        return NOT_AVAILABLE
    digits = 2 if abs(value) < 1000 else 0
    return f"{value:,.{digits}f} {currency}"


def share(value: float) -> str:
    """A share of users as a percentage: ``0.805`` → ``80.5%``."""
    return f"{value * 100:.1f}%" if math.isfinite(value) else NOT_AVAILABLE


def rate(value: float, *, signed: bool = False) -> str:
    """A rate per user with 2 decimals, signed for differences."""
    if not math.isfinite(value):
        return NOT_AVAILABLE
    return f"{value:+.2f}" if signed else f"{value:.2f}"


def p_value(value: float) -> str:
    """Three decimals, or ``< 0.001``."""
    if not math.isfinite(value):
        return NOT_AVAILABLE
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _verdict_word(result: MetricResult) -> str:
    """``Loss``, ``Gain``, or the verdict as the analysis wrote it (``No significant change``)."""
    return VERDICT_WORDS[result.verdict][0] if result.verdict in VERDICT_WORDS else result.verdict.capitalize()


def _level(result: MetricResult, value: float) -> str:
    return share(value) if _is_share(result) else rate(value)


def _difference(result: MetricResult, value: float) -> str:
    """A difference in the metric's unit: percentage points for shares, a signed rate otherwise."""
    if _is_share(result):
        return f"{value * 100:+.1f} pp" if math.isfinite(value) else NOT_AVAILABLE
    return rate(value, signed=True)


def _is_share(result: MetricResult) -> bool:
    """A share metric by name, whose levels are all between 0 and 1 (a share never exceeds 1)."""
    named = result.metric in SHARE_METRICS or result.label.lower().startswith("share")
    levels = (result.treated_pre, result.treated_post, result.control_pre, result.control_post)
    return named and all(0 <= level <= 1 for level in levels if math.isfinite(level))


def _interval(low: str, high: str) -> str:
    return f"{low} to {high}"


def _when(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M %Z").strip()


def _definition_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str, ensure_ascii=False)


# --- who was compared ---------------------------------------------------------------------------------------


def _facts(report: ChurnReport) -> list[tuple[str, str]]:
    """Who was compared, and over which data, as (label, value) rows."""
    rows = [
        ("Affected users named", f"{report.affected_given:,}"),
        ("… with events before the incident", f"{report.affected_found:,}"),
        ("Matched affected users (the estimates are about them)", f"{report.treated:,}"),
        ("Affected users left out (no control close enough)", f"{report.unmatched:,}"),
        ("Candidate controls", f"{report.pool:,}"),
        ("Matched controls", f"{report.controls:,}"),
        ("Incident window", f"{_when(report.at)} to {_when(report.until)}"),
        ("Events analysed", f"{_when(report.data_start)} to {_when(report.data_end)}"),
        ("Engine", report.engine),
    ]
    if report.incident_id is not None:
        rows.insert(0, ("Incident", f"#{report.incident_id}"))
    return rows


def _balance_rows(report: ChurnReport) -> list[tuple[str, ...]]:
    """Covariate balance, with a worded "balanced" column (|SMD| below 0.1 after matching)."""
    return [
        (
            item.covariate,
            rate(item.treated_mean),
            rate(item.pool_mean),
            rate(item.control_mean),
            rate(item.smd_before),
            rate(item.smd_after),
            "yes" if abs(item.smd_after) < 0.1 else "no",
        )
        for item in report.balance
    ]


# --- metrics per horizon ------------------------------------------------------------------------------------


def _horizon_view(horizon: HorizonResult) -> HorizonView:
    if horizon.skipped is not None:
        return HorizonView(days=horizon.days, skipped=horizon.skipped)
    notes = []
    if horizon.ltv is not None:
        ltv = horizon.ltv
        unit = f" {horizon.debt.currency}" if horizon.debt else ""
        notes.append(
            f"Change in expected customer value: {ltv.value:+,.2f}{unit} per affected customer against matched "
            f"controls (95% CI {ltv.low:+,.2f} to {ltv.high:+,.2f}{unit}; {horizon.ltv_customers:,} customers "
            "with a purchase before the incident)."
        )
    return HorizonView(days=horizon.days, rows=tuple(_metric_row(m) for m in horizon.metrics), notes=tuple(notes))


def _metric_row(result: MetricResult) -> MetricRow:
    symbol = VERDICT_WORDS[result.verdict][1] if result.verdict in VERDICT_WORDS else "–"
    effect = result.effect
    return MetricRow(
        label=result.label,
        affected=f"{_level(result, result.treated_pre)} → {_level(result, result.treated_post)}",
        controls=f"{_level(result, result.control_pre)} → {_level(result, result.control_post)}",
        effect=_difference(result, effect.value),
        interval=_interval(_difference(result, effect.low), _difference(result, effect.high)),
        p_value=p_value(effect.p_value),
        n=f"{result.n_treated:,} / {result.n_control:,}",
        verdict=_verdict_word(result),
        symbol=symbol,
        tone=result.verdict if result.verdict in VERDICT_WORDS else "neutral",
    )


# --- charts -------------------------------------------------------------------------------------------------


def _figure_html(figure: go.Figure, key: str) -> Markup:
    """The figure as a ``<div>`` and its ``<script>``, without plotly.js (the page inlines it once)."""
    figure.update_layout(
        template="none",
        font={"family": "system-ui, -apple-system, 'Segoe UI', sans-serif", "color": PALETTE["text"], "size": 13},
        paper_bgcolor=PALETTE["background"],
        plot_bgcolor=PALETTE["background"],
        margin={"l": 60, "r": 30, "t": 30, "b": 50},
    )
    html = figure.to_html(
        full_html=False,
        include_plotlyjs=False,
        config=PLOT_CONFIG,
        div_id=f"chart-{key}",
        default_height=CHART_HEIGHT,
        default_width="100%",
    )
    return Markup(html)


def _rgba(colour: str, opacity: float) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{opacity})"


def _retention_chart(curve: Curve | None) -> Chart:
    """Weekly share active, affected against matched controls, with their bootstrap bands."""
    title = "Retention: affected customers against matched controls"
    if curve is None or not curve.weeks:
        return Chart(
            "retention", title, None, "", "", missing="No retention curve: the analysis did not compute weekly shares."
        )
    figure = go.Figure()
    weeks = list(curve.weeks)
    groups = (
        ("Matched controls", "control", curve.control, curve.control_low, curve.control_high, "dash"),
        ("Affected", "affected", curve.treated, curve.treated_low, curve.treated_high, "solid"),
    )
    for name, colour_key, values, low, high, dash in groups:
        colour = PALETTE[colour_key]
        figure.add_trace(
            go.Scatter(
                x=weeks + weeks[::-1],
                y=list(high) + list(low)[::-1],
                fill="toself",
                fillcolor=_rgba(colour, BAND_OPACITY),
                line={"width": 0},
                hoverinfo="skip",
                name=f"{name}, 95% CI",
                legendgroup=colour_key,
            )
        )
        figure.add_trace(
            go.Scatter(
                x=weeks,
                y=list(values),
                mode="lines+markers",
                line={"color": colour, "dash": dash, "width": 2.5},
                name=name,
                legendgroup=colour_key,
                hovertemplate="week %{x}: %{y:.1%}<extra>" + name + "</extra>",
            )
        )
    figure.add_vline(x=0, line={"color": PALETTE["muted"], "dash": "dot"}, annotation_text="incident")
    figure.update_layout(
        xaxis={"title": {"text": "weeks since the incident"}, "dtick": 1, "zeroline": False},
        yaxis={"title": {"text": "share of users active"}, "tickformat": ".0%", "gridcolor": PALETTE["line"]},
        legend={"orientation": "h", "y": -0.2},
    )
    rows = tuple(
        (
            str(week),
            f"{share(curve.treated[i])} ({_interval(share(curve.treated_low[i]), share(curve.treated_high[i]))})",
            f"{share(curve.control[i])} ({_interval(share(curve.control_low[i]), share(curve.control_high[i]))})",
        )
        for i, week in enumerate(curve.weeks)
    )
    summary = _retention_summary(curve)
    caption = (
        f"{summary} Shaded bands are 95% bootstrap intervals; the dotted vertical line at week 0 marks the "
        "incident. Affected customers are the solid red line, matched controls the dashed blue line."
    )
    columns = ("Week", "Affected, share active (95% CI)", "Matched controls, share active (95% CI)")
    return Chart("retention", title, _figure_html(figure, "retention"), summary, caption, columns, rows)


def _retention_summary(curve: Curve) -> str:
    last = len(curve.weeks) - 1
    before = [i for i, week in enumerate(curve.weeks) if week < 0]
    sentence = (
        f"Weekly share of users active from week {curve.weeks[0]} to week {curve.weeks[-1]}. "
        f"In week {curve.weeks[last]}: affected {share(curve.treated[last])}, "
        f"matched controls {share(curve.control[last])}."
    )
    if before:
        i = before[-1]
        sentence += (
            f" The week before the incident: affected {share(curve.treated[i])}, "
            f"matched controls {share(curve.control[i])}."
        )
    return sentence


def _relative(result: MetricResult) -> Estimate | None:
    """The effect in % of the controls' mean after the incident, or ``None`` where that mean is 0 or unknown."""
    base = result.control_post
    if not math.isfinite(base) or base == 0:
        return None
    return result.effect.scaled(100 / base)


def _percent(value: float) -> str:
    return f"{value:+.1f}%" if math.isfinite(value) else NOT_AVAILABLE


def _forest_chart(horizon: HorizonResult | None) -> Chart:
    """Each metric's difference-in-differences relative to the controls, with its 95% CI, for one horizon."""
    title = "Metric deltas"
    if horizon is None:
        return Chart("deltas", title, None, "", "", missing="No metric deltas: no horizon could be measured.")
    title = f"Metric deltas over {horizon.days} days"
    plotted = [(m, rel) for m in horizon.metrics if (rel := _relative(m)) is not None]
    left_out = [m.label for m in horizon.metrics if _relative(m) is None]
    notes = []
    if left_out:
        notes.append(f"Not plotted (the controls' mean after the incident is 0 or unknown): {', '.join(left_out)}.")
    rows = tuple(_forest_row(m, rel) for m, rel in plotted)
    columns = ("Metric", "Difference-in-differences", "Relative to controls", "95% CI (relative)", "Verdict")
    if not plotted:
        missing = "No metric deltas: no metric has a non-zero controls' mean after the incident to compare with."
        return Chart("deltas", title, None, "", "", notes=tuple(notes), missing=missing)
    effects = "; ".join(f"{row[0]} {row[2]} (95% CI {row[3]}), {row[4].lower()}" for row in rows)
    summary = (
        f"Difference-in-differences over {horizon.days} days, in % of the matched controls' mean after the "
        f"incident: {effects}."
    )
    caption = (
        f"{summary} Metrics have different units, so each effect is shown relative to the matched controls' mean "
        "after the incident, as a percentage. Bars are 95% bootstrap intervals; an interval that crosses 0 is no "
        "significant change. Losses are marked ▼, gains ▲."
    )
    figure = go.Figure(_forest_trace(plotted))
    figure.add_vline(x=0, line={"color": PALETTE["muted"], "dash": "dot"})
    figure.update_layout(
        xaxis={"title": {"text": "effect in % of the controls' mean after the incident"}, "ticksuffix": "%"},
        yaxis={"autorange": "reversed", "automargin": True},
        showlegend=False,
    )
    return Chart("deltas", title, _figure_html(figure, "deltas"), summary, caption, columns, rows, tuple(notes))


def _forest_row(result: MetricResult, relative: Estimate) -> tuple[str, ...]:
    return (
        result.label,
        _difference(result, result.effect.value),
        _percent(relative.value),
        _interval(_percent(relative.low), _percent(relative.high)),
        _verdict_word(result),
    )


def _forest_trace(plotted: Sequence[tuple[MetricResult, Estimate]]) -> go.Scatter:
    """Points with asymmetric error bars; the marker's shape (not only its colour) says loss or gain."""
    symbols = {LOSS: "triangle-down", GAIN: "triangle-up"}
    colours = {LOSS: PALETTE["loss"], GAIN: PALETTE["gain"]}
    return go.Scatter(
        x=[rel.value for _, rel in plotted],
        y=[m.label for m, _ in plotted],
        mode="markers",
        marker={
            "size": 12,
            "symbol": [symbols.get(m.verdict, "circle") for m, _ in plotted],
            "color": [colours.get(m.verdict, PALETTE["neutral"]) for m, _ in plotted],
        },
        error_x={
            "type": "data",
            "symmetric": False,
            "array": [rel.high - rel.value for _, rel in plotted],
            "arrayminus": [rel.value - rel.low for _, rel in plotted],
            "color": PALETTE["muted"],
            "thickness": 2,
        },
        hovertemplate="%{y}: %{x:+.1f}%<extra></extra>",
    )


def _debt_chart(debt: Debt | None) -> Chart:
    """The headline debt as a waterfall: immediate loss, lost future value and recovery costs, then the total."""
    title = "Reputational debt"
    if debt is None:
        missing = "No reputational debt: no horizon had enough transactions to value the loss."
        return Chart("debt", title, None, "", "", missing=missing)
    title = f"Reputational debt over {debt.horizon_days} days"
    parts: list[tuple[str, float, str]] = [
        ("Immediate", debt.immediate.value, _money_interval(debt.immediate, debt.currency))
    ]
    notes = []
    if debt.future is not None:
        parts.append(("Future value", debt.future.value, _money_interval(debt.future, debt.currency)))
    else:
        notes.append("No lost future value: no lifetime-value model could be fitted.")
    parts.append(("Recovery costs", debt.recovery, "entered, no interval"))
    if debt.recovery_items:
        items = ", ".join(f"{name} {money(amount, debt.currency)}" for name, amount in debt.recovery_items.items())
        notes.append(f"Recovery costs entered: {items}.")
    total = money(debt.total.value, debt.currency)
    total_interval = _money_interval(debt.total, debt.currency)
    figure = go.Figure(
        go.Waterfall(
            x=[name for name, _, _ in parts] + ["Total"],
            y=[value for _, value, _ in parts] + [debt.total.value],
            # "absolute" draws the total the analysis reported, even if its parts were rounded.
            measure=["relative"] * len(parts) + ["absolute"],
            text=[money(value, debt.currency) for _, value, _ in parts] + [total],
            textposition="outside",
            increasing={"marker": {"color": PALETTE["loss"]}},
            decreasing={"marker": {"color": PALETTE["gain"]}},
            totals={"marker": {"color": PALETTE["text"]}},
            connector={"line": {"color": PALETTE["muted"], "dash": "dot"}},
            hoverinfo="x+text",
        )
    )
    figure.update_layout(
        yaxis={
            "title": {"text": debt.currency},
            "tickformat": ",.0f",
            "gridcolor": PALETTE["line"],
            "automargin": True,
        },
        showlegend=False,
    )
    summary = (
        f"Reputational debt over {debt.horizon_days} days: "
        + ", ".join(f"{name.lower()} {money(value, debt.currency)}" for name, value, _ in parts)
        + f"; total {total} (95% CI {total_interval})."
    )
    caption = f"{summary} A positive amount is a cost."
    rows = tuple((name, money(value, debt.currency), interval) for name, value, interval in parts)
    rows += (("Total", total, total_interval),)
    columns = ("Part", f"Amount ({debt.currency})", "95% CI")
    return Chart("debt", title, _figure_html(figure, "debt"), summary, caption, columns, rows, tuple(notes))


def _money_interval(estimate: Estimate, currency: str) -> str:
    return _interval(money(estimate.low, currency), money(estimate.high, currency))


# --- lingering distrust -------------------------------------------------------------------------------------


def _distrust_view(data: Mapping[str, Any]) -> DistrustView:
    """The distrust section from ``DistrustReport.to_dict()``; a dict of another shape is refused."""
    if not isinstance(data, Mapping) or not isinstance(data.get("verdict"), str) or "months" not in data:
        raise InvalidInput(f"distrust: {_preview(data)} is not a DistrustReport.to_dict() result", field="distrust")
    try:
        months = list(data["months"])
        rows = tuple(_distrust_row(month) for month in months)
        baseline = (
            f"Baseline {str(data['baseline_start'])[:10]} to {str(data['baseline_end'])[:10]}: "
            f"{int(data['baseline_trust_doubt']):,} trust-doubt and {int(data['baseline_reliability']):,} "
            f"reliability mentions; resolved {str(data['resolved_at'])[:10]}."
        )
        lingering = tuple(bool(month["lingering"]) for month in months)
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"distrust: {exc!r} in {_preview(data)}", field="distrust") from exc
    return DistrustView(verdict=data["verdict"], baseline=baseline, rows=rows, lingering=lingering)


def _distrust_row(month: Mapping[str, Any]) -> tuple[str, ...]:
    expected = float(month["expected_trust_doubt"]) + float(month["expected_reliability"])
    ratio = month.get("ratio")
    period = f"{str(month['start'])[:10]} to {str(month['end'])[:10]}"
    if not month.get("complete", True):
        period += " (in progress)"
    return (
        str(int(month["month"])),
        period,
        f"{int(month['trust_doubt']):,}",
        f"{int(month['reliability']):,}",
        f"{expected:,.1f}",
        f"{float(ratio):.1f}×" if ratio is not None else "n/a (no mention before)",
        p_value(float(month["p_value"])),
        "Lingering" if month["lingering"] else "Normal",
    )


def _preview(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
