from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import make_component, make_incident
from trustops.catalog.models import Component
from trustops.comms.channel import apply
from trustops.comms.retrospective import draft_retrospective, feature_name, worst_statuses
from trustops.config import Policy
from trustops.enums import Channel, ComponentStatus
from trustops.monitor.incidents import Change, get_incident, resolve_incident, update_incident
from trustops.monitor.models import EventKind, Incident

T0 = datetime(2026, 6, 1, 10, 5, tzinfo=UTC)
DOWN, SLOW = ComponentStatus.MAJOR_OUTAGE, ComponentStatus.DEGRADED_PERFORMANCE


@pytest.fixture(autouse=True)
def catalog(session: Session) -> None:
    make_component(session, "cart", name="Cart")
    make_component(session, "search", name="Search", criticality="standard")
    make_component(session, "payments-db", name="Payments DB", visibility="internal")
    make_component(session, "api", name="API")


def components(session: Session) -> dict[str, Component]:
    return {c.id: c for c in session.scalars(select(Component))}


def brief(session: Session, statuses: dict[str, ComponentStatus], minutes: int = 3) -> Incident:
    incident = make_incident(session, statuses, now=T0, source="probe")
    resolve_incident(session, incident.id, actor="probe", now=T0 + timedelta(minutes=minutes))
    session.expire(incident, ["events"])
    return incident


def test_the_draft_names_the_window_and_the_public_feature_and_never_an_internal_one(session: Session) -> None:
    incident = brief(session, {"cart": DOWN, "payments-db": DOWN})

    text = draft_retrospective(incident, components(session))

    assert text == (
        "Between 10:05 and 10:08 UTC on 1 June 2026, some customers may have seen errors when using cart. "
        "It has been fixed and everything works normally again. We are sorry for the trouble."
    )
    assert "payments" not in text.lower() and "db" not in text.lower()


def test_slow_features_are_told_as_slow_and_names_like_api_keep_their_capitals(session: Session) -> None:
    incident = brief(session, {"api": DOWN, "cart": DOWN, "search": SLOW})
    text = draft_retrospective(incident, components(session))
    assert "seen errors when using API and cart and found search slow." in text


@pytest.mark.parametrize(
    ("name", "told"),
    [("Checkout", "checkout"), ("Product images", "product images"), ("Stripe Payments", "Stripe Payments"),
     ("iOS app", "iOS app"), ("API", "API"), ("PayPal checkout", "PayPal checkout")],
)  # fmt: skip
def test_a_name_is_lower_cased_mid_sentence_only_when_it_is_no_proper_name(name: str, told: str) -> None:
    assert feature_name(Component(id="x", name=name)) == told


def test_an_incident_on_internal_components_only_speaks_of_some_of_our_services(session: Session) -> None:
    incident = brief(session, {"payments-db": DOWN})
    text = draft_retrospective(incident, components(session))
    assert "some customers may have seen problems with some of our services." in text


def test_a_window_across_midnight_names_both_days_and_the_page_time_zone_is_used(session: Session) -> None:
    incident = make_incident(session, {"cart": DOWN}, now=datetime(2026, 6, 1, 23, 58, tzinfo=UTC))
    resolve_incident(session, incident.id, actor="probe", now=datetime(2026, 6, 2, 0, 4, tzinfo=UTC))
    session.expire(incident, ["events"])

    utc = draft_retrospective(incident, components(session))
    berlin = draft_retrospective(incident, components(session), time_zone="Europe/Berlin")

    assert utc.startswith("Between 23:58 UTC on 1 June 2026 and 00:04 UTC on 2 June 2026, ")
    assert berlin.startswith("Between 01:58 and 02:04 CEST on 2 June 2026, ")


def test_the_worst_status_is_remembered_after_resolution_sets_everything_operational(session: Session) -> None:
    incident = make_incident(session, {"cart": SLOW}, now=T0)
    update_incident(session, incident.id, Change(components={"cart": DOWN}), actor="probe", now=T0)
    update_incident(session, incident.id, Change(components={"cart": SLOW}), actor="probe", now=T0)
    resolve_incident(session, incident.id, actor="probe", now=T0 + timedelta(minutes=2))
    session.expire(incident, ["events"])
    assert [c.status for c in incident.components] == [ComponentStatus.OPERATIONAL]
    assert worst_statuses(incident) == {"cart": DOWN}


def test_the_report_is_stored_as_a_public_backfilled_update_without_notifications(session: Session) -> None:
    incident = brief(session, {"cart": DOWN, "payments-db": DOWN})

    apply(session, incident, policy=Policy(), now=T0 + timedelta(minutes=4))

    stored = get_incident(session, incident.id)
    [report] = [e for e in stored.events if e.kind is EventKind.UPDATE]
    assert stored.channel is Channel.RETROSPECTIVE and stored.backfilled
    assert report.actor == "trustops"
    assert report.at == T0 + timedelta(minutes=4)
    assert report.message == draft_retrospective(stored, components(session))
    assert report.data == {
        "audience": "public",
        "deliver_notifications": False,
        "backfilled": True,
        "display_at": "2026-06-01T10:08:00+00:00",
    }
