"""The one factory for outbound HTTP clients.

Every call trustops makes to a third party (probes, webhooks, notification channels) goes through
:func:`client`, so timeouts and the User-Agent are set in one place and tests swap the transport for an
``httpx.MockTransport`` with :func:`use_transport`.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import TypeAlias

import certifi
import httpcore
import httpx

from trustops import __version__

USER_AGENT = f"trustops/{__version__}"
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)

# httpcore's SOCKET_OPTION, which it does not export.
SocketOption: TypeAlias = tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]

_transport: httpx.BaseTransport | None = None


class NotPublic(httpx.TransportError):
    """A destination that is, or resolves to, a loopback, private, link-local or otherwise non-global address."""


def client(
    *, timeout: float | httpx.Timeout | None = None, follow_redirects: bool = False, public_only: bool = False
) -> httpx.Client:
    """A new outbound client; close it (``with client() as c:``) when done.

    ``public_only`` is for URLs that strangers give us (status-page webhook subscribers): the client then
    connects only to global addresses, checked after name resolution and connected to by number, so a name
    that resolves, or re-resolves, into our own network raises :class:`NotPublic`. It connects directly,
    ignoring proxy settings from the environment, as a proxy would connect where we could not check.
    """
    transport = _transport
    if transport is None and public_only:
        transport = _public_transport()
    return httpx.Client(
        transport=transport,
        verify=ssl_context(),
        timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
        follow_redirects=follow_redirects,
        headers={"User-Agent": USER_AGENT},
        trust_env=not public_only,
    )


@cache
def ssl_context() -> ssl.SSLContext:
    """The one trust store of every outbound TLS connection (probes, webhooks, e-mail): certifi's CA bundle,
    which a slim container may lack a system copy of, plus the system's, where a private CA is usually
    installed (``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` move it). Read once per process."""
    context = ssl.create_default_context(cafile=certifi.where())
    context.load_default_certs()
    return context


def public_address(host: str, port: int) -> str:
    """The address to connect to for ``host``; raises :class:`NotPublic` if any address it has is not global.

    Every address is checked, not only the first: a name with one public and one private address could
    otherwise be tried on the private one.
    """
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise httpx.ConnectError(f"{host}: cannot resolve ({exc})") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    private = [address for address in addresses if not is_global_address(address)]
    if private or not addresses:
        raise NotPublic(f"{host} resolves to a local or private address ({', '.join(private)}); not connecting")
    return addresses[0]


def is_global_address(address: str) -> bool:
    """Whether an IP address (IPv4, IPv6 with or without a zone, IPv4 inside IPv6) is global and not multicast;
    ValueError when ``address`` is no IP address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class _PublicBackend(httpcore.SyncBackend):
    """httpcore's own sockets, opened only to the checked address (TLS still verifies the host name)."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.NetworkStream:
        return super().connect_tcp(public_address(host, port), port, timeout, local_address, socket_options)


def _public_transport() -> httpx.HTTPTransport:
    transport = httpx.HTTPTransport(verify=ssl_context())  # not a TLS context of its own, made and thrown away
    # The transport maps httpcore's errors to httpx's; only its pool needs our network backend.
    transport._pool = httpcore.ConnectionPool(ssl_context=ssl_context(), network_backend=_PublicBackend())
    return transport


@contextmanager
def use_transport(transport: httpx.BaseTransport) -> Iterator[None]:
    """Route every client made inside the block through ``transport`` (for tests)."""
    global _transport
    previous, _transport = _transport, transport
    try:
        yield
    finally:
        _transport = previous
