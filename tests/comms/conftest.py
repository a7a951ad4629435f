"""Fixtures of the comms tests: a real SMTP server and a status page's components."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email.message import Message as Mail

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler
from sqlalchemy.orm import Session

from tests.factories import make_component


class Inbox(MessageHandler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[Mail] = []

    def handle_message(self, message: Mail) -> None:
        self.messages.append(message)


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def page_components(session: Session) -> None:
    make_component(session, "checkout", name="Checkout")
    make_component(session, "search", name="Search", criticality="standard")
    make_component(session, "ledger", name="Ledger DB", visibility="internal")
