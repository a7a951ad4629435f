"""Status-page subscriptions (public, authenticated by signed links) and the targeted-notice API.

The public routes answer small HTML pages, or JSON when JSON was posted. A GET never unsubscribes:
mail scanners follow links. The one-click POST (RFC 8058) needs no CSRF token; the signed token in
its path is the authentication.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from trustops.accounts.models import ApiToken, Scope
from trustops.comms import notices, subscriptions
from trustops.comms.models import AccountTask
from trustops.comms.subscriptions import Page
from trustops.config import Settings
from trustops.enums import DeliveryStatus
from trustops.errors import InvalidInput, NotFound, TrustopsError
from trustops.monitor.incidents import get_incident
from trustops.web import errors
from trustops.web.deps import ClockDep, PolicyDep, SessionDep, SettingsDep, require, token_actor
from trustops.web.ratelimit import SlidingWindow
from trustops.web.templating import templates

router = APIRouter()
Comms = Annotated[ApiToken, Depends(require(Scope.COMMS))]
Reader = Annotated[ApiToken, Depends(require(Scope.READ, Scope.COMMS, Scope.MARKETING))]
# Pages reached through signed links: never cached, and the token never leaks through a Referer.
PRIVATE = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}
BAD_LINK = "This link is not valid: it was changed, or the subscription has already ended."


class KindCount(BaseModel):
    confirmed: int
    unconfirmed: int = Field(description="E-mail addresses waiting for their confirmation link; deleted if unused.")


class SubscriberCounts(BaseModel):
    email: KindCount
    webhook: KindCount
    total: int


class AccountImpactPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    account: str | None = Field(description="The key account; null for individual customers of the tier.")
    tier: str
    affected: int = Field(description="Distinct users who saw errors on the incident's components while it lasted.")
    value: float = Field(description="Their annual value.")
    manager: str | None
    contacts: int = Field(description="Contacts that receive targeted notices.")
    high_value: bool = Field(description="Enterprise, or worth at least the policy's targeted_min_value.")


class TaskPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    incident_id: int
    account: str
    manager: str | None
    tier: str
    affected: int
    value: float
    note: str
    created_at: datetime
    done_at: datetime | None
    done_by: str | None


class NoticeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1, max_length=10_000, description="The update, as the accounts will read it.")
    subject: str | None = Field(None, min_length=1, max_length=200, description="E-mail subject; a default if omitted.")


class NoticePosted(BaseModel):
    event_id: int
    deliveries: int = Field(description="Messages queued: one per contact of each affected account.")
    tasks: list[TaskPublic]


class DeliveryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    event_id: int | None
    audience: str
    route: str
    target: str | None = Field(description="The recipient; masked for status-page subscribers.")
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


# --- public: subscribe, confirm, unsubscribe -------------------------------------------------------------


@dataclass(frozen=True)
class SubscriptionForm:
    as_json: bool
    email: str
    webhook: str
    components: list[str]

    def kind_and_target(self) -> tuple[str, str]:
        if self.email and self.webhook:
            raise InvalidInput("email: give an e-mail address or a webhook URL, not both", field="email")
        if not self.email and not self.webhook:
            raise InvalidInput("email: required (or webhook: a URL to receive JSON posts)", field="email")
        return ("email", self.email) if self.email else ("webhook", self.webhook)


async def read_subscription(request: Request) -> SubscriptionForm:
    """An HTML form post (``email`` or ``webhook``, repeated ``components``) or the same as JSON."""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = await request.json()
        except ValueError:
            raise InvalidInput("body: not valid JSON", field="body") from None
        if not isinstance(data, dict):
            raise InvalidInput("body: must be a JSON object", field="body")
        components = data.get("components") or []
        if not isinstance(components, list) or not all(isinstance(c, str) for c in components):
            raise InvalidInput("components: must be a list of component ids", field="components")
        return SubscriptionForm(True, _text(data, "email"), _text(data, "webhook"), components)
    form = await request.form()
    values = [v for v in form.getlist("components") if isinstance(v, str)]
    return SubscriptionForm(False, _text(form, "email"), _text(form, "webhook"), values)


def _text(data: Any, name: str) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"{name}: must be a string", field=name)
    return value.strip()


@router.post("/status/subscribe", include_in_schema=False)
def subscribe(
    request: Request,
    form: Annotated[SubscriptionForm, Depends(read_subscription)],
    session: SessionDep,
    settings: SettingsDep,
    now: ClockDep,
) -> Response:
    page = _page(request, settings)
    wait = _signups(request).hit(request.client.host if request.client else "?", now)
    if wait is not None:
        return _too_many(request, page, wait, as_json=form.as_json)
    try:
        kind, target = form.kind_and_target()
        row = subscriptions.subscribe(
            session, kind=kind, target=target, components=form.components, now=now, secret=page.secret
        )
    except TrustopsError as exc:
        if form.as_json:
            raise
        return _render(request, page, "Please check the form", [exc.message], tone="error", status=exc.status_code)
    session.commit()
    pending = row.confirmed_at is None
    if pending:
        said = [f"We sent a link to {row.target}. Open it to confirm; until then nothing else is sent."]
        heading = "Check your inbox"
    else:
        said = [f"{row.target} will receive a JSON post for each incident and maintenance update."]
        heading = "Webhook subscribed"
    if form.as_json:
        body = {"kind": row.kind, "components": row.components, "status": "pending" if pending else "active"}
        return JSONResponse(body, status_code=202, headers=PRIVATE)
    return _render(request, page, heading, said, tone="ok")


def _too_many(request: Request, page: Page, wait: int, *, as_json: bool) -> Response:
    minutes = math.ceil(wait / 60)
    reason = f"too many subscriptions from your address; try again in {minutes} minute{'s' if minutes > 1 else ''}"
    if as_json:
        answer: Response = errors.error(429, "rate_limited", reason)
        answer.headers.update(PRIVATE)
    else:
        answer = _render(request, page, "Please try again later", [reason.capitalize() + "."], tone="error", status=429)
    answer.headers["Retry-After"] = str(wait)
    return answer


def _signups(request: Request) -> SlidingWindow:
    """The app's limiter of sign-ups per client address (``create_app`` makes it)."""
    limiter: SlidingWindow = request.app.state.signups
    return limiter


