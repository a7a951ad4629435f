"""The server-rendered dashboard: login, overview and one page per domain."""

from __future__ import annotations

import math
from functools import partial
from typing import TYPE_CHECKING, Annotated, Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from trustops import clock
from trustops.accounts import throttle
from trustops.accounts.models import Role, User
from trustops.accounts.users import check_password
from trustops.catalog.service import list_components
from trustops.comms import apology, cadence, channel, notices, templates
from trustops.comms.audience import is_public_incident, public_updates
from trustops.comms.ids import public_id
from trustops.config import Policy, Settings
from trustops.customers import tier_summary
from trustops.enums import Audience, Channel, ComponentStatus, IncidentState
from trustops.errors import NotFound, TrustopsError
from trustops.listen.matrix import HEAT_COLUMNS, heat_cells, impact_matrix
from trustops.listen.service import recent_mentions, recent_spikes
from trustops.listen.watch import INTENT_LABELS
from trustops.monitor import incidents, notify, uptime
from trustops.monitor.exposure import blast_radius
from trustops.web.deps import ClockDep, CurrentUser, PolicyDep, SessionDep, SettingsDep, require_role, verify_csrf
from trustops.web.routes.heartbeats import ping_url
from trustops.web.templating import render

if TYPE_CHECKING:
    from trustops.demo.shop import DemoShop

router = APIRouter(include_in_schema=False)
Csrf = Depends(verify_csrf)
Responder = require_role(Role.IT, Role.COMMS)
Breaker = require_role(Role.IT)


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", next=_safe_next(next), failed=False)


