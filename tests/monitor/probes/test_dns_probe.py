from __future__ import annotations

from typing import Any

from trustops.monitor.probes import run_probe

from .conftest import SHOP_ADDRESS, SHOP_NAME


def dns_check(nameserver: str, **fields: Any) -> dict[str, Any]:
    return {"type": "dns", "query_name": SHOP_NAME, "nameserver": nameserver, "timeout": 0.3, **fields}


def test_a_known_name_answers_noerror_with_its_records(nameserver: str) -> None:
    outcome = run_probe(dns_check(nameserver))
    assert outcome.ok
    assert outcome.details == {"rcode": "NOERROR", "answers": [SHOP_ADDRESS]}


def test_an_unknown_name_fails_as_nxdomain(nameserver: str) -> None:
    outcome = run_probe(dns_check(nameserver, query_name="nope.test"))
    assert not outcome.ok
    assert outcome.error == "NXDOMAIN for nope.test A"
    assert outcome.details == {"rcode": "NXDOMAIN", "answers": []}


def test_an_answer_without_records_of_the_type_fails(nameserver: str) -> None:
    outcome = run_probe(dns_check(nameserver, record_type="MX"))
    assert not outcome.ok
    assert outcome.error == f"no MX records for {SHOP_NAME}"


def test_a_silent_nameserver_times_out(silent_nameserver: str) -> None:
    outcome = run_probe(dns_check(silent_nameserver))
    assert outcome.error == "no DNS answer within 0.3s"


def test_a_nameserver_port_out_of_range_is_a_failed_run_not_a_crash() -> None:
    outcome = run_probe(dns_check("127.0.0.1:99999"))
    assert outcome.error == "DNS query failed: nameserver port 99999 is out of range in '127.0.0.1:99999'"
