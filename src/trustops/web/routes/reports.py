"""The executive post-incident report over HTTP: a page and a PDF for logged-in users (linked from the
incident room), and ``GET /api/v1/incidents/{id}/report`` for tokens with the ``read`` scope."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.orm import Session

from trustops.accounts.models import ApiToken, Scope
from trustops.config import Policy, Settings
from trustops.reports.facts import IncidentReport
from trustops.reports.incident_report import incident_report
from trustops.reports.render import PdfUnavailable, render_html, render_pdf
from trustops.web.deps import ClockDep, CurrentUser, PolicyDep, SessionDep, SettingsDep, require
from trustops.web.errors import error

router = APIRouter(tags=["reports"])
Reader = Annotated[ApiToken, Depends(require(Scope.READ))]
Format = Literal["json", "html", "pdf"]
DOCUMENTS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report as JSON, a standalone HTML page, or a one-page A4 PDF.",
        "content": {"application/json": {}, "text/html": {}, "application/pdf": {}},
    },
    404: {"description": "No such incident."},
    501: {"description": "PDF asked for, but WeasyPrint (the `reports` extra) is not installed."},
}


@router.get("/incidents/{incident_id}/report", include_in_schema=False)
def report_page(
    incident_id: int, _user: CurrentUser, session: SessionDep, policy: PolicyDep, settings: SettingsDep, now: ClockDep
) -> Response:
    """The report as a page, to read, print or save."""
    report = _report(session, incident_id, policy, settings, now)
    return HTMLResponse(render_html(report, room_link=f"/incidents/{incident_id}"))


@router.get("/incidents/{incident_id}/report.pdf", include_in_schema=False)
def report_pdf(
    incident_id: int, _user: CurrentUser, session: SessionDep, policy: PolicyDep, settings: SettingsDep, now: ClockDep
) -> Response:
    """The report on one A4 page."""
    return _pdf(_report(session, incident_id, policy, settings, now))


@router.get("/api/v1/incidents/{incident_id}/report", responses=DOCUMENTS)
def report_api(
    incident_id: int,
    _token: Reader,
    session: SessionDep,
    policy: PolicyDep,
    settings: SettingsDep,
    now: ClockDep,
    format: Annotated[Format, Query(description="`json` (default), `html` or `pdf`")] = "json",
) -> Response:
    """The executive post-incident report: what happened, who was hit, what customers said, what we told
    them and when, guard actions, silent churn and reputational debt. Unknown incident: 404."""
    report = _report(session, incident_id, policy, settings, now)
    if format == "pdf":
        return _pdf(report)
    if format == "html":
        return HTMLResponse(render_html(report))
    return JSONResponse(report.to_dict())


def _report(session: Session, incident_id: int, policy: Policy, settings: Settings, now: datetime) -> IncidentReport:
    return incident_report(session, incident_id, policy=policy, secret=settings.secret(), now=now)


def _pdf(report: IncidentReport) -> Response:
    try:
        pdf = render_pdf(report)
    except PdfUnavailable as exc:
        return error(exc.status_code, "not_implemented", exc.message, exc.field)
    name = f"incident-{report.overview.incident_id}-report.pdf"
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})
