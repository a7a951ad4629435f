"""Data-breach cases over HTTP: the ``legal`` scope (and admins) only; the dashboard's case room for the
``legal`` role (and admins). Everything is a thin adapter over :mod:`trustops.breach.cases`.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from trustops import clock as clocks_time
from trustops.accounts.models import ApiToken, Role, Scope
from trustops.breach import cases
from trustops.breach.clocks import Clock
from trustops.breach.models import BreachCase, BreachLogEntry, BreachNotification, BreachTask, DrillRun
from trustops.catalog.schema import OrganisationSpec
from trustops.enums import BreachLogKind, BreachRisk, BreachRole, BreachStatus
from trustops.errors import InvalidInput, NotFound, TrustopsError
from trustops.web.deps import ClockDep, CurrentUser, SessionDep, require, require_role, token_actor, verify_csrf
from trustops.web.templating import render

router = APIRouter(tags=["breach"])
Legal = Annotated[ApiToken, Depends(require(Scope.LEGAL))]
Counsel = require_role(Role.LEGAL)
Csrf = Depends(verify_csrf)
DraftKind = Literal["regulator", "individuals", "us", "public", "transparency"]
API = "/api/v1/breach"


def get_organisation(request: Request) -> OrganisationSpec:
    organisation: OrganisationSpec = request.app.state.catalog.organisation
    return organisation


OrganisationDep = Annotated[OrganisationSpec, Depends(get_organisation)]


# --- bodies ------------------------------------------------------------------------------------------------------


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CaseCreate(_In):
    title: str = Field(min_length=1, max_length=200)
    aware_at: datetime = Field(description="When the organisation became aware (GDPR clocks start here).")
    discovered_at: datetime | None = Field(None, description="When the breach was discovered (HIPAA, US states).")
    material_at: datetime | None = Field(None, description="When it was determined material (SEC Form 8-K).")
    nature: str = Field("", max_length=5000)
    data_categories: list[str] = Field(default_factory=list)
    people: int | None = Field(None, ge=0)
    records: int | None = Field(None, ge=0)
    people_by_jurisdiction: dict[str, int] = Field(default_factory=dict, description="Jurisdiction code -> people.")
    incident_id: int | None = None
    drill: bool = False


class CaseUpdate(_In):
    title: str | None = Field(None, min_length=1, max_length=200)
    aware_at: datetime | None = None
    discovered_at: datetime | None = None
    material_at: datetime | None = None
    occurred_from: datetime | None = None
    occurred_until: datetime | None = None
    contained_at: datetime | None = None
    nature: str | None = Field(None, max_length=5000)
    consequences: str | None = Field(None, max_length=5000)
    measures_taken: str | None = Field(None, max_length=5000)
    measures_proposed: str | None = Field(None, max_length=5000)
    data_categories: list[str] | None = None
    people: int | None = Field(None, ge=0)
    records: int | None = Field(None, ge=0)
    people_by_jurisdiction: dict[str, int] | None = None
    incident_id: int | None = None


class AssessIn(_In):
    risk: BreachRisk
    reasons: list[str] = Field(min_length=1, description="Why; kept in the Art. 33(5) log.")
    encrypted: bool | None = None
    key_compromised: bool | None = None
    risk_removed: bool | None = None
    disproportionate_effort: bool | None = None


class LogIn(_In):
    kind: BreachLogKind
    text: str = Field(min_length=1, max_length=5000)
    deadline: str | None = Field(None, description="The deadline a DELAY or DECISION entry is about.")


class NotificationIn(_In):
    deadline: str = Field(description="The key of the deadline it meets, e.g. gdpr-art33.")
    recipient: str = Field(min_length=1, max_length=200)
    sent_at: datetime
    reference: str = Field("", max_length=200)
    phased: bool = Field(False, description="A first report with more to follow (GDPR Art. 33(4)).")


class TaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    role: BreachRole
    title: str
    detail: str
    deadline: str | None
    due_at: datetime | None
    done_at: datetime | None
    done_by: str | None


class LogOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    kind: BreachLogKind
    text: str
    data: dict[str, Any]


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    deadline: str
    recipient: str
    sent_at: datetime
    reference: str
    phased: bool
    recorded_by: str


class ClockOut(BaseModel):
    deadline: str
    regime: str
    recipient: str
    rule: str
    when: str
    starts_at: datetime | None
    due_at: datetime | None
    due_local: str | None = Field(description="The due time in the organisation's (or the asked) time zone.")
    state: str
    met_at: datetime | None
    seconds_left: int | None
    skipped: list[str]
    owed: bool | None

    @classmethod
    def of(cls, c: Clock, now: datetime) -> ClockOut:
        left = c.left(now)
        return cls(
            deadline=c.deadline.key,
            regime=c.deadline.regime,
            recipient=c.deadline.recipient,
            rule=c.deadline.rule,
            when=c.deadline.when,
            starts_at=c.starts_at,
            due_at=c.due_at,
            due_local=c.due_local.isoformat() if c.due_local else None,
            state=c.state.value,
            met_at=c.met_at,
            seconds_left=None if left is None else int(left.total_seconds()),
            skipped=[d.isoformat() for d in c.skipped],
            owed=c.owed,
        )


class CaseSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    status: BreachStatus
    risk: BreachRisk | None
    aware_at: datetime
    people: int | None
    drill: bool
    closed_at: datetime | None


class CaseOut(CaseSummary):
    discovered_at: datetime | None
    material_at: datetime | None
    occurred_from: datetime | None
    occurred_until: datetime | None
    contained_at: datetime | None
    nature: str
    consequences: str
    measures_taken: str
    measures_proposed: str
    data_categories: list[str]
    records: int | None
    counts_source: str
    people_by_jurisdiction: dict[str, int]
    encrypted: bool
    key_compromised: bool
    risk_removed: bool
    disproportionate_effort: bool
    risk_reasons: list[str]
    incident_id: int | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    tasks: list[TaskOut]
    notifications: list[NotificationOut]


class AssessmentOut(BaseModel):
    risk: BreachRisk
    notify_authority: bool
    notify_people: bool
    public_communication: bool
    exception: str | None
    explanation: str
    reasons: list[str]
    not_owed: list[str] = Field(description="Deadlines this decision records as not owed.")


class MissingOut(BaseModel):
    item: str
    field: str
    hint: str


class DraftOut(BaseModel):
    kind: str
    title: str
    text: str
    complete: bool
    missing: list[MissingOut]
    lint: dict[str, Any] | None = Field(description="The EAR check of a text to people; null for other drafts.")


# --- the API -----------------------------------------------------------------------------------------------------


@router.get(f"{API}/cases", response_model=list[CaseSummary])
def api_list_cases(
    _token: Legal,
    session: SessionDep,
    state: Annotated[Literal["open", "all"], Query(description="`open` leaves out closed cases")] = "all",
) -> list[BreachCase]:
    return cases.list_cases(session, open_only=state == "open")


@router.post(f"{API}/cases", response_model=CaseOut, status_code=201)
def api_open_case(
    body: CaseCreate, token: Legal, session: SessionDep, organisation: OrganisationDep, now: ClockDep
) -> BreachCase:
    """Open a case: its playbook tasks are planned at once, due when their clocks are."""
    case = cases.open_case(session, **body.model_dump(), actor=token_actor(token), now=now, organisation=organisation)
    session.commit()
    return case


@router.get(f"{API}/cases/{{case_id}}", response_model=CaseOut)
def api_get_case(case_id: int, _token: Legal, session: SessionDep) -> BreachCase:
    return cases.get_case(session, case_id)


@router.patch(f"{API}/cases/{{case_id}}", response_model=CaseOut)
def api_update_case(
    case_id: int, body: CaseUpdate, token: Legal, session: SessionDep, organisation: OrganisationDep, now: ClockDep
) -> BreachCase:
    """Change facts; each change is logged with its old and new value."""
    case = cases.get_case(session, case_id)
    changes = body.model_dump(exclude_unset=True)
    cases.update_case(session, case, changes, actor=token_actor(token), now=now, organisation=organisation)
    session.commit()
    return case


@router.post(f"{API}/cases/{{case_id}}/assess", response_model=AssessmentOut)
def api_assess(case_id: int, body: AssessIn, token: Legal, session: SessionDep, now: ClockDep) -> AssessmentOut:
    """Record the risk assessment; GDPR Art. 34(3) exceptions decide whether people must be told."""
    case = cases.get_case(session, case_id)
    facts = body.model_dump(exclude={"risk", "reasons"})
    outcome = cases.assess(
        session, case, risk=body.risk, reasons=body.reasons, actor=token_actor(token), now=now, **facts
    )
    session.commit()
    return AssessmentOut(**{**dataclasses.asdict(outcome), "reasons": list(outcome.reasons)})


@router.get(f"{API}/cases/{{case_id}}/clocks", response_model=list[ClockOut])
def api_case_clocks(
    case_id: int, _token: Legal, session: SessionDep, organisation: OrganisationDep, now: ClockDep
) -> list[ClockOut]:
    case = cases.get_case(session, case_id)
    return [ClockOut.of(c, now) for c in cases.clocks_of(case, organisation, now=now)]


@router.get(f"{API}/clocks", response_model=list[ClockOut])
def api_clock_calculator(
    _token: Legal,
    organisation: OrganisationDep,
    now: ClockDep,
    aware_at: Annotated[datetime, Query(description="ISO 8601 with an offset.")],
    jurisdiction: Annotated[list[str], Query(min_length=1, description="Repeatable, e.g. EU-GDPR.")],
    discovered_at: datetime | None = None,
    material_at: datetime | None = None,
    risk: BreachRisk | None = None,
    time_zone: Annotated[str | None, Query(description="IANA zone; default the organisation's.")] = None,
) -> list[ClockOut]:
    """The deadlines a breach starts, without a case: the same numbers as `trustops breach clocks`."""
    from trustops.breach.clocks import clocks_for

    for name, value in (("aware_at", aware_at), ("discovered_at", discovered_at), ("material_at", material_at)):
        if value is not None and value.tzinfo is None:
            raise InvalidInput(f"{name}: {value.isoformat()} has no UTC offset; add one, e.g. +00:00", field=name)
    found = clocks_for(
        aware_at=aware_at,
        jurisdictions=jurisdiction,
        org_zone=_zone(time_zone or organisation.time_zone),
        now=now,
        discovered_at=discovered_at,
        material_at=material_at,
        risk=risk,
    )
    return [ClockOut.of(c, now) for c in found]


@router.get(f"{API}/cases/{{case_id}}/tasks", response_model=list[TaskOut])
def api_tasks(case_id: int, _token: Legal, session: SessionDep) -> list[BreachTask]:
    return list(cases.get_case(session, case_id).tasks)


@router.post(f"{API}/cases/{{case_id}}/tasks/{{task_id}}/complete", response_model=TaskOut)
def api_complete_task(case_id: int, task_id: int, token: Legal, session: SessionDep, now: ClockDep) -> BreachTask:
    task = cases.complete_task(session, cases.get_case(session, case_id), task_id, actor=token_actor(token), now=now)
    session.commit()
    return task


@router.get(f"{API}/cases/{{case_id}}/log", response_model=list[LogOut])
def api_log(case_id: int, _token: Legal, session: SessionDep) -> list[BreachLogEntry]:
    """The Art. 33(5) documentation: facts, effects, remedial action, decisions and notifications."""
    return list(cases.get_case(session, case_id).log)


@router.post(f"{API}/cases/{{case_id}}/log", response_model=LogOut, status_code=201)
def api_add_log(case_id: int, body: LogIn, token: Legal, session: SessionDep, now: ClockDep) -> BreachLogEntry:
    case = cases.get_case(session, case_id)
    entry = cases.add_log(
        session, case, kind=body.kind, text=body.text, actor=token_actor(token), now=now, deadline=body.deadline
    )
    session.commit()
    return entry


@router.get(f"{API}/cases/{{case_id}}/notifications", response_model=list[NotificationOut])
def api_notifications(case_id: int, _token: Legal, session: SessionDep) -> list[BreachNotification]:
    return list(cases.get_case(session, case_id).notifications)


@router.post(f"{API}/cases/{{case_id}}/notifications", response_model=NotificationOut, status_code=201)
def api_record_notification(
    case_id: int, body: NotificationIn, token: Legal, session: SessionDep, now: ClockDep
) -> BreachNotification:
    """Record a notification made; it stops its deadline's clock."""
    case = cases.get_case(session, case_id)
    note = cases.record_notification(session, case, **body.model_dump(), actor=token_actor(token), now=now)
    session.commit()
    return note


