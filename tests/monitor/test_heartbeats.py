from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import make_component
from trustops.config import Policy
from trustops.enums import ComponentStatus, HeartbeatStatus, IncidentState
from trustops.errors import InvalidInput
from trustops.monitor.health_models import Heartbeat
from trustops.monitor.heartbeats import (
    PingRequest,
    alert_after,
    apply_ping,
    create_heartbeat,
    next_expected,
    shown_status,
    sweep,
)
from trustops.monitor.incidents import list_incidents, timeline

T0 = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)


def hourly(session: Session, **overrides: object) -> Heartbeat:
    values: dict[str, object] = {"name": "order e-mails", "period": 3600, "grace": 600, "now": T0, **overrides}
    return create_heartbeat(session, **values)  # type: ignore[arg-type]


def ping(hb: Heartbeat, kind: str = "success", at: datetime = T0, **extra: object) -> str | None:
    _, flip = apply_ping(hb, PingRequest(uuid=hb.uuid, kind=kind, at=at, **extra))  # type: ignore[arg-type]
    return flip


def test_a_new_heartbeat_cannot_go_down_before_its_first_ping(session: Session) -> None:
    hb = hourly(session)
    assert hb.status is HeartbeatStatus.NEW
    assert alert_after(hb) is None


def test_a_success_ping_sets_the_deadline_one_period_plus_grace_later(session: Session) -> None:
    hb = hourly(session)
    assert ping(hb) is None
    assert hb.status is HeartbeatStatus.UP
    assert hb.alert_after == T0 + timedelta(seconds=3600 + 600)
    assert shown_status(hb, T0 + timedelta(minutes=61)) == "late"


def test_a_cron_deadline_follows_the_time_zone_across_daylight_saving(session: Session) -> None:
    hb = hourly(session, period=None, cron="30 2 * * *", tz="Europe/Berlin")
    # 2026-03-29 is the spring-forward night in Berlin: 02:30 local does not exist; cronsim moves to 03:00
    last = datetime(2026, 3, 28, 1, 30, tzinfo=UTC)  # 02:30 CET on the 28th
    assert next_expected(hb, last) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_start_then_success_with_the_same_rid_measures_the_run(session: Session) -> None:
    hb = hourly(session)
    rid = "6f1f7f9e-25c6-4ba1-9d4b-0c2b6e0f0c01"
    ping(hb, "start", rid=rid)
    assert hb.alert_after == T0 + timedelta(seconds=600)  # a run that never ends goes down after grace
    ping(hb, "success", at=T0 + timedelta(seconds=42), rid=rid)
    assert hb.last_duration == 42
    assert hb.last_start_at is None


def test_a_fail_ping_or_nonzero_exit_flips_down_and_a_success_flips_up(session: Session) -> None:
    hb = hourly(session)
    ping(hb)
    assert ping(hb, "fail", at=T0 + timedelta(minutes=5)) == "down"
    assert hb.alert_after is None
    assert ping(hb, "success", at=T0 + timedelta(minutes=6)) == "up"
    assert ping(hb, "success", at=T0 + timedelta(minutes=7), exit_status=3) == "down"
    assert hb.last_exit_status == 3


def test_a_log_ping_changes_nothing_but_the_count(session: Session) -> None:
    hb = hourly(session)
    ping(hb)
    deadline = hb.alert_after
    ping(hb, "log", at=T0 + timedelta(minutes=30))
    assert (hb.n_pings, hb.alert_after, hb.status) == (2, deadline, HeartbeatStatus.UP)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"period": None}, "give exactly one of period (seconds) or cron (schedule)"),
        ({"period": 10}, "period: Input should be greater than or equal to 60"),
        ({"period": None, "cron": "every hour"}, "cron: not a valid cron expression"),
        ({"component_id": "nope"}, "component: unknown component 'nope'"),
    ],
)
def test_bad_heartbeat_settings_are_refused_by_field(session: Session, overrides: dict, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        hourly(session, **overrides)
    assert message in caught.value.message


def test_sweeping_flips_an_overdue_heartbeat_and_opens_an_incident(session: Session) -> None:
    make_component(session, "order-emails", criticality="critical_moment")
    hb = hourly(session, component_id="order-emails")
    ping(hb)
    session.commit()
    assert sweep(session, policy=Policy(), now=T0 + timedelta(minutes=69)) == []
    assert sweep(session, policy=Policy(), now=T0 + timedelta(minutes=71)) == [hb.uuid]
    session.commit()
    assert session.scalar(select(Heartbeat.status)) is HeartbeatStatus.DOWN
    [incident] = list_incidents(session)
    assert incident.title == "order e-mails: has not run for 71 min"
    assert incident.source == "heartbeat"
    assert {c.component_id: c.status for c in incident.components} == {"order-emails": ComponentStatus.PARTIAL_OUTAGE}
    assert sweep(session, policy=Policy(), now=T0 + timedelta(minutes=80)) == []  # already down: once only


def test_a_ping_after_going_down_resolves_the_incident(session: Session) -> None:
    from trustops.monitor.heartbeats import report_flip

    make_component(session, "order-emails")
    hb = hourly(session, component_id="order-emails")
    ping(hb)
    sweep(session, policy=Policy(), now=T0 + timedelta(hours=2))
    session.refresh(hb)
    assert ping(hb, at=T0 + timedelta(hours=2, minutes=5)) == "up"
    report_flip(session, hb, "up", policy=Policy(), mappings=(), now=T0 + timedelta(hours=2, minutes=5))
    [incident] = list_incidents(session)
    assert incident.state is IncidentState.RESOLVED
    assert timeline(session, incident.id)[-1].message == "All alerts on this incident have resolved."


def test_a_paused_heartbeat_is_never_swept(session: Session) -> None:
    hb = hourly(session)
    ping(hb)
    hb.status, hb.alert_after = HeartbeatStatus.PAUSED, None
    session.commit()
    assert sweep(session, policy=Policy(), now=T0 + timedelta(days=3)) == []


def test_a_nonzero_exit_ends_the_run_whatever_its_rid(session: Session) -> None:
    hb = hourly(session)
    ping(hb, "start", rid="6f1f7f9e-25c6-4ba1-9d4b-0c2b6e0f0c01")
    ping(hb, "success", at=T0 + timedelta(seconds=5), exit_status=1, rid="0a0a0a0a-25c6-4ba1-9d4b-0c2b6e0f0c02")
    assert hb.last_start_at is None and hb.status is HeartbeatStatus.DOWN


def test_a_heartbeat_dropped_from_the_catalog_is_paused(session: Session) -> None:
    from trustops.catalog.models import Component
    from trustops.monitor.probing import sync_checks

    make_component(session, "order-emails", checks=[{"type": "heartbeat", "period": 3600, "grace": 600}])
    sync_checks(session, now=T0)
    component = session.get(Component, "order-emails")
    assert component is not None
    component.checks = []
    sync_checks(session, now=T0)
    assert session.scalar(select(Heartbeat.status)) is HeartbeatStatus.PAUSED
