"""DNS probe: ask one nameserver directly; healthy when it answers NOERROR with records of the type."""

from __future__ import annotations

import re
import socket
import time
from typing import Any

import dns.exception
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.resolver

from trustops.monitor.probes.outcome import ProbeOutcome, describe

_BRACKETED = re.compile(r"\[([^\]]+)\](?::(\d+))?")  # [2001:db8::53]:5353


def run(spec: dict[str, Any]) -> ProbeOutcome:
    name, record_type = spec["query_name"], spec.get("record_type", "A")
    timeout = float(spec.get("timeout", 10.0))
    started = time.perf_counter()
    try:
        where, port = _nameserver(spec.get("nameserver"))
        query = dns.message.make_query(name, record_type)
        response, _ = dns.query.udp_with_fallback(query, where, timeout=timeout, port=port)
    except dns.exception.Timeout:
        return ProbeOutcome(False, None, f"no DNS answer within {timeout:g}s", {})
    except (dns.exception.DNSException, OSError, ValueError) as exc:
        return ProbeOutcome(False, None, f"DNS query failed: {describe(exc)}", {})
    response_ms = (time.perf_counter() - started) * 1000
    rcode = dns.rcode.to_text(response.rcode())
    answers = _answers(response, record_type)
    return ProbeOutcome(
        rcode == "NOERROR" and bool(answers),
        response_ms,
        _error(name, record_type, rcode, answers),
        {"rcode": rcode, "answers": answers},
    )


def _answers(response: dns.message.Message, record_type: str) -> list[str]:
    wanted = dns.rdatatype.from_text(record_type)
    return [rdata.to_text() for rrset in response.answer if rrset.rdtype == wanted for rdata in rrset]


def _error(name: str, record_type: str, rcode: str, answers: list[str]) -> str | None:
    if rcode != "NOERROR":
        return f"{rcode} for {name} {record_type}"
    return None if answers else f"no {record_type} records for {name}"


def _nameserver(text: str | None) -> tuple[str, int]:
    """The address and port to ask: the given ``host``, ``host:port`` or ``[v6]:port``, else the system's."""
    if text is None:
        return _system_nameserver()
    host, port = _split(text)
    if not 0 < port < 65_536:
        raise ValueError(f"nameserver port {port} is out of range in {text!r}")
    # dnspython wants an IP address; a nameserver given by name is looked up once here.
    return str(socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0][4][0]), port


def _split(text: str) -> tuple[str, int]:
    bracketed = _BRACKETED.fullmatch(text)
    if bracketed:
        return bracketed[1], int(bracketed[2] or 53)
    host, colon, port = text.rpartition(":")
    if colon and ":" not in host and port.isdigit():
        return host, int(port)
    return text, 53


def _system_nameserver() -> tuple[str, int]:
    resolver = dns.resolver.Resolver()  # reads /etc/resolv.conf
    for nameserver in resolver.nameservers:
        if isinstance(nameserver, str):
            return nameserver, resolver.port
    raise ValueError("no plain DNS nameserver is configured in /etc/resolv.conf")