@router.post(f"{API}/cases/{{case_id}}/close", response_model=CaseOut)
def api_close_case(
    case_id: int, token: Legal, session: SessionDep, organisation: OrganisationDep, now: ClockDep
) -> BreachCase:
    """Close the case: refused (409) while an owed deadline is neither met nor documented, naming it."""
    case = cases.get_case(session, case_id)
    cases.close_case(session, case, actor=token_actor(token), now=now, organisation=organisation)
    session.commit()
    return case


@router.get(f"{API}/cases/{{case_id}}/drafts/{{kind}}", response_model=DraftOut)
def api_draft(
    case_id: int, kind: DraftKind, _token: Legal, session: SessionDep, organisation: OrganisationDep, now: ClockDep
) -> DraftOut:
    """A draft to send: the regulator report (with its Art. 33(3) completeness), the notice to people (with its
    EAR check), the US "Notice of Data Breach", the public communication, or the transparency report."""
    return _draft_out(draft_of(kind, cases.get_case(session, case_id), organisation, now))


@router.get(f"{API}/cases/{{case_id}}/support-checklist", response_model=list[str])
def api_support_checklist(case_id: int, _token: Legal, session: SessionDep) -> list[str]:
    from trustops.breach.drafts import support_checklist

    return list(support_checklist(cases.get_case(session, case_id)))


