"""TCP probe: can a connection be opened within the timeout? Fills ``[CONNECTED]``."""

from __future__ import annotations

import socket
import time
from typing import Any

from trustops.monitor.probes.conditions import ProbeContext, first_failure, parse_condition
from trustops.monitor.probes.outcome import ProbeOutcome, connection_error

DEFAULT_CONDITIONS = ("[CONNECTED] == true",)


def run(spec: dict[str, Any]) -> ProbeOutcome:
    conditions = [parse_condition(text) for text in spec.get("conditions", DEFAULT_CONDITIONS)]
    ctx, refusal = _connect(spec["host"], int(spec["port"]), float(spec.get("timeout", 10.0)))
    failure = first_failure(conditions, ctx)
    details = {"connected": ctx.connected} | ({"ip": ctx.ip} if ctx.ip else {})
    if failure is None:
        return ProbeOutcome(True, ctx.response_ms, None, details)
    # "Connection refused" says more than "[CONNECTED] == true (was false)".
    return ProbeOutcome(False, ctx.response_ms, refusal or failure, details)


def _connect(host: str, port: int, timeout: float) -> tuple[ProbeContext, str | None]:
    started = time.perf_counter()
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            ip = str(sock.getpeername()[0])
    except OSError as exc:
        return ProbeContext(connected=False), connection_error(host, port, exc, timeout)
    return ProbeContext(connected=True, ip=ip, response_ms=(time.perf_counter() - started) * 1000), None
