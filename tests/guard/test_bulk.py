"""Bulk evaluation: an audience streamed through the pseudonymiser, the fact book and the rules."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.guard.audiences import NOW, SECRET, checkout, customer, days_ago, saw_error, site_wide_outage
from trustops.config import Policy
from trustops.enums import CampaignType, CustomerTier
from trustops.errors import InvalidInput
from trustops.guard.bulk import (
    AudienceReader,
    AudienceRow,
    Holdout,
    LineError,
    Pseudonymiser,
    Summary,
    evaluate,
    record_run,
)
from trustops.guard.facts import FactBook, in_holdout
from trustops.guard.models import GuardRun
from trustops.privacy import pseudonymise

POLICY = Policy()


def read(text: str, audience_format: str = "csv", **options: str) -> tuple[list[AudienceRow], list[LineError]]:
    errors: list[LineError] = []
    reader = AudienceReader(io.StringIO(text), audience_format, on_error=errors.append, **options)  # type: ignore[arg-type]
    return list(reader), errors


def book(session: Session, policy: Policy = POLICY) -> FactBook:
    return FactBook.load(session, secret=SECRET, policy=policy, now=NOW)


@pytest.mark.parametrize("secret", [SECRET, b"k", b"x" * 64, b"a much longer secret than one sha-256 block " * 3])
def test_the_prepared_pseudonymiser_gives_the_same_pseudonyms_as_privacy_pseudonymise(secret: bytes) -> None:
    fast = Pseudonymiser(secret)

    for user_id in ("u-1", " padded ", "ünïcode-42", "x" * 300, "1234567890"):
        assert fast(user_id) == pseudonymise(secret, user_id)


def test_the_prepared_holdout_puts_the_same_users_in_the_holdout_as_in_holdout() -> None:
    keys = [pseudonymise(SECRET, f"u-{i}") for i in range(2_000)]

    fast = [Holdout(SECRET, 0.05)(key) for key in keys]

    assert fast == [in_holdout(SECRET, key, 0.05) for key in keys]
    assert 40 < sum(fast) < 170  # about 5 % of 2,000


def test_a_promotional_campaign_suppresses_the_user_who_saw_an_error_and_allows_everyone_else(
    session: Session,
) -> None:
    checkout(session)
    saw_error(session, "u-1", at=days_ago(10))
    saw_error(session, "u-2", at=days_ago(45))
    rows, _ = read("user_id,email\nu-1,ana@example.com\nu-2,\nu-3,cat@example.com\n")

    judged = list(evaluate(rows, CampaignType.PROMOTIONAL, book=book(session), secret=SECRET, policy=POLICY, now=NOW))

    assert [(e.row.user_id, e.verdict.allowed, e.verdict.rule) for e in judged] == [
        ("u-1", False, "no_offers_after_error"),
        ("u-2", True, "no_rule"),
        ("u-3", True, "no_rule"),
    ]
    assert judged[0].verdict.until == days_ago(10) + timedelta(days=30)
    assert judged[0].user_key == pseudonymise(SECRET, "u-1")
    assert judged[0].row.email == "ana@example.com"
    assert judged[2].facts is None  # never hurt, not a customer: the shared "nothing known" verdict


def test_users_the_guard_does_not_know_share_one_verdict_but_a_thank_you_run_still_marks_their_holdout(
    session: Session,
) -> None:
    rows = [AudienceRow(n, f"stranger-{n}", None) for n in range(1, 400)]

    judged = list(evaluate(rows, CampaignType.THANK_YOU, book=book(session), secret=SECRET, policy=POLICY, now=NOW))

    assert {e.verdict.rule for e in judged} == {"thank_you_when_stable"}
    assert len({id(e.verdict) for e in judged}) == 1
    assert [e.holdout for e in judged] == [in_holdout(SECRET, e.user_key, POLICY.holdout_share) for e in judged]
    assert any(e.holdout for e in judged)


def test_a_loyal_customer_hit_by_an_outage_is_thanked_once_it_has_been_stable_for_a_week(session: Session) -> None:
    checkout(session)
    site_wide_outage(session, started=days_ago(20), resolved=days_ago(9))
    saw_error(session, "loyal", at=days_ago(19))
    customer(session, "loyal", tier=CustomerTier.LOYAL, since=days_ago(900))
    customer(session, "newcomer", tier=CustomerTier.REGULAR, since=days_ago(30))
    rows = [AudienceRow(1, "loyal", None), AudienceRow(2, "newcomer", None)]

    judged = list(evaluate(rows, CampaignType.THANK_YOU, book=book(session), secret=SECRET, policy=POLICY, now=NOW))

    holdout = in_holdout(SECRET, pseudonymise(SECRET, "loyal"), POLICY.holdout_share)
    assert judged[0].verdict.allowed is not holdout
    assert judged[0].verdict.rule == ("holdout" if holdout else "thank_you_when_stable")
    assert judged[1].verdict.allowed is False
    assert judged[1].facts is not None and judged[1].facts.tier is CustomerTier.REGULAR


def test_evaluation_streams_rows_without_reading_the_whole_audience_first(session: Session) -> None:
    def endless() -> Iterator[AudienceRow]:
        for n in itertools.count(1):
            yield AudienceRow(n, f"u-{n}", None)

    judged = evaluate(endless(), CampaignType.PROMOTIONAL, book=book(session), secret=SECRET, policy=POLICY, now=NOW)

    assert [e.row.line for e in itertools.islice(judged, 3)] == [1, 2, 3]


@pytest.mark.parametrize(
    ("header", "expected"),
    [("user_id,external_id,id", "user_id"), ("id,external_id", "external_id"), ("id,userId", "userId"), ("id", "id")],
)
def test_the_reader_finds_the_id_column_by_its_usual_names_in_order(header: str, expected: str) -> None:
    reader = AudienceReader(io.StringIO(f"{header}\n"), "csv")

    assert reader.id_column == expected


def test_a_chosen_id_column_wins_and_a_missing_one_names_the_columns_found() -> None:
    rows, _ = read("customer,user_id\nc-9,u-9\n", id_column="customer")

    with pytest.raises(InvalidInput, match=r"no id column.*\(found: customer, plan\)") as missing:
        AudienceReader(io.StringIO("customer,plan\nc-1,gold\n"), "csv")
    with pytest.raises(InvalidInput, match=r"'crm_id' is not a column of the audience \(found: user_id\)"):
        AudienceReader(io.StringIO("user_id\nu-1\n"), "csv", id_column="crm_id")

    assert [r.user_id for r in rows] == ["c-9"]
    assert missing.value.field == "id_column"


def test_bad_csv_lines_are_reported_with_their_number_and_the_good_ones_kept() -> None:
    text = 'user_id,email\nu-1,a@example.com\n,b@example.com\nu-3\n\n"u-5\nspans two lines",e@example.com\nu-7,\n'

    rows, errors = read(text)

    assert [(r.line, r.user_id, r.email) for r in rows] == [
        (2, "u-1", "a@example.com"),
        (4, "u-3", None),
        (6, "u-5\nspans two lines", "e@example.com"),
        (8, "u-7", None),
    ]
    assert errors == [LineError(3, "user_id: missing or empty")]


def test_a_short_row_is_a_bad_line_when_it_lacks_the_id_column() -> None:
    rows, errors = read("email,user_id\nonly@example.com\nz@example.com,u-2\n")

    assert [r.user_id for r in rows] == ["u-2"]
    assert errors == [LineError(2, "1 columns; the id column is column 2")]


def test_ndjson_audiences_take_string_or_integer_ids_and_report_bad_lines() -> None:
    text = (
        '\n{"user_id": "u-1", "email": "a@example.com"}\nnot json\n[1]\n{"user_id": true}\n{"user_id": 42}\n{"x": 1}\n'
    )

    rows, errors = read(text, "ndjson")

    assert [(r.line, r.user_id, r.email) for r in rows] == [(2, "u-1", "a@example.com"), (6, "42", None)]
    assert [e.line for e in errors] == [3, 4, 5, 7]
    assert errors[0].message.startswith("not valid JSON")
    assert errors[1].message == "expected a JSON object, got list"
    assert errors[2].message == "user_id: True is not a string or an integer"
    assert errors[3].message == "user_id: missing or empty"


def test_an_empty_audience_is_refused() -> None:
    with pytest.raises(InvalidInput, match="audience: the file is empty"):
        AudienceReader(io.StringIO(""), "csv")
    with pytest.raises(InvalidInput, match="audience: no JSON object found"):
        AudienceReader(io.StringIO("\n\n"), "ndjson")
    with pytest.raises(InvalidInput, match="'xml' is not an audience format; use one of csv, ndjson"):
        AudienceReader(io.StringIO(""), "xml")


def test_a_run_keeps_its_counts_and_nothing_about_its_users(session: Session) -> None:
    summary = Summary(audience=3, allowed=1)
    summary.suppressed.update({"outage_cooldown": 1, "no_offers_after_error": 1})

    run = record_run(
        session, summary, CampaignType.PROMOTIONAL, export_format="braze", campaign_id="spring", actor="cli", now=NOW
    )

    stored = session.scalars(select(GuardRun).where(GuardRun.id == run.id)).one()
    assert (stored.audience, stored.allowed, stored.format, stored.campaign_id) == (3, 1, "braze", "spring")
    assert stored.suppressed == {"no_offers_after_error": 1, "outage_cooldown": 1}


@pytest.mark.parametrize("batch_size", [1, 2, 3, 8192])
def test_line_numbers_survive_batching_with_quoted_line_breaks_and_bad_rows(batch_size: int) -> None:
    text = 'user_id,email\nu-1,a@example.com\n"u-2\nwrapped",b@example.com\n,c@example.com\nu-4,d@example.com\nu-5\n'
    errors: list[LineError] = []

    reader = AudienceReader(io.StringIO(text), "csv", on_error=errors.append, batch_size=batch_size)
    rows = list(reader)

    assert [(r.line, r.user_id, r.email) for r in rows] == [
        (2, "u-1", "a@example.com"),
        (3, "u-2\nwrapped", "b@example.com"),
        (6, "u-4", "d@example.com"),
        (7, "u-5", None),
    ]
    assert errors == [LineError(5, "user_id: missing or empty")]
