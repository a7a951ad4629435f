from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from trustops.breach.models import BreachCase, BreachNotification, BreachReminder
from trustops.breach.reminders import remind
from trustops.catalog.schema import CatalogFile, OrganisationSpec
from trustops.comms.channels import Message
from trustops.config import Policy, Settings
from trustops.db import Database
from trustops.enums import BreachRisk, BreachStatus, DeliveryStatus, Impact
from trustops.monitor.health_models import Delivery, Lease, Route
from trustops.monitor.worker import Worker

AWARE = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)  # GDPR Art. 33 due 2026-03-30 09:00 UTC, 11:00 in Berlin
DUE = AWARE + timedelta(hours=72)
POLICY = Policy()  # reminders at 48, 24 and 4 hours left
BERLIN = OrganisationSpec(name="Shop GmbH", time_zone="Europe/Berlin")


def make_case(session: Session, **overrides: object) -> BreachCase:
    values: dict[str, object] = {
        "title": "Customer table exported",
        "aware_at": AWARE,
        "risk": BreachRisk.RISK,
        "people_by_jurisdiction": {"EU-GDPR": 1200},
        "created_by": "dpo",
        **overrides,
    }
    case = BreachCase(**values)
    session.add(case)
    session.flush()
    return case


def make_route(session: Session, name: str, audience: str, *, active: bool = True) -> Route:
    route = Route(name=name, email=f"{name}@example.com", min_impact=Impact.MINOR, audience=audience, active=active)
    session.add(route)
    session.flush()
    return route


def run(session: Session, now: datetime) -> list[tuple[str, str]]:
    return [(r.deadline, r.stage) for r in remind(session, policy=POLICY, organisation=BERLIN, now=now)]


def deliveries(session: Session) -> list[Delivery]:
    return list(session.scalars(select(Delivery).order_by(Delivery.id)))


def stored(session: Session) -> list[tuple[str, str]]:
    return [(r.deadline, r.stage) for r in session.scalars(select(BreachReminder).order_by(BreachReminder.id))]


def test_the_legal_route_is_reminded_once_a_mark_is_reached_and_never_twice(session: Session) -> None:
    make_route(session, "dpo", "legal")
    make_route(session, "oncall", "responders")
    case = make_case(session)

    assert run(session, DUE - timedelta(hours=50)) == []
    assert run(session, DUE - timedelta(hours=47)) == [("gdpr-art33", "48")]
    assert run(session, DUE - timedelta(hours=46)) == []

    [delivery] = deliveries(session)
    assert (delivery.route, delivery.audience, delivery.target) == ("dpo", "legal", None)
    assert (delivery.incident_id, delivery.event_id, delivery.status) == (None, None, DeliveryStatus.PENDING)
    assert (
        delivery.subject == f"[trustops] lead supervisory authority notice for breach case #{case.id} due in 48 hours"
    )
    assert "Due: 2026-03-30 09:00 UTC / 2026-03-30 11:00 CEST (Europe/Berlin)" in delivery.body
    assert "Customer table exported" in delivery.body and "72 hours after awareness" in delivery.body
    assert stored(session) == [("gdpr-art33", "48")]


def test_a_late_worker_sends_only_the_latest_mark_reached(session: Session) -> None:
    make_route(session, "dpo", "legal")
    make_case(session)

    assert run(session, DUE - timedelta(hours=3)) == [("gdpr-art33", "4")]
    assert run(session, DUE - timedelta(hours=1)) == []
    assert stored(session) == [("gdpr-art33", "4")]


def test_an_overdue_deadline_is_reminded_once(session: Session) -> None:
    make_route(session, "dpo", "legal")
    make_case(session)

    assert run(session, DUE + timedelta(minutes=1)) == [("gdpr-art33", "overdue")]
    assert run(session, DUE + timedelta(hours=5)) == []

    [delivery] = deliveries(session)
    assert delivery.subject.startswith("[trustops] OVERDUE: lead supervisory authority notice")
    assert "document the reasons for the delay" in delivery.body


