"""Alertmanager webhook (payload version 4) and Grafana unified alerting webhook (version 1).

Both send the same group shape (formats.md §2 and §3; prometheus/alertmanager notify/webhook/webhook.go,
grafana/alerting receivers/webhook). Newer senders add fields (``notification_reason``,
``routeLabels``, Grafana's ``values``…); they are ignored, never refused.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from trustops.monitor.signals import AlertSignal
from trustops.monitor.sources._fields import (
    as_object,
    choice,
    fail,
    join,
    kind_of,
    optional_text,
    required,
    required_text,
    rfc3339,
    show,
    string_map,
)

STATUSES = ("firing", "resolved")


def parse_alert_webhook(body: Any) -> list[AlertSignal]:
    """One signal per alert of an Alertmanager or Grafana notification, firing or resolved.

    The key is ``groupKey|fingerprint``: Alertmanager re-sends the whole group every
    ``group_interval`` and ``repeat_interval``, and this pair is what stays the same across re-sends.
    """
    payload = as_object(body, "body")
    source = _source(payload)
    group_key = required_text(payload, "groupKey", "")
    common = string_map(payload.get("commonLabels"), "commonLabels")
    alerts = required(payload, "alerts", "")
    if not isinstance(alerts, list):
        raise fail("alerts", f"expected a list, got {kind_of(alerts)}")
    return [_signal(source, group_key, common, alert, f"alerts[{i}]") for i, alert in enumerate(alerts)]


def _source(payload: Mapping[str, Any]) -> str:
    version = payload.get("version")
    if version == "4":
        return "alertmanager"
    if version == "1" and "orgId" in payload:
        return "grafana"
    raise fail("version", f"{show(version)} is neither '4' (Alertmanager) nor '1' with orgId (Grafana)")


def _signal(source: str, group_key: str, common: Mapping[str, str], value: Any, path: str) -> AlertSignal:
    alert = as_object(value, path)
    status = choice(alert, "status", path, STATUSES)
    own = string_map(alert.get("labels"), join(path, "labels"))
    labels = {**common, **own}
    fingerprint = _fingerprint(alert, own, path)
    annotations = string_map(alert.get("annotations"), join(path, "annotations"))
    summary = annotations.get("summary") or annotations.get("description") or labels.get("alertname")
    return AlertSignal(
        source=source,
        key=f"{group_key}|{fingerprint}",
        firing=status == "firing",
        summary=summary or f"alert {fingerprint}",
        labels=labels,
        severity=labels.get("severity"),
        started_at=rfc3339(required(alert, "startsAt", path), join(path, "startsAt")),
    )


def _fingerprint(alert: Mapping[str, Any], labels: Mapping[str, str], path: str) -> str:
    given = optional_text(alert, "fingerprint", path)
    if given:
        return given
    # Older senders omit it (formats.md §2); a hash of the sorted label set is
    # just as stable per alert, which is all the key needs.
    canonical = json.dumps(sorted(labels.items()), separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]
