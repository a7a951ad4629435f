from __future__ import annotations

import gzip
import json
import sys
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustops.errors import InvalidInput, TrustopsError
from trustops.monitor.signals import ErrorEvent
from trustops.monitor.sources import PayloadTooLarge, UnsupportedEncoding
from trustops.monitor.sources.sentry import (
    MAX_ENVELOPE_BYTES,
    MAX_EVENT_BYTES,
    error_events,
    read_envelope,
    sentry_key,
)

# formats.md §5, observed from sentry-sdk 2.75.0, with the elided parts filled in.
HEADER = (
    b'{"event_id":"1ac90b5688f643039290c36c9007685c","sent_at":"2026-11-22T10:47:12.023959Z",'
    b'"trace":{"trace_id":"735a","environment":"test","release":"shop@1.0","public_key":"abc123"}}'
)
EVENT = {
    "event_id": "ebfe5d3c1b7a4f0e9d8c7b6a5f4e3d2c",
    "level": "warning",
    "message": "payment gateway timeout",
    "tags": {"feature": "checkout"},
    "user": {"id": "u-42", "email": "ada@example.com", "username": "ada", "ip_address": "192.0.2.7"},
    "environment": "test",
    "release": "shop@1.0",
    "timestamp": "2026-11-22T10:47:12.024661Z",
    "exception": {"values": [{"type": "TimeoutError", "value": "card 4242 declined"}]},
}
SENT_AT = datetime(2026, 11, 22, 10, 47, 12, 23959, tzinfo=UTC)


def item(payload: bytes, kind: str = "event", *, length: bool = True) -> bytes:
    header: dict[str, Any] = {"type": kind, "content_type": "application/json"}
    if length:
        header["length"] = len(payload)
    return json.dumps(header).encode() + b"\n" + payload + b"\n"


def envelope(*items: bytes, header: bytes = HEADER) -> bytes:
    return header + b"\n" + b"".join(items)


def event(**changes: Any) -> bytes:
    return json.dumps({**EVENT, **changes}).encode()


def events(body: bytes, **kwargs: Any) -> list[ErrorEvent]:
    return error_events(read_envelope(body, None), **kwargs)


SAMPLE = envelope(item(event()))


def test_the_observed_gzip_envelope_becomes_an_error_event_with_user_and_tags() -> None:
    parsed = read_envelope(gzip.compress(SAMPLE), "gzip")
    assert (parsed.event_id, parsed.sent_at, parsed.dsn_key, parsed.skipped) == (
        "1ac90b5688f643039290c36c9007685c",
        SENT_AT,
        None,
        (),
    )
    assert error_events(parsed) == [
        ErrorEvent(
            source="sentry",
            occurred_at=datetime(2026, 11, 22, 10, 47, 12, 24661, tzinfo=UTC),
            kind="error",
            user_id="u-42",
            component_id=None,
            tags={"feature": "checkout"},
            event_id="ebfe5d3c1b7a4f0e9d8c7b6a5f4e3d2c",
            level="warning",
        )
    ]


def test_messages_exception_values_and_personal_user_fields_are_not_kept() -> None:
    kept = repr(events(SAMPLE))
    for secret in ("payment gateway", "declined", "ada", "192.0.2.7"):
        assert secret not in kept


def test_unknown_item_types_are_skipped_even_with_newlines_in_their_payload() -> None:
    body = envelope(
        item(b'{"sid":"1","status":"ok"}', "session"),
        item(b"\x00binary\nwith\nnewlines", "attachment"),
        item(event()),
        item(b'{"discarded_events":[]}', "client_report", length=False),
    )
    parsed = read_envelope(body, None)
    assert parsed.skipped == ("session", "attachment", "client_report")
    assert [(i.type, i.index) for i in parsed.items] == [("event", 2)]


def test_items_without_length_run_to_the_next_newline_and_the_final_newline_is_optional() -> None:
    body = envelope(item(event(), length=False), item(event(event_id="ab" * 16), length=False)).rstrip(b"\n")
    assert [e.event_id for e in events(body)] == ["ebfe5d3c1b7a4f0e9d8c7b6a5f4e3d2c", "ab" * 16]


def test_an_item_with_length_may_end_the_envelope_without_a_newline() -> None:
    assert len(events(envelope(item(event())).rstrip(b"\n"))) == 1


def test_an_envelope_of_only_a_header_has_no_events() -> None:
    parsed = read_envelope(b"{}", None)
    assert (parsed.event_id, parsed.items, parsed.skipped) == (None, (), ())


def test_the_header_dsn_carries_the_public_key() -> None:
    header = b'{"dsn":"https://abc123@o1.ingest.example.com/42"}'
    assert read_envelope(envelope(header=header), None).dsn_key == "abc123"


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ([["feature", "checkout"], ["component", "payments"]], {"feature": "checkout", "component": "payments"}),
        ({"attempt": 3, "cached": False, "ratio": 0.5}, {"attempt": "3", "cached": "false", "ratio": "0.5"}),
        ({"user": "email:ada@example.com", "sentry:user": "id:1", "ok": "1"}, {"ok": "1"}),
        ({"long": "x" * 201, "nested": {"a": 1}, "none": None}, {}),
        ([["only-one"], "text", ["k", "v"]], {"k": "v"}),
        ("feature:checkout", {}),
    ],
)
def test_tags_come_as_a_map_or_pairs_and_are_kept_as_short_strings(tags: Any, expected: dict[str, str]) -> None:
    [parsed] = events(envelope(item(event(tags=tags))))
    assert parsed.tags == expected


