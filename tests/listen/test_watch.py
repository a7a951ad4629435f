from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import make_component, make_incident
from tests.listen.conftest import NOW, add_mentions
from trustops.config import Policy
from trustops.enums import ComponentStatus, IncidentState
from trustops.listen.models import SpikeAlert
from trustops.listen.schema import Intent
from trustops.listen.watch import check
from trustops.monitor.models import EventKind, Incident

POLICY = Policy()
DAY = timedelta(days=1)


def usual_weeks(session: Session, component: str | None, per_day: int, days: int = 29, **kwargs: object) -> None:
    for d in range(1, days + 1):
        add_mentions(session, per_day, at=NOW - d * DAY, component=component, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def payments(session: Session) -> Session:
    make_component(session, "payment-gateway", name="Payment gateway")
    make_component(session, "search", name="Search", criticality="standard")
    usual_weeks(session, "payment-gateway", 3)
    usual_weeks(session, "search", 6)
    usual_weeks(session, None, 40, complaint=False, score=0.4)  # everything else people say
    return session


def test_a_complaint_spike_on_a_healthy_component_opens_a_customer_reported_incident(payments: Session) -> None:
    add_mentions(payments, 30, at=NOW, component="payment-gateway")
    add_mentions(payments, 6, at=NOW, component="search")
    add_mentions(payments, 40, at=NOW, complaint=False, score=0.4)

    raised = check(payments, policy=POLICY, now=NOW)

    assert {(a.key, a.kind) for a in raised} >= {("payment-gateway", "volume")}
    assert all(a.key != "search" for a in raised)
    alert = next(a for a in raised if a.kind == "volume")
    assert alert.sentence.startswith("Payment gateway complaints +")
    assert "vs the usual Tuesday" in alert.sentence and "p < 0.001" in alert.sentence
    incident = payments.get(Incident, alert.incident_id)
    assert incident is not None and incident.source == "customer-reported"
    assert incident.title == "Customers report problems with Payment gateway"
    assert {c.component_id: c.status for c in incident.components} == {
        "payment-gateway": ComponentStatus.DEGRADED_PERFORMANCE
    }
    spike_events = [e for e in incident.events if e.kind is EventKind.SPIKE]
    assert len(spike_events) == 1 and alert.sentence in (spike_events[0].message or "")


def test_a_spike_on_a_component_with_an_open_incident_joins_it(payments: Session) -> None:
    outage = make_incident(payments, {"payment-gateway": ComponentStatus.MAJOR_OUTAGE}, now=NOW - timedelta(hours=2))
    add_mentions(payments, 30, at=NOW, component="payment-gateway")

    raised = check(payments, policy=POLICY, now=NOW)

    assert raised and {a.incident_id for a in raised if a.subject == "component"} == {outage.id}
    assert payments.scalars(select(Incident)).all() == [outage]
    assert [e.kind for e in outage.events][-1] is EventKind.SPIKE


def test_the_same_spike_is_not_raised_again_within_a_day(payments: Session) -> None:
    add_mentions(payments, 30, at=NOW, component="payment-gateway")
    first = check(payments, policy=POLICY, now=NOW)
    again = check(payments, policy=POLICY, now=NOW + timedelta(minutes=15))

    assert first and again == []
    assert len(payments.scalars(select(Incident)).all()) == 1


def test_a_quiet_day_raises_nothing(payments: Session) -> None:
    add_mentions(payments, 3, at=NOW, component="payment-gateway")
    add_mentions(payments, 40, at=NOW, complaint=False, score=0.4)

    assert check(payments, policy=POLICY, now=NOW) == []
    assert payments.scalars(select(Incident)).all() == []


def test_with_incident_opening_switched_off_the_spike_is_recorded_only(payments: Session) -> None:
    add_mentions(payments, 30, at=NOW, component="payment-gateway")

    raised = check(payments, policy=Policy(spike_opens_incidents=False), now=NOW)

    assert raised and all(a.incident_id is None for a in raised)
    assert payments.scalars(select(Incident)).all() == []


def test_an_intent_spike_is_recorded_without_an_incident(payments: Session) -> None:
    for d in range(1, 29):
        add_mentions(payments, 2, at=NOW - d * DAY, complaint=False, intents=(Intent.PRIVACY_WORRY,))
    add_mentions(payments, 25, at=NOW, complaint=False, intents=(Intent.PRIVACY_WORRY,))

    raised = check(payments, policy=POLICY, now=NOW)

    privacy = [a for a in raised if a.subject == "intent"]
    assert privacy and privacy[0].key == "privacy_worry" and privacy[0].incident_id is None
    assert privacy[0].sentence.startswith("Privacy worries +")
    assert {a.id for a in payments.scalars(select(SpikeAlert).where(SpikeAlert.subject == "intent"))} == {
        a.id for a in privacy
    }
    assert payments.scalars(select(Incident).where(Incident.state != IncidentState.RESOLVED)).all() == []
