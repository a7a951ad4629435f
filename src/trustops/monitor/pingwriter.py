"""Group commit for heartbeat pings: durable, and fast enough for the top of the hour.

Each ping must be committed before it is acknowledged (nothing acknowledged is ever lost), but one
transaction per ping caps throughput at the store's commit rate. A single writer thread takes whatever
pings are waiting, applies them in arrival order inside one transaction, commits once, and only then
answers every request in the batch. Under load batches grow; alone, a ping waits for nobody.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import fields
from typing import cast

from sqlalchemy import Connection, Table, bindparam, select, text, update

from trustops import clock
from trustops.catalog.schema import AlertMapping
from trustops.config import Policy
from trustops.db import Database
from trustops.monitor.health_models import Heartbeat, Ping
from trustops.monitor.heartbeats import MUTABLE, HeartbeatState, PingRequest, apply_ping, report_flip

log = logging.getLogger("trustops.pings")

MAX_BATCH = 1000
_STOP = object()
_TABLE = cast(Table, Heartbeat.__table__)
_PINGS = cast(Table, Ping.__table__)
_STATE_COLUMNS = [_TABLE.c[f.name] for f in fields(HeartbeatState)]
_WRITE_BACK = (
    update(_TABLE).where(_TABLE.c.id == bindparam("_id")).values({name: bindparam(f"_{name}") for name in MUTABLE})
)


class PingWriter:
    def __init__(
        self,
        database: Database,
        policy: Callable[[], Policy],
        mappings: Callable[[], Sequence[AlertMapping]] = lambda: (),
    ) -> None:
        self.database = database
        self.policy = policy
        self.mappings = mappings
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, ping: PingRequest) -> Future[bool]:
        """Queue a ping; the future is True once committed, False for an unknown uuid."""
        self._ensure_started()
        future: Future[bool] = Future()
        self._queue.put((ping, future))
        return future

    def submit_async(self, ping: PingRequest) -> asyncio.Future[bool]:
        """Like :meth:`submit` for the event loop: a whole batch is settled with one loop wake-up."""
        self._ensure_started()
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.put((ping, future))
        return future

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout=10)
            self._thread = None

    def _ensure_started(self) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="trustops-pings", daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    self._queue.put(_STOP)
                    break
                batch.append(item)
            self._write(batch)  # type: ignore[arg-type]

    def _write(self, batch: list[tuple[PingRequest, Waiter]]) -> None:
        outcomes: list[bool | BaseException]
        try:
            outcomes = list(self._commit([ping for ping, _ in batch]))
        except Exception as exc:  # noqa: BLE001 - every waiting request must hear about it
            log.exception("could not store %d pings", len(batch))
            outcomes = [exc] * len(batch)
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[bool], bool | BaseException]]] = {}
        for (_, waiter), outcome in zip(batch, outcomes, strict=True):
            if isinstance(waiter, asyncio.Future):
                by_loop.setdefault(waiter.get_loop(), []).append((waiter, outcome))
            else:
                _settle(waiter, outcome)
        for loop, settled in by_loop.items():
            loop.call_soon_threadsafe(_settle_all, settled)

    def _commit(self, pings: list[PingRequest]) -> list[bool]:
        """Steps: 1. lock and load the batch's heartbeats as plain states; 2. apply the pings in order;
        3. insert the pings and write each touched heartbeat back once; 4. report flips to the incident
        machinery (rare; through the ORM); 5. commit."""
        with self.database.writer() as session:
            connection = session.connection()
            states = _load(connection, sorted({p.uuid for p in pings}))
            rows, found, flips = [], [], []
            for ping in pings:
                state = states.get(ping.uuid)
                found.append(state is not None)
                if state is not None:
                    row, flip = apply_ping(state, ping)
                    rows.append(row)
                    if flip:
                        flips.append((state.id, flip, ping.at))
            if rows:
                touched = [states[uuid] for uuid in sorted({ping.uuid for ping in pings} & states.keys())]
                if connection.dialect.name == "postgresql":
                    _write_postgres(connection, rows, touched)
                else:
                    connection.execute(_PINGS.insert(), rows)
                    connection.execute(_WRITE_BACK, [_params(state) for state in touched])
            for heartbeat_id, flip, at in flips:
                heartbeat = session.get(Heartbeat, heartbeat_id)
                assert heartbeat is not None
                report_flip(
                    session, heartbeat, flip, policy=self.policy(), mappings=self.mappings(), now=max(at, clock.now())
                )
        return found


Waiter = Future[bool] | asyncio.Future[bool]


def _settle(future: Waiter, outcome: bool | BaseException) -> None:
    if future.done():  # the client went away and its request was cancelled
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


def _settle_all(settled: list[tuple[asyncio.Future[bool], bool | BaseException]]) -> None:
    for future, outcome in settled:
        _settle(future, outcome)


# On PostgreSQL a batch is two statements of fixed text over arrays, instead of one statement per ping
# and per heartbeat in psycopg's pipeline: fewer round trips, and the server prepares the text once.
_PG_INSERT = text(
    "INSERT INTO pings (heartbeat_id, n, at, kind, exit_status, rid, method, body, user_agent) "
    "SELECT * FROM unnest(CAST(:heartbeat_id AS integer[]), CAST(:n AS integer[]), CAST(:at AS timestamptz[]), "
    "CAST(:kind AS varchar[]), CAST(:exit_status AS integer[]), CAST(:rid AS varchar[]), "
    "CAST(:method AS varchar[]), CAST(:body AS text[]), CAST(:user_agent AS varchar[]))"
)
_PG_UPDATE = text(
    "UPDATE heartbeats AS h SET status = v.status, last_ping_at = v.last_ping_at, "
    "last_start_at = v.last_start_at, last_start_rid = v.last_start_rid, last_duration = v.last_duration, "
    "last_exit_status = v.last_exit_status, alert_after = v.alert_after, n_pings = v.n_pings "
    "FROM unnest(CAST(:id AS integer[]), CAST(:status AS varchar[]), CAST(:last_ping_at AS timestamptz[]), "
    "CAST(:last_start_at AS timestamptz[]), CAST(:last_start_rid AS varchar[]), "
    "CAST(:last_duration AS double precision[]), CAST(:last_exit_status AS integer[]), "
    "CAST(:alert_after AS timestamptz[]), CAST(:n_pings AS integer[])) "
    "AS v(id, status, last_ping_at, last_start_at, last_start_rid, last_duration, last_exit_status, "
    "alert_after, n_pings) WHERE h.id = v.id"
)


def _write_postgres(connection: Connection, rows: list[dict[str, object]], touched: list[HeartbeatState]) -> None:
    connection.execute(_PG_INSERT, {column: [row[column] for row in rows] for column in rows[0]})
    columns = {"id": [s.id for s in touched], **{name: [getattr(s, name) for s in touched] for name in MUTABLE}}
    columns["status"] = [status.value for status in columns["status"]]
    connection.execute(_PG_UPDATE, columns)


def _load(connection: Connection, uuids: list[str]) -> dict[str, HeartbeatState]:
    query = select(*_STATE_COLUMNS).where(_TABLE.c.uuid.in_(uuids)).order_by(_TABLE.c.id).with_for_update()
    return {row.uuid: HeartbeatState(*row) for row in connection.execute(query)}


def _params(state: HeartbeatState) -> dict[str, object]:
    return {"_id": state.id, **{f"_{name}": getattr(state, name) for name in MUTABLE}}
