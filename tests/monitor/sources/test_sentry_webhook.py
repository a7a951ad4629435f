from __future__ import annotations

import copy
import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any

import pytest

from trustops.errors import InvalidInput
from trustops.monitor.signals import AlertSignal, ErrorEvent
from trustops.monitor.sources.sentry import parse_sentry_webhook, verify_signature

# Trimmed from the payloads in getsentry/sentry-docs integration-platform/webhooks/*.mdx (formats.md §6).
ACTOR = {"id": "sentry", "name": "Sentry", "type": "application"}
INSTALLATION = {"uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"}
ERROR = {
    "action": "created",
    "actor": ACTOR,
    "data": {
        "error": {
            "datetime": "2019-08-19T20:58:37.391000Z",
            "event_id": "bb78c1407cea4519aa397afc059c793d",
            "exception": {"values": [{"type": "ReferenceError", "value": "blooopy is not defined"}]},
            "issue_id": "1170820242",
            "level": "error",
            "message": "",
            "tags": [["browser", "Chrome 75.0.3770"], ["handled", "no"], ["user", "ip:162.217.75.90"]],
            "timestamp": 1566248317.391,
            "title": "ReferenceError: blooopy is not defined",
            "user": {"ip_address": "162.218.85.90"},
        }
    },
    "installation": INSTALLATION,
}
ISSUE = {
    "action": "created",
    "actor": ACTOR,
    "data": {
        "issue": {
            "count": "1",
            "firstSeen": "2019-08-19T20:58:37.391000Z",
            "id": "1170820242",
            "level": "error",
            "project": {"id": "1", "name": "front-end", "platform": "", "slug": "front-end"},
            "shortId": "FRONT-END-9",
            "status": "unresolved",
            "substatus": "escalating",
            "title": "ReferenceError: blooopy is not defined",
            "userCount": 1,
        }
    },
    "installation": INSTALLATION,
}
EVENT_ALERT = {
    "action": "triggered",
    "actor": ACTOR,
    "data": {
        "event": {
            "event_id": "e4874d664c3540c1a32eab185f12c5ab",
            "issue_id": "1117540176",
            "level": "error",
            "title": "ReferenceError: heck is not defined",
        },
        "triggered_rule": "Very Important Alert Rule!",
    },
    "installation": INSTALLATION,
}
METRIC_ALERT = {
    "action": "critical",
    "actor": ACTOR,
    "data": {
        "description_text": "1000 events in the last 10 minutes\nFilter: level:error",
        "description_title": "Critical: Too many errors",
        "metric_alert": {
            "alert_rule": {"id": "7", "name": "Too many errors", "query": "level:error"},
            "date_started": "2020-09-13T12:26:40.000000Z",
            "id": "4",
            "identifier": "1",
        },
        "web_url": "https://sentry.io/organizations/baz/alerts/1/",
    },
    "installation": INSTALLATION,
}


def hook(base: dict[str, Any], action: str | None = None, **data: Any) -> dict[str, Any]:
    body = copy.deepcopy(base)
    if action is not None:
        body["action"] = action
    for key, changes in data.items():
        body["data"][key].update(changes)
    return body


def test_an_error_webhook_becomes_an_error_event_without_personal_data() -> None:
    assert parse_sentry_webhook("error", ERROR) == ErrorEvent(
        source="sentry-webhook",
        occurred_at=datetime(2019, 8, 19, 20, 58, 37, 391000, tzinfo=UTC),
        kind="error",
        user_id=None,  # only an IP address is known, and that is not read
        component_id=None,
        tags={"browser": "Chrome 75.0.3770", "handled": "no"},
        event_id="bb78c1407cea4519aa397afc059c793d",
        level="error",
    )


def test_an_error_webhook_carries_the_user_id_and_component_tag() -> None:
    body = hook(ERROR, error={"user": {"id": "u-42", "email": "ada@example.com"}, "tags": [["component", "web"]]})
    event = parse_sentry_webhook("error", body)
    assert isinstance(event, ErrorEvent)
    assert (event.user_id, event.component_id) == ("u-42", "web")


def test_an_error_webhook_falls_back_to_the_datetime_field() -> None:
    body = hook(ERROR, error={"timestamp": None})
    event = parse_sentry_webhook("error", body)
    assert isinstance(event, ErrorEvent)
    assert event.occurred_at == datetime(2019, 8, 19, 20, 58, 37, 391000, tzinfo=UTC)


def test_a_created_issue_fires_and_a_resolved_one_stops() -> None:
    created = parse_sentry_webhook("issue", ISSUE)
    assert created == AlertSignal(
        source="sentry",
        key="issue:1170820242",
        firing=True,
        summary="Sentry issue FRONT-END-9 in front-end",  # never the title: it carries the exception message
        labels={"project": "front-end", "level": "error"},
        severity="error",
        started_at=datetime(2019, 8, 19, 20, 58, 37, 391000, tzinfo=UTC),
    )
    resolved = parse_sentry_webhook("issue", hook(ISSUE, "resolved", issue={"status": "resolved"}))
    reopened = parse_sentry_webhook("issue", hook(ISSUE, "unresolved"))
    assert isinstance(resolved, AlertSignal) and isinstance(reopened, AlertSignal)
    assert (resolved.key, resolved.firing, reopened.firing) == ("issue:1170820242", False, True)