@router.get("/status/subscriptions/confirm/{token}", include_in_schema=False)
def confirm(token: str, request: Request, session: SessionDep, settings: SettingsDep, now: ClockDep) -> Response:
    page = _page(request, settings)
    try:
        row = subscriptions.confirm(session, token, secret=page.secret, now=now)
    except NotFound:
        return _render(request, page, "Link not valid", [BAD_LINK], tone="error", status=404)
    session.commit()
    leave = subscriptions.unsubscribe_link(row, page)
    said = [f"{row.target} will now receive {page.name} incident and maintenance updates."]
    return _render(request, page, "Subscription confirmed", said, tone="ok", link=(leave, "Unsubscribe"))


@router.get("/status/subscriptions/unsubscribe/{token}", include_in_schema=False)
def unsubscribe_page(token: str, request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    page = _page(request, settings)
    try:
        row = subscriptions.from_link(session, token, "unsubscribe", secret=page.secret)
    except NotFound:
        return _render(request, page, "Link not valid", [BAD_LINK], tone="error", status=404)
    said = [f"Stop sending {page.name} incident updates to {row.target}? The address is deleted at once."]
    action = page.link(f"subscriptions/unsubscribe/{token}")
    return _render(request, page, "Unsubscribe", said, tone="ask", action=(action, "Unsubscribe"))


@router.post("/status/subscriptions/unsubscribe/{token}", include_in_schema=False)
def unsubscribe(token: str, request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """RFC 8058 one-click: the body (``List-Unsubscribe=One-Click``, or nothing) is not needed."""
    page = _page(request, settings)
    try:
        subscriptions.unsubscribe(session, token, secret=page.secret)
    except NotFound:
        return _render(request, page, "Link not valid", [BAD_LINK], tone="error", status=404)
    session.commit()
    said = ["You will receive no more updates, and your address has been deleted."]
    return _render(request, page, "Unsubscribed", said, tone="ok")


def _page(request: Request, settings: Settings) -> Page:
    return Page.of(settings, request.app.state.catalog.status_page)


def _render(
    request: Request,
    page: Page,
    heading: str,
    paragraphs: list[str],
    *,
    tone: Literal["ok", "ask", "error"],
    status: int = 200,
    action: tuple[str, str] | None = None,
    link: tuple[str, str] | None = None,
) -> Response:
    context = {
        "page_name": page.name,
        "page_url": page.url,
        "heading": heading,
        "paragraphs": paragraphs,
        "tone": tone,
        "action": action[0] if action else None,
        "button": action[1] if action else None,
        "link": link[0] if link else None,
        "link_label": link[1] if link else None,
    }
    return templates.TemplateResponse(request, "subscription.html", context, status_code=status, headers=PRIVATE)


# --- guarded API -----------------------------------------------------------------------------------------


@router.get("/api/v1/subscribers", response_model=SubscriberCounts, tags=["notices"])
def subscriber_counts(_token: Comms, session: SessionDep) -> SubscriberCounts:
    found = subscriptions.counts(session)
    total = sum(n for kind in found.values() for n in kind.values())
    return SubscriberCounts(email=KindCount(**found["email"]), webhook=KindCount(**found["webhook"]), total=total)


@router.get("/api/v1/incidents/{incident_id}/accounts", response_model=list[AccountImpactPublic], tags=["notices"])
def affected_accounts(
    incident_id: int, _token: Reader, session: SessionDep, policy: PolicyDep, now: ClockDep
) -> list[AccountImpactPublic]:
    incident = get_incident(session, incident_id)
    found = notices.affected_accounts(session, incident, policy=policy, now=now)
    return [AccountImpactPublic.model_validate(i) for i in found]


@router.post("/api/v1/incidents/{incident_id}/notices", response_model=NoticePosted, status_code=201, tags=["notices"])
def post_notice(
    incident_id: int, body: NoticeCreate, token: Comms, session: SessionDep, policy: PolicyDep, now: ClockDep
) -> NoticePosted:
    notice = notices.post_notice(
        session,
        incident_id,
        message=body.message,
        subject=body.subject,
        actor=token_actor(token),
        policy=policy,
        now=now,
    )
    session.commit()
    tasks = [TaskPublic.model_validate(t) for t in notice.tasks]
    return NoticePosted(event_id=notice.event.id, deliveries=notice.deliveries, tasks=tasks)


@router.get("/api/v1/incidents/{incident_id}/deliveries", response_model=list[DeliveryPublic], tags=["notices"])
def deliveries(incident_id: int, _token: Comms, session: SessionDep) -> list[DeliveryPublic]:
    return [DeliveryPublic.model_validate(d) for d in notices.deliveries_for(session, incident_id)]


@router.get("/api/v1/tasks", response_model=list[TaskPublic], tags=["notices"])
def tasks(
    _token: Comms,
    session: SessionDep,
    state: Annotated[Literal["open", "all"], Query(description="`all` includes done tasks")] = "open",
) -> list[TaskPublic]:
    found = notices.open_tasks(session) if state == "open" else notices.all_tasks(session)
    return [TaskPublic.model_validate(t) for t in found]


@router.post("/api/v1/tasks/{task_id}/done", response_model=TaskPublic, tags=["notices"])
def task_done(task_id: int, token: Comms, session: SessionDep, now: ClockDep) -> TaskPublic:
    task: AccountTask = notices.complete_task(session, task_id, actor=token_actor(token), now=now)
    session.commit()
    return TaskPublic.model_validate(task)
