"""What every source of trouble is turned into before it touches the store.

Parsers for Alertmanager, Grafana, PagerDuty, Sentry, probes and heartbeats each produce these plain
records; :mod:`trustops.monitor.intake` maps them onto components, dedupes them, and opens, joins or
resolves incidents. Keeping parsers pure makes them testable without a database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from trustops.enums import ComponentStatus


@dataclass(frozen=True)
class AlertSignal:
    """A statement that something is (or is no longer) wrong."""

    source: str  # alertmanager | grafana | pagerduty | sentry | probe | heartbeat | slo
    key: str  # stable within the source: the same alert re-delivered has the same key
    firing: bool
    summary: str
    labels: Mapping[str, str] = field(default_factory=dict)  # matched by mapping rules
    severity: str | None = None  # the source's own word: critical, warning, error, info…
    started_at: datetime | None = None
    component_id: str | None = None  # set when the source names the component itself
    status: ComponentStatus | None = None  # what it says about the component, if it says


@dataclass(frozen=True)
class ErrorEvent:
    """One error a user saw: the raw material of the exposure ledger.

    ``user_id`` is the caller's identifier, pseudonymised before storage; the message is never stored.
    """

    source: str  # api | sentry | sentry-webhook
    occurred_at: datetime
    kind: str = "error"  # error | failed_transaction | timeout | …
    user_id: str | None = None
    component_id: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    event_id: str | None = None  # dedupe key within the source
    level: str = "error"
