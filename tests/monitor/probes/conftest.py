"""Real servers on 127.0.0.1 for the probes to call: HTTP(S), a bare TCP listener, a tiny DNS server.

Every server binds an ephemeral port, runs in a thread and is shut down (and its sockets closed) when
the test ends, so nothing outlives the test and no ResourceWarning turns into an error.
"""

from __future__ import annotations

import json
import socket
import socketserver
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.servers import free_port

SHOP_NAME = "shop.test."
SHOP_ADDRESS = "192.0.2.10"

# --- HTTP(S) -------------------------------------------------------------------------------------


@dataclass
class ShopState:
    mode: str = "up"  # "up" answers 200, "down" 503, "slow" waits until the test ends
    requests: list[dict[str, Any]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() then joins the handler threads
    tls: ssl.SSLContext | None = None
    state: ShopState

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        if self.tls is not None:
            # The handshake happens on the handler's first read, off the accept loop.
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Probes hang up early on purpose (timeouts, refused certificates); that is not news."""


class _ShopHandler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        state = self.server.state
        state.requests.append({"method": self.command, "path": self.path, "headers": dict(self.headers)})
        if self.path == "/old":
            self._answer(302, b"", {"Location": "/health"})
        elif state.mode == "slow":
            state.release.wait(5)
        else:
            up = state.mode == "up"
            body = json.dumps({"status": "UP" if up else "DOWN", "data": [{"id": 7}]}).encode()
            self._answer(200 if up else 503, body, {"Content-Type": "application/json"})

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.state.requests.append({"method": self.command, "headers": dict(self.headers), "body": body})
        self._answer(201, b"created", {})

    def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Shop:
    url: str
    port: int
    state: ShopState


@contextmanager
def _serve(tls: ssl.SSLContext | None = None) -> Iterator[Shop]:
    server = _Server(("127.0.0.1", 0), _ShopHandler)
    server.state, server.tls = ShopState(), tls
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    port = server.server_address[1]
    try:
        yield Shop(f"{'https' if tls else 'http'}://127.0.0.1:{port}", port, server.state)
    finally:
        server.state.release.set()
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def shop() -> Iterator[Shop]:
    """A shop whose /health answers 200 ``{"status": "UP"}``; set ``shop.state.mode`` to break it."""
    with _serve() as shop:
        yield shop


@pytest.fixture
def closed_port() -> int:
    """A port nothing listens on: bound once to learn a free number, then released."""
    return free_port()


@pytest.fixture
def tcp_listener() -> Iterator[int]:
    """A port that accepts connections (the kernel completes them from the backlog)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield int(sock.getsockname()[1])


# --- certificates --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ca:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    pem: Path

    def trusting_context(self) -> ssl.SSLContext:
        """A client context that trusts this CA only, as a monkeypatched ``ssl_context()`` returns."""
        return ssl.create_default_context(cafile=str(self.pem))


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@pytest.fixture(scope="session")
def ca(tmp_path_factory: pytest.TempPathFactory) -> Ca:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("trustops test CA"))
        .issuer_name(_name("trustops test CA"))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=400))
        .not_valid_after(now + timedelta(days=400))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem = tmp_path_factory.mktemp("ca") / "ca.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return Ca(cert, key, pem)


def server_context(ca: Ca, tmp_path: Path, *, expires_in: timedelta) -> ssl.SSLContext:
    """A server context whose certificate, signed by ``ca``, covers 127.0.0.1 and expires as asked."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + expires_in - timedelta(days=90))
        .not_valid_after(now + expires_in)
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.OID_SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False,
        )
        .sign(ca.key, hashes.SHA256())
    )
    chain = tmp_path / f"server-{cert.serial_number}.pem"
    chain.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain)
    return context


@pytest.fixture
def https_shop(ca: Ca, tmp_path: Path) -> Iterator[Callable[[timedelta], Shop]]:
    """Start the shop over TLS with a certificate (signed by ``ca``) that expires in the given time."""
    with ExitStack() as servers:

        def start(expires_in: timedelta) -> Shop:
            return servers.enter_context(_serve(server_context(ca, tmp_path, expires_in=expires_in)))

        yield start


# --- DNS -----------------------------------------------------------------------------------------


class _DnsHandler(socketserver.BaseRequestHandler):
    """Answers A for shop.test, nothing (NOERROR) for its other types, NXDOMAIN for every other name."""

    def handle(self) -> None:
        data, sock = self.request
        query = dns.message.from_wire(data)
        response = dns.message.make_response(query)
        question = query.question[0]
        if question.name != dns.name.from_text(SHOP_NAME):
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif question.rdtype == dns.rdatatype.A:
            response.answer.append(dns.rrset.from_text(question.name, 60, "IN", "A", SHOP_ADDRESS))
        sock.sendto(response.to_wire(), self.client_address)


@pytest.fixture
def nameserver() -> Iterator[str]:
    """``127.0.0.1:PORT`` of a DNS server that knows only shop.test."""
    server = socketserver.UDPServer(("127.0.0.1", 0), _DnsHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def silent_nameserver() -> Iterator[str]:
    """A UDP port that takes queries and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"127.0.0.1:{sock.getsockname()[1]}"
