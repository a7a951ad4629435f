from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from tests.factories import make_component, make_incident
from tests.servers import Inbox, smtp_server
from trustops.catalog.schema import AccountSpec, NotificationRoute
from trustops.comms.models import AccountTask, Subscriber
from trustops.comms.notices import (
    AccountImpact,
    affected_accounts,
    complete_task,
    create_tasks,
    deliveries_for,
    open_tasks,
    post_notice,
    sync_accounts,
)
from trustops.config import Policy, Settings
from trustops.customers import Customer
from trustops.enums import Channel, ComponentStatus, CustomerTier, DeliveryStatus
from trustops.errors import Conflict, NotFound
from trustops.monitor.health_models import Delivery, Exposure
from trustops.monitor.incidents import record_event, resolve_incident
from trustops.monitor.models import EventKind, Incident, IncidentEvent
from trustops.monitor.notify import attempt, claim_due, send_through_channel, sync_routes

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
NOW = T0 + timedelta(minutes=15)  # the errors below were seen at T0 + 5 minutes
POLICY = Policy()
ACME = AccountSpec(name="Acme Corp", contacts=["ops@acme.example", "cto@acme.example"], manager="Dana")
GLOBEX = AccountSpec(name="Globex", contacts=["it@globex.example"])


@pytest.fixture
def smtp(settings: Settings) -> Iterator[tuple[Inbox, Settings]]:
    with smtp_server(Inbox(refused={"cto@acme.example"})) as (inbox, port):
        yield inbox, settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False})


def customer(session: Session, key: str, tier: CustomerTier, value: float, account: str | None = None) -> str:
    seen = T0 - timedelta(days=1)
    session.add(
        Customer(key=key, tier=tier, account=account, annual_value=value, first_seen_at=seen, last_seen_at=seen)
    )
    return key


def saw_errors(session: Session, keys: list[str], component: str, at: datetime) -> None:
    rows = [{"user_key": k, "component_id": component, "at": at, "kind": "error", "source": "test"} for k in keys]
    session.execute(insert(Exposure), rows)


def key_accounts(session: Session) -> Incident:
    """Checkout fails from T0: 3 Acme users, 2 of Globex, 4 individual customers and 1 unknown user hit."""
    make_component(session, "checkout", name="Checkout")
    make_component(session, "ledger", name="Ledger DB", visibility="internal")
    make_component(session, "search", name="Search", criticality="standard")
    sync_accounts(session, [ACME, GLOBEX])
    acme = [customer(session, f"acme-{n}", CustomerTier.ENTERPRISE, 20_000, "Acme Corp") for n in range(3)]
    globex = [customer(session, f"globex-{n}", CustomerTier.LOYAL, 1_000, "Globex") for n in range(2)]
    globex.append(customer(session, "globex-new", CustomerTier.NEW, 50, "Globex"))
    people = [customer(session, f"person-{n}", CustomerTier.REGULAR, 100) for n in range(4)]
    session.flush()
    incident = make_incident(
        session, {"checkout": ComponentStatus.MAJOR_OUTAGE, "ledger": ComponentStatus.MAJOR_OUTAGE}, now=T0
    )
    saw_errors(session, acme + globex[:2] + people + ["stranger"], "checkout", T0 + timedelta(minutes=5))
    saw_errors(session, acme, "checkout", T0 + timedelta(minutes=6))  # the same users again: counted once
    saw_errors(session, [globex[2]], "checkout", T0 - timedelta(hours=1))  # before the incident began
    saw_errors(session, people, "search", T0 + timedelta(minutes=5))  # not the incident's component
    return incident


def targeted(session: Session) -> Incident:
    incident = key_accounts(session)
    incident.channel = Channel.TARGETED
    session.flush()
    return incident


def deliveries(session: Session, event: IncidentEvent) -> list[Delivery]:
    return list(session.scalars(select(Delivery).where(Delivery.event_id == event.id).order_by(Delivery.id)))


