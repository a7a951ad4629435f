"""Sentry: envelopes from sentry-sdk, and integration-platform webhooks from sentry.io.

Envelopes (formats.md §5; sentry-docs develop-docs/sdk/foundations/transport/envelopes.mdx) bring the
errors users saw, with ``user.id`` joining them to customers. Webhooks (formats.md §6; sentry-docs
organization/integrations/integration-platform/webhooks/*.mdx) bring either such an error or the state
of an issue or alert. Only identifiers, times, levels and tags are kept: messages, exception values,
e-mail addresses, usernames and IP addresses never leave this module.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from trustops.monitor.signals import AlertSignal, ErrorEvent
from trustops.monitor.sources._fields import (
    as_object,
    event_time,
    fail,
    identifier,
    join,
    kind_of,
    optional_text,
    required,
    required_text,
    rfc3339,
)
from trustops.monitor.sources.encoding import check_size, decode_body

MAX_ENVELOPE_BYTES = 200 * 1024 * 1024  # decompressed, as Relay limits it
MAX_EVENT_BYTES = 1024 * 1024
MAX_TAG_LENGTH = 200
LEVELS = ("fatal", "error", "warning", "info", "debug")
# Sentry adds a ``user`` tag like ``ip:…`` or ``email:…`` while processing an event (see the error
# webhook payload in the docs); it is personal data, never a label.
PERSONAL_TAGS = frozenset({"user", "sentry:user"})


@dataclass(frozen=True)
class EnvelopeItem:
    """An item trustops reads (``event``), decoded; ``index`` is its place in the envelope."""

    type: str
    index: int
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class Envelope:
    """What trustops reads of an envelope: its header's ids and the items it understands."""

    event_id: str | None
    sent_at: datetime | None
    dsn_key: str | None  # the public key of the header's ``dsn``, the third way to authenticate
    items: tuple[EnvelopeItem, ...]
    skipped: tuple[str, ...]  # types of the items left unread (session, client_report, transaction…)


