"""Brand listening over HTTP: mentions in (JSON or NDJSON), mentions, spikes and the impact matrix out.

``POST /api/v1/ingest/mentions`` is per-line: each bad line is reported with its number and reason,
the good lines of the same body are stored, and a re-delivered body stores nothing twice (mentions
dedupe on their source and external id).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from trustops.accounts.models import ApiToken, Scope
from trustops.errors import InvalidInput
from trustops.listen import matrix as impact
from trustops.listen.formats import LineError, parse_mention_lines, parse_mention_objects
from trustops.listen.models import Mention
from trustops.listen.pipeline import ingest
from trustops.listen.schema import Channel, Intent, MentionIn, Sentiment
from trustops.listen.service import classifier_for, recent_spikes
from trustops.monitor.sources.encoding import decode_body
from trustops.web.deps import ClockDep, SessionDep, SettingsDep, require
from trustops.web.routes.ingest import MAX_JSON_BYTES, JsonBody, json_doc

router = APIRouter(tags=["listening"])
Ingester = Annotated[ApiToken, Depends(require(Scope.INGEST))]
Reader = Annotated[ApiToken, Depends(require(Scope.READ))]
MAX_MENTIONS = 5_000
NDJSON_TYPES = ("application/x-ndjson", "application/jsonl", "application/json-lines")


class LineProblem(BaseModel):
    line: int = Field(description="1-based: the NDJSON line, or the position in a JSON list.")
    message: str


class MentionsAccepted(BaseModel):
    accepted: int
    duplicates: int
    redactions: int = Field(description="Personal values removed from the accepted mentions before storage.")
    errors: list[LineProblem]


class MentionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    source: str
    external_id: str
    channel: Channel
    published_at: datetime
    ingested_at: datetime
    author_key: str | None = Field(description="The author's keyed pseudonym.")
    author_reach: int | None
    title: str | None
    text: str = Field(description="Redacted before storage.")
    language: str | None
    url: str | None
    sentiment: Sentiment
    sentiment_score: float
    complaint: bool
    complaint_score: float
    component_id: str | None
    component_confidence: float
    intents: list[str] = Field(validation_alias="intent_names")


class SpikePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    subject: str
    key: str
    kind: str
    raised_at: datetime
    observed: float
    expected: float
    change: float
    p_value: float
    severity: int
    baseline: str
    sentence: str
    incident_id: int | None


class TierPublic(BaseModel):
    tier: str
    affected: int
    value: float


class MatrixRowPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    component_id: str
    name: str
    criticality: str
    health: str
    incident_id: int | None
    mentions: int
    complaints: int
    usual_complaints: float
    trend: float
    negative_share: float
    sentiment: float
    affected_users: int
    affected_value: float
    by_tier: list[TierPublic]
    spike: str | None
    terms: dict[str, float]
    score: float
    reasons: list[str]


@router.post(
    "/api/v1/ingest/mentions",
    response_model=MentionsAccepted,
    status_code=202,
    openapi_extra=json_doc("One mention, a JSON list of them, or NDJSON (`application/x-ndjson`), one per line."),
)
def ingest_mentions(
    request: Request, raw: JsonBody, _token: Ingester, session: SessionDep, settings: SettingsDep, now: ClockDep
) -> Any:
    """Posts, tickets, reviews: redacted, classified and stored; bad lines are reported, good ones kept."""
    parsed = _parse(request, raw)
    good = [m for _, m in parsed if isinstance(m, MentionIn)]
    errors = [LineProblem(line=e.line, message=e.message) for _, e in parsed if isinstance(e, LineError)]
    if errors and not good:
        first = f"line {errors[0].line}: {errors[0].message}"
        body = {"error": {"code": "invalid", "message": first, "field": "body"}}
        return JSONResponse({**body, "errors": [e.model_dump() for e in errors[:100]]}, status_code=422)
    result = ingest(session, good, classifier=classifier_for(session), secret=settings.secret(), now=now)
    session.commit()
    return MentionsAccepted(
        accepted=result.accepted, duplicates=result.duplicates, redactions=result.redactions, errors=errors
    )


def _parse(request: Request, raw: bytes) -> list[tuple[int, MentionIn | LineError]]:
    text = decode_body(raw, request.headers.get("content-encoding"), MAX_JSON_BYTES).decode("utf-8", "replace")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    stripped = text.strip()
    if content_type in NDJSON_TYPES or (stripped.startswith("{") and "\n" in stripped):
        parsed = list(parse_mention_lines(text.splitlines()))
    else:
        try:
            body = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise InvalidInput(f"body: not valid JSON ({str(exc)[:80]})", field="body") from None
        parsed = list(parse_mention_objects(body if isinstance(body, list) else [body]))
    if len(parsed) > MAX_MENTIONS:
        raise InvalidInput(f"body: {len(parsed):,} mentions; send at most {MAX_MENTIONS:,} per request", field="body")
    return parsed


@router.get("/api/v1/mentions", response_model=list[MentionPublic])
def list_mentions(
    _token: Reader,
    session: SessionDep,
    component: Annotated[str | None, Query(description="Only mentions classified onto this component.")] = None,
    sentiment: Sentiment | None = None,
    intent: Intent | None = None,
    complaint: bool | None = None,
    since: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[MentionPublic]:
    """The newest mentions first, as stored: redacted texts, pseudonymous authors."""
    query = select(Mention).order_by(Mention.published_at.desc(), Mention.id.desc()).limit(limit)
    if component is not None:
        query = query.where(Mention.component_id == component)
    if sentiment is not None:
        query = query.where(Mention.sentiment == sentiment)
    if complaint is not None:
        query = query.where(Mention.complaint == complaint)
    if since is not None:
        query = query.where(Mention.published_at >= since)
    if intent is not None:
        query = query.where(Mention.intents.any(intent=intent))
    return [MentionPublic.model_validate(m) for m in session.scalars(query)]


@router.get("/api/v1/listen/spikes", response_model=list[SpikePublic])
def list_spikes(
    _token: Reader,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[SpikePublic]:
    """Spikes raised, newest first, each with the sentence a marketing director can forward."""
    return [SpikePublic.model_validate(s) for s in recent_spikes(session, limit=limit)]


@router.get("/api/v1/listen/matrix", response_model=list[MatrixRowPublic])
def impact_matrix(_token: Reader, session: SessionDep, now: ClockDep) -> list[MatrixRowPublic]:
    """The functional impact matrix: every component, what IT should fix first at the top."""
    return [MatrixRowPublic.model_validate(row) for row in impact.impact_matrix(session, now=now)]
