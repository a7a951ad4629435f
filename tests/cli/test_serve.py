from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from trustops.cli import app
from trustops.cli.state import CliState
from trustops.config import Settings

CATALOG = "components:\n  - id: login\n    name: Login\n    criticality: critical_moment\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_never_starts_on_an_invalid_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[object] = []
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: started.append(a))
    bad = tmp_path / "trustops.yaml"
    bad.write_text("components:\n  - id: login\n    name: Login\n    value_weight: lots\n")
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path}/t.db", secret_key="s" * 40)  # type: ignore[call-arg]
    result = CliRunner().invoke(app, ["serve", "--config", str(bad)], obj=CliState(settings))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{bad}:4: components[0].value_weight: 'lots':")
    assert started == []


def test_serve_refuses_a_missing_catalog_it_was_pointed_at(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: pytest.fail("server started"))
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path}/t.db", secret_key="s" * 40)  # type: ignore[call-arg]
    result = CliRunner().invoke(app, ["serve", "--config", str(tmp_path / "nope.yaml")], obj=CliState(settings))
    assert result.exit_code == 1
    assert "cannot read file" in result.stderr


def test_serve_migrates_the_embedded_store_syncs_the_catalog_and_answers(tmp_path: Path) -> None:
    (tmp_path / "trustops.yaml").write_text(CATALOG)
    port = free_port()
    env = {**os.environ, "TRUSTOPS_SECRET_KEY": "s" * 40}
    env.pop("TRUSTOPS_DATABASE_URL", None)
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "trustops", "serve", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        health = _wait_for(f"http://127.0.0.1:{port}/healthz", server, tmp_path / "server.log")
        assert health.json()["status"] == "ok"
        assert httpx.get(f"http://127.0.0.1:{port}/login").status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
    listed = subprocess.run(
        [sys.executable, "-m", "trustops", "component", "list"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert listed.stdout.split()[:2] == ["login", "operational"]


def test_demo_seeds_a_shop_a_newcomer_can_explore(tmp_path: Path) -> None:
    env = {**os.environ, "TRUSTOPS_SECRET_KEY": "s" * 40, "COLUMNS": "200"}
    result = subprocess.run(
        [sys.executable, "-m", "trustops", "demo", "--no-serve"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "Demo ready: http://127.0.0.1:8000  (log in as admin / trustops-demo)" in result.stdout
    env["TRUSTOPS_DATABASE_URL"] = "sqlite:///trustops-demo.db"
    incidents = subprocess.run(
        [sys.executable, "-m", "trustops", "incident", "list"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    ).stdout
    assert "Product images load slowly" in incidents and "Card payments declined" in incidents


def _wait_for(url: str, server: subprocess.Popen[bytes], log: Path, seconds: float = 20) -> httpx.Response:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return httpx.get(url)
        except httpx.TransportError:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"server did not answer at {url}:\n{log.read_text()}")
            time.sleep(0.1)


def test_serve_reads_the_client_address_from_trusted_proxies_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[dict[str, object]] = []
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: runs.append(k))
    catalog = tmp_path / "trustops.yaml"
    catalog.write_text("components:\n  - id: login\n    name: Login\n")
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path}/t.db", secret_key="s" * 40, worker=False)  # type: ignore[call-arg]
    for extra, trusted in (([], "127.0.0.1"), (["--forwarded-allow-ips", "10.0.0.2,10.0.0.3"], "10.0.0.2,10.0.0.3")):
        result = CliRunner().invoke(app, ["serve", "--config", str(catalog), *extra], obj=CliState(settings))
        assert result.exit_code == 0, result.output
        assert runs[-1]["proxy_headers"] is True and runs[-1]["forwarded_allow_ips"] == trusted
        assert runs[-1]["access_log"] is False  # no log of client addresses
