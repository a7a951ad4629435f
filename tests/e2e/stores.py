"""Committed, migrated stores for tests that run trustops in other processes.

Those processes cannot see the rolled-back transaction of the usual ``db`` fixture, so each test gets
a SQLite file, or on the PostgreSQL pass a schema of its own.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL
from trustops.db import Database, make_engine

SECRET = "e2e-secret-key-long-enough-for-production-0123"


@contextmanager
def fresh_store(tmp_path: Path, schema: str) -> Iterator[str]:
    if not ON_POSTGRES:
        url = f"sqlite:///{tmp_path}/e2e.db"
        Database.from_url(url).upgrade()
        yield url
        return
    admin = make_engine(TEST_DATABASE_URL)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{TEST_DATABASE_URL}{'&' if '?' in TEST_DATABASE_URL else '?'}options=-csearch_path%3D{schema}"
    database = Database.from_url(url)
    database.upgrade()
    database.dispose()
    try:
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    url: str, cwd: Path, port: int, *, worker: bool = False, config: Path | None = None
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TRUSTOPS_DATABASE_URL": url,
        "TRUSTOPS_SECRET_KEY": SECRET,
        "TRUSTOPS_WORKER": str(worker).lower(),
    }
    args = [sys.executable, "-m", "trustops", "serve", "--port", str(port)]
    if config is not None:
        args += ["--config", str(config)]
    with (cwd / f"server-{port}.log").open("ab") as log:
        process = subprocess.Popen(args, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited early:\n{(cwd / f'server-{port}.log').read_text()}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    pytest.fail("server did not start")


def kill(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