@router.post("/login", dependencies=[Csrf])
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    now: ClockDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    key = throttle.key_for(settings.secret(), username)
    wait = throttle.wait_left(session, key, now=now)
    if wait is not None:  # refused before the password is even hashed
        seconds = math.ceil(wait.total_seconds())
        page = render(request, "login.html", status_code=429, next=_safe_next(next), failed=False, wait=seconds)
        page.headers["Retry-After"] = str(seconds)
        return page
    user = check_password(session, username, password, now=now)
    if user is None:
        throttle.record_failure(session, key, now=now)
        session.commit()
        return render(request, "login.html", status_code=401, next=_safe_next(next), failed=True)
    throttle.record_success(session, key)
    session.commit()
    request.session.clear()  # a fresh session on login defeats session fixation
    request.session["user_id"] = user.id
    request.session["version"] = user.session_version
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Csrf])
def logout(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    """Ends every session of this user, including stolen copies of the cookie."""
    user.session_version += 1
    session.commit()
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/health")
def health(request: Request, user: CurrentUser, session: SessionDep, settings: SettingsDep, now: ClockDep) -> Response:
    return render(
        request,
        "health.html",
        user=user,
        now=now,
        board=uptime.health_board(session, now=now),
        percent=uptime.percent,
        failed_deliveries=notify.failed_deliveries(session),
        ping_url=partial(ping_url, settings.base_url),
        shop=_demo_shop(request),
        may_break=user.role in (Role.IT, Role.ADMIN),
    )


@router.post("/health/demo-shop/{action}", dependencies=[Csrf])
def demo_shop_switch(
    request: Request, action: Literal["break", "heal"], _user: Annotated[CurrentUser, Breaker]
) -> Response:
    """The demo's "Break checkout" and "Heal checkout" buttons."""
    shop = _demo_shop(request)
    if shop is None:
        raise NotFound("the demo shop runs only under `trustops demo`")
    shop.broken = action == "break"
    return RedirectResponse("/health", status_code=303)


def _demo_shop(request: Request) -> DemoShop | None:
    shop: DemoShop | None = getattr(request.app.state, "demo_shop", None)
    return shop


@router.get("/incidents")
def incident_list(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    return _incident_list(request, user, session)


def _incident_list(request: Request, user: User, session: Session, error: str | None = None) -> Response:
    return render(
        request,
        "incidents.html",
        status_code=422 if error else 200,
        user=user,
        incidents=incidents.list_incidents(session, limit=200),
        components=list_components(session),
        statuses=list(ComponentStatus),
        error=error,
    )


async def read_form(request: Request) -> FormData:
    return await request.form()


@router.post("/incidents", dependencies=[Csrf])
def incident_open(
    request: Request,
    user: Annotated[CurrentUser, Responder],
    session: SessionDep,
    policy: PolicyDep,
    now: ClockDep,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    components = {
        key.removeprefix("component:"): str(value)
        for key, value in form.items()
        if key.startswith("component:") and value and value != ComponentStatus.OPERATIONAL
    }
    try:
        incident = incidents.open_incident(
            session,
            title=str(form.get("title", "")),
            components={cid: ComponentStatus(status) for cid, status in components.items()},
            message=str(form.get("message") or "") or None,
            actor=f"user:{user.username}",
            now=now,
        )
        channel.apply(session, incident, policy=policy, now=now)
    except (TrustopsError, ValueError) as exc:
        session.rollback()
        return _incident_list(request, user, session, getattr(exc, "message", str(exc)))
    session.commit()
    return RedirectResponse(f"/incidents/{incident.id}", status_code=303)


@router.get("/incidents/{incident_id}")
def incident_detail(
    request: Request,
    incident_id: int,
    user: CurrentUser,
    session: SessionDep,
    policy: PolicyDep,
    settings: SettingsDep,
    error: str | None = None,
) -> Response:
    """The incident room: timeline, the channel decision and why, drafts, the status-page preview."""
    now = clock.now()
    incident = incidents.get_incident(session, incident_id)
    components = {c.id: c for c in list_components(session)}
    radius = blast_radius(session, incident, policy=policy, now=now)
    due = cadence.next_update_by(incident, policy, now)
    decisions = channel.history(session, incident)
    rule_now = channel.decide(channel.gather(session, incident, policy=policy, now=now, radius=radius), policy)
    public = is_public_incident(incident, components)
    return render(
        request,
        "incident.html",
        user=user,
        incident=incident,
        components=components,
        public=public,
        due=due,
        overdue=due is not None and due < now,
        radius=radius,
        states=list(IncidentState),
        audiences=list(Audience),
        channels=list(Channel),
        decision=decisions[-1] if decisions else None,
        rule_now=rule_now,
        drafts=templates.drafts(incident, components, now=now, policy=policy),
        apology=apology.draft_apology(incident, components, radius),
        public_updates=public_updates(incident) if public else [],
        status_link=f"/status/incidents/{public_id(settings.secret(), 'incident', incident.id)}" if public else None,
        accounts=notices.affected_accounts(session, incident, policy=policy, now=now)
        if incident.channel is Channel.TARGETED
        else [],
        tasks=[t for t in notices.all_tasks(session) if t.incident_id == incident.id],
        deliveries=notices.deliveries_for(session, incident.id),
        may_write=user.role in (Role.IT, Role.COMMS, Role.ADMIN),
        error=error,
    )


def _room_error(
    request: Request, incident_id: int, user: User, session: Session, policy: Policy, settings: Settings, exc: Exception
) -> Response:
    session.rollback()
    message = getattr(exc, "message", str(exc))
    response = incident_detail(request, incident_id, user, session, policy, settings, message)
    response.status_code = 422
    return response


@router.post("/incidents/{incident_id}/updates", dependencies=[Csrf])
def incident_update(
    request: Request,
    incident_id: int,
    user: Annotated[CurrentUser, Responder],
    session: SessionDep,
    policy: PolicyDep,
    settings: SettingsDep,
    now: ClockDep,
    state: Annotated[str, Form()] = "",
    message: Annotated[str, Form()] = "",
    audience: Annotated[str, Form()] = "",
) -> Response:
    try:
        change = incidents.Change(
            state=IncidentState(state) if state else None,
            message=message.strip() or None,
            audience=Audience(audience) if audience else None,
        )
        incident = incidents.update_incident(session, incident_id, change, actor=f"user:{user.username}", now=now)
        channel.apply(session, incident, policy=policy, now=now)
    except (TrustopsError, ValueError) as exc:
        return _room_error(request, incident_id, user, session, policy, settings, exc)
    session.commit()
    return RedirectResponse(f"/incidents/{incident_id}", status_code=303)


@router.post("/incidents/{incident_id}/channel", dependencies=[Csrf])
def incident_channel(
    request: Request,
    incident_id: int,
    user: Annotated[CurrentUser, Responder],
    session: SessionDep,
    policy: PolicyDep,
    settings: SettingsDep,
    now: ClockDep,
    channel_value: Annotated[str, Form(alias="channel")] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Override the channel with a reason, or (channel "rules") hand it back to the rules."""
    actor = f"user:{user.username}"
    try:
        if channel_value == "rules":
            channel.release_override(session, incident_id, reason=reason, actor=actor, policy=policy, now=now)
        else:
            wanted = Channel(channel_value)
            channel.override(session, incident_id, wanted, reason=reason, actor=actor, now=now, policy=policy)
    except (TrustopsError, ValueError) as exc:
        return _room_error(request, incident_id, user, session, policy, settings, exc)
    session.commit()
    return RedirectResponse(f"/incidents/{incident_id}", status_code=303)


@router.get("/customers")
def customers(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    return render(request, "customers.html", user=user, tiers=tier_summary(session))


@router.get("/listening")
def listening(request: Request, user: CurrentUser, session: SessionDep, now: ClockDep) -> Response:
    rows = impact_matrix(session, now=now)
    return render(
        request,
        "listening.html",
        user=user,
        rows=rows,
        heat=heat_cells(rows),
        columns=HEAT_COLUMNS,
        spikes=recent_spikes(session, limit=20),
        mentions=recent_mentions(session, limit=25),
        intents=INTENT_LABELS,
    )


@router.get("/guard")
def guard_page(request: Request, user: CurrentUser, session: SessionDep, policy: PolicyDep, now: ClockDep) -> Response:
    """The marketing guard: active windows, cool-downs ending soon, thank-you readiness, audiences checked."""
    from sqlalchemy import select

    from trustops.guard.models import GuardRun
    from trustops.guard.overview import decision_stats, overview
    from trustops.web.routes.guard import service_of

    book = service_of(request.app.state).index.refresh()
    return render(
        request,
        "guard.html",
        user=user,
        policy=policy,
        view=overview(session, book, policy=policy, now=now),
        stats=decision_stats(session, now=now),
        runs=list(session.scalars(select(GuardRun).order_by(GuardRun.id.desc()).limit(20))),
    )


@router.get("/policy")
def policy_page(request: Request, user: CurrentUser, policy: PolicyDep) -> Response:
    fields = [(name, getattr(policy, name), info.description) for name, info in Policy.model_fields.items()]
    return render(request, "policy.html", user=user, fields=fields)


def _safe_next(target: str) -> str:
    """Only same-site paths: an open redirect after login is a phishing tool."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target
