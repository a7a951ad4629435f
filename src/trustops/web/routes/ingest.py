"""Where monitoring tools deliver: Alertmanager and Grafana, PagerDuty Events v2, Sentry envelopes and
webhooks, and trustops' own errors API (formats.md §2, 3, 5, 6, 7).

Each endpoint reads the raw body within a size limit before it opens the request's session (so a slow
upload never holds the store's write lock), authenticates, hands the body to a pure parser from
:mod:`trustops.monitor.sources`, and applies the result in that session, committed before the 2xx
answer. Senders retry and re-deliver; the stores dedupe (alerts by source and key, exposures by source
and event id), so a re-delivery changes nothing but an alert's delivery count. That is also why the
Sentry webhook's ``Request-ID`` is not kept: a re-sent hook carries the same issue or event id.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from trustops.accounts.models import ApiToken, Scope
from trustops.accounts.tokens import authenticate, grants
from trustops.catalog.schema import CatalogFile
from trustops.db import Database
from trustops.errors import InvalidInput, NotFound
from trustops.monitor.exposure import record_errors
from trustops.monitor.health_models import Alert
from trustops.monitor.intake import apply_alert
from trustops.monitor.signals import AlertSignal, ErrorEvent
from trustops.monitor.sources import alertmanager, errors_api, pagerduty, sentry
from trustops.monitor.sources.encoding import check_size, decode_body
from trustops.web.deps import AuthError, ClockDep, SessionDep, SettingsDep, require

router = APIRouter(tags=["ingest"])
Ingester = Annotated[ApiToken, Depends(require(Scope.INGEST))]
ErrorReporter = Annotated[ApiToken, Depends(require(Scope.ERRORS, Scope.INGEST))]
# What a Sentry DSN key may hold; `errors` is the one to give an app that ships its DSN to the public.
SENTRY_KEY_SCOPES = (Scope.ERRORS, Scope.INGEST)
MAX_JSON_BYTES = 10 * 1024 * 1024


def body_within(limit: int) -> Callable[[Request], Awaitable[bytes]]:
    """A dependency giving the raw body, refused with 413 as soon as it passes ``limit`` bytes."""

    async def read(request: Request) -> bytes:
        declared = request.headers.get("content-length", "")
        if declared.isdigit():
            check_size(int(declared), limit, "body")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            check_size(size, limit, "body")
            chunks.append(chunk)
        return b"".join(chunks)

    return read


JsonBody = Annotated[bytes, Depends(body_within(MAX_JSON_BYTES))]
PagerDutyBody = Annotated[bytes, Depends(body_within(pagerduty.MAX_BODY_BYTES))]
EnvelopeBody = Annotated[bytes, Depends(body_within(sentry.MAX_ENVELOPE_BYTES))]


class AlertsAccepted(BaseModel):
    accepted: int
    incidents: list[int]


class PagerDutyAccepted(BaseModel):
    status: str = "success"
    message: str = "Event processed"
    dedup_key: str


class EnvelopeAccepted(BaseModel):
    id: str | None


class ErrorsAccepted(BaseModel):
    accepted: int
    duplicates: int


class WebhookAccepted(BaseModel):
    accepted: int
    duplicates: int
    incidents: list[int]


def json_doc(description: str, media_type: str = "application/json") -> dict[str, Any]:
    """The request body, for the OpenAPI document: these routes read it raw to control parsing and size."""
    content = {media_type: {"schema": {"type": "object"} if media_type.endswith("json") else {"type": "string"}}}
    return {"requestBody": {"required": True, "description": description, "content": content}}


@router.post(
    "/api/v1/ingest/alertmanager",
    response_model=AlertsAccepted,
    openapi_extra=json_doc("An Alertmanager webhook (version 4) or a Grafana alerting webhook (version 1)."),
)
def ingest_alertmanager(
    request: Request, raw: JsonBody, _token: Ingester, session: SessionDep, now: ClockDep
) -> AlertsAccepted:
    """Alertmanager `webhook_configs` or a Grafana webhook contact point; send the token as a Bearer."""
    signals = alertmanager.parse_alert_webhook(_json(request, raw))
    alerts = _apply(request, session, signals, now)
    session.commit()
    return AlertsAccepted(accepted=len(alerts), incidents=_incident_ids(alerts))


@router.post(
    "/api/v1/ingest/pagerduty",
    response_model=PagerDutyAccepted,
    status_code=202,
    openapi_extra=json_doc("A PagerDuty Events API v2 event (trigger, acknowledge or resolve)."),
)
def ingest_pagerduty(
    request: Request, raw: PagerDutyBody, _token: Ingester, session: SessionDep, now: ClockDep
) -> PagerDutyAccepted:
    """Answered like PagerDuty's `/v2/enqueue`, so its clients (Alertmanager's included) work unchanged."""
    signal, dedup_key = pagerduty.parse_pagerduty_event(_json(request, raw))
    if signal is not None:
        _apply(request, session, [signal], now)
        session.commit()
    return PagerDutyAccepted(dedup_key=dedup_key)


@router.post(
    "/api/v1/ingest/errors",
    response_model=ErrorsAccepted,
    status_code=202,
    openapi_extra=json_doc("One error report `{user_id, component, occurred_at, kind?, message?}` or a list."),
)
def ingest_errors(
    request: Request, raw: JsonBody, _token: ErrorReporter, session: SessionDep, settings: SettingsDep, now: ClockDep
) -> ErrorsAccepted:
    """Which user saw an error in which component; all or nothing: one bad report refuses the batch."""
    events = errors_api.parse_error_batch(_json(request, raw))
    result = record_errors(
        session, events, secret=settings.secret(), mappings=_catalog(request).mappings, strict=True, now=now
    )
    session.commit()
    return ErrorsAccepted(accepted=result.accepted, duplicates=result.duplicates)


def _sentry_caller(request: Request) -> str | None:
    """The key of ``X-Sentry-Auth`` or ``?sentry_key=``, refused before a stranger's body is read.

    Read-only: the request's own session checks it again and records the use. None when the envelope
    header's ``dsn`` must say who is sending.
    """
    key = sentry.sentry_key(request.headers, request.query_params)
    if key is not None:
        database: Database = request.app.state.database
        with database.sessions() as session:
            _check_sentry_key(session, key)
    return key


@router.post(
    "/api/{project_id}/envelope/",
    response_model=EnvelopeAccepted,
    openapi_extra=json_doc("A Sentry envelope, as sentry-sdk sends it (gzip or br).", "application/x-sentry-envelope"),
)
def ingest_sentry_envelope(
    project_id: int,
    request: Request,
    key: Annotated[str | None, Depends(_sentry_caller)],
    raw: EnvelopeBody,
    session: SessionDep,
    settings: SettingsDep,
    now: ClockDep,
) -> EnvelopeAccepted:
    """Sentry SDKs with the DSN `http://<errors token>@<host>/<project>`: the token is the DSN's public key.

    Errors with a `user.id` go to the exposure ledger; every other item (sessions, transactions…) is
    skipped. Answers 403 without a live token holding the `errors` (or `ingest`, or `admin`) scope.
    """
    envelope = sentry.read_envelope(raw, request.headers.get("content-encoding"))
    _check_sentry_key(session, key or envelope.dsn_key)
    events = sentry.error_events(envelope, received_at=now)
    record_errors(session, events, secret=settings.secret(), mappings=_catalog(request).mappings, strict=False, now=now)
    session.commit()
    return EnvelopeAccepted(id=envelope.event_id or next((e.event_id for e in events if e.event_id), None))


def _signed_hook(raw: JsonBody, request: Request, settings: SettingsDep) -> bytes:
    """The body of a webhook signed with the configured client secret; 404 without one, 401 if unsigned."""
    secret = settings.sentry_webhook_secret.get_secret_value() if settings.sentry_webhook_secret else ""
    if not secret:
        raise NotFound("sentry webhook not configured: set TRUSTOPS_SENTRY_WEBHOOK_SECRET")
    if not sentry.verify_signature(secret, raw, request.headers.get("sentry-hook-signature")):
        raise AuthError(401, "Sentry-Hook-Signature: missing, or not the HMAC-SHA256 of the body under the secret")
    return raw


@router.post(
    "/api/v1/ingest/sentry-webhook",
    response_model=WebhookAccepted,
    openapi_extra=json_doc("A Sentry integration-platform webhook (error, issue, event_alert, metric_alert)."),
)
def ingest_sentry_webhook(
    request: Request,
    raw: Annotated[bytes, Depends(_signed_hook)],
    session: SessionDep,
    settings: SettingsDep,
    now: ClockDep,
) -> WebhookAccepted:
    """Sentry's integration webhooks, verified by `Sentry-Hook-Signature` under `TRUSTOPS_SENTRY_WEBHOOK_SECRET`."""
    found = sentry.parse_sentry_webhook(request.headers.get("sentry-hook-resource", ""), _json(request, raw))
    answer = WebhookAccepted(accepted=0, duplicates=0, incidents=[])
    if isinstance(found, ErrorEvent):
        mappings = _catalog(request).mappings
        result = record_errors(session, [found], secret=settings.secret(), mappings=mappings, strict=False, now=now)
        answer = WebhookAccepted(accepted=result.accepted, duplicates=result.duplicates, incidents=[])
    elif isinstance(found, AlertSignal):
        answer = WebhookAccepted(
            accepted=1, duplicates=0, incidents=_incident_ids(_apply(request, session, [found], now))
        )
    session.commit()
    return answer