@pytest.mark.parametrize("action", ["assigned", "archived", "ignored"])
def test_issue_actions_that_leave_the_problem_as_it_is_give_nothing(action: str) -> None:
    assert parse_sentry_webhook("issue", hook(ISSUE, action)) is None


def test_an_issue_alert_fires_under_the_issue_key() -> None:
    assert parse_sentry_webhook("event_alert", EVENT_ALERT) == AlertSignal(
        source="sentry",
        key="issue:1117540176",
        firing=True,
        summary="ReferenceError: heck is not defined",
        labels={"rule": "Very Important Alert Rule!", "level": "error"},
        severity="error",
    )


def test_an_issue_alert_without_issue_is_keyed_by_its_event() -> None:
    signal = parse_sentry_webhook("event_alert", hook(EVENT_ALERT, event={"issue_id": None}))
    assert isinstance(signal, AlertSignal)
    assert signal.key == "event:e4874d664c3540c1a32eab185f12c5ab"


@pytest.mark.parametrize(("action", "firing"), [("critical", True), ("warning", True), ("resolved", False)])
def test_a_metric_alert_fires_while_critical_or_warning(action: str, firing: bool) -> None:
    signal = parse_sentry_webhook("metric_alert", hook(METRIC_ALERT, action))
    assert signal == AlertSignal(
        source="sentry",
        key="metric_alert:4",
        firing=firing,
        summary="Critical: Too many errors",
        labels={"rule": "Too many errors"},
        severity=action if firing else None,
        started_at=datetime(2020, 9, 13, 12, 26, 40, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("resource", "body"),
    [
        ("installation", {"action": "created", "data": {"installation": {}}}),
        ("comment", {"action": "created", "data": {}}),
        ("error", hook(ERROR, "deleted")),
        ("event_alert", hook(EVENT_ALERT, "snoozed")),
        ("metric_alert", hook(METRIC_ALERT, "unknown")),
        ("issue", {"data": {}}),
    ],
)
def test_other_resources_and_actions_give_nothing(resource: str, body: dict[str, Any]) -> None:
    assert parse_sentry_webhook(resource, body) is None


@pytest.mark.parametrize(
    ("resource", "body", "message"),
    [
        ("issue", "created", "body: expected an object, got a string"),
        ("issue", {"action": "created"}, "data: required"),
        ("issue", {"action": "created", "data": {"issue": {"title": "x"}}}, "data.issue.id: required"),
        ("issue", hook(ISSUE, issue={"id": ["1"]}), "data.issue.id: ['1'] is not an id"),
        ("issue", hook(ISSUE, issue={"firstSeen": "Monday"}), "data.issue.firstSeen: 'Monday' is not an RFC 3339"),
        ("error", hook(ERROR, error={"event_id": None}), "data.error.event_id: required"),
        ("error", hook(ERROR, error={"timestamp": "x"}), "data.error.timestamp: 'x' is not an RFC 3339 time"),
        ("error", hook(ERROR, error={"timestamp": None, "datetime": None}), "data.error.datetime: required"),
        ("event_alert", hook(EVENT_ALERT, event={"issue_id": None, "event_id": None}), "data.event.event_id: required"),
        ("metric_alert", hook(METRIC_ALERT, metric_alert={"id": None}), "data.metric_alert.id: required"),
    ],
)
def test_a_malformed_webhook_names_the_field(resource: str, body: Any, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_sentry_webhook(resource, body)
    assert caught.value.message.startswith(message)


SECRET = "d6a4c8f7e2b1"
RAW = b'{"action":"created","data":{}}'
# Computed independently: printf '%s' "$RAW" | openssl dgst -sha256 -hmac d6a4c8f7e2b1
GOOD = "ee719c28a1393f051b3bb787b482d7b87f7e5753e5e363316bbb3a78c5c68e2a"


def test_the_signature_is_the_hex_hmac_sha256_of_the_raw_body() -> None:
    assert verify_signature(SECRET, RAW, GOOD)
    assert verify_signature(SECRET, RAW, GOOD.upper())


@pytest.mark.parametrize(
    "signature",
    [None, "", GOOD[:-1] + "b", GOOD[:32], "é" * 64, "sha256=" + GOOD],
)
def test_a_wrong_missing_or_odd_signature_is_refused(signature: str | None) -> None:
    assert not verify_signature(SECRET, RAW, signature)


def test_a_changed_body_or_secret_breaks_the_signature() -> None:
    assert not verify_signature(SECRET, RAW + b" ", GOOD)
    assert not verify_signature("other", RAW, GOOD)
    assert not verify_signature("", RAW, hmac.new(b"", RAW, hashlib.sha256).hexdigest())
