"""Every export format: its exact header and one row, for suppressed and for allowed users."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from tests.guard.audiences import NOW as WORLD_NOW
from tests.guard.audiences import SECRET, checkout, customer, days_ago, saw_error
from trustops.config import Policy
from trustops.enums import CampaignType, CustomerTier, Impact
from trustops.errors import InvalidInput
from trustops.guard.bulk import AudienceReader, AudienceRow, Evaluated, Judge, Summary
from trustops.guard.exports import FORMATS, write_export, write_split
from trustops.guard.facts import FactBook, IncidentHit, UserFacts, no_facts
from trustops.guard.rules import Verdict

NOW = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
LAST_ERROR = datetime(2026, 3, 2, 14, 5, 9, tzinfo=UTC)
OUTAGE = IncidentHit(118, Impact.MAJOR, True, frozenset({"checkout", "cart"}), NOW - timedelta(hours=3), None, None)
HURT = UserFacts("k-42", False, None, None, LAST_ERROR, frozenset({"checkout"}), (OUTAGE,))
DENIED = Verdict(False, "no_offers_after_error", "…", LAST_ERROR + timedelta(days=30), CampaignType.HELP_CONTENT)
ALLOWED = Verdict(True, "no_rule", "…", None, None)


def judged(user_id: str, email: str | None, verdict: Verdict, facts: UserFacts | None = HURT) -> Evaluated:
    holdout = facts.holdout if facts is not None else None
    return Evaluated(AudienceRow(1, user_id, email), "k", verdict, facts, holdout)


def export(
    export_format: str, items: list[Evaluated], *, with_email: bool = True
) -> tuple[list[str], list[str], Summary]:
    out, allowed = io.StringIO(), io.StringIO()
    summary = write_export(items, export_format, out=out, allowed_out=allowed, with_email=with_email, generated_at=NOW)
    return out.getvalue().splitlines(), allowed.getvalue().splitlines(), summary


AUDIENCE = [judged("u-42", "ana@example.com", DENIED), judged("u-7", "bo@example.com", ALLOWED, None)]


def test_the_neutral_file_has_the_exact_header_and_maps_our_rule_onto_its_vocabulary() -> None:
    suppressed, allowed, summary = export("neutral", AUDIENCE)

    assert suppressed == [
        "user_id,email,rule,incident_id,feature,suppress_promo_from,suppress_promo_until,allowed_content,"
        "control_group,generated_at",
        "u-42,ana@example.com,error_seen_30d,118,checkout,2026-03-02T14:05:09Z,2026-04-01T14:05:09Z,help_only,"
        "false,2026-03-02T14:30:00Z",
    ]
    assert allowed == ["user_id,email", "u-7,bo@example.com"]
    assert (summary.audience, summary.allowed, dict(summary.suppressed)) == (2, 1, {"no_offers_after_error": 1})


@pytest.mark.parametrize(
    ("verdict", "holdout", "expected"),
    [
        (Verdict(False, "help_not_offers", "…", None, CampaignType.HELP_CONTENT), False, "struggling_feature"),
        (Verdict(False, "outage_cooldown", "…", None, None), False, "outage_cooldown"),
        (Verdict(False, "thank_you_when_stable", "…", None, None), False, "thank_you_eligible"),
        (Verdict(False, "holdout", "…", None, None), True, "thank_you_eligible"),
        (Verdict(False, "loyalty_for_seamless", "…", None, None), False, "loyalty_eligible"),
    ],
)
def test_every_rule_has_a_neutral_name(verdict: Verdict, holdout: bool, expected: str) -> None:
    facts = UserFacts("k", holdout, None, None, LAST_ERROR, frozenset({"checkout"}), (OUTAGE,))

    suppressed, _, _ = export("neutral", [judged("u-1", None, verdict, facts)])

    row = suppressed[1].split(",")
    assert row[2] == expected
    assert row[8] == ("true" if holdout else "false")


def test_an_outage_cooldown_names_its_incident_and_features_and_allows_an_apology() -> None:
    cooling = Verdict(False, "outage_cooldown", "…", None, None)

    suppressed, _, _ = export("neutral", [judged("u-42", None, cooling)])

    # Open incident: no end yet; it began when the outage started; the user's features come first.
    assert (
        suppressed[1] == "u-42,,outage_cooldown,118,checkout,2026-03-02T11:30:00Z,,apology,false,2026-03-02T14:30:00Z"
    )


def test_a_user_the_guard_knows_nothing_about_is_suppressed_from_now_with_no_incident() -> None:
    loyalty = Verdict(False, "loyalty_for_seamless", "…", None, None)
    stranger = no_facts("k", holdout=True)

    suppressed, _, _ = export("neutral", [Evaluated(AudienceRow(1, "u-9", None), "k", loyalty, None, True)])
    known, _, _ = export("neutral", [judged("u-9", None, loyalty, stranger)])

    assert suppressed[1] == "u-9,,loyalty_eligible,,,2026-03-02T14:30:00Z,,no_offers,true,2026-03-02T14:30:00Z"
    assert known[1] == suppressed[1]


def test_braze_gets_external_ids_with_trustops_attributes_and_a_bare_id_list_for_the_allowed() -> None:
    suppressed, allowed, _ = export("braze", AUDIENCE)

    assert suppressed == [
        "external_id,trustops_rule,trustops_suppressed_until,trustops_allowed_content,trustops_evaluated_at",
        "u-42,no_offers_after_error,2026-04-01T14:05:09Z,help_only,2026-03-02T14:30:00Z",
    ]
    assert allowed == ["external_id", "u-7"]


@pytest.mark.parametrize(
    ("export_format", "with_email", "header", "row"),
    [
        ("iterable", True, "userId,email", "u-42,ana@example.com"),
        ("iterable", False, "userId", "u-42"),
        ("customerio", True, "id", "u-42"),
        ("klaviyo", True, "email,external_id", "ana@example.com,u-42"),
        ("klaviyo", False, "external_id", "u-42"),
    ],
)
def test_list_formats_write_ids_and_emails_when_the_audience_has_them(
    export_format: str, with_email: bool, header: str, row: str
) -> None:
    suppressed, allowed, _ = export(export_format, AUDIENCE, with_email=with_email)

    assert suppressed == [header, row]
    assert allowed[0] == header
    assert allowed[1].startswith("u-7") or allowed[1].startswith("bo@example.com")


def test_every_format_is_covered_and_an_unknown_one_lists_them() -> None:
    with pytest.raises(InvalidInput, match="'mailchimp' is not an export format; use one of neutral, braze"):
        export("mailchimp", AUDIENCE)

    assert set(FORMATS) == {"neutral", "braze", "iterable", "customerio", "klaviyo"}


def test_without_an_allowed_file_only_the_suppressed_are_written_but_all_are_counted() -> None:
    out = io.StringIO()

    summary = write_export(AUDIENCE * 3, "iterable", out=out, generated_at=NOW)

    assert out.getvalue().count("\n") == 1 + 3
    assert (summary.audience, summary.allowed, summary.suppressed_total) == (6, 3, 3)


def test_the_batched_split_writes_what_judging_row_by_row_writes(session: Session) -> None:
    checkout(session)
    saw_error(session, "u-3", at=days_ago(3))
    customer(session, "u-5", tier=CustomerTier.LOYAL, since=days_ago(800))
    text = "user_id,email\n" + "".join(f"u-{n},u{n}@example.com\n" for n in range(1, 40))
    book = FactBook.load(session, secret=SECRET, policy=Policy(), now=WORLD_NOW)

    for kind in (CampaignType.PROMOTIONAL, CampaignType.LOYALTY_REWARD, CampaignType.THANK_YOU):
        files = []
        for batched in (True, False):
            out, allowed = io.StringIO(), io.StringIO()
            reader = AudienceReader(io.StringIO(text), "csv", batch_size=7)
            judge = Judge(kind, book=book, secret=SECRET, policy=Policy(), now=WORLD_NOW)
            if batched:
                summary = write_split(reader, judge, "neutral", out=out, allowed_out=allowed, generated_at=NOW)
            else:
                judged = (judge.one(row) for row in reader)
                summary = write_export(judged, "neutral", out=out, allowed_out=allowed, generated_at=NOW)
            files.append((out.getvalue(), allowed.getvalue(), summary))
        assert files[0] == files[1]
        assert files[0][2].audience == 39