def test_a_component_tag_names_the_component() -> None:
    [parsed] = events(envelope(item(event(tags={"component": "checkout"}))))
    assert parsed.component_id == "checkout"


def test_an_epoch_timestamp_is_read_as_utc() -> None:
    [parsed] = events(envelope(item(event(timestamp=1795344432.5))))
    assert parsed.occurred_at == datetime(2026, 11, 22, 10, 47, 12, 500000, tzinfo=UTC)


def test_without_timestamp_the_envelope_sent_at_then_the_receive_time_is_used() -> None:
    bare = {k: v for k, v in EVENT.items() if k != "timestamp"}
    body = envelope(item(json.dumps(bare).encode()))
    received = SENT_AT + timedelta(seconds=3)
    assert events(body)[0].occurred_at == SENT_AT
    assert events(envelope(item(json.dumps(bare).encode()), header=b"{}"), received_at=received)[0].occurred_at == (
        received
    )
    with pytest.raises(InvalidInput, match=r"^items\[0\]\.timestamp: required when the envelope has no sent_at$"):
        events(envelope(item(json.dumps(bare).encode()), header=b"{}"))


def test_the_user_id_may_be_a_number_and_is_absent_without_one() -> None:
    [numbered] = events(envelope(item(event(user={"id": 42}))))
    [anonymous] = events(envelope(item(event(user={"ip_address": "192.0.2.7"}))))
    assert (numbered.user_id, anonymous.user_id) == ("42", None)


def test_the_level_defaults_to_error() -> None:
    bare = {k: v for k, v in EVENT.items() if k != "level"}
    [default] = events(envelope(item(json.dumps(bare).encode())))
    [unknown] = events(envelope(item(event(level="loud"))))
    assert default.level == unknown.level == "error"


def test_an_event_without_id_takes_the_envelope_id_and_dashes_are_dropped() -> None:
    bare = {k: v for k, v in EVENT.items() if k != "event_id"}
    [inherited] = events(envelope(item(json.dumps(bare).encode())))
    [dashed] = events(envelope(item(event(event_id="EBFE5D3C-1B7A-4F0E-9D8C-7B6A5F4E3D2C"))))
    assert inherited.event_id == "1ac90b5688f643039290c36c9007685c"
    assert dashed.event_id == EVENT["event_id"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "body: empty envelope"),
        (b"\n\n", "body: empty envelope"),
        (b"not json\n", "header: not valid JSON"),
        (b"[]\n", "header: expected a JSON object, got a list"),
        (envelope(b'{"length":2}\n{}\n'), "items[0].type: expected an item type, got null"),
        (envelope(b"{oops\n"), "items[0]: not valid JSON"),
        (envelope(b'{"type":"event","length":-1}\n'), "items[0].length: -1 is not a byte count"),
        (envelope(b'{"type":"event","length":"9"}\n'), "items[0].length: '9' is not a byte count"),
        (envelope(b'{"type":"event","length":90}\n{}\n'), "items[0].length: 90 bytes announced but only 3 follow"),
        (envelope(b'{"type":"event","length":1}\n{}\n'), "items[0]: expected a newline after its 1 bytes"),
        (envelope(item(b"[1, 2]")), "items[0]: expected a JSON object, got a list"),
        (envelope(item(event(timestamp="soon"))), "items[0].timestamp: 'soon' is not an RFC 3339 time"),
        (envelope(item(event(timestamp=1e300))), "items[0].timestamp: 1e+300 is not a Unix timestamp"),
        (envelope(header=b'{"sent_at":"noon"}'), "header.sent_at: 'noon' is not an RFC 3339 time"),
    ],
)
def test_a_malformed_envelope_names_the_item_and_field(body: bytes, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        error_events(read_envelope(body, None))
    assert caught.value.message.startswith(message)


def test_the_auth_header_or_the_query_carries_the_key() -> None:
    auth = "Sentry sentry_key=abc123, sentry_version=7, sentry_client=sentry.python/2.75.0"
    assert sentry_key({"X-Sentry-Auth": auth}, {}) == "abc123"
    assert sentry_key({"x-sentry-auth": "Sentry sentry_version=7,sentry_key=def"}, {}) == "def"
    assert sentry_key({}, {"sentry_key": "abc123", "sentry_version": "7"}) == "abc123"
    assert sentry_key({"X-Sentry-Auth": "Bearer sentry_key=abc123"}, {}) is None
    assert sentry_key({"X-Sentry-Auth": "Sentry sentry_key="}, {}) is None
    assert sentry_key({}, {}) is None


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", gzip.compress),
        ("GZip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data, wbits=-zlib.MAX_WBITS)),
        ("identity", lambda data: data),
        ("", lambda data: data),
        ("gzip, deflate", lambda data: zlib.compress(gzip.compress(data))),
    ],
)
def test_every_content_coding_decodes_to_the_same_envelope(encoding: str, compress: Any) -> None:
    assert read_envelope(compress(SAMPLE), encoding) == read_envelope(SAMPLE, None)


