"""Liveness, our own Prometheus metrics and the effective policy."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from trustops import __version__
from trustops.accounts.models import Scope
from trustops.config import Policy
from trustops.web.deps import PolicyDep, SessionDep, require

router = APIRouter(tags=["system"])


@router.get("/healthz")
def healthz(session: SessionDep) -> JSONResponse:
    """Public liveness: answers 200 when the store answers, 503 otherwise."""
    try:
        session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any store failure means "not healthy"
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok", "version": __version__})


@router.get("/metrics", dependencies=[Depends(require(Scope.READ))], response_class=Response)
def metrics(request: Request) -> Response:
    """Prometheus exposition of trustops' own metrics."""
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)


@router.get("/api/v1/policy", dependencies=[Depends(require(Scope.READ))], response_model=Policy)
def policy(current: PolicyDep) -> Policy:
    """The business thresholds in force (defaults merged with `policy:` in trustops.yaml)."""
    return current
