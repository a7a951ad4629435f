"""Probe scheduling: claim due probes, run them, and turn threshold crossings into signals.

Several worker processes may share one PostgreSQL: a probe is claimed with a conditional UPDATE that
also moves its next run forward, so exactly one worker runs it per interval (hc sendalerts pattern).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from trustops.catalog.models import Component
from trustops.catalog.schema import AlertMapping
from trustops.config import Policy
from trustops.enums import ComponentStatus, HeartbeatStatus, ProbeStatus
from trustops.monitor.health_models import Heartbeat, Probe, ProbeRun
from trustops.monitor.heartbeats import create_heartbeat
from trustops.monitor.intake import apply_alert
from trustops.monitor.probes import ProbeOutcome
from trustops.monitor.signals import AlertSignal

CLAIM_MARGIN = timedelta(seconds=30)


def sync_checks(session: Session, *, now: datetime) -> None:
    """Make a Probe for every http/tcp/dns/tls check and a Heartbeat for every heartbeat check."""
    wanted: set[tuple[str, str]] = set()
    beats: set[tuple[str, str]] = set()
    for component in session.scalars(select(Component)):
        for spec in component.checks:
            name = spec.get("name") or spec["type"]
            if spec["type"] == "heartbeat":
                beats.add((component.id, name))
                _sync_heartbeat(session, component.id, name, spec, now)
            else:
                wanted.add((component.id, name))
                _sync_probe(session, component.id, name, spec, now)
    for probe in session.scalars(select(Probe)):
        probe.active = (probe.component_id, probe.name) in wanted
    for heartbeat in session.scalars(select(Heartbeat).where(Heartbeat.source == "config")):
        if (heartbeat.component_id or "", heartbeat.name) not in beats:
            # gone from the catalog: stop watching it (paused keeps its history; a ping resumes it)
            heartbeat.status, heartbeat.alert_after = HeartbeatStatus.PAUSED, None


def _sync_probe(session: Session, component_id: str, name: str, spec: dict[str, Any], now: datetime) -> None:
    probe = session.scalar(select(Probe).where(Probe.component_id == component_id, Probe.name == name))
    if probe is None:
        probe = Probe(component_id=component_id, name=name, next_run_at=now, status=ProbeStatus.UNKNOWN)
        session.add(probe)
    probe.type, probe.spec, probe.interval, probe.active = spec["type"], spec, int(spec.get("interval", 60)), True


def _sync_heartbeat(session: Session, component_id: str, name: str, spec: dict[str, Any], now: datetime) -> None:
    query = select(Heartbeat).where(
        Heartbeat.component_id == component_id, Heartbeat.name == name, Heartbeat.source == "config"
    )
    heartbeat = session.scalar(query)
    if heartbeat is None:
        create_heartbeat(
            session,
            name=name,
            period=spec.get("period"),
            cron=spec.get("cron"),
            tz=spec.get("tz", "UTC"),
            grace=spec["grace"],
            component_id=component_id,
            source="config",
            now=now,
        )
        return
    heartbeat.period, heartbeat.cron, heartbeat.tz = spec.get("period"), spec.get("cron"), spec.get("tz", "UTC")
    heartbeat.grace = spec["grace"]


def claim_due(session: Session, worker: str, *, now: datetime, limit: int = 20) -> list[Probe]:
    """Probes this worker now owns for one run each."""
    due = session.execute(
        select(Probe.id, Probe.next_run_at, Probe.interval, Probe.spec)
        .where(Probe.active.is_(True), Probe.next_run_at <= now)
        .where((Probe.claimed_until.is_(None)) | (Probe.claimed_until < now))
        .order_by(Probe.next_run_at)
        .limit(limit)
    ).all()
    claimed = []
    for probe_id, next_run_at, interval, spec in due:
        following = max(next_run_at + timedelta(seconds=interval), now)
        result = session.execute(
            update(Probe)
            .where(Probe.id == probe_id, Probe.next_run_at == next_run_at)
            .values(
                claimed_by=worker,
                claimed_until=now + timedelta(seconds=float(spec.get("timeout", 10))) + CLAIM_MARGIN,
                next_run_at=following,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append(probe_id)
    session.commit()
    return list(session.scalars(select(Probe).where(Probe.id.in_(claimed)))) if claimed else []


def record_outcome(
    session: Session,
    probe: Probe,
    outcome: ProbeOutcome,
    *,
    policy: Policy,
    mappings: Sequence[AlertMapping] = (),
    now: datetime,
) -> str | None:
    """Store the run, count it towards the thresholds; returns "down" or "up" when the probe flips."""
    session.add(
        ProbeRun(probe_id=probe.id, at=now, ok=outcome.ok, response_ms=outcome.response_ms, error=outcome.error)
    )
    probe.last_run_at, probe.last_error, probe.last_response_ms = now, outcome.error, outcome.response_ms
    probe.claimed_by, probe.claimed_until = None, None
    if outcome.ok:
        probe.successes, probe.failures = probe.successes + 1, 0
    else:
        probe.failures, probe.successes = probe.failures + 1, 0
    flip = _flip(probe, policy)
    if flip is not None:
        probe.status = ProbeStatus.DOWN if flip == "down" else ProbeStatus.UP
        apply_alert(session, _signal(probe, outcome, flip, now), policy=policy, mappings=mappings, now=now)
    elif probe.status is ProbeStatus.UNKNOWN and outcome.ok:
        probe.status = ProbeStatus.UP
    return flip


def _flip(probe: Probe, policy: Policy) -> str | None:
    opens = probe.spec.get("failure_threshold") or policy.probe_failure_threshold
    closes = probe.spec.get("success_threshold") or policy.probe_success_threshold
    if probe.status is not ProbeStatus.DOWN and probe.failures >= opens:
        return "down"
    if probe.status is ProbeStatus.DOWN and probe.successes >= closes:
        return "up"
    return None


def _signal(probe: Probe, outcome: ProbeOutcome, flip: str, now: datetime) -> AlertSignal:
    slow_only = (outcome.error or "").startswith("[RESPONSE_TIME]")
    status = ComponentStatus.DEGRADED_PERFORMANCE if slow_only else ComponentStatus.MAJOR_OUTAGE
    what = f"{probe.name} check failing: {outcome.error}" if flip == "down" else f"{probe.name} check passing again"
    return AlertSignal(
        source="probe",
        key=f"probe:{probe.id}",
        firing=flip == "down",
        summary=what,
        labels={"probe": probe.name, "type": probe.type},
        started_at=now,
        component_id=probe.component_id,
        status=status,
    )
