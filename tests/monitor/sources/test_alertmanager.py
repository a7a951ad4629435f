from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from trustops.errors import InvalidInput
from trustops.monitor.signals import AlertSignal
from trustops.monitor.sources.alertmanager import parse_alert_webhook

# formats.md §2: observed from Alertmanager 0.25.0.
ALERTMANAGER = json.loads("""
{"receiver":"trustops","status":"firing",
 "alerts":[{"status":"firing","labels":{"alertname":"CheckoutDown","service":"checkout","severity":"critical"},
   "annotations":{"summary":"Checkout probe failing"},"startsAt":"2026-11-22T10:44:20Z",
   "endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prom.local/graph","fingerprint":"1e13768c7ec52373"}],
 "groupLabels":{"alertname":"CheckoutDown"},
 "commonLabels":{"alertname":"CheckoutDown","service":"checkout","severity":"critical"},
 "commonAnnotations":{"summary":"Checkout probe failing"},"externalURL":"http://host:9093",
 "version":"4","groupKey":"{}:{alertname=\\"CheckoutDown\\"}","truncatedAlerts":0}
""")
GROUP_KEY = '{}:{alertname="CheckoutDown"}'


def grafana() -> dict[str, Any]:
    """The same group as Grafana sends it (formats.md §3)."""
    body = copy.deepcopy(ALERTMANAGER)
    body.update(version="1", orgId=1, title="[FIRING:1] CheckoutDown", message="...", state="alerting")
    body["alerts"][0].update(silenceURL="http://grafana/silence", values={"B": 44.2, "C": 1}, valueString="")
    return body


def alertmanager(**alert: Any) -> dict[str, Any]:
    body = copy.deepcopy(ALERTMANAGER)
    body["alerts"][0].update(alert)
    return body


def test_an_alertmanager_firing_alert_becomes_one_firing_signal() -> None:
    assert parse_alert_webhook(ALERTMANAGER) == [
        AlertSignal(
            source="alertmanager",
            key=GROUP_KEY + "|1e13768c7ec52373",
            firing=True,
            summary="Checkout probe failing",
            labels={"alertname": "CheckoutDown", "service": "checkout", "severity": "critical"},
            severity="critical",
            started_at=datetime(2026, 11, 22, 10, 44, 20, tzinfo=UTC),
        )
    ]


def test_the_resolved_message_keeps_the_key_and_stops_firing() -> None:
    body = alertmanager(status="resolved", endsAt="2026-11-22T10:50:00Z")
    body["status"] = "resolved"
    [signal] = parse_alert_webhook(body)
    assert not signal.firing
    assert signal.key == parse_alert_webhook(ALERTMANAGER)[0].key


def test_a_grafana_notification_is_read_by_the_same_parser() -> None:
    [signal] = parse_alert_webhook(grafana())
    assert signal.source == "grafana"
    assert signal.key == GROUP_KEY + "|1e13768c7ec52373"
    assert signal.firing and signal.severity == "critical"


def test_newer_fields_are_ignored() -> None:
    body = alertmanager(notification_reason="repeat")
    body.update(routeLabels={"team": "web"}, somethingNew=[1, 2])
    assert parse_alert_webhook(body) == parse_alert_webhook(ALERTMANAGER)


def test_alert_labels_are_merged_over_common_labels_keeping_only_strings() -> None:
    body = alertmanager(labels={"alertname": "CheckoutDown", "severity": "warning", "pod": "web-1", "n": 3})
    [signal] = parse_alert_webhook(body)
    assert signal.labels == {"alertname": "CheckoutDown", "service": "checkout", "severity": "warning", "pod": "web-1"}
    assert signal.severity == "warning"


def test_the_summary_falls_back_to_the_description_then_the_alert_name() -> None:
    [described] = parse_alert_webhook(alertmanager(annotations={"description": "p99 over 2 s"}))
    [named] = parse_alert_webhook(alertmanager(annotations={}))
    assert (described.summary, named.summary) == ("p99 over 2 s", "CheckoutDown")


def test_an_old_sender_without_fingerprint_gets_a_hash_of_the_sorted_labels() -> None:
    body = alertmanager()
    del body["alerts"][0]["fingerprint"]
    del body["truncatedAlerts"]
    labels = sorted(ALERTMANAGER["alerts"][0]["labels"].items())
    expected = hashlib.sha256(json.dumps(labels, separators=(",", ":")).encode()).hexdigest()[:16]
    [signal] = parse_alert_webhook(body)
    assert signal.key == f"{GROUP_KEY}|{expected}"


def test_go_nanoseconds_and_offsets_are_read_as_utc() -> None:
    [signal] = parse_alert_webhook(alertmanager(startsAt="2026-11-22T11:44:20.123456789+01:00"))
    assert signal.started_at == datetime(2026, 11, 22, 10, 44, 20, 123456, tzinfo=UTC)


def test_every_alert_of_a_group_becomes_a_signal() -> None:
    body = alertmanager()
    second = {**body["alerts"][0], "status": "resolved", "fingerprint": "00000000000000ff"}
    body["alerts"].append(second)
    assert [(s.key[-4:], s.firing) for s in parse_alert_webhook(body)] == [("2373", True), ("00ff", False)]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": "3"}, "version: '3' is neither '4' (Alertmanager) nor '1' with orgId (Grafana)"),
        ({"groupKey": None}, "groupKey: required"),
        ({"alerts": {"0": {}}}, "alerts: expected a list, got an object"),
        ({"alerts": ["firing"]}, "alerts[0]: expected an object, got a string"),
        ({"commonLabels": ["a"]}, "commonLabels: expected an object, got a list"),
    ],
)
def test_a_malformed_group_names_the_field(change: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_alert_webhook({**ALERTMANAGER, **change})
    assert caught.value.message == message


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": "burning"}, "alerts[0].status: 'burning' is not firing or resolved"),
        ({"status": None}, "alerts[0].status: required"),
        ({"startsAt": "yesterday"}, "alerts[0].startsAt: 'yesterday' is not an RFC 3339 time"),
        ({"startsAt": None}, "alerts[0].startsAt: required"),
        ({"labels": "alertname=x"}, "alerts[0].labels: expected an object, got a string"),
        ({"fingerprint": 12}, "alerts[0].fingerprint: 12 is not a string"),
    ],
)
def test_a_malformed_alert_names_the_field_and_value(change: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_alert_webhook(alertmanager(**change))
    assert caught.value.message == message
    assert caught.value.field == message.split(":")[0]


def test_grafana_needs_its_org_id_to_be_told_apart() -> None:
    body = grafana()
    del body["orgId"]
    with pytest.raises(InvalidInput, match="^version: '1' is neither"):
        parse_alert_webhook(body)


def test_a_body_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"^body: expected an object, got a list$"):
        parse_alert_webhook([ALERTMANAGER])
