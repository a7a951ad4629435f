"""One trust store for every outbound TLS connection: a private CA the system trusts is trusted by HTTPS
probes, TLS probes and e-mail alike, and certifi's public roots stay trusted beside it."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink

from tests.servers import free_port
from trustops import http
from trustops.comms.channels import email
from trustops.monitor.probes import run_probe

from .conftest import Ca, Shop, server_context

StartShop = Callable[[timedelta], Shop]


@pytest.fixture
def system_trusting(monkeypatch: pytest.MonkeyPatch, ca: Ca) -> Iterator[None]:
    """The test CA installed as the system's trust store (``SSL_CERT_FILE``, read by OpenSSL)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.pem))
    http.ssl_context.cache_clear()
    yield
    http.ssl_context.cache_clear()


@pytest.mark.usefixtures("system_trusting")
def test_a_ca_the_system_trusts_is_trusted_by_https_and_tls_probes(https_shop: StartShop) -> None:
    shop = https_shop(timedelta(days=30))
    assert run_probe({"type": "http", "url": f"{shop.url}/health", "timeout": 2}).ok
    outcome = run_probe({"type": "tls", "host": "127.0.0.1", "port": shop.port, "timeout": 2})
    assert outcome.ok, outcome.error


@pytest.mark.usefixtures("system_trusting")
def test_public_roots_from_certifi_stay_trusted_beside_the_system_store() -> None:
    subjects = {
        dict(item[0] for item in cert["subject"]).get("commonName") for cert in http.ssl_context().get_ca_certs()
    }
    assert "trustops test CA" in subjects and "ISRG Root X1" in subjects  # Let's Encrypt's root, from certifi


@pytest.fixture
def smtps(ca: Ca, tmp_path: Path) -> Iterator[int]:
    """An SMTP server speaking TLS from the first byte (as on port 465), with a certificate from ``ca``."""
    port = free_port()
    tls = server_context(ca, tmp_path, expires_in=timedelta(days=30))
    controller = Controller(Sink(), hostname="127.0.0.1", port=port, ssl_context=tls)
    controller.start()
    yield port
    controller.stop()


def test_implicit_tls_e_mail_checks_the_servers_certificate(smtps: int) -> None:
    http.ssl_context.cache_clear()
    with pytest.raises(ssl.SSLCertVerificationError):
        email._connect("127.0.0.1", smtps, implicit_tls=True)


@pytest.mark.usefixtures("system_trusting")
def test_implicit_tls_e_mail_to_a_trusted_server_gets_through(smtps: int) -> None:
    with email._connect("127.0.0.1", smtps, implicit_tls=True) as smtp:
        assert smtp.noop()[0] == 250
    assert isinstance(smtp, smtplib.SMTP_SSL)