def sentry_key(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """The public key from ``X-Sentry-Auth: Sentry sentry_key=…, …`` or the ``sentry_key`` query parameter."""
    auth = next((value for name, value in headers.items() if name.lower() == "x-sentry-auth"), None)
    key = _auth_param(auth, "sentry_key") if auth else None
    return key or query.get("sentry_key") or None


def _auth_param(header: str, name: str) -> str | None:
    scheme, _, params = header.strip().partition(" ")
    if scheme.lower() != "sentry":
        return None
    for part in params.split(","):
        key, _, value = part.partition("=")
        if key.strip() == name and value.strip():
            return value.strip()
    return None


def read_envelope(
    body: bytes,
    content_encoding: str | None,
    *,
    max_bytes: int = MAX_ENVELOPE_BYTES,
    max_event_bytes: int = MAX_EVENT_BYTES,
) -> Envelope:
    """Decode and split an envelope: a JSON header line, then items of a JSON header line and a payload.

    Raises :class:`~trustops.monitor.sources.UnsupportedEncoding` (415),
    :class:`~trustops.monitor.sources.PayloadTooLarge` (413) or :class:`~trustops.errors.InvalidInput`.
    """
    data = decode_body(body, content_encoding, max_bytes)
    if not data.strip():
        raise fail("body", "empty envelope")
    line, pos = _line(data, 0)
    header = _json_object(line, "header")
    items, skipped = _read_items(data, pos, max_event_bytes)
    sent_at = header.get("sent_at")
    return Envelope(
        event_id=_event_id(header.get("event_id")),
        sent_at=None if sent_at is None else rfc3339(sent_at, "header.sent_at"),
        dsn_key=_dsn_key(header.get("dsn")),
        items=tuple(items),
        skipped=tuple(skipped),
    )


def _read_items(data: bytes, pos: int, max_event_bytes: int) -> tuple[list[EnvelopeItem], list[str]]:
    items: list[EnvelopeItem] = []
    skipped: list[str] = []
    while pos < len(data):
        line, pos = _line(data, pos)
        if not line.strip():
            continue
        index = len(items) + len(skipped)
        path = f"items[{index}]"
        header = _json_object(line, path)
        kind = header.get("type")
        if not isinstance(kind, str) or not kind:
            raise fail(join(path, "type"), f"expected an item type, got {kind_of(kind)}")
        payload, pos = _payload(data, pos, header.get("length"), path)
        if kind == "event":
            check_size(len(payload), max_event_bytes, path)
            items.append(EnvelopeItem(kind, index, _json_object(payload, path)))
        else:
            skipped.append(kind)
    return items, skipped


def _line(data: bytes, pos: int) -> tuple[bytes, int]:
    end = data.find(b"\n", pos)
    if end == -1:
        return data[pos:], len(data)
    return data[pos:end], end + 1


def _payload(data: bytes, pos: int, length: Any, path: str) -> tuple[bytes, int]:
    if length is None:
        return _line(data, pos)
    if isinstance(length, bool) or not isinstance(length, int) or length < 0:
        raise fail(join(path, "length"), f"{length!r} is not a byte count")
    end = pos + length
    if end > len(data):
        raise fail(join(path, "length"), f"{length} bytes announced but only {len(data) - pos} follow")
    if end < len(data) and data[end : end + 1] != b"\n":
        raise fail(path, f"expected a newline after its {length} bytes")
    return data[pos:end], end + 1


def _json_object(raw: bytes, path: str) -> Mapping[str, Any]:
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise fail(path, f"not valid JSON ({str(exc)[:80]})") from None
    if not isinstance(value, dict):
        raise fail(path, f"expected a JSON object, got {kind_of(value)}")
    return value


def _dsn_key(dsn: Any) -> str | None:
    if not isinstance(dsn, str):
        return None
    try:
        return urlsplit(dsn).username or None
    except ValueError:
        return None  # a malformed DSN authenticates nobody; the caller answers 403


def _event_id(value: Any) -> str | None:
    # Sentry accepts the UUID with or without dashes; the canonical form is 32 lowercase hex.
    return value.replace("-", "").lower() if isinstance(value, str) and value else None


def error_events(envelope: Envelope, *, received_at: datetime | None = None) -> list[ErrorEvent]:
    """One :class:`ErrorEvent` per ``event`` item.

    An event's time is its ``timestamp``, else the envelope's ``sent_at``, else ``received_at``.
    """
    fallback = envelope.sent_at or received_at
    return [_error_event(item, envelope.event_id, fallback) for item in envelope.items if item.type == "event"]


def _error_event(item: EnvelopeItem, envelope_event_id: str | None, fallback: datetime | None) -> ErrorEvent:
    event = item.payload
    tags = normalise_tags(event.get("tags"))
    return ErrorEvent(
        source="sentry",
        occurred_at=_occurred_at(event.get("timestamp"), fallback, f"items[{item.index}].timestamp"),
        user_id=_user_id(event.get("user")),
        component_id=tags.get("component"),
        tags=tags,
        event_id=_event_id(event.get("event_id")) or envelope_event_id,
        level=_level(event.get("level")),
    )


def _occurred_at(timestamp: Any, fallback: datetime | None, path: str) -> datetime:
    if timestamp is not None:
        return event_time(timestamp, path)
    if fallback is None:
        raise fail(path, "required when the envelope has no sent_at")
    return fallback


def _user_id(user: Any) -> str | None:
    # Only the id: e-mail, username and ip_address sit beside it and are deliberately not read.
    if not isinstance(user, Mapping):
        return None
    value = user.get("id")
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        return None
    return str(value)


def _level(value: Any) -> str:
    return value if value in LEVELS else "error"


def normalise_tags(value: Any) -> dict[str, str]:
    """Tags as a str→str dict, from the map SDKs send or the ``[key, value]`` pairs Sentry stores.

    Numbers and booleans become strings; entries over 200 characters are dropped, as Relay drops them.
    """
    pairs = value.items() if isinstance(value, Mapping) else value if isinstance(value, list) else []
    tags: dict[str, str] = {}
    for pair in pairs:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            continue
        key, text = pair[0], _tag_text(pair[1])
        if isinstance(key, str) and key and text is not None and key not in PERSONAL_TAGS:
            if len(key) <= MAX_TAG_LENGTH and len(text) <= MAX_TAG_LENGTH:
                tags[key] = text
    return tags


def _tag_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def verify_signature(secret: str, raw_body: bytes, signature: str | None) -> bool:
    """Whether ``Sentry-Hook-Signature`` is the hex HMAC-SHA256 of the raw body under the client secret."""
    if not secret or not signature:
        return False
    expected = hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
    # Bytes, not str: compare_digest refuses non-ASCII str, and the header is attacker-controlled.
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode())


def parse_sentry_webhook(resource: str, body: Any) -> ErrorEvent | AlertSignal | None:
    """What a webhook says, by its ``Sentry-Hook-Resource``; None for resources and actions that change nothing.

    ``error`` created → ErrorEvent; ``issue`` created/unresolved → firing, resolved → not firing;
    ``event_alert`` triggered → firing; ``metric_alert`` critical/warning → firing, resolved → not firing.
    """
    hook = as_object(body, "body")
    handler = HOOKS.get(resource)
    action = hook.get("action")
    if handler is None or not isinstance(action, str):
        return None
    return handler(action, hook)


