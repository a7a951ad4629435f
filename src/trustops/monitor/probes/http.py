"""HTTP(S) probe: one request, no redirects, judged by Gatus-style conditions (default ``[STATUS] == 200``)."""

from __future__ import annotations

import ssl
import time
from datetime import timedelta
from typing import Any

import httpx

from trustops import clock
from trustops import http as outbound
from trustops.monitor.probes.conditions import ProbeContext, first_failure, parse_condition
from trustops.monitor.probes.outcome import ProbeOutcome, describe

DEFAULT_CONDITIONS = ("[STATUS] == 200",)
# Enough for any health endpoint; a probe must not buffer a multi-gigabyte download.
MAX_BODY_BYTES = 1_048_576


def run(spec: dict[str, Any]) -> ProbeOutcome:
    conditions = [parse_condition(text) for text in spec.get("conditions", DEFAULT_CONDITIONS)]
    timeout = float(spec.get("timeout", 10.0))
    try:
        ctx = _request(spec, timeout)
    except httpx.TimeoutException as exc:
        return ProbeOutcome(False, None, f"timed out after {timeout:g}s ({type(exc).__name__})", {})
    except httpx.HTTPError as exc:
        return ProbeOutcome(False, None, f"request failed: {describe(exc)}", {})
    failure = first_failure(conditions, ctx)
    return ProbeOutcome(failure is None, ctx.response_ms, failure, _details(ctx))


def _request(spec: dict[str, Any], timeout: float) -> ProbeContext:
    method, url = spec.get("method", "GET"), spec["url"]
    with outbound.client(timeout=timeout) as client:
        started = time.perf_counter()
        with client.stream(method, url, headers=spec.get("headers"), content=spec.get("body")) as response:
            # Read the peer while the connection is open; it goes back to the pool once the body is read.
            ip, cert_expires_in = _peer(response)
            body = _read_capped(response)
            response_ms = (time.perf_counter() - started) * 1000
    return ProbeContext(
        status=response.status_code,
        response_ms=response_ms,
        ip=ip,
        body=body,
        connected=True,
        cert_expires_in=cert_expires_in,
    )


def _peer(response: httpx.Response) -> tuple[str | None, timedelta | None]:
    stream = response.extensions.get("network_stream")
    if stream is None:  # e.g. httpx.MockTransport in tests
        return None, None
    address = stream.get_extra_info("server_addr")
    ip = str(address[0]) if isinstance(address, tuple) else None
    return ip, _cert_expires_in(stream.get_extra_info("ssl_object"))


def _cert_expires_in(ssl_object: Any) -> timedelta | None:
    # httpcore hands out the private ``_ssl._SSLSocket``, not an ``ssl.SSLObject``: duck-type it.
    getpeercert = getattr(ssl_object, "getpeercert", None)
    if not callable(getpeercert):
        return None
    not_after = (getpeercert() or {}).get("notAfter")
    if not isinstance(not_after, str):
        return None
    return timedelta(seconds=ssl.cert_time_to_seconds(not_after) - clock.now().timestamp())


def _read_capped(response: httpx.Response) -> str:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_BODY_BYTES:
            break
    content = b"".join(chunks)[:MAX_BODY_BYTES]
    try:
        return content.decode(response.encoding or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know, straight from the Content-Type header
        return content.decode("utf-8", errors="replace")


def _details(ctx: ProbeContext) -> dict[str, Any]:
    details: dict[str, Any] = {"status": ctx.status}
    if ctx.ip is not None:
        details["ip"] = ctx.ip
    if ctx.cert_expires_in is not None:
        details["cert_days_left"] = round(ctx.cert_expires_in.total_seconds() / 86_400, 2)
    return details
