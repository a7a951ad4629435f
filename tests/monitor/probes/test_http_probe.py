from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from trustops import http
from trustops.monitor.probes import run_probe

from .conftest import Ca, Shop

TIMEOUT = 0.3


def http_check(url: str, **fields: Any) -> dict[str, Any]:
    return {"type": "http", "url": url, "timeout": TIMEOUT, **fields}


def test_a_healthy_endpoint_passes_the_default_status_condition(shop: Shop) -> None:
    outcome = run_probe(http_check(f"{shop.url}/health"))
    assert outcome.ok
    assert outcome.error is None
    assert outcome.details == {"status": 200, "ip": "127.0.0.1"}
    assert outcome.response_ms is not None and 0 < outcome.response_ms < 1000


def test_a_503_fails_with_the_status_it_got(shop: Shop) -> None:
    shop.state.mode = "down"
    outcome = run_probe(http_check(f"{shop.url}/health"))
    assert not outcome.ok
    assert outcome.error == "[STATUS] == 200 (was 503)"
    assert outcome.details["status"] == 503


def test_conditions_read_the_json_body(shop: Shop) -> None:
    conditions = ["[STATUS] < 500", "[BODY].status == UP", "[BODY].data[0].id == 7"]
    assert run_probe(http_check(f"{shop.url}/health", conditions=conditions)).ok
    shop.state.mode = "down"
    assert run_probe(http_check(f"{shop.url}/health", conditions=conditions)).error == "[STATUS] < 500 (was 503)"


def test_a_body_condition_reports_the_value_it_found(shop: Shop) -> None:
    shop.state.mode = "down"
    outcome = run_probe(http_check(f"{shop.url}/health", conditions=["[BODY].status == UP"]))
    assert outcome.error == "[BODY].status == UP (was DOWN)"


def test_a_response_time_condition_is_in_milliseconds(shop: Shop) -> None:
    assert run_probe(http_check(f"{shop.url}/health", conditions=["[RESPONSE_TIME] < 2000"])).ok
    outcome = run_probe(http_check(f"{shop.url}/health", conditions=["[RESPONSE_TIME] < 0"]))
    assert outcome.error is not None and outcome.error.startswith("[RESPONSE_TIME] < 0 (was ")


def test_a_server_slower_than_the_timeout_fails_as_a_timeout(shop: Shop) -> None:
    shop.state.mode = "slow"
    outcome = run_probe(http_check(f"{shop.url}/health"))
    assert not outcome.ok
    assert outcome.error == "timed out after 0.3s (ReadTimeout)"
    assert outcome.response_ms is None


def test_a_closed_port_fails_with_the_connection_error_and_no_secrets(closed_port: int) -> None:
    spec = http_check(f"http://127.0.0.1:{closed_port}/health?token=s3cret", headers={"Authorization": "Bearer s3cret"})
    outcome = run_probe(spec)
    assert not outcome.ok
    assert outcome.error is not None and outcome.error.startswith("request failed: ")
    assert "refused" in outcome.error
    assert "s3cret" not in outcome.error and "\n" not in outcome.error


def test_redirects_are_not_followed(shop: Shop) -> None:
    outcome = run_probe(http_check(f"{shop.url}/old"))
    assert outcome.error == "[STATUS] == 200 (was 302)"


def test_it_sends_the_method_headers_and_body_of_the_check(shop: Shop) -> None:
    spec = http_check(
        f"{shop.url}/orders",
        method="POST",
        headers={"X-Probe": "yes"},
        body='{"dry_run": true}',
        conditions=["[STATUS] == 201", "[BODY] == created"],
    )
    assert run_probe(spec).ok
    [request] = shop.state.requests
    assert request["method"] == "POST"
    assert request["headers"]["X-Probe"] == "yes"
    assert request["headers"]["User-Agent"].startswith("trustops/")
    assert request["body"] == b'{"dry_run": true}'


def test_the_outbound_client_seam_carries_probes_too() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"status": "UP"})

    with http.use_transport(httpx.MockTransport(handler)):
        outcome = run_probe(http_check("https://shop.example/health", conditions=["[BODY].status == UP"]))
    assert outcome.ok
    assert outcome.details == {"status": 200}


def test_a_certificate_condition_fails_clearly_when_no_certificate_was_seen(shop: Shop) -> None:
    outcome = run_probe(http_check(f"{shop.url}/health", conditions=["[CERTIFICATE_EXPIRATION] > 48h"]))
    assert outcome.error == (
        "[CERTIFICATE_EXPIRATION] > 48h (no certificate: not a TLS connection, or its certificate could not be read)"
    )


def test_https_fills_the_certificate_expiration(https_shop: Callable[[timedelta], Shop], ca: Ca) -> None:
    shop = https_shop(timedelta(days=2))
    spec = http_check(f"{shop.url}/health", conditions=["[CERTIFICATE_EXPIRATION] > 24h"])
    with http.use_transport(httpx.HTTPTransport(verify=ca.trusting_context())):
        assert run_probe(spec).ok
        outcome = run_probe({**spec, "conditions": ["[CERTIFICATE_EXPIRATION] > 48h"]})
    assert outcome.error == "[CERTIFICATE_EXPIRATION] > 48h (was 1d 23h)"
    assert outcome.details["cert_days_left"] == pytest.approx(2, abs=0.01)


def test_https_to_an_untrusted_certificate_fails_by_default(https_shop: Callable[[timedelta], Shop]) -> None:
    shop = https_shop(timedelta(days=30))
    outcome = run_probe(http_check(f"{shop.url}/health"))
    assert not outcome.ok
    assert outcome.error == (
        "request failed: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate"
    )
