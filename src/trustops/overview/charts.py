"""The overview's charts as plotly figures (plain data, drawn in the browser by the bundled plotly.js).

Each chart comes with a one-sentence summary and a table: the text alternative a screen reader gets
(WCAG 1.1.1), and what anyone gets who would rather read the numbers. Colours are the dashboard's own,
each at least 3:1 against white (WCAG 1.4.11), and series differ by line style as well as colour.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from trustops.analytics.trust import SegmentTrust
from trustops.overview.tiles import IncidentDebt, Talk

RED, BLUE, GREEN, AMBER, GREY = "#c2262e", "#2957d6", "#1a7f4b", "#a16207", "#475467"
SEGMENT_STYLE = {
    "all": ("#1d2430", "solid"),
    "enterprise": (BLUE, "dash"),
    "loyal": (GREEN, "dot"),
    "regular": (AMBER, "dashdot"),
    "new": (RED, "longdash"),
}
FONT = {"family": "system-ui, -apple-system, Segoe UI, sans-serif", "size": 12, "color": "#1d2430"}
CONFIG = {"displayModeBar": False, "responsive": True}


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    summary: str  # one sentence: the chart's point, for screen readers and at a glance
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    figure: dict[str, Any]

    @property
    def json(self) -> str:
        """The figure and config for a ``<script type="application/json">`` block (``<`` escaped)."""
        return json.dumps({"figure": self.figure, "config": CONFIG}, separators=(",", ":")).replace("<", "\\u003c")


def _layout(**extra: Any) -> dict[str, Any]:
    return {
        "margin": {"l": 44, "r": 44, "t": 8, "b": 36},
        "height": 220,
        "font": FONT,
        "paper_bgcolor": "#fff",
        "plot_bgcolor": "#fff",
        "legend": {"orientation": "h", "y": -0.22},
        "hovermode": "x unified",
        **extra,
    }


def talk_chart(talk: Talk) -> Chart:
    days = [d.day.isoformat() for d in talk.days]
    shares = [round(100 * d.negative_share, 1) for d in talk.days]
    today = talk.today
    summary = (
        f"{today.complaints} complaints in the last 24 hours against {talk.usual_complaints:.0f} a day before; "
        f"{100 * today.negative_share:.0f}% of {today.mentions} mentions negative."
    )
    figure = {
        "data": [
            {"type": "bar", "name": "complaints", "x": days, "y": [d.complaints for d in talk.days], "marker": {"color": BLUE}},
            {
                "type": "scatter", "mode": "lines+markers", "name": "negative share (%)", "x": days, "y": shares,
                "yaxis": "y2", "line": {"color": RED, "width": 2, "dash": "dot"},
            },
        ],
        "layout": _layout(
            yaxis={"title": {"text": "complaints"}, "rangemode": "tozero", "gridcolor": "#e4e7ec"},
            yaxis2={"title": {"text": "negative %"}, "overlaying": "y", "side": "right", "range": [0, 100],
                    "tickvals": [0, 25, 50, 75, 100], "showgrid": False},
        ),
    }  # fmt: skip
    rows = tuple(
        (d.day.isoformat(), str(d.mentions), str(d.complaints), f"{100 * d.negative_share:.0f}%") for d in talk.days
    )
    return Chart(
        "chart-talk",
        "Complaints and negative share per day",
        summary,
        ("Day", "Mentions", "Complaints", "Negative"),
        rows,
        figure,
    )


def trust_chart(segments: Sequence[SegmentTrust]) -> Chart:
    data = []
    for s in segments:
        colour, dash = SEGMENT_STYLE.get(s.segment, (GREY, "solid"))
        data.append(
            {
                "type": "scatter", "mode": "lines", "name": s.segment,
                "x": [p.day.isoformat() for p in s.points], "y": [round(p.index, 1) for p in s.points],
                "line": {"color": colour, "dash": dash, "width": 2},
            }
        )  # fmt: skip
    worst = min(segments, key=lambda s: s.current, default=None)
    summary = (
        f"Trust index now: {', '.join(f'{s.segment} {s.current:.0f}' for s in segments)} of {worst.baseline:.0f}."
        if worst
        else "No trust index: no customer segments."
    )
    figure = {"data": data, "layout": _layout(yaxis={"title": {"text": "trust index"}, "gridcolor": "#e4e7ec"})}
    rows = tuple((s.segment, f"{s.current:.1f}", f"{s.lowest.index:.1f} on {s.lowest.day}") for s in segments)
    return Chart(
        "chart-trust", "Trust index per customer tier, last 90 days", summary, ("Tier", "Now", "Lowest"), rows, figure
    )


def debt_chart(incidents: Sequence[IncidentDebt]) -> Chart:
    shown = [d for d in incidents if d.debt is not None][:8]
    labels = [f"#{d.incident_id} {d.title[:32]}" if d.incident_id else d.title[:36] for d in shown]
    figure = {
        "data": [
            {
                "type": "bar", "orientation": "h", "name": "reputational debt", "x": [d.debt for d in shown], "y": labels,
                "marker": {"color": RED},
                "error_x": {
                    "type": "data", "symmetric": False, "color": "#1d2430",
                    "array": [(d.high or d.debt or 0) - (d.debt or 0) for d in shown],
                    "arrayminus": [(d.debt or 0) - (d.low if d.low is not None else d.debt or 0) for d in shown],
                },
            }
        ],
        "layout": _layout(
            height=max(140, 48 * len(shown) + 60), margin={"l": 200, "r": 16, "t": 8, "b": 36},
            yaxis={"autorange": "reversed"}, xaxis={"title": {"text": shown[0].currency if shown else ""}},
            hovermode="closest", showlegend=False,
        ),
    }  # fmt: skip
    rows = tuple(
        (label, d.currency, f"{d.debt:,.0f}", _range(d))
        for label, d in zip(labels, shown, strict=True)
        if d.debt is not None
    )
    top = shown[0] if shown else None
    summary = (
        f"Largest debt: {rows[0][0]}, {top.currency} {top.debt:,.0f}."
        if top and top.debt is not None
        else "No debt measured yet."
    )
    return Chart(
        "chart-debt",
        "Reputational debt per incident",
        summary,
        ("Incident", "Currency", "Debt", "95% interval"),
        rows,
        figure,
    )


def _range(d: IncidentDebt) -> str:
    return f"{d.low:,.0f} to {d.high:,.0f}" if d.low is not None and d.high is not None else "—"
