"""Shared helpers for the benchmarks: a trustops server in a subprocess, stores, wrk runs."""

from __future__ import annotations

import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import text

from trustops.db import Database, make_engine

PG_URL = os.environ.get("TRUSTOPS_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
BENCH_SCHEMA = "trustops_bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def store(kind: str) -> Iterator[str]:
    """A fresh, migrated store: a SQLite file in a temp dir, or a dedicated PostgreSQL schema."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.db"
            Database.from_url(url).upgrade()
            yield url
        return
    admin = make_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {BENCH_SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {BENCH_SCHEMA}"))
    admin.dispose()
    url = f"{PG_URL}?options=-csearch_path%3D{BENCH_SCHEMA}"
    Database.from_url(url).upgrade()
    yield url


@contextmanager
def server(database_url: str, *, worker: bool = False, config: Path | None = None, processes: int = 1) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "TRUSTOPS_DATABASE_URL": database_url,
        "TRUSTOPS_SECRET_KEY": "bench-" * 8,
        "TRUSTOPS_WORKER": "true" if worker else "false",
    }
    args = [sys.executable, "-m", "trustops", "serve", "--port", str(port), "--workers", str(processes)]
    if config is not None:
        args += ["--config", str(config)]
    with tempfile.TemporaryDirectory() as cwd:
        process = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait(base + "/healthz", process)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=30)


def _wait(url: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not answer at {url}")


@dataclass(frozen=True)
class WrkResult:
    requests: int
    non_2xx: int
    per_second: float
    p50_ms: float
    p99_ms: float


def wrk(url: str, *, script: Path, seconds: int, connections: int, threads: int = 1) -> WrkResult:
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return WrkResult(
        requests=int(re.search(r"(\d+) requests in", out).group(1)),  # type: ignore[union-attr]
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        p50_ms=_ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
        p99_ms=_ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
    )


def _ms(value: str) -> float:
    number = float(re.match(r"[\d.]+", value).group(0))  # type: ignore[union-attr]
    unit = value[len(re.match(r"[\d.]+", value).group(0)) :]  # type: ignore[union-attr]
    return number * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def median(values: list[float]) -> float:
    return statistics.median(values)
