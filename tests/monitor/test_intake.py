from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.factories import make_component, make_incident
from trustops.catalog.schema import AlertMapping
from trustops.config import Policy
from trustops.enums import ComponentStatus, IncidentState
from trustops.monitor.health_models import Alert
from trustops.monitor.incidents import get_incident, list_incidents, timeline
from trustops.monitor.intake import apply_alert, map_component
from trustops.monitor.signals import AlertSignal

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
POLICY = Policy()


def signal(firing: bool = True, key: str = "g|fp1", **overrides: object) -> AlertSignal:
    values: dict[str, object] = {
        "source": "alertmanager",
        "key": key,
        "firing": firing,
        "summary": "Checkout probe failing",
        "labels": {"service": "checkout", "severity": "critical"},
        "severity": "critical",
    }
    return AlertSignal(**{**values, **overrides})  # type: ignore[arg-type]


def alerts(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Alert)) or 0


def test_a_firing_alert_opens_an_incident_on_its_component(session: Session) -> None:
    make_component(session, "checkout")
    alert = apply_alert(session, signal(), policy=POLICY, now=T0)
    [incident] = list_incidents(session)
    assert alert.incident_id == incident.id
    assert incident.title == "Checkout probe failing"
    assert incident.source == "alertmanager"
    assert {c.component_id: c.status for c in incident.components} == {"checkout": ComponentStatus.MAJOR_OUTAGE}
    assert [e.kind.value for e in timeline(session, incident.id)] == ["opened", "component_status", "alert"]


def test_a_redelivered_alert_changes_nothing_but_its_delivery_count(session: Session) -> None:
    make_component(session, "checkout")
    for minute in range(5):
        apply_alert(session, signal(), policy=POLICY, now=T0 + timedelta(minutes=minute))
    [incident] = list_incidents(session)
    assert len(timeline(session, incident.id)) == 3
    assert session.scalar(select(Alert.deliveries)) == 5


def test_a_second_alert_on_the_component_joins_the_open_incident(session: Session) -> None:
    make_component(session, "checkout")
    apply_alert(session, signal(severity="warning"), policy=POLICY, now=T0)
    apply_alert(session, signal(key="g|fp2"), policy=POLICY, now=T0 + timedelta(minutes=1))
    [incident] = list_incidents(session)
    assert incident.components[0].status is ComponentStatus.MAJOR_OUTAGE  # the worse of the two
    assert alerts(session) == 2


def test_resolving_every_alert_resolves_an_automatic_incident(session: Session) -> None:
    make_component(session, "checkout")
    apply_alert(session, signal(), policy=POLICY, now=T0)
    apply_alert(session, signal(key="g|fp2"), policy=POLICY, now=T0)
    apply_alert(session, signal(firing=False), policy=POLICY, now=T0 + timedelta(minutes=3))
    assert list_incidents(session)[0].state is IncidentState.INVESTIGATING
    apply_alert(session, signal(firing=False, key="g|fp2"), policy=POLICY, now=T0 + timedelta(minutes=4))
    [incident] = list_incidents(session)
    assert incident.state is IncidentState.RESOLVED
    assert incident.resolved_at == T0 + timedelta(minutes=4)


def test_a_person_owned_incident_is_joined_but_never_auto_resolved(session: Session) -> None:
    incident = make_incident(session, {"checkout": ComponentStatus.DEGRADED_PERFORMANCE}, now=T0)
    apply_alert(session, signal(), policy=POLICY, now=T0 + timedelta(minutes=1))
    apply_alert(session, signal(firing=False), policy=POLICY, now=T0 + timedelta(minutes=2))
    stored = get_incident(session, incident.id)
    assert stored.state is IncidentState.INVESTIGATING
    assert stored.components[0].status is ComponentStatus.MAJOR_OUTAGE


def test_a_flapping_alert_reopens_the_incident_instead_of_opening_another(session: Session) -> None:
    make_component(session, "checkout")
    apply_alert(session, signal(), policy=POLICY, now=T0)
    apply_alert(session, signal(firing=False), policy=POLICY, now=T0 + timedelta(minutes=2))
    apply_alert(session, signal(), policy=POLICY, now=T0 + timedelta(minutes=10))
    [incident] = list_incidents(session)
    assert incident.state is IncidentState.INVESTIGATING
    apply_alert(session, signal(firing=False), policy=POLICY, now=T0 + timedelta(minutes=12))
    apply_alert(session, signal(), policy=POLICY, now=T0 + timedelta(hours=2))
    assert len(list_incidents(session)) == 2  # outside the join window it is a new incident


def test_an_unmapped_alert_is_kept_but_opens_nothing(session: Session) -> None:
    make_component(session, "checkout")
    alert = apply_alert(session, signal(labels={"service": "billing"}), policy=POLICY, now=T0)
    assert alert.component_id is None and alert.incident_id is None
    assert list_incidents(session) == []
    assert alerts(session) == 1


def test_mapping_rules_come_before_label_names(session: Session) -> None:
    make_component(session, "checkout")
    make_component(session, "payment-gateway")
    rules = [AlertMapping(match={"job": "payments-*"}, component="payment-gateway")]
    assert map_component(session, {"job": "payments-eu", "service": "checkout"}, rules) == "payment-gateway"
    assert map_component(session, {"job": "web", "service": "checkout"}, rules) == "checkout"
    assert map_component(session, {"job": "web"}, rules) is None
