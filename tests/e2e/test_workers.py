"""Two worker processes sharing one PostgreSQL run each probe once per interval, never twice."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import ON_POSTGRES
from tests.e2e.stores import SECRET, fresh_store
from trustops.db import Database
from trustops.monitor.health_models import ProbeRun

pytestmark = pytest.mark.skipif(
    not ON_POSTGRES, reason="runs in the PostgreSQL pass: it is about sharing one PostgreSQL"
)
INTERVAL = 5
RUN_FOR = 16.0


class Target(BaseHTTPRequestHandler):
    hits: list[float] = []

    def do_GET(self) -> None:  # noqa: N802 - the http.server hook name
        Target.hits.append(time.monotonic())
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def target() -> Iterator[str]:
    Target.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Target)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/health"
    server.shutdown()
    server.server_close()
    thread.join()


def test_two_workers_run_each_probe_once_per_interval(tmp_path: Path, target: str) -> None:
    catalog = tmp_path / "trustops.yaml"
    catalog.write_text(
        "components:\n  - id: checkout\n    name: Checkout\n    checks:\n"
        f"      - {{type: http, url: '{target}', interval: {INTERVAL}}}\n"
    )
    with fresh_store(tmp_path, "trustops_e2e_workers") as url:
        env = {**os.environ, "TRUSTOPS_DATABASE_URL": url, "TRUSTOPS_SECRET_KEY": SECRET}
        command = [sys.executable, "-m", "trustops", "worker", "--config", str(catalog)]
        workers = [subprocess.Popen(command, cwd=tmp_path, env=env, stderr=subprocess.DEVNULL) for _ in range(2)]
        time.sleep(RUN_FOR)
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=15)
        database = Database.from_url(url)
        with database.session() as session:
            runs = list(session.scalars(select(ProbeRun.at).order_by(ProbeRun.at)))
        database.dispose()
    assert len(runs) == len(Target.hits) >= 2
    gaps = [later - earlier for earlier, later in zip(runs, runs[1:], strict=False)]
    # A double run would sit within a second of the last; a late tick (a busy box) only shortens the next gap.
    assert all(gap >= timedelta(seconds=INTERVAL / 2) for gap in gaps), gaps
