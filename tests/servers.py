"""Real servers on ephemeral 127.0.0.1 ports: uvicorn in a thread, for browser and client tests; trustops itself
served that way over a SQLite file of its own; a plain HTTP server that records what reaches it; and an SMTP
server (aiosmtpd) that keeps what it accepts."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from email.message import Message as Mail
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler
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


def free_port() -> int:
    """A port nothing listens on: bound once to learn a free number, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox(MessageHandler):
    """What an SMTP server accepted; it refuses the addresses in ``refused``, as a real one refuses unknown
    mailboxes."""

    def __init__(self, refused: Collection[str] = ()) -> None:
        super().__init__()
        self.refused = set(refused)
        self.messages: list[Mail] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refused:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def handle_message(self, message: Mail) -> None:
        self.messages.append(message)


@contextmanager
def smtp_server(inbox: Inbox | None = None) -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server (aiosmtpd, no TLS) until the block ends; yields its inbox and port."""
    inbox = inbox or Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


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

    with http_server(Handler) as port:
        yield port, seen


@contextmanager
def http_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[int]:
    """``handler`` served on 127.0.0.1 in a thread until the block ends; yields the port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="test-http", daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
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
