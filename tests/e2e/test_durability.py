"""Nothing acknowledged is ever lost: SIGKILL the server in the middle of a stream of pings and error
events, and every request that got a 2xx must be in the store afterwards."""

from __future__ import annotations

import http.client
import json
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import select

from tests.e2e.stores import SECRET, free_port, fresh_store, kill, start_server
from trustops import clock
from trustops.accounts.models import Scope
from trustops.accounts.tokens import create_token
from trustops.catalog.schema import ComponentSpec
from trustops.catalog.service import put_component
from trustops.db import Database
from trustops.monitor.health_models import Exposure, Ping
from trustops.monitor.heartbeats import create_heartbeat
from trustops.privacy import pseudonymise

PINGS = 10_000
ERRORS = 2_000
KILL_AFTER = 3_000  # acknowledged requests before the SIGKILL
CLIENTS = 16


def test_a_killed_server_loses_no_acknowledged_ping_or_error_event(tmp_path: Path) -> None:
    with fresh_store(tmp_path, "trustops_e2e_kill") as url:
        database = Database.from_url(url)
        with database.session() as session:
            put_component(session, ComponentSpec(id="checkout", name="Checkout"))
            uuids = [
                create_heartbeat(session, name=f"job {i}", period=3600, grace=600, now=clock.now()).uuid
                for i in range(20)
            ]
            token = create_token(session, name="e2e", scopes=[Scope.INGEST]).token
        port = free_port()
        server = start_server(url, tmp_path, port)
        try:
            stream = Stream(port, uuids, token, server)
            stream.run()
        finally:
            kill(server)
        assert server.returncode == -9, "the server was not killed mid-stream"
        acknowledged = len(stream.pings) + len(stream.errors)
        assert KILL_AFTER <= acknowledged < PINGS + ERRORS
        assert stream.errors, "no error event was acknowledged before the kill"
        with database.session() as session:
            bodies = set(session.scalars(select(Ping.body)))
            keys = set(session.scalars(select(Exposure.user_key)))
        database.dispose()
    assert {f"ping {i}" for i in stream.pings} <= bodies
    assert {pseudonymise(SECRET.encode(), f"user-{i}") for i in stream.errors} <= keys


class Stream:
    """Pings with one error event after every fifth, from CLIENTS keep-alive connections."""

    def __init__(self, port: int, uuids: list[str], token: str, server: subprocess.Popen[bytes]) -> None:
        self.port, self.uuids, self.token, self.server = port, uuids, token, server
        self.pings: list[int] = []
        self.errors: list[int] = []
        self.killed = threading.Event()
        self.lock = threading.Lock()

    def run(self) -> None:
        requests = []
        for i in range(PINGS):
            requests.append(("ping", i))
            if i % 5 == 0 and i // 5 < ERRORS:
                requests.append(("error", i // 5))
        chunks = [requests[n::CLIENTS] for n in range(CLIENTS)]
        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(self.client, chunks))

    def client(self, requests: list[tuple[str, int]]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            for kind, i in requests:
                if self.killed.is_set():
                    return
                try:
                    status = self.send(connection, kind, i)
                except (OSError, http.client.HTTPException):
                    return  # the server is gone: nothing more is acknowledged
                if 200 <= status < 300:
                    self.acknowledge(kind, i)
        finally:
            connection.close()

    def send(self, connection: http.client.HTTPConnection, kind: str, i: int) -> int:
        if kind == "ping":
            connection.request("POST", f"/ping/{self.uuids[i % len(self.uuids)]}", body=f"ping {i}")
        else:
            event = {"user_id": f"user-{i}", "component": "checkout", "occurred_at": clock.now().isoformat()}
            headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
            connection.request("POST", "/api/v1/ingest/errors", body=json.dumps(event), headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status

    def acknowledge(self, kind: str, i: int) -> None:
        with self.lock:
            (self.pings if kind == "ping" else self.errors).append(i)
            if not self.killed.is_set() and len(self.pings) + len(self.errors) >= KILL_AFTER:
                self.killed.set()
                kill(self.server)
