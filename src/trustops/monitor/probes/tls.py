"""TLS probe: handshake, verify the chain, and fail when the certificate expires within ``min_days_left``."""

from __future__ import annotations

import socket
import ssl
import time
from typing import Any

from trustops import clock
from trustops import http as outbound
from trustops.monitor.probes.outcome import ProbeOutcome, connection_error, describe


def ssl_context() -> ssl.SSLContext:
    """The trust store certificates are verified against, the same as HTTPS probes use (certifi's and the
    system's). Tests swap in their own CA."""
    return outbound.ssl_context()


def run(spec: dict[str, Any]) -> ProbeOutcome:
    host, port = spec["host"], int(spec.get("port", 443))
    timeout, min_days = float(spec.get("timeout", 10.0)), float(spec.get("min_days_left", 14))
    started = time.perf_counter()
    try:
        ip, cert = _handshake(host, port, timeout)
    except ssl.SSLCertVerificationError as exc:
        return _failed(f"certificate of {host}:{port} is not trusted: {exc.verify_message}")
    except ssl.SSLError as exc:
        return _failed(f"TLS handshake with {host}:{port} failed: {exc.reason or describe(exc)}")
    except OSError as exc:
        return _failed(connection_error(host, port, exc, timeout))
    response_ms = (time.perf_counter() - started) * 1000
    not_after = cert.get("notAfter")
    if not isinstance(not_after, str):
        return ProbeOutcome(False, response_ms, f"certificate of {host}:{port} has no readable expiry", {"ip": ip})
    days_left = (ssl.cert_time_to_seconds(not_after) - clock.now().timestamp()) / 86_400
    details = {"ip": ip, "cert_days_left": round(days_left, 2), "not_after": not_after}
    if days_left < min_days:
        error = f"certificate of {host}:{port} expires in {days_left:.1f} days (minimum {min_days:g})"
        return ProbeOutcome(False, response_ms, error, details)
    return ProbeOutcome(True, response_ms, None, details)


def _handshake(host: str, port: int, timeout: float) -> tuple[str, dict[str, Any]]:
    with (
        socket.create_connection((host, port), timeout=timeout) as raw,
        ssl_context().wrap_socket(raw, server_hostname=host) as tls,
    ):
        return str(tls.getpeername()[0]), dict(tls.getpeercert() or {})


def _failed(error: str) -> ProbeOutcome:
    return ProbeOutcome(False, None, error, {})
