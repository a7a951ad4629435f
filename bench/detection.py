"""Detection latency: from a target going down to the incident row, and from a heartbeat's deadline to
its down flip, with the real worker loop on SQLite and on PostgreSQL.

Goals (issue #3): a probe incident within one probe interval beyond the failure threshold (Gatus and
Uptime Kuma open after threshold × interval); a heartbeat flip within 2 s of its deadline (Healthchecks'
sendalerts sweeps every 2 s, so it flips up to 2 s late).

    .venv/bin/python bench/detection.py [--samples 3] [--interval 5]
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from _harness import median, store
from rich.console import Console
from rich.table import Table
from sqlalchemy import select, update

from trustops import clock
from trustops.catalog.schema import CatalogFile, ComponentSpec
from trustops.catalog.service import sync_catalog
from trustops.config import Settings
from trustops.db import Database
from trustops.enums import HeartbeatStatus
from trustops.monitor.health_models import Heartbeat
from trustops.monitor.heartbeats import create_heartbeat
from trustops.monitor.incidents import list_incidents
from trustops.monitor.probing import sync_checks
from trustops.monitor.worker import Worker

HEALTHCHECKS_SWEEP_SECONDS = 2.0


class Target(BaseHTTPRequestHandler):
    healthy = True

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200 if Target.healthy else 503)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def target() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Target)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/health"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def running(database: Database, catalog: CatalogFile) -> Iterator[None]:
    stop = threading.Event()
    worker = Worker(database, Settings(_env_file=None, secret_key="b" * 40), lambda: catalog)  # type: ignore[call-arg]
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)


def probe_latency(url: str, interval: int) -> float:
    """Seconds from the target failing to the incident row."""
    with target() as health:
        Target.healthy = True
        check = {"type": "http", "url": health, "interval": interval, "timeout": 2}
        catalog = CatalogFile(
            components=[ComponentSpec.model_validate({"id": "checkout", "name": "Checkout", "checks": [check]})]
        )
        database = Database.from_url(url)
        with database.session() as session:
            sync_catalog(session, catalog)
            sync_checks(session, now=clock.now())
        with running(database, catalog):
            time.sleep(interval * 1.5)  # steady and up
            Target.healthy = False
            broke = time.monotonic()
            while True:
                with database.sessions() as session:
                    if list_incidents(session, open_only=True):
                        latency = time.monotonic() - broke
                        break
                if time.monotonic() - broke > interval * 10:
                    raise RuntimeError("no incident")
                time.sleep(0.05)
        database.dispose()
    return latency


def heartbeat_latency(url: str) -> float:
    """Seconds from a heartbeat's deadline (alert_after) to its stored down flip."""
    database = Database.from_url(url)
    catalog = CatalogFile()
    with database.session() as session:
        heartbeat = create_heartbeat(session, name="nightly", period=60, grace=60, now=clock.now())
        deadline = clock.now() + timedelta(seconds=1.5)
        session.execute(
            update(Heartbeat)
            .where(Heartbeat.id == heartbeat.id)
            .values(status=HeartbeatStatus.UP, last_ping_at=deadline - timedelta(seconds=120), alert_after=deadline)
        )
    with running(database, catalog):
        while True:
            with database.sessions() as session:
                if session.scalar(select(Heartbeat.status).where(Heartbeat.id == heartbeat.id)) is HeartbeatStatus.DOWN:
                    latency = (clock.now() - deadline).total_seconds()
                    break
            time.sleep(0.02)
    database.dispose()
    return latency


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--interval", type=int, default=5)
    parser.add_argument("--stores", default="sqlite,postgresql")
    args = parser.parse_args()
    threshold = 3  # Policy.probe_failure_threshold
    probe_goal = threshold * args.interval + args.interval
    table = Table("store", "measure", "median s", "max s", "goal s", "median vs goal", "peer")
    for kind in args.stores.split(","):
        probes, beats = [], []
        for _ in range(args.samples):
            with store(kind) as url:
                probes.append(probe_latency(url, args.interval))
            with store(kind) as url:
                beats.append(heartbeat_latency(url))
        table.add_row(kind, "target down → incident", f"{median(probes):.1f}", f"{max(probes):.1f}", f"{probe_goal}",
                      f"{median(probes) / probe_goal:.2f}", f"Gatus/Kuma open at {threshold}×{args.interval}s = {threshold * args.interval}s")  # fmt: skip
        table.add_row(kind, "heartbeat deadline → down", f"{median(beats):.2f}", f"{max(beats):.2f}", "2",
                      f"{median(beats) / 2:.2f}", f"Healthchecks sweeps every {HEALTHCHECKS_SWEEP_SECONDS:.0f}s")  # fmt: skip
    Console().print(table)


if __name__ == "__main__":
    main()