@router.get(f"{API}/cases/{{case_id}}/advice")
def api_advice(case_id: int, _token: Legal, session: SessionDep) -> dict[str, Any]:
    """Compensation advice: identity protection and transparency over cash, cash over vouchers, and why."""
    from trustops.breach.advice import compensation_advice

    advice: dict[str, Any] = _plain(compensation_advice(cases.get_case(session, case_id)))
    return advice


@router.get(f"{API}/cases/{{case_id}}/costs")
def api_costs(case_id: int, _token: Legal, session: SessionDep) -> dict[str, Any]:
    """The cost estimate, as ranges with their assumptions and sources."""
    from trustops.breach.costs import estimate_cost

    estimate: dict[str, Any] = _plain(estimate_cost(cases.get_case(session, case_id)))
    return estimate


def draft_of(kind: str, case: BreachCase, organisation: OrganisationSpec, now: datetime) -> Any:
    from trustops.breach import drafts

    if kind == "regulator":
        return drafts.regulator_draft(case, organisation, now=now)
    if kind == "individuals":
        return drafts.individuals_notice(case, organisation)
    if kind == "us":
        return drafts.us_notice(case, organisation, now=now)
    if kind == "public":
        return drafts.public_notice(case, organisation)
    return drafts.transparency_report(case, organisation, now=now)


