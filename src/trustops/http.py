"""The one factory for outbound HTTP clients.

Every call trustops makes to a third party (probes, webhooks, notification channels) goes through
:func:`client`, so timeouts and the User-Agent are set in one place and tests swap the transport for an
``httpx.MockTransport`` with :func:`use_transport`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from trustops import __version__

USER_AGENT = f"trustops/{__version__}"
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)

_transport: httpx.BaseTransport | None = None


def client(*, timeout: float | httpx.Timeout | None = None, follow_redirects: bool = False) -> httpx.Client:
    """A new outbound client; close it (``with client() as c:``) when done."""
    return httpx.Client(
        transport=_transport,
        timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
        follow_redirects=follow_redirects,
        headers={"User-Agent": USER_AGENT},
    )


@contextmanager
def use_transport(transport: httpx.BaseTransport) -> Iterator[None]:
    """Route every client made inside the block through ``transport`` (for tests)."""
    global _transport
    previous, _transport = _transport, transport
    try:
        yield
    finally:
        _transport = previous
