"""PagerDuty Events API v2 (``POST /v2/enqueue``), accepted so any PagerDuty sender can reach trustops.

Source: PagerDuty/developer-docs events-API-v2 01-Overview.md and 02-Trigger-Events.md (formats.md §7).
Alertmanager's own PagerDuty notifier speaks it too, with ``dedup_key = sha256_hex(groupKey)``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from trustops.monitor.signals import AlertSignal
from trustops.monitor.sources._fields import (
    as_object,
    choice,
    fail,
    join,
    optional_text,
    required,
    required_text,
    rfc3339,
)

ACTIONS = ("trigger", "acknowledge", "resolve")
SEVERITIES = ("critical", "error", "warning", "info")
LABEL_FIELDS = ("component", "group", "class", "source")
MAX_BODY_BYTES = 512 * 1024  # PagerDuty refuses larger events; the web adapter enforces it on the raw body


def parse_pagerduty_event(body: Any) -> tuple[AlertSignal | None, str]:
    """The signal an event carries, and the dedup key to answer with.

    An acknowledgement yields no signal: someone looking at the problem changes nothing about the
    component. A trigger without ``dedup_key`` gets a fresh one, as PagerDuty does, so its sender can
    resolve it later with the key from the reply.
    """
    event = as_object(body, "body")
    _check_routing_key(event)
    action = choice(event, "event_action", "", ACTIONS)
    dedup_key = _dedup_key(event, action)
    if action == "acknowledge":
        return None, dedup_key
    if action == "trigger":
        return _trigger(as_object(required(event, "payload", ""), "payload"), dedup_key), dedup_key
    payload = event.get("payload")
    return _resolve({} if payload is None else as_object(payload, "payload"), dedup_key), dedup_key


def _check_routing_key(event: Mapping[str, Any]) -> None:
    key = required_text(event, "routing_key", "")
    if len(key) != 32:
        # The length only: the routing key is the sender's credential and error bodies get logged.
        raise fail("routing_key", f"must be 32 characters, got {len(key)}")


def _dedup_key(event: Mapping[str, Any], action: str) -> str:
    key = optional_text(event, "dedup_key", "", max_length=255)
    if key is not None:
        return key
    if action != "trigger":
        raise fail("dedup_key", f"required to {action}")
    return uuid.uuid4().hex


def _trigger(payload: Mapping[str, Any], dedup_key: str) -> AlertSignal:
    summary = required_text(payload, "summary", "payload", max_length=1024)
    required_text(payload, "source", "payload")
    severity = choice(payload, "severity", "payload", SEVERITIES)
    timestamp = payload.get("timestamp")
    return AlertSignal(
        source="pagerduty",
        key=dedup_key,
        firing=True,
        summary=summary,
        labels=_labels(payload),
        severity=severity,
        started_at=None if timestamp is None else rfc3339(timestamp, join("payload", "timestamp")),
        component_id=optional_text(payload, "component", "payload"),
    )


def _resolve(payload: Mapping[str, Any], dedup_key: str) -> AlertSignal:
    summary = optional_text(payload, "summary", "payload", max_length=1024)
    return AlertSignal(
        source="pagerduty",
        key=dedup_key,
        firing=False,
        summary=summary or "",  # a resolve rarely repeats it; the alert keeps the trigger's
        labels=_labels(payload),
        component_id=optional_text(payload, "component", "payload"),
    )


def _labels(payload: Mapping[str, Any]) -> dict[str, str]:
    # custom_details is left out on purpose: it is free-form and may hold anything, personal data included.
    labels = {name: optional_text(payload, name, "payload") for name in LABEL_FIELDS}
    return {name: value for name, value in labels.items() if value is not None}
