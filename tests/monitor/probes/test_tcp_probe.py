from __future__ import annotations

from typing import Any

from trustops.monitor.probes import run_probe


def tcp_check(port: int, **fields: Any) -> dict[str, Any]:
    return {"type": "tcp", "host": "127.0.0.1", "port": port, "timeout": 0.3, **fields}


def test_a_listening_port_is_connected(tcp_listener: int) -> None:
    outcome = run_probe(tcp_check(tcp_listener))
    assert outcome.ok
    assert outcome.details == {"connected": True, "ip": "127.0.0.1"}
    assert outcome.response_ms is not None


def test_a_closed_port_fails_with_the_refusal(closed_port: int) -> None:
    outcome = run_probe(tcp_check(closed_port))
    assert not outcome.ok
    assert outcome.error == f"cannot connect to 127.0.0.1:{closed_port}: Connection refused"
    assert outcome.details == {"connected": False}