def test_every_legal_route_gets_the_reminder_and_no_responder_does(session: Session) -> None:
    make_route(session, "dpo", "legal")
    make_route(session, "counsel", "legal")
    make_route(session, "old-counsel", "legal", active=False)
    make_route(session, "oncall", "responders")
    make_case(session)

    run(session, DUE - timedelta(hours=20))

    assert sorted(d.route for d in deliveries(session)) == ["counsel", "dpo"]


def test_without_a_legal_route_every_responders_route_is_reminded(session: Session) -> None:
    make_route(session, "oncall", "responders")
    make_route(session, "pager", "responders")
    make_route(session, "staff", "employees")
    make_case(session)

    run(session, DUE - timedelta(hours=20))

    assert [(d.route, d.audience) for d in deliveries(session)] == [("oncall", "legal"), ("pager", "legal")]


def test_with_no_route_at_all_nothing_is_marked_sent_so_a_route_added_later_still_hears_it(session: Session) -> None:
    make_case(session)

    assert run(session, DUE - timedelta(hours=20)) == []
    make_route(session, "dpo", "legal")

    assert run(session, DUE - timedelta(hours=19)) == [("gdpr-art33", "24")]


def test_an_unassessed_risk_is_reminded_of_both_gdpr_deadlines_saying_what_they_depend_on(session: Session) -> None:
    make_route(session, "dpo", "legal")
    make_case(session, risk=None)

    assert sorted(run(session, DUE - timedelta(hours=20))) == [("gdpr-art33", "24"), ("gdpr-art34", "24")]
    assert all("Owed only if:" in d.body and "(not yet assessed)" in d.body for d in deliveries(session))


def test_met_closed_and_drill_cases_are_not_reminded(session: Session) -> None:
    make_route(session, "dpo", "legal")
    met = make_case(session, title="Reported")
    session.add(
        BreachNotification(case_id=met.id, deadline="gdpr-art33", recipient="BfDI", sent_at=AWARE, recorded_by="dpo")
    )
    make_case(session, title="Closed", status=BreachStatus.CLOSED)
    make_case(session, title="Exercise", drill=True)
    session.flush()

    assert run(session, DUE + timedelta(hours=1)) == []
    assert deliveries(session) == []


def test_each_case_and_deadline_has_its_own_reminders(session: Session) -> None:
    make_route(session, "dpo", "legal")
    first = make_case(session, people_by_jurisdiction={"EU-GDPR": 10, "EU-NIS2": 10})
    second = make_case(session, aware_at=AWARE + timedelta(hours=30))

    reminders = remind(session, policy=POLICY, organisation=BERLIN, now=AWARE + timedelta(hours=30))

    assert sorted((r.case_id, r.deadline, r.stage) for r in reminders) == [
        (first.id, "gdpr-art33", "48"),
        (first.id, "nis2-early-warning", "overdue"),
        (first.id, "nis2-notification", "48"),
    ]
    assert all(r.case_id != second.id for r in reminders)  # 72 hours left: no mark reached yet


def test_the_worker_reminds_under_a_lease_and_the_delivery_worker_sends_through_the_route(
    db: Database, session: Session, settings: Settings
) -> None:
    make_route(session, "dpo", "legal")
    case = make_case(session)
    session.commit()
    sent: list[tuple[str, Message]] = []
    catalog = CatalogFile(organisation=BERLIN)
    worker = Worker(db, settings, lambda: catalog, send=lambda route, message, _: sent.append((route.name, message)))
    now = DUE - timedelta(hours=3)

    worker.tick(now)
    worker.deliver(now)
    session.expire_all()

    assert stored(session) == [("gdpr-art33", "4")]
    [(route, message)] = sent
    assert route == "dpo" and f"breach case #{case.id} due in 4 hours" in message.subject
    assert [d.status for d in deliveries(session)] == [DeliveryStatus.SENT]
    lease = session.get(Lease, "breach")
    assert lease is not None and lease.holder == worker.name