def _draft_out(draft: Any) -> DraftOut:
    return DraftOut(
        kind=draft.kind,
        title=draft.title,
        text=draft.text,
        complete=draft.complete,
        missing=[MissingOut(item=m.item, field=m.field, hint=m.hint) for m in draft.missing],
        lint=_plain(draft.lint) if draft.lint is not None else None,
    )


def _plain(value: Any) -> Any:
    """A dataclass (with nested ones) as JSON-ready dicts."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _zone(name: str) -> ZoneInfo:
    from zoneinfo import ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"time_zone: {name!r} is not an IANA time zone, e.g. Europe/Berlin", field="time_zone"
        ) from None


# --- the dashboard -----------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ClockRow:
    """One clock as the pages show it."""

    key: str
    regime: str
    recipient: str
    when: str
    due_utc: str
    due_local: str
    state: str
    left: str
    overdue: bool
    owed: bool | None


def clock_rows(found: list[Clock], now: datetime) -> list[ClockRow]:
    return [
        ClockRow(
            key=c.deadline.key,
            regime=c.deadline.regime,
            recipient=c.deadline.recipient,
            when=c.deadline.when,
            due_utc=f"{c.due_at:%Y-%m-%d %H:%M} UTC" if c.due_at else "not started",
            due_local=f"{c.due_local:%Y-%m-%d %H:%M %Z}" if c.due_local else "—",
            state=c.state.value.replace("_", " "),
            left=time_left(c.left(now)),
            overdue=c.state.value == "overdue",
            owed=c.owed,
        )
        for c in found
    ]


def time_left(left: timedelta | None) -> str:
    """ "2 d 5 h", "45 min", "overdue by 3 h"; empty when met or not started."""
    if left is None:
        return ""
    seconds = abs(int(left.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    parts = [f"{days} d"] if days else []
    if hours or days:
        parts.append(f"{hours} h")
    if not days:
        parts.append(f"{rest // 60} min")
    text = " ".join(parts)
    return f"overdue by {text}" if left.total_seconds() < 0 else text


@router.get("/breach", include_in_schema=False)
def breach_page(
    request: Request,
    user: Annotated[CurrentUser, Counsel],
    session: SessionDep,
    organisation: OrganisationDep,
    now: ClockDep,
) -> Response:
    """Cases, their open clocks with time left, and the drills played."""
    found = cases.list_cases(session)
    rows = []
    for case in found:
        live = [c for c in cases.clocks_of(case, organisation, now=now) if c.met_at is None and c.due_at is not None]
        rows.append((case, clock_rows(live, now) if case.status is not BreachStatus.CLOSED else []))
    drills = list(session.scalars(select(DrillRun).order_by(DrillRun.started_at.desc()).limit(50)))
    return render(request, "breach.html", user=user, rows=rows, drills=drills, organisation=organisation)


@router.get("/breach/drills/{run_id}", include_in_schema=False)
def drill_page(request: Request, run_id: int, user: Annotated[CurrentUser, Counsel], session: SessionDep) -> Response:
    """A drill's after-action report, rendered."""
    run = session.get(DrillRun, run_id)
    if run is None:
        raise NotFound(f"drill run {run_id} does not exist", field="run_id")
    return render(request, "breach_drill.html", user=user, run=run, report=markdown(run.report))


