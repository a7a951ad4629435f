from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import make_component, make_incident
from trustops.catalog.schema import CatalogFile
from trustops.comms.cadence import next_update_by, overdue, remind
from trustops.comms.maintenance import schedule
from trustops.config import Policy, Settings
from trustops.db import Database
from trustops.enums import Audience, Channel, ComponentStatus, DeliveryStatus, Impact, MaintenanceState
from trustops.monitor.health_models import Delivery, Lease, Route
from trustops.monitor.incidents import Change, resolve_incident, update_incident
from trustops.monitor.models import EventKind, Incident, IncidentEvent
from trustops.monitor.worker import Worker

T0 = datetime(2026, 6, 1, 14, 20, tzinfo=UTC)
POLICY = Policy()


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def incident_on(
    session: Session, channel: Channel | None, owner: str | None = None, started_at: datetime | None = None
) -> Incident:
    components = {"checkout": ComponentStatus.PARTIAL_OUTAGE}
    incident = make_incident(session, components, title="Checkout errors", now=T0, started_at=started_at)
    incident.channel, incident.owner = channel, owner
    session.flush()
    return incident


def post(session: Session, incident: Incident, at: datetime, audience: Audience | None = None) -> None:
    change = Change(message="We are still working on it.", audience=audience)
    update_incident(session, incident.id, change, actor="user:ann", now=at)
    session.expire(incident, ["events"])


def route(session: Session, name: str, audience: str = "responders", active: bool = True) -> None:
    email = f"{name}@shop.example"
    session.add(Route(name=name, email=email, components=[], min_impact=Impact.NONE, audience=audience, active=active))
    session.flush()


def reminders(session: Session, incident: Incident) -> list[IncidentEvent]:
    query = select(IncidentEvent).where(
        IncidentEvent.incident_id == incident.id, IncidentEvent.kind == EventKind.REMINDER
    )
    return list(session.scalars(query.order_by(IncidentEvent.id)))


def deliveries_of(session: Session, event: IncidentEvent) -> list[Delivery]:
    return list(session.scalars(select(Delivery).where(Delivery.event_id == event.id).order_by(Delivery.route)))


def test_a_status_page_incident_owes_its_first_update_15_minutes_after_detection(session: Session) -> None:
    incident = incident_on(session, Channel.STATUS_PAGE)
    assert next_update_by(incident, POLICY, minutes(1)) == minutes(15)


def test_each_public_message_promises_the_next_one_30_minutes_later(session: Session) -> None:
    incident = incident_on(session, Channel.STATUS_PAGE)
    post(session, incident, minutes(10))
    assert next_update_by(incident, POLICY, minutes(11)) == minutes(40)
    assert next_update_by(incident, POLICY, minutes(9)) == minutes(15)  # as of before it was posted


def test_an_internal_note_does_not_count_as_a_public_update(session: Session) -> None:
    incident = incident_on(session, Channel.STATUS_PAGE)
    post(session, incident, minutes(10), Audience.INTERNAL)
    assert next_update_by(incident, POLICY, minutes(11)) == minutes(15)


def test_a_targeted_incident_uses_the_targeted_pair_of_knobs(session: Session) -> None:
    incident = incident_on(session, Channel.TARGETED)
    assert next_update_by(incident, POLICY, minutes(1)) == minutes(30)
    post(session, incident, minutes(20))
    assert next_update_by(incident, POLICY, minutes(21)) == minutes(80)


@pytest.mark.parametrize("channel", [Channel.INTERNAL, Channel.RETROSPECTIVE, None])
def test_internal_retrospective_and_undecided_incidents_promise_nothing(
    session: Session, channel: Channel | None
) -> None:
    incident = incident_on(session, channel)
    assert next_update_by(incident, POLICY, hours(5)) is None
    assert overdue(session, policy=POLICY, now=hours(5)) == []


def test_a_resolved_incident_owes_no_update(session: Session) -> None:
    incident = incident_on(session, Channel.STATUS_PAGE)
    resolve_incident(session, incident.id, actor="user:ann", now=minutes(5))
    assert next_update_by(incident, POLICY, hours(1)) is None


def test_overdue_lists_the_incident_with_how_late_it_is(session: Session) -> None:
    incident = incident_on(session, Channel.STATUS_PAGE, owner="oncall")
    assert overdue(session, policy=POLICY, now=minutes(15)) == []
    [late] = overdue(session, policy=POLICY, now=minutes(27))
    assert (late.incident_id, late.channel, late.due_at, late.minutes_late, late.owner) == (
        incident.id,
        Channel.STATUS_PAGE,
        minutes(15),
        12,
        "oncall",
    )


def test_an_overdue_update_is_reminded_once_per_missed_due_time(session: Session) -> None:
    route(session, "oncall")
    incident = incident_on(session, Channel.STATUS_PAGE)

    first = remind(session, policy=POLICY, now=minutes(16))
    again = remind(session, policy=POLICY, now=minutes(20))
    post(session, incident, minutes(22))
    quiet = remind(session, policy=POLICY, now=minutes(50))
    second = remind(session, policy=POLICY, now=minutes(53))

    assert [len(first), len(again), len(quiet), len(second)] == [1, 0, 0, 1]
    assert [e.data for e in reminders(session, incident)] == [
        {"reason": "update_overdue", "due_at": minutes(15).isoformat()},
        {"reason": "update_overdue", "due_at": minutes(52).isoformat()},
    ]
    assert first[0].message == (
        f"Update overdue on incident #{incident.id} Checkout errors: the public was promised an update by 14:35 UTC."
    )


