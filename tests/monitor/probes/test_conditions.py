from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustops.monitor.probes.conditions import OPERATORS, PLACEHOLDERS, ProbeContext, first_failure, parse_condition

BODY = json.dumps({"status": "UP", "version": "2.1", "data": [{"id": 7, "tags": ["a", "b"]}], "errors": None})
SEEN = ProbeContext(
    status=200,
    response_ms=123.4,
    ip="127.0.0.1",
    body=BODY,
    connected=True,
    cert_expires_in=timedelta(days=3),
    dns_rcode="NOERROR",
)


@pytest.mark.parametrize(
    ("text", "holds"),
    [
        ("[STATUS] == 200", True),
        ("[STATUS]==200", True),
        ("  [STATUS] != 200  ", False),
        ("[STATUS] < 300", True),
        ("[STATUS] >= 500", False),
        ("200 == [STATUS]", True),
        ("[RESPONSE_TIME] < 300", True),
        ("[RESPONSE_TIME] <= 100", False),
        ("[RESPONSE_TIME] < 1s", True),
        ("[IP] == 127.0.0.1", True),
        ("[BODY].status == UP", True),
        ("[BODY].status == DOWN", False),
        ("[BODY].version > 2", True),
        ("[BODY].data[0].id == 7", True),
        ("[BODY].data[0].tags[1] == b", True),
        ('[BODY].data[0].tags == ["a","b"]', True),
        ("[BODY].errors == null", True),
        ('[BODY] == pat(*"status": "UP"*)', True),
        ("[BODY].status == [BODY].status", True),
        ("len([BODY].data) == 1", True),
        ("len([BODY].data[0].tags) > 1", True),
        ("len([BODY].status) == 2", True),
        ("has([BODY].errors) == true", True),
        ("has([BODY].missing) == false", True),
        ("[BODY].status == pat(U*)", True),
        ("[BODY].status != pat(D*)", True),
        ("[STATUS] == any(200, 204)", True),
        ("[STATUS] != any(500, 503)", True),
        ("any(500, 503) == [STATUS]", False),
        ("[CONNECTED] == true", True),
        ("[CERTIFICATE_EXPIRATION] > 48h", True),
        ("[CERTIFICATE_EXPIRATION] > 2d", True),
        ("[CERTIFICATE_EXPIRATION] > 4d", False),
        ("[CERTIFICATE_EXPIRATION] > 30m", True),
        ("[DNS_RCODE] == NOERROR", True),
        ("[DNS_RCODE] == NXDOMAIN", False),
    ],
)
def test_a_condition_holds_or_not_against_what_the_probe_saw(text: str, holds: bool) -> None:
    assert parse_condition(text).evaluate(SEEN) is holds


@pytest.mark.parametrize(
    "text",
    [
        "[BODY].nope == x",
        "[BODY].nope != x",
        "[BODY].data[5].id == 7",
        "len([BODY].nope) == 0",
        "[DNS_RCODE] != NXDOMAIN",
    ],
)
def test_a_value_the_probe_could_not_fill_fails_whatever_the_operator(text: str) -> None:
    assert parse_condition(text).evaluate(ProbeContext(body=BODY)) is False


