from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.factories import make_component
from trustops.comms.models import Subscriber
from trustops.web.ratelimit import SlidingWindow

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_a_key_gets_its_limit_per_window_and_then_waits_until_its_oldest_event_leaves_it() -> None:
    window = SlidingWindow(3, HOUR)
    assert [window.hit("a", T0 + timedelta(minutes=m)) for m in (0, 10, 20)] == [None, None, None]
    assert window.hit("a", T0 + timedelta(minutes=30)) == 30 * 60  # the first leaves the window at 10:00
    assert window.hit("b", T0 + timedelta(minutes=30)) is None  # another client is not held up
    assert window.hit("a", T0 + HOUR) is None


def test_refused_tries_do_not_extend_the_wait() -> None:
    window = SlidingWindow(1, HOUR)
    window.hit("a", T0)
    for minutes in range(1, 60):
        window.hit("a", T0 + timedelta(minutes=minutes))
    assert window.hit("a", T0 + HOUR) is None


def test_memory_is_bounded_by_forgetting_the_longest_unseen_keys() -> None:
    window = SlidingWindow(1, HOUR, max_keys=2)
    for key in ("a", "b", "a", "c"):
        window.hit(key, T0)
    assert window.hit("a", T0) is not None  # "a" was seen again, so "b" went first
    assert window.hit("b", T0) is None


def test_a_limit_of_zero_is_off() -> None:
    assert all(SlidingWindow(0, HOUR).hit("a", T0) is None for _ in range(100))


def test_the_subscribe_form_refuses_a_client_that_signs_up_too_many_addresses(
    client: TestClient, session: Session
) -> None:
    make_component(session, "checkout")
    session.commit()
    for n in range(10):
        assert client.post("/status/subscribe", data={"email": f"reader{n}@shop.example"}).status_code == 200
    page = client.post("/status/subscribe", data={"email": "victim@shop.example"})
    assert page.status_code == 429 and int(page.headers["retry-after"]) > 3500
    assert "Too many subscriptions from your address; try again in 60 minutes." in page.text
    as_json = client.post("/status/subscribe", json={"webhook": "https://hooks.partner.example/x"})
    assert as_json.status_code == 429
    assert as_json.json()["error"]["code"] == "rate_limited"
    assert session.scalar(select(func.count()).select_from(Subscriber)) == 10  # nothing stored, nothing mailed
