from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import make_component
from trustops.config import Policy
from trustops.enums import ComponentStatus, IncidentState, ProbeStatus
from trustops.monitor.health_models import Heartbeat, Probe, ProbeRun
from trustops.monitor.incidents import list_incidents
from trustops.monitor.probes import ProbeOutcome
from trustops.monitor.probing import claim_due, record_outcome, sync_checks

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
HTTP = {"type": "http", "url": "http://127.0.0.1:9/health", "interval": 30, "conditions": ["[STATUS] == 200"]}
OK = ProbeOutcome(ok=True, response_ms=12.0, error=None, details={"status": 200})
DOWN = ProbeOutcome(ok=False, response_ms=None, error="[STATUS] == 200 (was 503)", details={"status": 503})
SLOW = ProbeOutcome(ok=False, response_ms=900.0, error="[RESPONSE_TIME] < 300 (was 900)", details={})


def probe(session: Session) -> Probe:
    make_component(session, "checkout", checks=[HTTP, {"type": "heartbeat", "period": 3600, "grace": 600}])
    sync_checks(session, now=T0)
    session.commit()
    return session.scalars(select(Probe)).one()


def test_catalog_checks_become_probes_and_heartbeats(session: Session) -> None:
    p = probe(session)
    assert (p.type, p.interval, p.next_run_at, p.status) == ("http", 30, T0, ProbeStatus.UNKNOWN)
    assert session.scalar(select(Heartbeat.name)) == "heartbeat"
    sync_checks(session, now=T0)
    assert len(session.scalars(select(Probe)).all()) == 1  # idempotent


def test_a_due_probe_is_claimed_by_exactly_one_worker(session: Session) -> None:
    probe(session)
    first = claim_due(session, "worker-a", now=T0)
    second = claim_due(session, "worker-b", now=T0)
    assert [p.claimed_by for p in first] == ["worker-a"] and second == []
    assert first[0].next_run_at == T0 + timedelta(seconds=30)
    assert claim_due(session, "worker-b", now=T0 + timedelta(seconds=29)) == []
    assert claim_due(session, "worker-b", now=T0 + timedelta(seconds=30)) == []  # the run is still going
    record_outcome(session, first[0], OK, policy=Policy(), now=T0 + timedelta(seconds=1))
    assert len(claim_due(session, "worker-b", now=T0 + timedelta(seconds=30))) == 1


def test_a_claim_whose_worker_died_expires(session: Session) -> None:
    probe(session)
    claim_due(session, "worker-a", now=T0)
    assert len(claim_due(session, "worker-b", now=T0 + timedelta(seconds=41))) == 1


def test_three_failures_open_an_incident_and_two_successes_resolve_it(session: Session) -> None:
    p = probe(session)
    flips = [record_outcome(session, p, DOWN, policy=Policy(), now=T0 + timedelta(seconds=30 * i)) for i in range(3)]
    assert flips == [None, None, "down"]
    [incident] = list_incidents(session)
    assert incident.components[0].status is ComponentStatus.MAJOR_OUTAGE
    assert incident.title == "http check failing: [STATUS] == 200 (was 503)"
    flips = [record_outcome(session, p, OK, policy=Policy(), now=T0 + timedelta(seconds=100 + i)) for i in range(2)]
    assert flips == [None, "up"]
    assert list_incidents(session)[0].state is IncidentState.RESOLVED
    assert len(session.scalars(select(ProbeRun)).all()) == 5


def test_a_lone_failure_between_successes_opens_nothing(session: Session) -> None:
    p = probe(session)
    for outcome in (OK, DOWN, OK, DOWN, DOWN, OK):
        record_outcome(session, p, outcome, policy=Policy(), now=T0)
    assert list_incidents(session) == []
    assert p.status is ProbeStatus.UP


def test_a_slow_but_answering_component_is_degraded_not_down(session: Session) -> None:
    p = probe(session)
    for _ in range(3):
        record_outcome(session, p, SLOW, policy=Policy(), now=T0)
    assert list_incidents(session)[0].components[0].status is ComponentStatus.DEGRADED_PERFORMANCE


def test_slo_burn_raises_and_clears_an_alert(session: Session) -> None:
    from trustops.monitor.slo import burning, evaluate

    make_component(session, "search", criticality="standard")  # no SLO: must be skipped, not crash
    make_component(session, "checkout", checks=[HTTP], slo={"objective": 99.9})
    sync_checks(session, now=T0)
    p = session.scalars(select(Probe)).one()
    for minute in range(60):  # one hour at 10 % failures: far above 14.4 × 0.1 % of the budget
        session.add(ProbeRun(probe_id=p.id, at=T0 + timedelta(minutes=minute), ok=minute % 10 != 0))
    now = T0 + timedelta(minutes=60)
    assert burning(session, "checkout", 99.9, now) == {"page": True, "ticket": True}
    evaluate(session, policy=Policy(), now=now)
    [incident] = list_incidents(session)
    assert incident.source == "slo"
    # the short windows reset soon after recovery: the page clears first, the ticket later
    assert burning(session, "checkout", 99.9, now + timedelta(minutes=30)) == {"page": False, "ticket": True}
    assert burning(session, "checkout", 99.9, now + timedelta(hours=7)) == {"page": False, "ticket": False}


def test_a_28_day_slo_window_burns_at_sloths_rates() -> None:
    from trustops.monitor.slo import RULES

    assert [round(rule.burn_rate(30), 2) for rule in RULES] == [14.4, 6.0, 3.0, 1.0]
    assert [round(rule.burn_rate(28), 2) for rule in RULES] == [13.44, 5.6, 2.8, 0.93]