def _error_hook(action: str, hook: Mapping[str, Any]) -> ErrorEvent | None:
    if action != "created":
        return None
    error = as_object(required(_data(hook), "error", "data"), "data.error")
    tags = normalise_tags(error.get("tags"))
    return ErrorEvent(
        source="sentry-webhook",
        occurred_at=_hook_time(error, "data.error"),
        user_id=_user_id(error.get("user")),
        component_id=tags.get("component"),
        tags=tags,
        event_id=_event_id(required_text(error, "event_id", "data.error")),
        level=_level(error.get("level")),
    )


def _hook_time(event: Mapping[str, Any], path: str) -> datetime:
    # Processed events carry both: ``timestamp`` as epoch seconds and ``datetime`` as RFC 3339.
    if event.get("timestamp") is not None:
        return event_time(event["timestamp"], join(path, "timestamp"))
    return rfc3339(required(event, "datetime", path), join(path, "datetime"))


def _issue_hook(action: str, hook: Mapping[str, Any]) -> AlertSignal | None:
    firing = {"created": True, "unresolved": True, "resolved": False}.get(action)
    if firing is None:
        return None  # assigned, archived: someone is handling it, the problem is unchanged
    issue = as_object(required(_data(hook), "issue", "data"), "data.issue")
    issue_id = identifier(issue, "id", "data.issue")
    if issue_id is None:
        raise fail("data.issue.id", "required")
    project = issue.get("project")
    slug = optional_text(project, "slug", "data.issue.project") if isinstance(project, Mapping) else None
    level = optional_text(issue, "level", "data.issue")
    first_seen = issue.get("firstSeen")
    return AlertSignal(
        source="sentry",
        key=f"issue:{issue_id}",
        firing=firing,
        # not the issue title: it is usually "Type: message", and messages may hold personal data
        summary=f"Sentry issue {optional_text(issue, 'shortId', 'data.issue') or issue_id}"
        + (f" in {slug}" if slug else ""),
        labels=_present({"project": slug, "level": level}),
        severity=level,
        started_at=None if first_seen is None else rfc3339(first_seen, "data.issue.firstSeen"),
    )


def _event_alert_hook(action: str, hook: Mapping[str, Any]) -> AlertSignal | None:
    if action != "triggered":
        return None
    data = _data(hook)
    event = as_object(required(data, "event", "data"), "data.event")
    rule = optional_text(data, "triggered_rule", "data")
    issue_id = identifier(event, "issue_id", "data.event")
    # Keyed like the issue webhook, so a later ``issue`` resolved closes what this alert opened.
    key = f"issue:{issue_id}" if issue_id else f"event:{required_text(event, 'event_id', 'data.event')}"
    level = optional_text(event, "level", "data.event")
    return AlertSignal(
        source="sentry",
        key=key,
        firing=True,
        summary=optional_text(event, "title", "data.event") or rule or "Sentry issue alert",
        labels=_present({"rule": rule, "level": level}),
        severity=level,
    )


def _metric_alert_hook(action: str, hook: Mapping[str, Any]) -> AlertSignal | None:
    firing = {"critical": True, "warning": True, "resolved": False}.get(action)
    if firing is None:
        return None
    data = _data(hook)
    alert = as_object(required(data, "metric_alert", "data"), "data.metric_alert")
    # metric_alert.id is the incident: warning, critical and resolved of one episode share it.
    incident_id = identifier(alert, "id", "data.metric_alert")
    if incident_id is None:
        raise fail("data.metric_alert.id", "required")
    rule = alert.get("alert_rule")
    rule_name = optional_text(rule, "name", "data.metric_alert.alert_rule") if isinstance(rule, Mapping) else None
    started = alert.get("date_started")
    return AlertSignal(
        source="sentry",
        key=f"metric_alert:{incident_id}",
        firing=firing,
        summary=optional_text(data, "description_title", "data") or rule_name or f"Sentry metric alert {incident_id}",
        labels=_present({"rule": rule_name}),
        severity=action if firing else None,
        started_at=None if started is None else rfc3339(started, "data.metric_alert.date_started"),
    )


def _data(hook: Mapping[str, Any]) -> Mapping[str, Any]:
    return as_object(required(hook, "data", ""), "data")


def _present(labels: Mapping[str, str | None]) -> dict[str, str]:
    return {name: value for name, value in labels.items() if value is not None}


HOOKS: dict[str, Callable[[str, Mapping[str, Any]], ErrorEvent | AlertSignal | None]] = {
    "error": _error_hook,
    "issue": _issue_hook,
    "event_alert": _event_alert_hook,
    "metric_alert": _metric_alert_hook,
}
