"""The incident report as one standalone HTML page (``web/templates/incident_report.html``) and as a
one-page A4 PDF printed from it by WeasyPrint — no web server, no JavaScript, nothing fetched.

WeasyPrint is the optional ``reports`` extra: it is imported only when a PDF is asked for, and its absence
is a :class:`PdfUnavailable` naming the extra. A report with much to say is printed again with less
detail (fewer timeline rows, quotes, accounts) until it fits on one page.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from trustops.clock import as_utc
from trustops.errors import TrustopsError
from trustops.reports import charts, wording
from trustops.reports.facts import IncidentReport

TEMPLATE = "incident_report.html"
EXTRA = "pip install 'trustops[reports]'"
# Text at least 4.5:1 against its background, marks at least 3:1 (WCAG 2.1 AA 1.4.3 and 1.4.11); tested.
PALETTE = {
    "text": "#1d2430",
    "muted": "#4d5566",
    "background": "#ffffff",
    "panel": "#f4f6f9",
    "line": "#8a93a6",
    "mentions": "#5b6b8a",
    "negative": "#b2182b",
    "span": "#fbe9e7",
    "span_edge": "#9b1c1c",
    "debt": "#9b1c1c",
    "good": "#17603a",
    "good_background": "#e8f5ec",
    "bad": "#9b1c1c",
    "bad_background": "#fdecea",
}
T = TypeVar("T")


class PdfUnavailable(TrustopsError):
    """WeasyPrint, which prints the PDF, is not installed."""

    status_code = 501


@dataclass(frozen=True)
class Detail:
    """How much of each list the page shows; the PDF steps down through :data:`DETAIL` until one page holds it."""

    timeline: int
    quotes: int
    accounts: int
    spikes: int


DETAIL = (Detail(12, 3, 5, 2), Detail(9, 2, 3, 1), Detail(6, 1, 2, 1), Detail(4, 0, 1, 0))


def render_html(report: IncidentReport, *, detail: Detail = DETAIL[0], room_link: str | None = None) -> str:
    """The report page; ``room_link`` points back to the incident room when the page is served by trustops."""
    head, hidden, tail = trimmed(report.timeline, detail.timeline)
    days = {as_utc(m.at).date() for m in report.timeline} | {as_utc(report.overview.started_at).date()}
    return (
        _environment()
        .get_template(TEMPLATE)
        .render(
            report=report,
            detail=detail,
            timeline_head=head,
            timeline_hidden=hidden,
            timeline_tail=tail,
            mentions_chart=charts.mentions_chart(report.voice, report.overview),
            debt_chart=charts.debt_chart(report.churn.debt if report.churn else None),
            palette=PALETTE,
            room_link=room_link,
            one_day=len(days) == 1,
        )
    )


def render_pdf(report: IncidentReport) -> bytes:
    """The report on one A4 page (tagged PDF), with as much detail as fits."""
    weasyprint = _weasyprint()
    document = None
    for detail in DETAIL:
        document = weasyprint.HTML(string=render_html(report, detail=detail)).render()
        if len(document.pages) == 1:
            break
    assert document is not None
    pdf: bytes = document.write_pdf(pdf_tags=True)
    return pdf


def trimmed(rows: Sequence[T], limit: int) -> tuple[Sequence[T], int, Sequence[T]]:
    """The first and last rows when there are more than ``limit``, and how many were left out between."""
    if len(rows) <= limit:
        return rows, 0, ()
    tail = min(3, limit // 2)
    return rows[: limit - tail], len(rows) - limit, rows[len(rows) - tail :]


def _weasyprint() -> Any:
    try:
        return importlib.import_module("weasyprint")
    except ImportError:
        raise PdfUnavailable(f"format: PDF output needs WeasyPrint: {EXTRA}", field="format") from None


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
    environment.filters.update(
        when=wording.when,
        clock=wording.clock_time,
        duration=wording.duration,
        number=wording.count,
        amount=wording.amount,
        pct=wording.pct,
        points=wording.points,
        label=wording.label,
        index_points=wording.index_points,
    )
    environment.globals.update(money=wording.money, after=wording.after)
    return environment
