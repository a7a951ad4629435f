"""Group commit for heartbeat pings: durable, and fast enough for the top of the hour.

Each ping must be committed before it is acknowledged (nothing acknowledged is ever lost), but one
transaction per ping caps throughput at the store's commit rate. A single writer thread takes whatever
pings are waiting, applies them in arrival order inside one transaction, commits once, and only then
answers every request in the batch. Under load batches grow; alone, a ping waits for nobody.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future

from sqlalchemy import insert, select

from trustops import clock
from trustops.catalog.schema import AlertMapping
from trustops.config import Policy
from trustops.db import Database
from trustops.monitor.health_models import Heartbeat, Ping
from trustops.monitor.heartbeats import PingRequest, apply_ping, report_flip

log = logging.getLogger("trustops.pings")

MAX_BATCH = 500
_STOP = object()


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

    def _write(self, batch: list[tuple[PingRequest, Future[bool]]]) -> None:
        try:
            found = self._commit([ping for ping, _ in batch])
        except Exception as exc:  # noqa: BLE001 - every waiting request must hear about it
            log.exception("could not store %d pings", len(batch))
            for _, future in batch:
                future.set_exception(exc)
            return
        for (_, future), ok in zip(batch, found, strict=True):
            future.set_result(ok)

    def _commit(self, pings: list[PingRequest]) -> list[bool]:
        policy, mappings = self.policy(), self.mappings()
        with self.database.writer() as session:
            uuids = sorted({p.uuid for p in pings})
            query = select(Heartbeat).where(Heartbeat.uuid.in_(uuids)).order_by(Heartbeat.id).with_for_update()
            heartbeats = {hb.uuid: hb for hb in session.scalars(query)}
            rows, found, flips = [], [], []
            for ping in pings:
                heartbeat = heartbeats.get(ping.uuid)
                found.append(heartbeat is not None)
                if heartbeat is not None:
                    row, flip = apply_ping(heartbeat, ping)
                    rows.append(row)
                    if flip:
                        flips.append((heartbeat, flip, ping.at))
            if rows:
                session.execute(insert(Ping), rows)
            for heartbeat, flip, at in flips:
                report_flip(session, heartbeat, flip, policy=policy, mappings=mappings, now=max(at, clock.now()))
        return found
