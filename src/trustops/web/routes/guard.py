"""The marketing guard over HTTP: one decision, a Braze-shaped eligibility check, the windows and the stats.

Decisions are answered from the process's in-memory facts (:class:`~trustops.guard.service.GuardIndex`) with
no per-request database work; each is logged pseudonymously by a background writer, which the app's shutdown
drains (:class:`~trustops.guard.service.DecisionLog`).

Marketing platforms ask once per recipient at send time, so the two decision routes also have a fast lane,
:class:`GuardLane`: an ASGI layer in front of the app (like the status and ping lanes) that answers a request
with a token this process authenticated in the last few seconds and a valid body, skipping routing, middleware
and dependency solving. Anything else (first use of a token, a bad body, an error) goes on to the routes
below, which remain the definition: same answers, same errors, same OpenAPI.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.datastructures import State
from starlette.types import ASGIApp, Message, Receive, Send
from starlette.types import Scope as AsgiScope

from trustops.accounts.models import ApiToken, Scope
from trustops.accounts.tokens import CACHE, grants
from trustops.enums import CampaignType
from trustops.guard.overview import Overview, RuleCount, decision_stats, overview
from trustops.guard.rules import Verdict
from trustops.guard.service import GuardService
from trustops.web.deps import ClockDep, PolicyDep, SessionDep, require


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    service = getattr(app.state, "guard", None)
    if service is not None:
        service.stop()  # writes every decision still queued


log = logging.getLogger(__name__)
router = APIRouter(tags=["guard"], lifespan=lifespan)
Marketer = Annotated[ApiToken, Depends(require(Scope.MARKETING))]
Reader = Annotated[ApiToken, Depends(require(Scope.READ, Scope.MARKETING))]
ELIGIBILITY_CACHE = "private, max-age=300"  # Braze caches Connected Content GETs for 5 minutes anyway


async def guard_service(request: Request) -> GuardService:
    return service_of(request.app.state)


def service_of(state: State) -> GuardService:
    """The app's guard, made on first use (its index loads lazily; its log thread starts on first decision)."""
    service: GuardService | None = getattr(state, "guard", None)
    if service is None:
        service = GuardService(state.database, secret=state.settings.secret(), policy=lambda: state.policy)
        state.guard = service
    return service


def warm_up(app: FastAPI) -> threading.Thread:
    """Load the guard's fact book in the background as the server starts, so the first decision does not wait
    for it (seconds with a million exposures). A failure is logged; the first decision then loads it."""

    def load() -> None:
        try:
            service_of(app.state).index.refresh()
        except Exception:  # noqa: BLE001 - a cold start must never stop the server
            log.exception("warming the marketing guard's facts failed; the first decision will load them")

    thread = threading.Thread(target=load, name="trustops-guard-warm-up", daemon=True)
    thread.start()
    return thread


Guard = Annotated[GuardService, Depends(guard_service)]


class DecideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: str = Field(min_length=1, max_length=256, description="Your user id; stored only as a pseudonym.")
    campaign_type: CampaignType
    campaign_id: str | None = Field(None, max_length=120)
    at: datetime | None = Field(None, description="The moment to judge (a planned send); default now.")


class VerdictOut(BaseModel):
    allowed: bool
    rule: str
    reason: str
    until: datetime | None
    alternative: CampaignType | None

    @classmethod
    def of(cls, verdict: Verdict) -> VerdictOut:
        return cls(
            allowed=verdict.allowed,
            rule=verdict.rule,
            reason=verdict.reason,
            until=verdict.until,
            alternative=verdict.alternative,
        )


class EligibilityOut(BaseModel):
    eligible: bool
    reason: str = Field(description="One plain sentence.")
    rule: str = Field(description="The rule that decided: a stable code to branch on in a template.")
    until: datetime | None
    suggest: CampaignType | None

    @classmethod
    def of(cls, verdict: Verdict) -> EligibilityOut:
        return cls(
            eligible=verdict.allowed,
            reason=verdict.reason,
            rule=verdict.rule,
            until=verdict.until,
            suggest=verdict.alternative,
        )


@router.post("/api/v1/guard/decide", response_model=VerdictOut)
async def decide_campaign(body: DecideIn, guard: Guard, _token: Marketer) -> VerdictOut:
    """May this campaign reach this user? Answered from memory; logged pseudonymously."""
    verdict = await guard.decide(body.user_id, body.campaign_type, campaign_id=body.campaign_id, at=body.at)
    return VerdictOut.of(verdict)


@router.get("/api/v1/guard/eligibility/{user_id}", response_model=EligibilityOut)
async def eligibility(
    user_id: str,
    campaign_type: Annotated[CampaignType, Query()],
    response: Response,
    guard: Guard,
    _token: Marketer,
    campaign_id: Annotated[str | None, Query(max_length=120)] = None,
) -> EligibilityOut:
    """The decision shaped for Braze Connected Content: tiny, cacheable for five minutes."""
    verdict = await guard.decide(user_id, campaign_type, campaign_id=campaign_id)
    response.headers["Cache-Control"] = ELIGIBILITY_CACHE
    return EligibilityOut.of(verdict)


class WindowOut(BaseModel):
    incident_id: int
    title: str
    impact: str
    rule: str
    affected: int
    until: datetime | None


class ReadinessOut(BaseModel):
    incident_id: int
    title: str
    eligible: int
    held_out: int
    stable_since: datetime | None
    ready_at: datetime | None
    ready: bool


