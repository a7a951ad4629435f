"""The background worker: heartbeat sweeps, probe runs, notifications, SLO checks, communication and retention.

Any number of workers may run against one PostgreSQL. Per-row work is claimed with conditional
UPDATEs; the periodic jobs that scan everything (SLOs, retention) run under a lease row, so one worker
does each at a time.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from trustops import clock
from trustops.accounts import throttle
from trustops.audit.store import purge_runs
from trustops.breach import reminders as breach_reminders
from trustops.catalog.schema import CatalogFile
from trustops.comms import cadence, channel, maintenance, subscriptions
from trustops.config import Settings
from trustops.customers import Customer
from trustops.db import Database
from trustops.enums import DeliveryStatus
from trustops.guard.service import purge_decisions
from trustops.listen import watch
from trustops.listen.models import Mention
from trustops.monitor import exposure, heartbeats, notify, probing, slo
from trustops.monitor.health_models import Delivery, Exposure, Lease, Ping, Probe, ProbeRun
from trustops.monitor.probes import ProbeOutcome, run_probe

log = logging.getLogger("trustops.worker")

PROBE_RUN_RETENTION = timedelta(days=35)  # covers the 30-day SLO window
PINGS_KEPT = 100  # per heartbeat, like Healthchecks


@dataclass
class Every:
    seconds: float
    last: datetime | None = None

    def due(self, now: datetime) -> bool:
        if self.last is None or (now - self.last).total_seconds() >= self.seconds:
            self.last = now
            return True
        return False


class Worker:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        catalog: Callable[[], CatalogFile],
        *,
        name: str | None = None,
        probe_threads: int = 4,
        send: notify.Sender = notify.send_through_channel,
        probe: Callable[[dict[str, object]], ProbeOutcome] = run_probe,
    ) -> None:
        self.database, self.settings, self.catalog = database, settings, catalog
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 10_000}"
        self.send, self.probe = send, probe
        self._pool = ThreadPoolExecutor(probe_threads, thread_name_prefix="trustops-probe")
        self._sweep, self._notify = Every(0.5), Every(1.0)
        self._slo, self._retention, self._radius = Every(60.0), Every(3600.0), Every(30.0)
        self._comms, self._breach = Every(30.0), Every(60.0)
        self._spikes = Every(60.0 * catalog().policy.spike_check_minutes)

    def run(self, stop: threading.Event, tick: float = 0.2) -> None:
        log.info("worker %s started", self.name)
        while not stop.is_set():
            try:
                self.tick(clock.now())
            except Exception:  # noqa: BLE001 - one bad tick must not stop monitoring
                log.exception("worker tick failed")
            stop.wait(tick)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def tick(self, now: datetime) -> None:
        if self._sweep.due(now):
            self.sweep_heartbeats(now)
        self.start_probes(now)
        if self._notify.due(now):
            self.deliver(now)
        if self._radius.due(now) and self.lease("blast-radius", now, timedelta(seconds=60)):
            self.escalate(now)
        if self._comms.due(now) and self.lease("comms", now, timedelta(seconds=60)):
            self.communicate(now)
        if self._breach.due(now) and self.lease("breach", now, timedelta(seconds=90)):
            self.remind_breaches(now)
        if self._slo.due(now) and self.lease("slo", now, timedelta(seconds=90)):
            self.evaluate_slos(now)
        if self._spikes.due(now) and self.lease("spikes", now, timedelta(minutes=10)):
            self.check_spikes(now)
        if self._retention.due(now) and self.lease("retention", now, timedelta(minutes=30)):
            self.purge(now)

    def sweep_heartbeats(self, now: datetime) -> list[str]:
        catalog = self.catalog()
        with self.database.writer() as session:
            return heartbeats.sweep(session, policy=catalog.policy, mappings=catalog.mappings, now=now)

    def start_probes(self, now: datetime) -> list[int]:
        with self.database.sessions() as session:
            claimed = probing.claim_due(session, self.name, now=now)
        for probe in claimed:
            self._pool.submit(self.run_probe, probe.id, dict(probe.spec))
        return [p.id for p in claimed]

    def run_probe(self, probe_id: int, spec: dict[str, object]) -> str | None:
        outcome = self.probe(spec)
        catalog = self.catalog()
        with self.database.writer() as session:
            probe = session.get(Probe, probe_id)
            if probe is None:
                return None
            return probing.record_outcome(
                session, probe, outcome, policy=catalog.policy, mappings=catalog.mappings, now=clock.now()
            )

    def deliver(self, now: datetime) -> int:
        with self.database.sessions() as session:
            claimed = notify.claim_due(session, self.name, now=now)
            page = self.catalog().status_page
            for delivery in claimed:
                notify.attempt(session, delivery, self.settings, self.send, now=clock.now(), page=page)
                session.commit()
        return len(claimed)

    def escalate(self, now: datetime) -> None:
        with self.database.writer() as session:
            exposure.escalate_open(session, policy=self.catalog().policy, now=now)

    def communicate(self, now: datetime) -> None:
        """Re-decide channels, remind owners of overdue updates and long outages, start and end maintenances."""
        policy = self.catalog().policy
        with self.database.writer() as session:
            channel.decide_recent(session, policy=policy, now=now)
            cadence.remind(session, policy=policy, now=now)
            maintenance.advance(session, now=now)

    def remind_breaches(self, now: datetime) -> None:
        """Remind the legal team of breach-notification deadlines coming up or passed."""
        catalog = self.catalog()
        with self.database.writer() as session:
            breach_reminders.remind(session, policy=catalog.policy, organisation=catalog.organisation, now=now)

    def evaluate_slos(self, now: datetime) -> None:
        catalog = self.catalog()
        with self.database.writer() as session:
            slo.evaluate(session, policy=catalog.policy, mappings=catalog.mappings, now=now)

    def check_spikes(self, now: datetime) -> None:
        with self.database.writer() as session:
            watch.check(session, policy=self.catalog().policy, now=now)

    def purge(self, now: datetime) -> None:
        """Drop what retention says must go: old exposures, mentions and customers (personal data), probe runs, pings,
        status-page subscriptions never confirmed, old marketing-guard decisions and old audit runs, and failed-login
        counts a day old."""
        policy = self.catalog().policy
        with self.database.session() as session:
            session.execute(delete(Exposure).where(Exposure.at < now - timedelta(days=policy.exposure_retention_days)))
            session.execute(
                delete(Mention).where(Mention.published_at < now - timedelta(days=policy.mention_retention_days))
            )
            session.execute(
                delete(Customer).where(Customer.last_seen_at < now - timedelta(days=policy.customer_retention_days))
            )
            session.execute(
                delete(Delivery).where(
                    Delivery.status != DeliveryStatus.PENDING,
                    Delivery.created_at < now - timedelta(days=policy.delivery_retention_days),
                )
            )
            session.execute(delete(ProbeRun).where(ProbeRun.at < now - PROBE_RUN_RETENTION))
            session.execute(delete(Ping).where(Ping.n <= _ping_floor()))
            subscriptions.purge_unconfirmed(session, policy=policy, now=now)
            purge_decisions(session, policy=policy, now=now)
            purge_runs(session, policy=policy, now=now)
            throttle.purge(session, now=now)

    def lease(self, name: str, now: datetime, ttl: timedelta) -> bool:
        """Take or renew the named lease; True when this worker holds it now."""
        with self.database.sessions() as session:
            taken = session.execute(
                update(Lease)
                .where(Lease.name == name)
                .where((Lease.holder == self.name) | (Lease.expires_at < now))
                .values(holder=self.name, expires_at=now + ttl)
                .execution_options(synchronize_session=False)
            ).rowcount  # type: ignore[attr-defined]
            if not taken and session.get(Lease, name) is None:
                session.add(Lease(name=name, holder=self.name, expires_at=now + ttl))
                try:
                    session.flush()
                    taken = 1
                except IntegrityError:
                    session.rollback()
                    return False
            session.commit()
            return bool(taken)


def _ping_floor() -> object:
    """Per heartbeat, the ping number below which pings are dropped (all but the last PINGS_KEPT)."""
    from trustops.monitor.health_models import Heartbeat

    return (
        select(Heartbeat.n_pings - PINGS_KEPT)
        .where(Heartbeat.id == Ping.heartbeat_id)
        .correlate(Ping)
        .scalar_subquery()
    )
