"""The guard in a running process: facts kept in memory, decisions logged in batches.

:class:`GuardIndex` keeps one :class:`~trustops.guard.facts.FactBook` per process. Freshness costs one cheap
query, run at most once per ``interval`` (one second): when its fingerprint of the exposures, incidents,
timeline events and customers moves (or the policy changes, or the hour turns, since the error window slides),
the book is brought up to date in a thread while requests go on being answered from the old one: when only new
exposures arrived (the common case: errors stream in), just those are folded in
(:meth:`~trustops.guard.facts.FactBook.extend`); anything else loads the whole book again. A decision is then pure
memory work (the pattern of :mod:`trustops.web.statuscache`).

:class:`DecisionLog` stores every decision of the API as a pseudonymous :class:`GuardDecision` row. Requests only
queue their row; one writer thread inserts what is waiting in one transaction, at most ``interval`` after it was
queued. :meth:`DecisionLog.stop` (the app's shutdown) writes everything still queued, so no answered decision is
lost at a clean shutdown; a crash loses at most the rows of the last ``interval`` (a tenth of a second by
default) plus the batch being written. Small batches keep the writer's share of the interpreter lock short, so
the answers' p99 latency stays low; the rate of decisions barely changes. The log doubles as the churn study's exposure table (formats.md §12).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import anyio.to_thread
from sqlalchemy import ColumnElement, Table, delete, func, select
from sqlalchemy.orm import Session

from trustops import clock
from trustops.clock import as_utc
from trustops.config import Policy
from trustops.customers import Customer
from trustops.db import Database
from trustops.enums import CampaignType
from trustops.guard.facts import FactBook
from trustops.guard.models import GuardDecision
from trustops.guard.rules import Verdict, decide
from trustops.monitor.health_models import Exposure
from trustops.monitor.models import Incident, IncidentEvent
from trustops.privacy import pseudonymise

log = logging.getLogger("trustops.guard")


def fingerprint(session: Session, now: datetime) -> tuple[Any, ...]:
    """One query that changes whenever a user's facts may have changed (plus the hour: windows slide)."""
    scalars: list[ColumnElement[Any]] = [
        func.min(Exposure.id),  # moves when old exposures are purged
        func.max(Exposure.id),
        func.max(Incident.id),
        func.max(Incident.updated_at),
        func.count(Incident.id),
        func.max(IncidentEvent.id),
        func.count(Customer.key),
        func.max(Customer.last_seen_at),
    ]
    row = session.execute(select(*(select(s).scalar_subquery() for s in scalars))).one()
    return (*row, as_utc(now).replace(minute=0, second=0, microsecond=0))


class GuardIndex:
    """The facts of every known user in this process, checked for changes at most once per ``interval``."""

    def __init__(
        self,
        database: Database,
        *,
        secret: bytes,
        policy: Callable[[], Policy],
        interval: float = 1.0,
        now: Callable[[], datetime] = clock.now,
    ) -> None:
        self.database, self.secret, self.policy = database, secret, policy
        self.interval, self.now = interval, now
        self._book: FactBook | None = None
        self._seen: tuple[Any, ...] | None = None
        self._next_check = 0.0
        self._busy = False
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        """Check for changes on the next request (after a write of this process)."""
        self._next_check = 0.0

    async def book(self) -> FactBook:
        """The current book. Only one request at a time checks for changes; the others meanwhile get the book
        in hand rather than queueing behind the check."""
        book = self._book
        if book is not None and (self._busy or time.monotonic() < self._next_check):
            return book
        self._busy = True  # set on the event loop, before the hop: later requests take the book in hand
        try:
            return await anyio.to_thread.run_sync(self.refresh)
        finally:
            self._busy = False

    def refresh(self) -> FactBook:
        """Check the fingerprint and load the book again if it moved (blocking)."""
        with self._lock:
            if self._book is not None and time.monotonic() < self._next_check:
                return self._book
            return self._refresh()

    def _refresh(self) -> FactBook:
        self._next_check = time.monotonic() + self.interval
        now, policy = self.now(), self.policy()
        with self.database.sessions() as session:
            seen = (*fingerprint(session, now), policy)
            if self._book is not None and seen == self._seen:
                return self._book
            started = time.perf_counter()
            if self._book is not None and self._seen is not None and only_new_exposures(self._seen, seen):
                self._book = self._book.extend(session, policy=policy, now=now)
            else:
                self._book = FactBook.load(session, secret=self.secret, policy=policy, now=now)
            log.info("guard facts refreshed: %d users in %.3f s", len(self._book), time.perf_counter() - started)
            self._seen = seen
        return self._book


