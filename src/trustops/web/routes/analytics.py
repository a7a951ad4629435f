"""Silent churn over HTTP and on the dashboard: analyses upload their :class:`ChurnReport` (``ingest``
scope), readers list runs and the accumulated reputational debt (``read``), and the Analytics page shows
the debt per incident and in total, the newest run's measurements and the trust index per tier."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from trustops.accounts.models import ApiToken, Scope
from trustops.analytics import store
from trustops.analytics.churn_report import GAIN, LOSS, ChurnReport, Estimate
from trustops.analytics.models import ChurnRun
from trustops.analytics.trust import trust_index
from trustops.reports.wording import money
from trustops.web.deps import ClockDep, CurrentUser, PolicyDep, SessionDep, require, token_actor
from trustops.web.security import nonce_of
from trustops.web.templating import render

router = APIRouter(tags=["analytics"])
Uploader = Annotated[ApiToken, Depends(require(Scope.INGEST))]
Reader = Annotated[ApiToken, Depends(require(Scope.READ))]

TRUST_WINDOW_DAYS = 90  # the page's trust index window, as ``trustops analytics trust`` by default
CHART_WIDTH = 640
CHART_LABELS = 220  # the left part of the chart holds the incident titles
CHART_ROW = 28
VERDICT_WORDS = {LOSS: "worse than matched customers", GAIN: "better than matched customers"}


class RunOut(BaseModel):
    id: int
    created_at: str
    incident_id: int | None
    title: str
    at: str
    treated: int
    horizon_days: int | None
    debt: float | None
    debt_low: float | None
    debt_high: float | None
    currency: str
    verdict: str


class TotalOut(BaseModel):
    value: float
    runs: int


class DebtOut(BaseModel):
    accumulated: dict[str, TotalOut]
    incidents: list[RunOut]


def _out(run: ChurnRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "created_at": run.created_at.isoformat(),
        "incident_id": run.incident_id,
        "title": run.title,
        "at": run.at.isoformat(),
        "treated": run.treated,
        "horizon_days": run.horizon_days,
        "debt": run.debt,
        "debt_low": run.debt_low,
        "debt_high": run.debt_high,
        "currency": run.currency,
        "verdict": run.verdict,
    }


@router.post("/api/v1/analytics/churn-runs", response_model=RunOut, status_code=201)
def upload_churn_run(
    token: Uploader,
    session: SessionDep,
    report: Annotated[dict[str, Any], Body(description="A silent-churn report, as `ChurnReport.to_dict()` gives.")],
) -> dict[str, Any]:
    """Keep a silent-churn analysis; answers its headline figures. A bad report is refused naming the key."""
    run = store.record(session, store.report_from_json(report), actor=token_actor(token))
    found = _out(run)
    session.commit()
    return found


@router.get("/api/v1/analytics/churn-runs", response_model=list[RunOut])
def list_churn_runs(
    _token: Reader, session: SessionDep, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[dict[str, Any]]:
    """The latest silent-churn runs, newest first, with their headline debt."""
    return [_out(run) for run in store.runs(session, limit=limit)]


@router.get("/api/v1/analytics/churn-runs/{run_id}")
def get_churn_run(_token: Reader, session: SessionDep, run_id: int) -> dict[str, Any]:
    """The whole report of one run, as it was uploaded or computed."""
    return store.get_run(session, run_id).report


@router.get("/api/v1/analytics/debt", response_model=DebtOut)
def reputational_debt(_token: Reader, session: SessionDep) -> dict[str, Any]:
    """Reputational debt per currency, summed over the newest run of each incident, and those runs.

    Totals are sums of point estimates, without an interval: the runs' intervals do not add up."""
    latest = store.latest_per_incident(session)
    totals = store.debt_totals(latest)
    return {
        "accumulated": {currency: {"value": t.value, "runs": t.runs} for currency, t in totals.items()},
        "incidents": [_out(run) for run in latest],
    }


@router.get("/analytics", include_in_schema=False)
def analytics_page(
    request: Request, user: CurrentUser, session: SessionDep, policy: PolicyDep, now: ClockDep
) -> Response:
    """Reputational debt in total and per incident, the newest analysis in detail, the trust index per tier."""
    latest = store.latest_per_incident(session)
    newest = store.runs(session, limit=1)
    report = store.load(newest[0]) if newest else None
    trust = trust_index(session, since=now - timedelta(days=TRUST_WINDOW_DAYS), until=now, policy=policy)
    return render(
        request,
        "analytics.html",
        user=user,
        totals=[(currency, money(t.value, currency), t.runs) for currency, t in store.debt_totals(latest).items()],
        rows=[IncidentRow.of(run) for run in latest],
        charts=charts(latest),
        newest=newest[0] if newest else None,
        detail=horizon_rows(report) if report else [],
        distrust=report.distrust["verdict"] if report and report.distrust else None,
        trust_check=report.trust_check["verdict"] if report and report.trust_check else None,
        trust=trust.segments,
        trust_days=TRUST_WINDOW_DAYS,
    )