def test_numbers_compare_as_numbers_and_words_as_text() -> None:
    seen = ProbeContext(body=json.dumps({"count": 10, "name": "b"}))
    assert parse_condition("[BODY].count > 9").evaluate(seen)  # as text "10" < "9"
    assert parse_condition("[BODY].name > a").evaluate(seen)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[STATU] == 200", 'unknown placeholder [STATU] in "[STATU] == 200"'),
        ("[status] == 200", "unknown placeholder [status]"),
        ("[DOMAIN_EXPIRATION] > 720h", "unknown placeholder [DOMAIN_EXPIRATION]"),
        ("", "empty condition"),
        ("[STATUS]", 'no operator (== != < <= > >=) in "[STATUS]"'),
        ("[STATUS] = 200", "no operator"),
        ("[STATUS] ==", 'nothing on the right of the operator in "[STATUS] =="'),
        ("== 200", "nothing on the left"),
        ("200 == 200", 'no placeholder such as [STATUS] in "200 == 200"'),
        ("[STATUS] > any(200, 300)", "pat() and any() only work with == or !="),
        ("[BODY] <= pat(x*)", "pat() and any() only work with == or !="),
        ("pat(a) == any(b)", "cannot be compared with each other"),
        ("[STATUS].code == 200", "only [BODY] takes a path, not [STATUS].code"),
        ("[BODY]..a == 1", 'bad JSON path "..a" after [BODY]'),
        ("[BODY].a[x] == 1", "bad JSON path"),
        ("len(42) > 1", 'len() takes a placeholder such as [BODY].items, not "42"'),
        ("has() == true", "has() takes a placeholder"),
        ("size([BODY]) > 1", "unknown function size()"),
        ("len([BODY] > 1", 'len( is never closed in "len([BODY] > 1"'),
    ],
)
def test_a_bad_condition_is_refused_with_the_problem_and_its_text(text: str, problem: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_condition(text)
    assert problem in str(caught.value)


def test_the_first_failure_names_the_condition_and_the_actual_value() -> None:
    conditions = [parse_condition(t) for t in ("[RESPONSE_TIME] < 300", "[STATUS] == 200", "[BODY].status == UP")]
    assert (
        first_failure(conditions, ProbeContext(status=503, response_ms=12.0, body="{}")) == "[STATUS] == 200 (was 503)"
    )


def test_all_conditions_holding_means_no_failure() -> None:
    assert first_failure([parse_condition("[STATUS] == 200")], SEEN) is None


@pytest.mark.parametrize(
    ("text", "seen", "explained"),
    [
        ("[RESPONSE_TIME] < 100", SEEN, "[RESPONSE_TIME] < 100 (was 123.4)"),
        ("[CERTIFICATE_EXPIRATION] > 4d", SEEN, "[CERTIFICATE_EXPIRATION] > 4d (was 3d 0h)"),
        (
            "[CERTIFICATE_EXPIRATION] > 48h",
            ProbeContext(cert_expires_in=timedelta(hours=47, minutes=59, seconds=59)),
            "[CERTIFICATE_EXPIRATION] > 48h (was 1d 23h)",
        ),
        ("len([BODY].data) > 3", SEEN, "len([BODY].data) > 3 (was 1)"),
        ("has([BODY].nope) == true", SEEN, "has([BODY].nope) == true (was false)"),
        ("[BODY].status == [IP]", SEEN, "[BODY].status == [IP] (was UP and 127.0.0.1)"),
        ("[BODY].nope == 1", SEEN, "[BODY].nope == 1 (no [BODY].nope in the body)"),
        ("[BODY].status == UP", ProbeContext(body="<html>"), "[BODY].status == UP (the body is not JSON)"),
        (
            "[CERTIFICATE_EXPIRATION] > 48h",
            ProbeContext(status=200),
            "[CERTIFICATE_EXPIRATION] > 48h (no certificate: not a TLS connection, or its certificate could not be read)",
        ),
    ],
)
def test_a_failure_explains_what_was_seen_instead(text: str, seen: ProbeContext, explained: str) -> None:
    assert first_failure([parse_condition(text)], seen) == explained


@given(st.text())
def test_parsing_any_text_raises_nothing_but_value_error(text: str) -> None:
    try:
        parse_condition(text)
    except ValueError:
        pass


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
)
CONDITION_SHAPED = st.builds(
    "[{}]{} {} {}".format,
    st.sampled_from(PLACEHOLDERS),
    st.from_regex(r"(\.[a-z]{1,2}|\[[0-2]\]){0,2}", fullmatch=True),
    st.sampled_from(OPERATORS),
    st.text(max_size=8) | st.sampled_from(["UP", "200", "48h", "pat(*U*)", "any(1, UP)", "true", "[STATUS]"]),
)


@settings(max_examples=60, deadline=None)
@given(CONDITION_SHAPED, st.text() | JSON.map(json.dumps))
def test_a_condition_that_parses_evaluates_and_explains_against_any_body_without_raising(text: str, body: str) -> None:
    try:
        condition = parse_condition(text)
    except ValueError:
        return
    seen = ProbeContext(status=200, body=body)
    condition.evaluate(seen)
    assert condition.explain(seen).startswith(condition.text)