def test_affected_accounts_are_grouped_and_ranked_by_value(session: Session) -> None:
    incident = key_accounts(session)
    found = affected_accounts(session, incident, policy=POLICY, now=T0 + timedelta(hours=1))
    assert found == [
        AccountImpact("Acme Corp", "enterprise", 3, 60_000.0, "Dana", 2, True),
        AccountImpact("Globex", "loyal", 2, 2_000.0, None, 1, False),
        AccountImpact(None, "regular", 4, 400.0),
        AccountImpact(None, "unknown", 1, 0.0),
    ]


def test_an_incident_that_ended_counts_only_errors_seen_while_it_lasted(session: Session) -> None:
    incident = key_accounts(session)
    resolve_incident(session, incident.id, actor="test", now=T0 + timedelta(minutes=5, seconds=30))
    saw_errors(session, ["globex-new"], "checkout", T0 + timedelta(hours=2))
    found = affected_accounts(session, incident, policy=POLICY, now=T0 + timedelta(hours=3))
    assert [(i.account, i.affected) for i in found][:2] == [("Acme Corp", 3), ("Globex", 2)]


def test_tasks_are_made_once_per_account_and_recorded_on_the_timeline(session: Session) -> None:
    incident = key_accounts(session)
    first = create_tasks(session, incident, policy=POLICY, now=T0 + timedelta(minutes=10))
    again = create_tasks(session, incident, policy=POLICY, now=T0 + timedelta(minutes=20))
    assert [t.id for t in first] == [t.id for t in again]
    assert [(t.account, t.manager, t.tier, t.affected) for t in again] == [
        ("Acme Corp", "Dana", "enterprise", 3),
        ("Globex", None, "loyal", 2),
    ]
    assert first[0].note == (
        "Call Acme Corp: 3 of their users hit errors on Checkout, Ledger DB since 2026-06-01 08:00 UTC "
        f"(incident #{incident.id}, enterprise, 60,000 a year)."
    )
    [notice] = session.scalars(select(IncidentEvent).where(IncidentEvent.kind == EventKind.NOTICE))
    assert notice.message == "Account-manager tasks: Acme Corp (enterprise, 3 users); Globex (loyal, 2 users)."
    assert notice.data["accounts"] == 2 and notice.data["affected_users"] == 5


def test_a_task_is_done_once(session: Session) -> None:
    [acme, globex] = create_tasks(session, key_accounts(session), policy=POLICY, now=NOW)
    done = complete_task(session, acme.id, actor="dana", now=T0 + timedelta(hours=1))
    assert (done.done_by, done.done_at) == ("dana", T0 + timedelta(hours=1))
    assert open_tasks(session) == [globex]
    with pytest.raises(Conflict, match=f"task {acme.id} was already done by dana at 2026-06-01 09:00 UTC"):
        complete_task(session, acme.id, actor="sam", now=T0 + timedelta(hours=2))
    with pytest.raises(NotFound, match="task 999999 does not exist"):
        complete_task(session, 999_999, actor="sam", now=T0)


def test_a_targeted_update_reaches_each_contact_with_its_own_delivery_and_state(
    session: Session, smtp: tuple[Inbox, Settings]
) -> None:
    inbox, settings = smtp
    incident = targeted(session)
    notice = post_notice(
        session,
        incident.id,
        message="Card payments fail for some of your staff; we are rolling back a change.",
        subject="Checkout problems at Acme Corp and others",
        actor="comms",
        policy=POLICY,
        now=T0 + timedelta(minutes=15),
    )
    assert notice.deliveries == 3 and len(notice.tasks) == 2
    for delivery in claim_due(session, "w1", now=T0 + timedelta(minutes=15)):
        attempt(session, delivery, settings, send_through_channel, now=T0 + timedelta(minutes=15))
    states = [(d.route, d.audience, d.target, d.status) for d in deliveries_for(session, incident.id)]
    assert states == [
        ("account:Acme Corp:0", "targeted", "ops@acme.example", DeliveryStatus.SENT),
        ("account:Acme Corp:1", "targeted", "cto@acme.example", DeliveryStatus.FAILED),
        ("account:Globex:0", "targeted", "it@globex.example", DeliveryStatus.SENT),
    ]
    assert "no such mailbox" in (deliveries_for(session, incident.id)[1].last_error or "")
    assert sorted(m["To"] for m in inbox.messages) == ["it@globex.example", "ops@acme.example"]
    mail = next(m for m in inbox.messages if m["To"] == "ops@acme.example")
    text = mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert mail["Subject"] == "Checkout problems at Acme Corp and others"
    assert "contact for Acme Corp: 3 of your users met errors with Checkout since 2026-06-01 08:00 UTC" in text
    assert "we are rolling back a change" in text and "Ledger" not in text