def _check_sentry_key(session: Session, key: str | None) -> None:
    # 403 for every failure, as Sentry answers a missing or unknown key (formats.md §5).
    if not key:
        raise AuthError(403, "missing Sentry key: use a DSN like http://<errors token>@host/1")
    token = authenticate(session, key)
    if token is None:
        raise AuthError(403, "unknown or revoked Sentry key")
    if not grants(token.scopes, SENTRY_KEY_SCOPES):
        raise AuthError(403, f"token {token.name!r} lacks scope: needs errors or ingest")


def _json(request: Request, raw: bytes) -> Any:
    data = decode_body(raw, request.headers.get("content-encoding"), MAX_JSON_BYTES)
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise InvalidInput(f"body: not valid JSON ({str(exc)[:80]})", field="body") from None


def _catalog(request: Request) -> CatalogFile:
    catalog: CatalogFile = request.app.state.catalog
    return catalog


def _apply(request: Request, session: Session, signals: Sequence[AlertSignal], now: datetime) -> list[Alert]:
    catalog = _catalog(request)
    return [apply_alert(session, s, policy=catalog.policy, mappings=catalog.mappings, now=now) for s in signals]


def _incident_ids(alerts: Sequence[Alert]) -> list[int]:
    return sorted({a.incident_id for a in alerts if a.incident_id is not None})
