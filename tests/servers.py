"""A real uvicorn server in a thread, on an ephemeral 127.0.0.1 port, for browser and client tests; trustops
itself served that way over a SQLite file of its own; and a plain HTTP server that records what reaches it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy.orm import Session

from trustops.catalog.schema import CatalogFile
from trustops.config import Settings
from trustops.db import Database
from trustops.web.app import create_app


@contextmanager
def live_server(app: FastAPI) -> Iterator[int]:
    """Serve ``app`` until the block ends; yields the port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # log_config=None leaves the process's logging set-up alone; uvicorn's errors still reach pytest.
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", log_config=None))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            pytest.fail("the uvicorn server did not start")
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
    assert not thread.is_alive(), "the uvicorn server did not stop"


@contextmanager
def recording_server() -> Iterator[tuple[int, list[str]]]:
    """An HTTP server on 127.0.0.1 that answers 204 to anything; yields its port and the paths asked for."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            seen.append(self.path)
            self.send_response(204)
            self.end_headers()

        do_GET = do_POST = _answer

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class names it so
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="recording-http", daemon=True)
    thread.start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def resolving(monkeypatch: pytest.MonkeyPatch, name: str, *addresses: str) -> None:
    """Make ``name`` resolve to ``addresses``, as a DNS server we do not control could."""
    real = socket.getaddrinfo

    def fake(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host != name:
            return real(host, port, *args, **kwargs)
        family = {True: socket.AF_INET6, False: socket.AF_INET}
        return [(family[":" in a], socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", fake)


@contextmanager
def served_sqlite(
    directory: Path, fill: Callable[[Session], object], *, catalog: CatalogFile | None = None, **settings: Any
) -> Iterator[tuple[str, Database]]:
    """A migrated SQLite file in ``directory``, written by ``fill`` (committed), served by trustops on a loopback
    port until the block ends: yields the base URL and the database. ``settings`` override the defaults (a fixed
    secret, no worker)."""
    url = f"sqlite:///{directory}/trustops.db"
    database = Database.from_url(url)
    database.upgrade()
    with database.session() as session:
        fill(session)
    options = {"secret_key": "s" * 40, "worker": False, **settings}
    config = Settings(_env_file=None, database_url=url, **options)  # type: ignore[call-arg]
    try:
        with live_server(create_app(config, database=database, catalog=catalog or CatalogFile())) as port:
            yield f"http://127.0.0.1:{port}", database
    finally:
        database.dispose()
