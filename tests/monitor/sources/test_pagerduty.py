from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from trustops.errors import InvalidInput
from trustops.monitor.signals import AlertSignal
from trustops.monitor.sources.pagerduty import parse_pagerduty_event

# formats.md §7, from PagerDuty's developer docs.
TRIGGER = json.loads("""
{"routing_key":"0123456789abcdef0123456789abcdef","event_action":"trigger","dedup_key":"checkout-5xx",
 "payload":{"summary":"Checkout 5xx rate 7%","source":"lb-eu-1","severity":"critical",
            "timestamp":"2026-03-02T13:58:00Z","component":"checkout","custom_details":{"error_ratio":0.07}}}
""")
ROUTING_KEY = TRIGGER["routing_key"]


def event(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(TRIGGER)
    body.update(changes)
    return body


def with_payload(**changes: Any) -> dict[str, Any]:
    body = event()
    body["payload"].update(changes)
    return body


def test_a_trigger_becomes_a_firing_signal_keyed_by_its_dedup_key() -> None:
    assert parse_pagerduty_event(TRIGGER) == (
        AlertSignal(
            source="pagerduty",
            key="checkout-5xx",
            firing=True,
            summary="Checkout 5xx rate 7%",
            labels={"component": "checkout", "source": "lb-eu-1"},
            severity="critical",
            started_at=datetime(2026, 3, 2, 13, 58, tzinfo=UTC),
            component_id="checkout",
        ),
        "checkout-5xx",
    )


def test_custom_details_never_reach_the_signal() -> None:
    signal, _ = parse_pagerduty_event(with_payload(group="prod", **{"class": "5xx"}))
    assert signal is not None
    assert signal.labels == {"component": "checkout", "group": "prod", "class": "5xx", "source": "lb-eu-1"}
    assert "0.07" not in repr(signal)


def test_a_trigger_without_dedup_key_gets_a_fresh_one_to_answer_with() -> None:
    body = event()
    del body["dedup_key"]
    first, key = parse_pagerduty_event(body)
    _, other_key = parse_pagerduty_event(body)
    assert re.fullmatch(r"[0-9a-f]{32}", key)
    assert first is not None and first.key == key
    assert key != other_key


def test_optional_payload_fields_may_be_left_out() -> None:
    body = event(payload={"summary": "Disk full", "source": "db-1", "severity": "warning"})
    signal, _ = parse_pagerduty_event(body)
    assert signal == AlertSignal("pagerduty", "checkout-5xx", True, "Disk full", {"source": "db-1"}, "warning")


def test_a_resolve_stops_the_signal_and_needs_no_payload() -> None:
    signal, key = parse_pagerduty_event(
        {"routing_key": ROUTING_KEY, "event_action": "resolve", "dedup_key": "checkout-5xx"}
    )
    assert signal == AlertSignal("pagerduty", "checkout-5xx", firing=False, summary="")  # the alert keeps its summary
    assert key == "checkout-5xx"


def test_an_acknowledgement_changes_nothing_but_is_answered_with_its_key() -> None:
    body = {"routing_key": ROUTING_KEY, "event_action": "acknowledge", "dedup_key": "checkout-5xx"}
    assert parse_pagerduty_event(body) == (None, "checkout-5xx")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (event(routing_key="short"), "routing_key: must be 32 characters, got 5"),
        (event(routing_key=None), "routing_key: required"),
        (event(event_action="escalate"), "event_action: 'escalate' is not trigger, acknowledge or resolve"),
        (event(event_action="resolve", dedup_key=None), "dedup_key: required to resolve"),
        (event(event_action="acknowledge", dedup_key=""), "dedup_key: required to acknowledge"),
        (event(dedup_key="k" * 256), f"dedup_key: '{'k' * 76}... is longer than 255 characters"),
        (event(payload=None), "payload: required"),
        (event(payload="down"), "payload: expected an object, got a string"),
        (with_payload(summary=None), "payload.summary: required"),
        (with_payload(summary="x" * 1025), f"payload.summary: '{'x' * 76}... is longer than 1024 characters"),
        (with_payload(source=""), "payload.source: required"),
        (with_payload(severity="fatal"), "payload.severity: 'fatal' is not critical, error, warning or info"),
        (with_payload(timestamp="13:58"), "payload.timestamp: '13:58' is not an RFC 3339 time"),
        (with_payload(component=7), "payload.component: 7 is not a string"),
        (["trigger"], "body: expected an object, got a list"),
    ],
)
def test_a_malformed_event_names_the_field_and_value(body: Any, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_pagerduty_event(body)
    assert caught.value.message == message


def test_the_routing_key_is_never_echoed_in_an_error() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_pagerduty_event(event(routing_key="secret-routing-key"))
    assert "secret" not in caught.value.message
