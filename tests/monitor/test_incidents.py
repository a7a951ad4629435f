from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import make_component, make_incident
from trustops.enums import ComponentStatus, Impact, IncidentState
from trustops.errors import Conflict, InvalidInput, NotFound
from trustops.monitor.incidents import (
    Change,
    component_statuses,
    get_incident,
    list_incidents,
    open_incident,
    resolve_incident,
    timeline,
    update_incident,
)
from trustops.monitor.models import EventKind, IncidentEvent, TimelineIsAppendOnly

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def kinds(session: Session, incident_id: int) -> list[str]:
    return [e.kind.value for e in timeline(session, incident_id)]


def test_opening_an_incident_records_it_and_its_components_on_the_timeline(session: Session) -> None:
    incident = make_incident(session, message="We are investigating checkout errors.", now=T0)
    session.commit()
    stored = get_incident(session, incident.id)
    assert stored.state is IncidentState.INVESTIGATING
    assert stored.impact is Impact.CRITICAL  # major outage of a transaction component
    assert stored.started_at == stored.detected_at == T0
    assert {c.component_id: c.status for c in stored.components} == {"checkout": ComponentStatus.MAJOR_OUTAGE}
    assert kinds(session, incident.id) == ["opened", "component_status"]
    assert timeline(session, incident.id)[0].message == "We are investigating checkout errors."


@pytest.mark.parametrize(
    ("criticality", "status", "impact"),
    [
        ("transaction", ComponentStatus.DEGRADED_PERFORMANCE, Impact.MAJOR),
        ("standard", ComponentStatus.DEGRADED_PERFORMANCE, Impact.MINOR),
        ("standard", ComponentStatus.PARTIAL_OUTAGE, Impact.MAJOR),
        ("background", ComponentStatus.PARTIAL_OUTAGE, Impact.MINOR),
        ("background", ComponentStatus.DEGRADED_PERFORMANCE, Impact.NONE),
        ("standard", ComponentStatus.UNDER_MAINTENANCE, Impact.NONE),
    ],
)
def test_impact_follows_status_and_criticality(
    session: Session, criticality: str, status: ComponentStatus, impact: Impact
) -> None:
    make_component(session, "search", criticality=criticality)
    assert make_incident(session, {"search": status}).impact is impact


def test_an_explicit_impact_wins(session: Session) -> None:
    incident = make_incident(session, {"checkout": ComponentStatus.DEGRADED_PERFORMANCE}, impact=Impact.MINOR)
    assert incident.impact is Impact.MINOR


def test_updates_record_state_changes_messages_and_component_changes(session: Session) -> None:
    incident = make_incident(session, now=T0)
    update_incident(
        session,
        incident.id,
        Change(state=IncidentState.IDENTIFIED, message="A bad deploy."),
        actor="ann",
        now=T0 + timedelta(minutes=10),
    )
    update_incident(session, incident.id, Change(message="Rolling back."), actor="ann", now=T0 + timedelta(minutes=20))
    update_incident(
        session,
        incident.id,
        Change(components={"checkout": ComponentStatus.DEGRADED_PERFORMANCE}),
        actor="ann",
        now=T0 + timedelta(minutes=30),
    )
    session.commit()
    events = timeline(session, incident.id)
    assert [e.kind.value for e in events] == [
        "opened",
        "component_status",
        "state_changed",
        "update",
        "component_status",
    ]
    assert events[2].data == {"from": "investigating", "to": "identified"}
    assert events[2].message == "A bad deploy."
    assert events[3].state is IncidentState.IDENTIFIED
    assert events[4].data == {"component": "checkout", "from": "major_outage", "to": "degraded_performance"}
    assert get_incident(session, incident.id).updated_at == T0 + timedelta(minutes=30)


def test_derived_impact_only_rises_and_a_person_lowers_it_explicitly(session: Session) -> None:
    incident = make_incident(session, {"checkout": ComponentStatus.DEGRADED_PERFORMANCE}, now=T0)
    assert incident.impact is Impact.MAJOR
    update_incident(session, incident.id, Change(components={"checkout": ComponentStatus.MAJOR_OUTAGE}), actor="a")
    assert incident.impact is Impact.CRITICAL
    update_incident(
        session, incident.id, Change(components={"checkout": ComponentStatus.DEGRADED_PERFORMANCE}), actor="a"
    )
    assert incident.impact is Impact.CRITICAL  # what customers were told stays until a person says otherwise
    update_incident(session, incident.id, Change(impact=Impact.MINOR), actor="a")
    assert incident.impact is Impact.MINOR
    assert [e.data for e in timeline(session, incident.id) if e.kind.value == "impact_changed"] == [
        {"from": "major", "to": "critical"},
        {"from": "critical", "to": "minor"},
    ]


