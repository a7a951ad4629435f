"""Audit runs over HTTP: CI uploads the JSON report of ``trustops audit --format json`` (``ingest`` scope);
readers list runs and findings (``read``); the dashboard's Audit page shows findings over time."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import select

from trustops.accounts.models import ApiToken, Scope
from trustops.audit import store
from trustops.audit.models import AuditRun
from trustops.errors import NotFound
from trustops.web.deps import ClockDep, CurrentUser, SessionDep, require, token_actor
from trustops.web.templating import render

router = APIRouter(tags=["audit"])
Uploader = Annotated[ApiToken, Depends(require(Scope.INGEST))]
Reader = Annotated[ApiToken, Depends(require(Scope.READ))]


class RunOut(BaseModel):
    id: int
    at: str
    project: str
    actor: str
    counts: dict[str, int]
    suppressed: int
    scanned: int
    warnings: int
    new: int | None = None
    fixed: int | None = None


class FindingOut(BaseModel):
    rule: str
    severity: str
    message: str
    path: str | None
    line: int
    url: str | None
    status: int | None
    evidence: str
    fix: str
    fingerprint: str


class RunDetail(RunOut):
    findings: list[FindingOut]


def _out(run: AuditRun, view: store.RunView | None = None) -> dict[str, Any]:
    return {
        "id": run.id,
        "at": run.at.isoformat(),
        "project": run.project,
        "actor": run.actor,
        "counts": run.counts,
        "suppressed": run.suppressed,
        "scanned": run.scanned,
        "warnings": len(run.warnings),
        "new": view.new if view else None,
        "fixed": view.fixed if view else None,
    }


@router.post("/api/v1/audit/runs", response_model=RunOut, status_code=201)
def upload_run(
    token: Uploader,
    session: SessionDep,
    now: ClockDep,
    report: Annotated[dict[str, Any], Body(description="The JSON report of `trustops audit --format json`.")],
    project: Annotated[str, Query(max_length=200, description="Which codebase the run is of.")] = "",
) -> dict[str, Any]:
    """Keep a run uploaded from CI (evidence redacted before storage); answers its counts and, against the
    previous run of the same project, how many findings are new and how many were fixed."""
    run = store.record(session, store.report_from_json(report), actor=token_actor(token), project=project, now=now)
    found = _out(run, store.RunView(run, *store.changes(session, run)))
    session.commit()
    return found


@router.get("/api/v1/audit/runs", response_model=list[RunOut])
def list_runs(
    _token: Reader, session: SessionDep, limit: Annotated[int, Query(ge=1, le=200)] = 30
) -> list[dict[str, Any]]:
    """The latest runs, newest first, with what changed since the run before of the same project."""
    return [_out(view.run, view) for view in store.history(session, limit=limit)]


@router.get("/api/v1/audit/runs/{run_id}", response_model=RunDetail)
def get_run(_token: Reader, session: SessionDep, run_id: int) -> dict[str, Any]:
    run = session.get(AuditRun, run_id)
    if run is None:
        raise NotFound(f"run_id: no audit run {run_id}", field="run_id")
    found = _out(run)
    found["findings"] = [
        {
            "rule": f.rule,
            "severity": f.severity,
            "message": f.message,
            "path": f.path,
            "line": f.line,
            "url": f.url,
            "status": f.status,
            "evidence": f.evidence,
            "fix": f.fix,
            "fingerprint": f.fingerprint,
        }
        for f in run.findings
    ]
    return found


@router.get("/audit", include_in_schema=False)
def audit_page(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    """Findings over time: a bar per run by severity, new and fixed findings, and the latest run's findings."""
    views = store.history(session, limit=30)
    latest = views[0].run if views else None
    top = max((sum(v.run.counts.values()) for v in views), default=0) or 1
    rank = {"high": 0, "medium": 1, "low": 2}
    findings = sorted(latest.findings, key=lambda f: (rank.get(f.severity, 3), f.rule)) if latest else []
    projects = sorted({v.run.project for v in views})
    first_run = session.scalar(select(AuditRun.at).order_by(AuditRun.at).limit(1))
    return render(
        request,
        "audit.html",
        user=user,
        views=views,
        latest=latest,
        findings=findings[:300],
        more=max(0, len(findings) - 300),
        top=top,
        projects=projects,
        since=first_run,
    )
