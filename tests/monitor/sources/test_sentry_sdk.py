"""The real sentry-sdk 2.x posts to a local server; what it recorded goes through our parsers.

formats.md §5 and §13: sentry-sdk compresses with br when brotli is importable, else gzip.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import sentry_sdk

from tests.servers import http_server
from trustops.monitor.signals import ErrorEvent
from trustops.monitor.sources.sentry import error_events, read_envelope, sentry_key


@dataclass(frozen=True)
class Recorded:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Sent:
    event_ids: set[str]
    requests: list[Recorded]


@pytest.fixture
def recorder() -> Iterator[tuple[int, list[Recorded]]]:
    received: list[Recorded] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            url = urlsplit(self.path)
            received.append(Recorded(url.path, dict(parse_qsl(url.query)), dict(self.headers), body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with http_server(Handler) as port:
        yield port, received


def drop_marked(event: Any, _hint: Any) -> Any:
    return None if event.get("tags", {}).get("drop") else event


def send_with_sdk(port: int, received: list[Recorded], compression: str) -> Sent:
    """An exception and a message from user u-42, plus a session and a dropped event (→ client_report)."""
    # A private client in an isolation scope: nothing global is set, and without default integrations
    # (which also gate the auto-enabling ones) the SDK patches nothing that other tests use.
    client = sentry_sdk.Client(
        dsn=f"http://testkey@127.0.0.1:{port}/1",
        release="shop@1.0",
        default_integrations=False,
        auto_enabling_integrations=False,
        before_send=drop_marked,
        _experiments={"transport_compression_algo": compression},
    )
    try:
        with sentry_sdk.isolation_scope() as scope:
            scope.set_client(client)
            scope.start_session(session_mode="application")
            scope.set_user({"id": "u-42", "email": "ada@example.com"})
            scope.set_tag("feature", "checkout")
            try:
                raise ZeroDivisionError("card 4242 declined")
            except ZeroDivisionError:
                ids = {sentry_sdk.capture_exception(), sentry_sdk.capture_message("gateway timeout", level="warning")}
            with sentry_sdk.new_scope() as dropped:
                dropped.set_tag("drop", "yes")
                sentry_sdk.capture_message("dropped by before_send")
            scope.end_session()
        client.flush(timeout=5)
    finally:
        client.close(timeout=5)
    return Sent({i for i in ids if i}, list(received))


def parse_all(requests: list[Recorded]) -> tuple[list[ErrorEvent], list[str]]:
    events: list[ErrorEvent] = []
    skipped: list[str] = []
    for request in requests:
        envelope = read_envelope(request.body, request.headers.get("Content-Encoding"))
        events += error_events(envelope)
        skipped += envelope.skipped
    return events, skipped


def assert_events_of_user_42(sent: Sent) -> None:
    events, skipped = parse_all(sent.requests)
    assert {e.event_id for e in events} == sent.event_ids
    assert len(sent.event_ids) == 2
    assert {e.user_id for e in events} == {"u-42"}
    assert all(e.tags.get("feature") == "checkout" and e.source == "sentry" for e in events)
    assert sorted(e.level for e in events) == ["error", "warning"]
    assert {"session", "client_report"} <= set(skipped)
    for secret in ("ada@example.com", "declined", "gateway timeout"):
        assert secret not in repr(events)


def test_the_real_sdk_gzip_envelopes_give_the_users_errors(recorder: tuple[int, list[Recorded]]) -> None:
    sent = send_with_sdk(*recorder, compression="gzip")
    assert {r.headers["Content-Encoding"] for r in sent.requests} == {"gzip"}
    assert {r.path for r in sent.requests} == {"/api/1/envelope/"}
    assert {sentry_key(r.headers, r.query) for r in sent.requests} == {"testkey"}
    assert_events_of_user_42(sent)


def test_the_real_sdk_brotli_envelopes_give_the_same(recorder: tuple[int, list[Recorded]]) -> None:
    pytest.importorskip("brotli")
    sent = send_with_sdk(*recorder, compression="br")
    assert {r.headers["Content-Encoding"] for r in sent.requests} == {"br"}
    assert_events_of_user_42(sent)
