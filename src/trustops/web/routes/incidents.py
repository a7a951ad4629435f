from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from trustops.accounts.models import ApiToken, Scope
from trustops.comms import channel
from trustops.errors import InvalidInput
from trustops.monitor import incidents
from trustops.monitor.health_models import Route
from trustops.monitor.models import Incident
from trustops.web.deps import ClockDep, PolicyDep, SessionDep, require, token_actor
from trustops.web.schemas import (
    IncidentCreate,
    IncidentEventPublic,
    IncidentPublic,
    IncidentResolve,
    IncidentSummary,
    IncidentUpdate,
)

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])
Reader = Annotated[ApiToken, Depends(require(Scope.READ))]
Writer = Annotated[ApiToken, Depends(require(Scope.INGEST, Scope.COMMS))]


def to_summary(incident: Incident) -> IncidentSummary:
    return IncidentSummary(
        id=incident.id,
        title=incident.title,
        state=incident.state,
        impact=incident.impact,
        source=incident.source,
        started_at=incident.started_at,
        detected_at=incident.detected_at,
        resolved_at=incident.resolved_at,
        updated_at=incident.updated_at,
        components={c.component_id: c.status for c in incident.components},
        channel=incident.channel,
        owner=incident.owner,
    )


def to_public(incident: Incident) -> IncidentPublic:
    timeline = [IncidentEventPublic.model_validate(e) for e in incident.events]
    return IncidentPublic(**to_summary(incident).model_dump(), timeline=timeline)


@router.get("", response_model=list[IncidentSummary])
def list_incidents(
    _token: Reader,
    session: SessionDep,
    state: Annotated[Literal["open", "all"], Query(description="`open` leaves out resolved ones")] = "all",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[IncidentSummary]:
    found = incidents.list_incidents(session, open_only=state == "open", limit=limit)
    return [to_summary(i) for i in found]


@router.get("/{incident_id}", response_model=IncidentPublic)
def get_incident(incident_id: int, _token: Reader, session: SessionDep) -> IncidentPublic:
    return to_public(incidents.get_incident(session, incident_id))


@router.post("", response_model=IncidentPublic, status_code=201)
def open_incident(
    body: IncidentCreate, token: Writer, session: SessionDep, policy: PolicyDep, now: ClockDep
) -> IncidentPublic:
    """Open an incident; its channel is decided at once (see docs/communication.md)."""
    if body.owner is not None and session.get(Route, body.owner) is None:
        raise InvalidInput(f"owner: no notification route named {body.owner!r}", field="owner")
    incident = incidents.open_incident(
        session,
        title=body.title,
        components=body.components,
        actor=token_actor(token),
        message=body.message,
        impact=body.impact,
        state=body.state,
        started_at=body.started_at,
        source="api",
        audience=body.audience,
        now=now,
    )
    incident.owner = body.owner
    channel.apply(session, incident, policy=policy, now=now)
    session.commit()
    return to_public(incident)


@router.post("/{incident_id}/updates", response_model=IncidentPublic)
def update_incident(
    incident_id: int, body: IncidentUpdate, token: Writer, session: SessionDep, policy: PolicyDep, now: ClockDep
) -> IncidentPublic:
    change = incidents.Change(
        state=body.state, message=body.message, components=body.components, impact=body.impact, audience=body.audience
    )
    incident = incidents.update_incident(session, incident_id, change, actor=token_actor(token), now=now)
    channel.apply(session, incident, policy=policy, now=now)
    session.commit()
    return to_public(incident)


@router.post("/{incident_id}/resolve", response_model=IncidentPublic)
def resolve_incident(
    incident_id: int, body: IncidentResolve, token: Writer, session: SessionDep, policy: PolicyDep, now: ClockDep
) -> IncidentPublic:
    """Resolve an incident; one resolved before its first update was due becomes a retrospective report."""
    incident = incidents.resolve_incident(session, incident_id, actor=token_actor(token), message=body.message, now=now)
    channel.apply(session, incident, policy=policy, now=now)
    session.commit()
    return to_public(incident)
