"""Fixtures of the comms tests: a real SMTP server and a status page's components."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from tests.factories import make_component
from tests.servers import Inbox, smtp_server


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as found:
        yield found


@pytest.fixture
def page_components(session: Session) -> None:
    make_component(session, "checkout", name="Checkout")
    make_component(session, "search", name="Search", criticality="standard")
    make_component(session, "ledger", name="Ledger DB", visibility="internal")