def only_new_exposures(before: tuple[Any, ...], after: tuple[Any, ...]) -> bool:
    """Whether two fingerprints differ only by newer exposures (same oldest, nothing else moved)."""
    return before[0] == after[0] and before[2:] == after[2:]


@dataclass(frozen=True)
class Decided:
    """One decision to log: never the raw user id, only its pseudonym."""

    at: datetime
    decided_for: datetime
    user_key: str
    campaign_type: CampaignType
    campaign_id: str | None
    verdict: Verdict
    holdout: bool

    def row(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "decided_for": self.decided_for,
            "user_key": self.user_key,
            "campaign_type": self.campaign_type,
            "campaign_id": self.campaign_id,
            "allowed": self.verdict.allowed,
            "rule": self.verdict.rule,
            "until": self.verdict.until,
            "holdout": self.holdout,
        }


_STOP = object()
_DECISIONS = cast(Table, GuardDecision.__table__)
MAX_BATCH = 5000
MAX_BACKLOG = 200_000  # rows kept while the store refuses them; beyond, the oldest are dropped (and logged)


class DecisionLog:
    """Writes decisions in batches from one background thread."""

    def __init__(self, database: Database, *, interval: float = 0.1) -> None:
        self.database, self.interval = database, interval
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._failed: list[dict[str, Any]] = []

    def record(self, decided: Decided) -> None:
        """Queue one decision (cheap: no I/O on the caller's thread)."""
        self._ensure_started()
        self._queue.put(decided)

    def flush(self, timeout: float = 10.0) -> None:
        """Block until everything queued before this call is written."""
        if self._thread is None:
            return
        done = threading.Event()
        self._queue.put(done)
        done.wait(timeout)

    def stop(self) -> None:
        """Write everything still queued, then end the thread (the app's shutdown)."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(_STOP)
            thread.join(timeout=30)

    def _ensure_started(self) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="trustops-guard-log", daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch, waiters, stopping = self._gather()
            self._write(batch)
            for waiter in waiters:
                waiter.set()

    def _gather(self) -> tuple[list[dict[str, Any]], list[threading.Event], bool]:
        """Wait for a first item, then take what arrives within ``interval`` (a flush or stop ends it early)."""
        batch: list[dict[str, Any]] = []
        waiters: list[threading.Event] = []
        deadline: float | None = None
        while len(batch) < MAX_BATCH:
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                item = self._queue.get(timeout=timeout)
            except queue.Empty:
                break
            if item is _STOP:
                return batch, waiters, True
            if isinstance(item, threading.Event):
                waiters.append(item)
                break
            assert isinstance(item, Decided)
            batch.append(item.row())
            deadline = deadline or time.monotonic() + self.interval
        return batch, waiters, False

    def _write(self, batch: list[dict[str, Any]]) -> None:
        rows = self._failed + batch
        if not rows:
            return
        try:
            with self.database.writer() as session:
                session.connection().execute(_DECISIONS.insert(), rows)  # Core: a fraction of the ORM's cost
            self._failed = []
        except Exception:  # noqa: BLE001 - keep the rows and try again with the next batch
            log.exception("could not store %d guard decisions; will retry", len(rows))
            if len(rows) > MAX_BACKLOG:
                log.error("dropping %d guard decisions: the backlog is full", len(rows) - MAX_BACKLOG)
            self._failed = rows[-MAX_BACKLOG:]


class GuardService:
    """The guard of one process: its index and its decision log (created by the web app, stopped with it)."""

    def __init__(self, database: Database, *, secret: bytes, policy: Callable[[], Policy]) -> None:
        self.secret, self.policy = secret, policy
        self.index = GuardIndex(database, secret=secret, policy=policy)
        self.log = DecisionLog(database)

    async def decide(
        self, user_id: str, campaign_type: CampaignType, *, campaign_id: str | None = None, at: datetime | None = None
    ) -> Verdict:
        """Judge a campaign for a (raw) user id at ``at`` (default now) and log the decision pseudonymously."""
        book = await self.index.book()
        now = clock.now()
        moment = as_utc(at) if at is not None else now
        facts = book.get(pseudonymise(self.secret, user_id))
        verdict = decide(facts, campaign_type, policy=self.policy(), now=moment)
        self.log.record(Decided(now, moment, facts.user_key, campaign_type, campaign_id, verdict, facts.holdout))
        return verdict

    def stop(self) -> None:
        self.log.stop()


def purge_decisions(session: Session, *, policy: Policy, now: datetime) -> int:
    """Delete decisions older than ``guard_log_retention_days``; how many were deleted."""
    cutoff = now - timedelta(days=policy.guard_log_retention_days)
    result = session.execute(delete(GuardDecision).where(GuardDecision.at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