def test_a_gzip_body_of_several_members_is_read_whole() -> None:
    half = len(SAMPLE) // 2
    body = gzip.compress(SAMPLE[:half]) + gzip.compress(SAMPLE[half:])
    assert read_envelope(body, "gzip") == read_envelope(SAMPLE, None)


def test_brotli_bodies_decode_when_brotli_is_installed() -> None:
    brotli = pytest.importorskip("brotli")
    assert read_envelope(brotli.compress(SAMPLE), "br") == read_envelope(SAMPLE, None)


def test_brotli_is_refused_with_415_when_the_module_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "brotli", None)
    with pytest.raises(UnsupportedEncoding) as caught:
        read_envelope(b"\x1b\x00", "br")
    assert caught.value.status_code == 415
    assert caught.value.field == "Content-Encoding"
    assert caught.value.message.startswith("Content-Encoding: 'br' needs the brotli package")


def test_an_unknown_coding_is_refused_with_415() -> None:
    with pytest.raises(UnsupportedEncoding, match=r"^Content-Encoding: 'zstd' is not gzip, deflate or br$"):
        read_envelope(SAMPLE, "zstd")


@pytest.mark.parametrize(
    ("body", "encoding", "message"),
    [
        (b"plain text", "gzip", "body: not valid gzip data"),
        (gzip.compress(SAMPLE)[:-12], "gzip", "body: gzip data ends early"),
        (gzip.compress(SAMPLE) + b"junk", "gzip", "body: not valid gzip data"),
        (b"\xff\xff\xff", "deflate", "body: not valid deflate data"),
    ],
)
def test_a_corrupt_compressed_body_is_invalid(body: bytes, encoding: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_envelope(body, encoding)
    assert caught.value.message.startswith(message)


def test_a_compressed_bomb_stops_at_the_envelope_limit_with_413() -> None:
    bomb = gzip.compress(b"\n" * 1_000_001)
    with pytest.raises(PayloadTooLarge) as caught:
        read_envelope(bomb, "gzip", max_bytes=1_000_000)
    assert caught.value.status_code == 413
    assert caught.value.message == "body: more than 1,000,000 bytes"


def test_a_brotli_bomb_stops_at_the_envelope_limit_too() -> None:
    brotli = pytest.importorskip("brotli")
    with pytest.raises(PayloadTooLarge):
        read_envelope(brotli.compress(b"\n" * 1_000_001), "br", max_bytes=1_000_000)


def test_an_uncompressed_body_over_the_limit_is_too_large() -> None:
    with pytest.raises(PayloadTooLarge):
        read_envelope(SAMPLE, None, max_bytes=len(SAMPLE) - 1)


def test_an_event_item_over_its_limit_is_too_large_but_other_items_are_not_held_to_it() -> None:
    big_session = item(b'{"pad":"' + b"x" * 2000 + b'"}', "session")
    assert read_envelope(envelope(big_session), None, max_event_bytes=1000).skipped == ("session",)
    with pytest.raises(PayloadTooLarge) as caught:
        read_envelope(envelope(big_session, item(event(pad="x" * 2000))), None, max_event_bytes=1000)
    assert caught.value.field == "items[1]"


def test_the_default_limits_are_relays() -> None:
    assert (MAX_ENVELOPE_BYTES, MAX_EVENT_BYTES) == (200 * 1024 * 1024, 1024 * 1024)


ENCODINGS = st.sampled_from([None, "gzip", "deflate", "br", "identity", "zstd", "gzip, br"])


@st.composite
def envelopes(draw: st.DrawFn) -> bytes:
    """Near-valid envelopes: a header, then items whose lengths may lie."""
    parts = [draw(st.sampled_from([HEADER, b"{}", b"", b"[1]"]))]
    for _ in range(draw(st.integers(0, 4))):
        payload = draw(st.one_of(st.binary(max_size=40), st.just(event())))
        kind = draw(st.sampled_from(["event", "session", "", None]))
        length = draw(st.one_of(st.none(), st.integers(-2, 60), st.just(len(payload))))
        parts.append(json.dumps({"type": kind, "length": length}).encode())
        parts.append(payload)
    return b"\n".join(parts)


@settings(max_examples=150, deadline=None, database=None)
@given(body=st.one_of(st.binary(), envelopes()), encoding=ENCODINGS, compress=st.booleans())
def test_any_bytes_fail_only_with_trustops_errors(body: bytes, encoding: str | None, compress: bool) -> None:
    if compress:
        body = gzip.compress(body)
    try:
        error_events(read_envelope(body, encoding, max_event_bytes=100), received_at=SENT_AT)
    except TrustopsError:
        pass