@router.get("/breach/{case_id}", include_in_schema=False)
def case_room(
    request: Request,
    case_id: int,
    user: Annotated[CurrentUser, Counsel],
    session: SessionDep,
    organisation: OrganisationDep,
    now: ClockDep,
    error: str | None = None,
) -> Response:
    """The case room: clocks, tasks per role, the Art. 33(5) log, drafts, advice and costs."""
    return _room(request, case_id, user, session, organisation, now, error)


def _room(
    request: Request,
    case_id: int,
    user: Any,
    session: Session,
    organisation: OrganisationSpec,
    now: datetime,
    error: str | None,
    status_code: int = 200,
) -> Response:
    from trustops.breach.advice import compensation_advice
    from trustops.breach.costs import estimate_cost
    from trustops.breach.drafts import individuals_notice, regulator_draft, support_checklist

    case = cases.get_case(session, case_id)
    advice = compensation_advice(case)
    try:
        costs: Any = estimate_cost(case, advice=advice)
        costs_error = None
    except TrustopsError as exc:
        costs, costs_error = None, exc.message
    roles = {role: [t for t in case.tasks if t.role is role] for role in BreachRole}
    return render(
        request,
        "breach_case.html",
        status_code=status_code,
        user=user,
        case=case,
        organisation=organisation,
        zone=organisation.time_zone,
        clocks=clock_rows(cases.clocks_of(case, organisation, now=now), now),
        roles=roles,
        regulator=regulator_draft(case, organisation, now=now),
        notice=individuals_notice(case, organisation),
        checklist=support_checklist(case),
        advice=advice,
        costs=costs,
        costs_error=costs_error,
        log_kinds=list(BreachLogKind),
        local=lambda moment: _local(moment, organisation.time_zone),
        error=error,
    )


@router.post("/breach/{case_id}/tasks/{task_id}/done", dependencies=[Csrf], include_in_schema=False)
def task_done(
    request: Request,
    case_id: int,
    task_id: int,
    user: Annotated[CurrentUser, Counsel],
    session: SessionDep,
    now: ClockDep,
) -> Response:
    case = cases.get_case(session, case_id)
    cases.complete_task(session, case, task_id, actor=f"user:{user.username}", now=now)
    session.commit()
    return RedirectResponse(f"/breach/{case_id}#tasks", status_code=303)


@router.post("/breach/{case_id}/log", dependencies=[Csrf], include_in_schema=False)
def log_entry(
    request: Request,
    case_id: int,
    user: Annotated[CurrentUser, Counsel],
    session: SessionDep,
    organisation: OrganisationDep,
    now: ClockDep,
    kind: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
    deadline: Annotated[str, Form()] = "",
) -> Response:
    """Append to the Art. 33(5) log from the case room."""
    case = cases.get_case(session, case_id)
    try:
        entry_kind = BreachLogKind(kind)
    except ValueError:
        allowed = ", ".join(k.value for k in BreachLogKind)
        return _room_error(
            request, case_id, user, session, organisation, now, f"kind: {kind!r} is not one of {allowed}"
        )
    try:
        cases.add_log(
            session, case, kind=entry_kind, text=text, actor=f"user:{user.username}", now=now,
            deadline=deadline.strip() or None,
        )  # fmt: skip
    except TrustopsError as exc:
        return _room_error(request, case_id, user, session, organisation, now, exc.message)
    session.commit()
    return RedirectResponse(f"/breach/{case_id}#log", status_code=303)


def _room_error(
    request: Request,
    case_id: int,
    user: Any,
    session: Session,
    organisation: OrganisationSpec,
    now: datetime,
    message: str,
) -> Response:
    session.rollback()
    return _room(request, case_id, user, session, organisation, now, message, status_code=422)


def _local(moment: datetime | None, zone: str) -> str:
    if moment is None:
        return "—"
    return f"{clocks_time.as_utc(moment).astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M %Z}"


def markdown(text: str) -> Any:
    """Markdown to HTML with raw HTML switched off, so a report can never inject markup."""
    from markdown_it import MarkdownIt
    from markupsafe import Markup

    return Markup(MarkdownIt("commonmark", {"html": False}).enable("table").render(text))  # noqa: S704