def test_internal_updates_of_a_targeted_incident_reach_no_account(session: Session) -> None:
    incident = targeted(session)
    internal = record_event(
        session, incident, EventKind.UPDATE, "sre", NOW, "Rollback of deploy 4711.", {"audience": "internal"}
    )
    public = record_event(session, incident, EventKind.UPDATE, "comms", NOW, "We are rolling back a change.")
    assert deliveries(session, internal) == []
    assert [d.target for d in deliveries(session, public)] == [
        "ops@acme.example",
        "cto@acme.example",
        "it@globex.example",
    ]


def test_a_notice_needs_a_targeted_incident(session: Session) -> None:
    incident = key_accounts(session)
    incident.channel = Channel.STATUS_PAGE
    with pytest.raises(Conflict, match="is on the status_page channel") as refused:
        post_notice(session, incident.id, message="Hello", actor="comms", policy=POLICY, now=T0)
    assert refused.value.field == "channel"
    assert session.scalars(select(AccountTask)).all() == []


def test_a_contact_removed_from_the_catalog_gets_nothing_more(session: Session, settings: Settings) -> None:
    incident = targeted(session)
    post_notice(session, incident.id, message="We are on it.", actor="comms", policy=POLICY, now=NOW)
    sync_accounts(session, [AccountSpec(name="Acme Corp", contacts=["ops@acme.example"]), GLOBEX])
    session.flush()
    failed = []
    for delivery in claim_due(session, "w1", now=NOW):
        if delivery.target == "cto@acme.example":
            attempt(session, delivery, settings, send_through_channel, now=NOW)
            failed.append((delivery.status, delivery.last_error))
    assert failed == [(DeliveryStatus.FAILED, "the address is no longer a contact of an active account")]


def test_employees_get_internal_updates_that_subscribers_never_see(session: Session) -> None:
    make_component(session, "checkout", name="Checkout")
    sync_routes(session, [NotificationRoute(name="staff", email="all@shop.example", audience="employees")])
    session.add(Subscriber(kind="email", target="reader@shop.example", components=[], confirmed_at=T0, created_at=T0))
    incident = make_incident(session, {"checkout": ComponentStatus.MAJOR_OUTAGE}, now=T0)
    incident.channel = Channel.STATUS_PAGE
    session.flush()
    internal = record_event(
        session, incident, EventKind.UPDATE, "sre", T0, "Primary DB failed over.", {"audience": "internal"}
    )
    public = record_event(session, incident, EventKind.UPDATE, "comms", T0, "Payments fail for some customers.")
    [staff] = deliveries(session, internal)
    assert (staff.route, staff.audience) == ("staff", "employees")
    assert "Primary DB failed over." in staff.body and "Told to: internal audiences only" in staff.body
    assert sorted((d.route.split(":")[0], d.audience) for d in deliveries(session, public)) == [
        ("staff", "employees"),
        ("subscriber", "subscriber"),
    ]


def test_accounts_no_longer_in_the_catalog_are_kept_inactive_without_their_contacts(session: Session) -> None:
    from trustops.comms.models import Account

    sync_accounts(session, [ACME, GLOBEX])
    sync_accounts(session, [GLOBEX])
    session.flush()
    rows = {a.name: (a.active, a.contacts, a.manager) for a in session.scalars(select(Account))}
    assert rows == {"Acme Corp": (False, [], None), "Globex": (True, ["it@globex.example"], None)}
