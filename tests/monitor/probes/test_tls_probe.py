from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from trustops.monitor.probes import run_probe, tls

from .conftest import Ca, Shop

StartShop = Callable[[timedelta], Shop]


def tls_check(port: int, **fields: Any) -> dict[str, Any]:
    return {"type": "tls", "host": "127.0.0.1", "port": port, "timeout": 0.3, **fields}


@pytest.fixture
def trusting_our_ca(monkeypatch: pytest.MonkeyPatch, ca: Ca) -> None:
    monkeypatch.setattr(tls, "ssl_context", ca.trusting_context)


@pytest.mark.usefixtures("trusting_our_ca")
def test_a_certificate_with_a_month_left_passes(https_shop: StartShop) -> None:
    outcome = run_probe(tls_check(https_shop(timedelta(days=30)).port))
    assert outcome.ok, outcome.error
    assert outcome.details["cert_days_left"] == pytest.approx(30, abs=0.01)
    assert outcome.details["ip"] == "127.0.0.1"


@pytest.mark.usefixtures("trusting_our_ca")
def test_a_certificate_expiring_within_min_days_left_fails(https_shop: StartShop) -> None:
    port = https_shop(timedelta(days=2)).port
    outcome = run_probe(tls_check(port, min_days_left=14))
    assert not outcome.ok
    assert outcome.error == f"certificate of 127.0.0.1:{port} expires in 2.0 days (minimum 14)"
    assert run_probe(tls_check(port, min_days_left=1)).ok


@pytest.mark.usefixtures("trusting_our_ca")
def test_an_expired_certificate_fails_the_handshake(https_shop: StartShop) -> None:
    port = https_shop(timedelta(days=-1)).port
    outcome = run_probe(tls_check(port))
    assert outcome.error == f"certificate of 127.0.0.1:{port} is not trusted: certificate has expired"


def test_an_untrusted_certificate_fails_against_the_system_trust_store(https_shop: StartShop) -> None:
    port = https_shop(timedelta(days=30)).port
    outcome = run_probe(tls_check(port))
    assert not outcome.ok
    assert outcome.error == f"certificate of 127.0.0.1:{port} is not trusted: unable to get local issuer certificate"


def test_a_server_that_does_not_speak_tls_fails_the_handshake(shop: Shop) -> None:
    outcome = run_probe(tls_check(shop.port))
    assert outcome.error is not None
    assert outcome.error.startswith(f"TLS handshake with 127.0.0.1:{shop.port} failed: ")


def test_a_closed_port_fails_with_the_refusal(closed_port: int) -> None:
    outcome = run_probe(tls_check(closed_port))
    assert outcome.error == f"cannot connect to 127.0.0.1:{closed_port}: Connection refused"