def test_a_reminder_goes_to_the_owner_route_only(session: Session) -> None:
    route(session, "oncall")
    route(session, "payments-team")
    incident = incident_on(session, Channel.TARGETED, owner="payments-team")

    [event] = remind(session, policy=POLICY, now=minutes(31))

    [delivery] = deliveries_of(session, event)
    assert (delivery.route, delivery.audience, delivery.incident_id) == ("payments-team", "responders", incident.id)
    assert (delivery.status, delivery.next_attempt_at) == (DeliveryStatus.PENDING, minutes(31))
    assert delivery.subject == f"[trustops] Reminder for incident #{incident.id}: Checkout errors"
    assert "the affected accounts were promised an update by 14:50 UTC" in delivery.body


def test_without_an_owner_every_active_responders_route_is_reminded(session: Session) -> None:
    route(session, "oncall")
    route(session, "sre")
    route(session, "staff", audience="employees")
    route(session, "old-pager", active=False)
    incident_on(session, Channel.STATUS_PAGE, owner="gone")  # a route no longer in the catalog

    [event] = remind(session, policy=POLICY, now=minutes(16))

    assert [d.route for d in deliveries_of(session, event)] == ["oncall", "sre"]


def test_a_component_down_for_hours_is_reminded_at_3_6_12_and_24_hours_then_daily(session: Session) -> None:
    route(session, "oncall")
    incident = incident_on(session, Channel.INTERNAL, started_at=T0 - timedelta(minutes=10))
    start = T0 - timedelta(minutes=10)

    def at(h: float, m: float = 0) -> list[IncidentEvent]:
        return remind(session, policy=POLICY, now=start + timedelta(hours=h, minutes=m))

    sent = {h: len(at(h)) for h in (2.9, 3, 3.5, 6, 13, 23.9, 24, 47, 48, 49, 72)}

    assert sent == {2.9: 0, 3: 1, 3.5: 0, 6: 1, 13: 1, 23.9: 0, 24: 1, 47: 0, 48: 1, 49: 0, 72: 1}
    events = reminders(session, incident)
    assert [e.data["hours"] for e in events] == [3, 6, 12, 24, 48, 72]
    assert {e.data["reason"] for e in events} == {"still_degraded"}
    assert events[0].message == (
        f"Incident #{incident.id} Checkout errors: checkout not operational for 3 hours (since 14:10 UTC). "
        "Check that the status page and the last update still say what is true."
    )
    assert all(len(deliveries_of(session, e)) == 1 for e in events)


def test_a_late_worker_sends_only_the_latest_mark_and_never_the_earlier_ones(session: Session) -> None:
    incident = incident_on(session, Channel.INTERNAL)
    remind(session, policy=POLICY, now=hours(13))
    remind(session, policy=POLICY, now=hours(14))
    assert [e.data["hours"] for e in reminders(session, incident)] == [12]


def test_components_back_to_operational_stop_the_degraded_reminders_and_a_new_outage_counts_afresh(
    session: Session,
) -> None:
    incident = incident_on(session, Channel.INTERNAL)
    fixed = Change(components={"checkout": ComponentStatus.OPERATIONAL})
    update_incident(session, incident.id, fixed, actor="user:ann", now=hours(1))
    assert remind(session, policy=POLICY, now=hours(4)) == []

    broken = Change(components={"checkout": ComponentStatus.MAJOR_OUTAGE})
    update_incident(session, incident.id, broken, actor="user:ann", now=hours(5))
    assert remind(session, policy=POLICY, now=hours(7)) == []
    [event] = remind(session, policy=POLICY, now=hours(8))
    assert event.data == {"reason": "still_degraded", "hours": 3, "since": hours(5).isoformat()}


def test_the_worker_decides_reminds_and_moves_maintenances_under_the_comms_lease(
    session: Session, db: Database, settings: Settings
) -> None:
    route(session, "oncall")
    make_component(session, "search", criticality="standard")
    undecided = incident_on(session, None)
    maintenance = schedule(
        session,
        title="Index rebuild",
        components=["search"],
        scheduled_for=minutes(30),
        scheduled_until=minutes(90),
        actor="cli",
        now=T0,
    )
    session.commit()
    worker = Worker(db, settings, lambda: CatalogFile())

    worker.tick(minutes(31))
    session.expire_all()

    assert undecided.channel is Channel.STATUS_PAGE  # checkout, public, at partial outage
    assert [e.data["reason"] for e in reminders(session, undecided)] == ["update_overdue"]
    assert maintenance.state is MaintenanceState.IN_PROGRESS
    lease = session.get(Lease, "comms")
    assert lease is not None and lease.holder == worker.name