def test_resolving_returns_components_to_operational_and_keeps_the_impact(session: Session) -> None:
    incident = make_incident(session, now=T0)
    resolve_incident(session, incident.id, actor="ann", message="Fixed.", now=T0 + timedelta(hours=1))
    session.commit()
    stored = get_incident(session, incident.id)
    assert stored.state is IncidentState.RESOLVED
    assert stored.resolved_at == T0 + timedelta(hours=1)
    assert stored.impact is Impact.CRITICAL
    assert [c.status for c in stored.components] == [ComponentStatus.OPERATIONAL]
    assert component_statuses(session) == {"checkout": ComponentStatus.OPERATIONAL}


def test_resolving_twice_is_a_conflict(session: Session) -> None:
    incident = make_incident(session)
    resolve_incident(session, incident.id, actor="ann")
    with pytest.raises(Conflict, match="already resolved"):
        resolve_incident(session, incident.id, actor="ann")


def test_a_resolved_incident_can_be_reopened(session: Session) -> None:
    incident = make_incident(session)
    resolve_incident(session, incident.id, actor="ann")
    update_incident(session, incident.id, Change(state=IncidentState.INVESTIGATING, message="It is back."), actor="ann")
    assert get_incident(session, incident.id).resolved_at is None


def test_a_postmortem_needs_a_resolved_incident_and_then_stays(session: Session) -> None:
    incident = make_incident(session)
    with pytest.raises(Conflict, match="must be resolved"):
        update_incident(session, incident.id, Change(state=IncidentState.POSTMORTEM), actor="ann")
    resolve_incident(session, incident.id, actor="ann")
    update_incident(session, incident.id, Change(state=IncidentState.POSTMORTEM, message="Report."), actor="ann")
    with pytest.raises(Conflict, match="cannot move back"):
        update_incident(session, incident.id, Change(state=IncidentState.INVESTIGATING), actor="ann")
    with pytest.raises(Conflict, match="only messages may be added") as caught:
        update_incident(session, incident.id, Change(components={"checkout": ComponentStatus.MAJOR_OUTAGE}), actor="a")
    assert caught.value.field == "components"
    update_incident(session, incident.id, Change(message="Post-mortem published."), actor="ann")
    assert timeline(session, incident.id)[-1].message == "Post-mortem published."


def test_bad_input_names_the_field(session: Session) -> None:
    make_component(session, "checkout")
    with pytest.raises(InvalidInput, match="components: unknown component 'nope'") as caught:
        open_incident(session, title="x", components={"nope": ComponentStatus.MAJOR_OUTAGE}, actor="t")
    assert caught.value.field == "components.nope"
    with pytest.raises(InvalidInput, match="title: must not be empty"):
        open_incident(session, title="  ", components={"checkout": ComponentStatus.MAJOR_OUTAGE}, actor="t")
    with pytest.raises(InvalidInput, match="components: name at least one"):
        open_incident(session, title="x", components={}, actor="t")
    with pytest.raises(InvalidInput, match="started_at: .* is in the future"):
        open_incident(session, title="x", components={"checkout": ComponentStatus.MAJOR_OUTAGE}, actor="t",
                      started_at=T0 + timedelta(hours=1), now=T0)  # fmt: skip
    with pytest.raises(InvalidInput, match="nothing to update"):
        update_incident(session, 1, Change(), actor="t")
    with pytest.raises(NotFound, match="incident 999 does not exist"):
        update_incident(session, 999, Change(message="hi"), actor="t")


def test_the_timeline_is_append_only(session: Session) -> None:
    incident = make_incident(session)
    session.commit()
    event = session.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == incident.id)).first()
    assert event is not None
    event.message = "rewritten history"
    with pytest.raises(TimelineIsAppendOnly):
        session.flush()
    session.rollback()
    session.delete(session.get(IncidentEvent, event.id))
    with pytest.raises(TimelineIsAppendOnly):
        session.flush()


def test_component_status_is_the_worst_any_open_incident_gives(session: Session) -> None:
    make_component(session, "search", criticality="standard")
    make_incident(session, {"search": ComponentStatus.DEGRADED_PERFORMANCE})
    make_incident(session, {"search": ComponentStatus.PARTIAL_OUTAGE, "checkout": ComponentStatus.MAJOR_OUTAGE})
    resolved = make_incident(session, {"search": ComponentStatus.MAJOR_OUTAGE})
    resolve_incident(session, resolved.id, actor="t")
    assert component_statuses(session) == {
        "search": ComponentStatus.PARTIAL_OUTAGE,
        "checkout": ComponentStatus.MAJOR_OUTAGE,
    }


def test_listing_open_incidents_leaves_out_resolved_ones(session: Session) -> None:
    kept = make_incident(session, title="open one")
    gone = make_incident(session, title="resolved one")
    resolve_incident(session, gone.id, actor="t")
    assert [i.id for i in list_incidents(session, open_only=True)] == [kept.id]
    assert {i.id for i in list_incidents(session)} == {kept.id, gone.id}


def test_event_kinds_are_the_documented_vocabulary() -> None:
    assert {k.value for k in EventKind} >= {
        "opened",
        "state_changed",
        "update",
        "component_status",
        "impact_changed",
    }