class WindowsOut(BaseModel):
    now: datetime
    windows: list[WindowOut]
    ending_soon: list[WindowOut] = Field(description="Outage cool-downs ending within three days.")
    thank_you: list[ReadinessOut]
    recently_hurt: int = Field(description="Users with an error within the error window: no promotions.")

    @classmethod
    def of(cls, found: Overview) -> WindowsOut:
        return cls(
            now=found.now,
            windows=[WindowOut(**vars(w)) for w in found.windows],
            ending_soon=[WindowOut(**vars(w)) for w in found.ending_soon],
            thank_you=[ReadinessOut(**vars(r)) for r in found.thank_you],
            recently_hurt=found.recently_hurt,
        )


class RuleCountOut(BaseModel):
    rule: str
    allowed: int
    denied: int


class StatsOut(BaseModel):
    days: int
    rules: list[RuleCountOut]


@router.get("/api/v1/guard/windows", response_model=WindowsOut)
def guard_windows(guard: Guard, session: SessionDep, policy: PolicyDep, now: ClockDep, _token: Reader) -> WindowsOut:
    """Active guard windows per incident, cool-downs ending soon, thank-you readiness per incident."""
    book = guard.index.refresh()
    return WindowsOut.of(overview(session, book, policy=policy, now=now))


@router.get("/api/v1/guard/stats", response_model=StatsOut)
def guard_stats(session: SessionDep, now: ClockDep, _token: Reader) -> StatsOut:
    """Decisions of the API per rule over the last seven days."""
    counts: list[RuleCount] = decision_stats(session, now=now, days=7)
    return StatsOut(days=7, rules=[RuleCountOut(**vars(c)) for c in counts])


DECIDE_PATH = "/api/v1/guard/decide"
ELIGIBILITY_PREFIX = "/api/v1/guard/eligibility/"
MAX_LANE_BODY = 16 * 1024  # larger bodies take the routed path (a decision body is ~100 bytes)
_JSON_HEADERS = [(b"content-type", b"application/json")]
_ELIGIBILITY_HEADERS = [*_JSON_HEADERS, (b"cache-control", ELIGIBILITY_CACHE.encode())]


class GuardLane:
    """Answers the decision routes' ordinary requests ahead of the app; hands everything else on unchanged.

    Install it outermost with ``app.add_middleware(GuardLane, state=app.state)``.
    """

    def __init__(self, app: ASGIApp, *, state: State) -> None:
        self.app, self.state = app, state

    async def __call__(self, scope: AsgiScope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
        elif scope["method"] == "POST" and scope["path"] == DECIDE_PATH:
            await self._decide(scope, receive, send)
        elif scope["method"] == "GET" and scope["path"].startswith(ELIGIBILITY_PREFIX):
            await self._eligibility(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _decide(self, scope: AsgiScope, receive: Receive, send: Send) -> None:
        body, receive = await _buffer(scope, receive)
        if body is None or not _json(scope) or not _cached_marketer(scope):
            await self.app(scope, receive, send)
            return
        try:
            asked = DecideIn.model_validate_json(body)
        except ValidationError:
            await self.app(scope, receive, send)  # the route answers with the app's 422
            return
        service = service_of(self.state)
        verdict = await service.decide(asked.user_id, asked.campaign_type, campaign_id=asked.campaign_id, at=asked.at)
        await _send_json(send, VerdictOut.of(verdict).model_dump_json().encode(), _JSON_HEADERS)

    async def _eligibility(self, scope: AsgiScope, receive: Receive, send: Send) -> None:
        user_id = scope["path"][len(ELIGIBILITY_PREFIX) :]
        query = parse_qs(scope["query_string"].decode("latin-1"))
        asked = _eligibility_query(user_id, query)
        if asked is None or not _cached_marketer(scope):
            await self.app(scope, receive, send)
            return
        campaign_type, campaign_id = asked
        verdict = await service_of(self.state).decide(user_id, campaign_type, campaign_id=campaign_id)
        await _send_json(send, EligibilityOut.of(verdict).model_dump_json().encode(), _ELIGIBILITY_HEADERS)


def _json(scope: AsgiScope) -> bool:
    for key, value in scope["headers"]:
        if key == b"content-type":
            return bool(value.split(b";", 1)[0].strip().lower() == b"application/json")
    return False


def _cached_marketer(scope: AsgiScope) -> bool:
    """Whether the request bears a token recently authenticated here that holds ``marketing`` (or admin)."""
    for key, value in scope["headers"]:
        if key == b"authorization":
            kind, _, plain = value.decode("latin-1").partition(" ")
            token = CACHE.get(plain.strip()) if kind.lower() == "bearer" else None
            return token is not None and grants(token.scopes, (Scope.MARKETING,))
    return False


def _eligibility_query(user_id: str, query: dict[str, list[str]]) -> tuple[CampaignType, str | None] | None:
    types, ids = query.get("campaign_type", []), query.get("campaign_id", [None])
    if not user_id or "/" in user_id or len(types) != 1 or types[0] not in _CAMPAIGN_TYPES:
        return None
    campaign_id = ids[-1]
    if campaign_id is not None and len(campaign_id) > 120:
        return None
    return CampaignType(types[0]), campaign_id


_CAMPAIGN_TYPES = frozenset(t.value for t in CampaignType)


async def _buffer(scope: AsgiScope, receive: Receive) -> tuple[bytes | None, Receive]:
    """Read a small body, returning it with a ``receive`` that replays it for the app; ``None`` if too big."""
    chunks: list[bytes] = []
    size, more = 0, True
    messages: list[Message] = []
    while more:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return None, _replay(messages, receive)
        chunk = message.get("body", b"")
        size += len(chunk)
        chunks.append(chunk)
        more = message.get("more_body", False)
        if size > MAX_LANE_BODY:
            return None, _replay(messages, receive)
    return b"".join(chunks), _replay(messages, receive)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay


async def _send_json(send: Send, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    sized: list[Any] = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": sized})
    await send({"type": "http.response.body", "body": body})
