from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import PASSWORD, make_user
from tests.web.test_dashboard import log_in
from trustops.accounts import throttle
from trustops.accounts.models import LoginThrottle, Role
from trustops.config import Settings

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def alice(session: Session) -> None:
    make_user(session, "alice", Role.IT)
    session.commit()


def fail(client: TestClient, times: int, username: str = "alice") -> list[int]:
    return [log_in(client, username, "wrong-password-1").status_code for _ in range(times)]  # type: ignore[attr-defined]


def test_five_failed_logins_cost_nothing_and_the_sixth_makes_the_next_try_wait(client: TestClient) -> None:
    with time_machine.travel(T0, tick=False):
        assert fail(client, 6) == [401] * 6
        refused = log_in(client)
    assert refused.status_code == 429  # type: ignore[attr-defined]
    assert refused.headers["retry-after"] == "1"  # type: ignore[attr-defined]
    assert "Too many failed logins for this username. Try again in 1 second." in refused.text  # type: ignore[attr-defined]


def test_a_blocked_username_is_refused_even_with_the_right_password_until_the_wait_is_over(
    client: TestClient, session: Session
) -> None:
    with time_machine.travel(T0, tick=False):
        fail(client, 6)
    with time_machine.travel(T0 + timedelta(seconds=1), tick=False):
        fail(client, 1)
    with time_machine.travel(T0 + timedelta(seconds=3), tick=False):
        fail(client, 1)  # the 8th failure in a row: 4 seconds
        assert log_in(client).status_code == 429  # type: ignore[attr-defined]
    with time_machine.travel(T0 + timedelta(seconds=6), tick=False):
        assert log_in(client).headers["retry-after"] == "1"  # type: ignore[attr-defined]
    with time_machine.travel(T0 + timedelta(seconds=7), tick=False):
        assert log_in(client).status_code == 303  # type: ignore[attr-defined]
    assert session.scalars(select(LoginThrottle)).all() == []  # a success forgets the count


def test_unknown_usernames_are_slowed_down_alike_so_a_wait_tells_nothing(client: TestClient) -> None:
    with time_machine.travel(T0, tick=False):
        assert fail(client, 6, "mallory") == [401] * 6
        assert log_in(client, "mallory", PASSWORD).status_code == 429  # type: ignore[attr-defined]
        assert log_in(client, "alice").status_code == 303  # type: ignore[attr-defined]  # others are not held up


def test_the_count_is_kept_per_name_whatever_its_case_and_only_as_a_keyed_hash(
    client: TestClient, session: Session, settings: Settings
) -> None:
    with time_machine.travel(T0, tick=False):
        fail(client, 3, "Alice")
        fail(client, 3, "alice ")
        assert log_in(client).status_code == 429  # type: ignore[attr-defined]
    [row] = session.scalars(select(LoginThrottle)).all()
    assert row.key == throttle.key_for(settings.secret(), "alice") and "alice" not in row.key.lower()
    assert row.failures == 6 and row.blocked_until == T0 + timedelta(seconds=1)


def test_the_wait_doubles_with_each_failure_up_to_fifteen_minutes() -> None:
    waits = [throttle.delay_after(n) for n in range(1, 22)]
    assert waits[:5] == [None] * 5
    assert [w.total_seconds() for w in waits[5:10] if w] == [1, 2, 4, 8, 16]
    assert waits[-1] == timedelta(minutes=15) == throttle.MAX_DELAY


def test_a_day_without_failures_starts_the_count_again(session: Session) -> None:
    key = "k" * 16
    for _ in range(7):
        throttle.record_failure(session, key, now=T0)
    assert throttle.wait_left(session, key, now=T0) == timedelta(seconds=2)
    assert throttle.record_failure(session, key, now=T0 + timedelta(days=1, seconds=1)) == 1
    assert throttle.wait_left(session, key, now=T0 + timedelta(days=1, seconds=1)) is None


def test_the_purge_drops_counts_a_day_old(session: Session) -> None:
    throttle.record_failure(session, "old", now=T0)
    throttle.record_failure(session, "new", now=T0 + timedelta(hours=23))
    assert throttle.purge(session, now=T0 + timedelta(days=1, minutes=1)) == 1
    assert [row.key for row in session.scalars(select(LoginThrottle))] == ["new"]