@router.get("/analytics/churn-runs/{run_id}/report.html", include_in_schema=False)
def churn_report_page(request: Request, _user: CurrentUser, session: SessionDep, run_id: int) -> HTMLResponse:
    """The standalone HTML report of one run, to save or send on."""
    from trustops.analytics.churn_html import render_html

    return HTMLResponse(render_html(store.load(store.get_run(session, run_id)), nonce=nonce_of(request)))


def interval(estimate: Estimate, digits: int = 2) -> str:
    """``-0.34 (95% CI -0.56 to -0.14)``."""
    if not math.isfinite(estimate.value):
        return "—"
    return f"{estimate.value:+.{digits}f} (95% CI {estimate.low:+.{digits}f} to {estimate.high:+.{digits}f})"


@dataclass(frozen=True)
class IncidentRow:
    """One line of the per-incident table: the newest run of an incident, in words and figures."""

    run: ChurnRun
    controls: int
    debt: str

    @classmethod
    def of(cls, run: ChurnRun) -> IncidentRow:
        debt = money(run.debt, run.currency)
        if run.debt is not None and run.debt_low is not None and run.debt_high is not None:
            debt += f" (95% CI {run.debt_low:,.0f} to {run.debt_high:,.0f}) over {run.horizon_days} days"
        return cls(run, int(run.report.get("controls", 0)), debt)


@dataclass(frozen=True)
class MetricRow:
    label: str
    effect: str
    verdict: str


@dataclass(frozen=True)
class HorizonRow:
    """One measured (or skipped) horizon of the newest run: its metrics and its debt."""

    days: int
    skipped: str | None
    metrics: tuple[MetricRow, ...]
    debt: str | None


def horizon_rows(report: ChurnReport) -> list[HorizonRow]:
    found = []
    for horizon in report.horizons:
        metrics = tuple(
            MetricRow(m.label, interval(m.effect), VERDICT_WORDS.get(m.verdict, m.verdict)) for m in horizon.metrics
        )
        debt = None
        if horizon.debt is not None:
            total = horizon.debt.total
            debt = f"{money(total.value, horizon.debt.currency)} (95% CI {total.low:,.0f} to {total.high:,.0f})"
        found.append(HorizonRow(horizon.days, horizon.skipped, metrics, debt))
    return found


@dataclass(frozen=True)
class Bar:
    label: str
    y: int
    x: float
    width: float
    low_x: float | None
    high_x: float | None
    text: str


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart of the debt per incident in one currency, drawn on the server as SVG."""

    currency: str
    width: int
    height: int
    zero_x: float
    bars: tuple[Bar, ...]
    label: str


def charts(latest: list[ChurnRun]) -> list[Chart]:
    """One chart per currency of the runs that have a debt, each bar with its interval as a whisker."""
    by_currency: dict[str, list[ChurnRun]] = {}
    for run in latest:
        if run.debt is not None:
            by_currency.setdefault(run.currency, []).append(run)
    return [_chart(currency, by_currency[currency]) for currency in sorted(by_currency)]


def _chart(currency: str, runs: list[ChurnRun]) -> Chart:
    values = [v for run in runs for v in (run.debt, run.debt_low, run.debt_high) if v is not None]
    low, high = min(0.0, *values), max(0.0, *values)
    span = (high - low) or 1.0
    plot = CHART_WIDTH - CHART_LABELS - 20

    def x(value: float) -> float:
        return round(CHART_LABELS + (value - low) / span * plot, 1)

    bars, said = [], []
    for row, run in enumerate(runs):
        value = run.debt or 0.0
        text = money(value, currency)
        if run.debt_low is not None and run.debt_high is not None:
            text += f" (95% CI {run.debt_low:,.0f} to {run.debt_high:,.0f})"
        start, end = sorted((x(0.0), x(value)))
        bars.append(
            Bar(
                label=run.title if len(run.title) <= 30 else run.title[:29] + "…",
                y=row * CHART_ROW,
                x=start,
                width=max(round(end - start, 1), 1.0),
                low_x=x(run.debt_low) if run.debt_low is not None else None,
                high_x=x(run.debt_high) if run.debt_high is not None else None,
                text=text,
            )
        )
        said.append(f"{run.title}: {text}")
    label = f"Reputational debt per incident in {currency}: " + "; ".join(said)
    return Chart(currency, CHART_WIDTH, len(runs) * CHART_ROW, x(0.0), tuple(bars), label)
