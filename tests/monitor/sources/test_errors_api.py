from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from trustops.errors import InvalidInput
from trustops.monitor.signals import ErrorEvent
from trustops.monitor.sources.errors_api import parse_error_batch

REPORT = {"user_id": "u-42", "component": "checkout", "occurred_at": "2026-03-02T14:00:00+01:00"}


def report(**changes: Any) -> dict[str, Any]:
    return {**REPORT, **changes}


def test_one_report_becomes_one_error_event_in_utc() -> None:
    assert parse_error_batch(REPORT) == [
        ErrorEvent(
            source="api",
            occurred_at=datetime(2026, 3, 2, 13, 0, tzinfo=UTC),
            kind="error",
            user_id="u-42",
            component_id="checkout",
            event_id=None,
        )
    ]


def test_a_list_gives_one_event_per_report_and_keeps_the_kind() -> None:
    events = parse_error_batch([REPORT, report(user_id="u-7", kind="failed_transaction")])
    assert [(e.user_id, e.kind) for e in events] == [("u-42", "error"), ("u-7", "failed_transaction")]


def test_the_message_is_accepted_and_never_kept() -> None:
    [event] = parse_error_batch(report(message="card 4242 4242 declined for ada@example.com"))
    assert "declined" not in repr(event)


def test_an_empty_list_is_nothing_to_record() -> None:
    assert parse_error_batch([]) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            report(occurred_at="2026-03-02T14:00:00"),
            "occurred_at: '2026-03-02T14:00:00': input should have timezone info",
        ),
        ({"component": "checkout", "occurred_at": "2026-03-02T14:00:00Z"}, "user_id: required"),
        (report(user_id=""), "user_id: '': string should have at least 1 character"),
        (report(user_id="u" * 257), "user_id: "),
        (report(user_id=42), "user_id: 42: input should be a valid string"),
        (report(component=None), "component: None: input should be a valid string"),
        (report(kind="Timeout"), "kind: 'Timeout': string should match pattern '^[a-z_]+$'"),
        (report(kind="x" * 33), "kind: "),
        (report(email="ada@example.com"), "email: unknown field"),
        ("errors", "body: expected an object or a list of objects, got a string"),
        (
            [REPORT, REPORT, REPORT, report(occurred_at="noon")],
            "[3].occurred_at: 'noon': input should be a valid datetime",
        ),
        ([REPORT, "x"], "[1]: 'x': input should be a valid dictionary"),
    ],
)
def test_a_bad_report_is_refused_naming_its_path(body: Any, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_error_batch(body)
    assert caught.value.message.startswith(message)


def test_the_field_is_the_path_and_other_problems_are_counted() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_error_batch([REPORT, {"user_id": "u-1"}])
    assert caught.value.field == "[1].component"
    assert caught.value.message == "[1].component: required (and 1 more problem)"


def test_at_most_a_thousand_reports_per_request() -> None:
    assert len(parse_error_batch([REPORT] * 1000)) == 1000
    with pytest.raises(InvalidInput, match=r"^body: 1,001 reports; send at most 1,000 per request$"):
        parse_error_batch([REPORT] * 1001)
