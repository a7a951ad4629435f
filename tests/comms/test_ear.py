from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustops.comms.ear import PASS_SCORE, Finding, LintReport, lint, lint_update, readability, syllables
from trustops.errors import InvalidInput

FIXTURES = Path(__file__).parent / "fixtures"


def read(name: str) -> str:
    return (FIXTURES / name).read_text()


def rules(report: LintReport) -> set[str]:
    return {f.rule for f in report.findings}


def excerpts(report: LintReport, rule: str) -> list[str]:
    return [" ".join(f.excerpt.split()) for f in report.findings if f.rule == rule]


def assert_spans_slice(text: str, subject: str, findings: list[Finding]) -> None:
    for f in findings:
        source = subject if f.part == "subject" else text
        assert 0 <= f.start <= f.end <= len(source)
        assert source[f.start : f.end] == f.excerpt


def test_the_classic_inconvenience_email_fails_with_its_non_apology_pointed_out() -> None:
    text = read("classic-inconvenience.txt")

    report = lint(text)

    assert not report.passed
    [finding] = [f for f in report.findings if f.rule == "boilerplate-apology"]
    assert finding.severity == "high"
    assert finding.excerpt == "We apologise for any inconvenience this may have caused"
    assert text[finding.start : finding.end] == finding.excerpt
    assert report.empathy is not None and report.empathy < PASS_SCORE
    assert report.accountability == 0
    assert report.resolution == 0
    assert {"missing-resolution", "missing-impact", "missing-cause"} <= rules(report)


@pytest.mark.parametrize("name", ["well-formed.txt", "well-formed-american.txt"])
def test_a_well_formed_ear_email_passes_with_nothing_to_fix(name: str) -> None:
    report = lint(read(name))

    assert report.passed
    assert report.findings == []
    assert report.empathy is not None and report.empathy >= PASS_SCORE
    assert report.accountability is not None and report.accountability >= PASS_SCORE
    assert report.resolution is not None and report.resolution >= PASS_SCORE
    assert report.readability.plain


@pytest.mark.parametrize(
    ("name", "rule", "excerpt"),
    [
        ("conditional.txt", "conditional-apology", "If you were affected"),
        ("deferred.txt", "deferred-apology", "We would like to apologise"),
        ("passive.txt", "passive-apology", "Mistakes were made"),
        ("passive.txt", "passive-voice", "were introduced"),
        ("blames-user.txt", "blames-user", "Please check your card details"),
        ("blames-user.txt", "blames-user", "user error"),
        ("blames-vendor.txt", "blames-vendor", "our payment provider"),
        ("blames-vendor.txt", "denies-responsibility", "not our fault"),
        ("jargon.txt", "technical-jargon", "HTTP 500 errors"),
        ("jargon.txt", "technical-jargon", "DNS"),
        ("jargon.txt", "technical-jargon", "database"),
        ("jargon.txt", "technical-jargon", "latency"),
        ("jargon.txt", "technical-jargon", "upstream"),
        ("jargon.txt", "technical-jargon", "pod"),
        ("jargon.txt", "technical-jargon", "redeployed"),
        ("jargon.txt", "internal-detail", "db-01"),
        ("defensive.txt", "defensive", "Despite our best efforts"),
        ("defensive.txt", "defensive", "our systems performed as designed"),
        ("defensive.txt", "defensive", "these things happen"),
        ("breach-cliche.txt", "breach-cliche", "We take your privacy very seriously"),
        ("breach-cliche.txt", "breach-cliche", "Out of an abundance of caution"),
        ("breach-cliche.txt", "breach-cliche", "highly sophisticated attack"),
        ("breach-cliche.txt", "breach-cliche", "a small number of users"),
        ("promotion.txt", "promotion", "use code"),
        ("promotion.txt", "promotion", "20% off"),
        ("levity.txt", "levity", "Oops"),
        ("no-resolution.txt", "missing-resolution", ""),
        ("placeholder.txt", "placeholder", "[Say in one sentence what went wrong, starting with 'We' or 'Our']"),
    ],
)
def test_each_rule_points_at_the_words_that_break_it_and_the_email_fails(name: str, rule: str, excerpt: str) -> None:
    text = read(name)

    report = lint(text)

    assert excerpt in excerpts(report, rule)
    assert not report.passed
    assert_spans_slice(text, "", report.findings)
    assert all(f.message and f.suggestion for f in report.findings)


def test_a_guessed_eta_is_flagged_only_while_the_incident_is_open() -> None:
    text = read("eta-open.txt")

    open_report = lint(text, incident_open=True)
    closed_report = lint(text, incident_open=False)

    assert excerpts(open_report, "guessed-eta") == ["should be fixed within 2 hours", "will be back by 5pm"]
    assert open_report.resolution is not None and closed_report.resolution is not None
    assert open_report.resolution < closed_report.resolution or closed_report.resolution == 0
    assert "guessed-eta" not in rules(closed_report)


@pytest.mark.parametrize(
    "text",
    [
        "We apologise for any inconvenience.",
        "We apologize for any inconvenience.",
        "Sorry for any inconvenience caused.",
        "We are sorry for the inconvenience.",
        "We regret any disruption this may have caused you.",
        "Our apologies for any trouble.",
        "We’re sorry for any inconvenience.",
    ],
)
def test_boilerplate_apologies_are_caught_in_british_and_american_spelling(text: str) -> None:
    assert "boilerplate-apology" in rules(lint(text))


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("We are sorry for the disruption to your checkout on Tuesday.", "boilerplate-apology"),
        ("We are sorry that your order e-mails were late.", "boilerplate-apology"),
        ("If you have any questions, reply to this e-mail.", "conditional-apology"),
        ("Our payment provider had an outage, and that is on us.", "blames-vendor"),
        ("The problem has been fixed and checkout works again.", "passive-voice"),
        ("You were charged twice, and we have refunded the second payment.", "passive-voice"),
        ("Write to us at https://help.example.com/cases/db-01 any time.", "internal-detail"),
        ("Write to us at https://help.example.com/database any time.", "technical-jargon"),
        ("Your refund is free of charge and on its way.", "promotion"),
        ("We will post the next update by 5pm.", "guessed-eta"),
        ("Next update by 14:30 UTC.", "guessed-eta"),
        ("We updated the covid guidance page.", "internal-detail"),
        ("You saw an error page when you paid.", "technical-jargon"),
    ],
)
def test_plain_good_wording_does_not_trip_a_rule(text: str, rule: str) -> None:
    assert rule not in rules(lint(text, incident_open=True))


def test_a_placeholder_earns_no_points_and_the_missing_cause_is_reported_where_it_belongs() -> None:
    text = read("placeholder.txt")

    report = lint(text)

    assert not report.signals["cause"]
    assert report.accountability is not None and report.accountability < PASS_SCORE
    [missing] = [f for f in report.findings if f.rule == "missing-cause"]
    assert (missing.start, missing.end, missing.excerpt) == (len(text), len(text), "")


def test_the_subject_line_is_checked_and_its_findings_point_into_the_subject() -> None:
    subject = "Sorry! Here is 20% off your next order"

    report = lint(read("well-formed.txt"), subject=subject)

    [finding] = report.findings
    assert (finding.rule, finding.part, finding.excerpt) == ("promotion", "subject", "20% off")
    assert subject[finding.start : finding.end] == "20% off"
    assert not report.passed


def test_a_feature_named_only_by_the_product_counts_for_empathy() -> None:
    text = "On Monday at 09:00 UTC you could not use Quickpay. We are sorry."

    without = lint(text)
    with_feature = lint(text, features=["Quickpay"])

    assert not without.signals["feature"]
    assert with_feature.signals["feature"]
    assert with_feature.empathy == (without.empathy or 0) + 20


def test_penalties_pull_a_score_down_but_never_below_zero() -> None:
    text = "Mistakes were made. It is not our fault. User error. If you were affected, sorry if you felt upset."

    report = lint(text)

    assert report.accountability == 0
    assert report.empathy == 0


def test_readability_is_computed_in_house_with_flesch_formulas() -> None:
    simple = readability("The cat sat on the mat.")
    hard = readability(
        "Notwithstanding considerable organisational complexity, infrastructural modernisation necessitated "
        "comprehensive reconfiguration of interdependent authentication subsystems."
    )

    assert (simple.words, simple.sentences, simple.syllables) == (6, 1, 6)
    assert simple.reading_ease == 116.1
    assert simple.grade == -1.4
    assert hard.reading_ease < 0 and hard.grade > 18
    assert not hard.plain
    assert [syllables(w) for w in ("the", "apologise", "checkout", "fixed")] == [1, 4, 2, 1]


def test_long_sentences_are_a_low_severity_finding_spanning_the_sentence() -> None:
    sentence = " ".join(["word"] * 31) + "."

    report = lint(f"Short one. {sentence}")

    [finding] = [f for f in report.findings if f.rule == "long-sentence"]
    assert finding.severity == "low"
    assert finding.excerpt == sentence


def test_an_update_is_not_scored_and_fails_on_internal_names_and_guessed_etas() -> None:
    text = "Checkout is down because payments-db ran out of room. It should be back within 30 minutes."

    report = lint_update(text, internal_names=["payments-db", "Ledger worker"])

    assert (report.kind, report.empathy, report.accountability, report.resolution) == ("update", None, None, None)
    assert not report.passed
    assert excerpts(report, "internal-name") == ["payments-db"]
    assert excerpts(report, "guessed-eta") == ["should be back within 30 minutes"]
    assert_spans_slice(text, "", report.findings)


def test_a_plain_update_with_a_next_update_time_passes() -> None:
    text = "We are aware of a problem with checkout. Some customers cannot pay. Next update by 14:30 UTC."

    report = lint_update(text, internal_names=["ledger", "payments-db"])

    assert report.passed
    assert report.findings == []


def test_internal_names_match_whole_words_in_any_case_and_across_line_breaks() -> None:
    report = lint_update("The LEDGER\nWORKER stopped; the ledgers page is fine.", internal_names=["Ledger worker"])

    assert excerpts(report, "internal-name") == ["LEDGER WORKER"]


def test_the_report_serialises_to_plain_json_types() -> None:
    report = lint(read("classic-inconvenience.txt"), subject="Sorry")

    data = report.to_dict()

    assert data["kind"] == "email"
    assert data["passed"] is False
    assert data["pass_score"] == PASS_SCORE
    assert set(data["readability"]) == {"words", "sentences", "syllables", "reading_ease", "grade", "plain"}
    assert data["findings"][0]["rule"] == "boilerplate-apology"
    assert set(data["findings"][0]) == {"rule", "severity", "start", "end", "excerpt", "message", "suggestion", "part"}


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_text_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        lint(text)
    assert raised.value.field == "text"
    with pytest.raises(InvalidInput):
        lint_update(text)


TRIGGERS = [
    "We apologise for any inconvenience this may have caused",
    "if you were affected",
    "Mistakes were made",
    "please check your card details",
    "HTTP 500",
    "db-01",
    "10.0.0.12",
    "should be fixed within 2 hours",
    "Next update by 14:30 UTC.",
    "use code SAVE10 for 10% off",
    "We take your privacy seriously",
    "[Say what went wrong]",
    "Oops",
    "our provider failed",
    "the order was delayed by an error",
    "you could not complete checkout on Monday at 10:05",
    "This was our fault.",
    "We fixed it.",
    "\n\n",
    "’",
]


@settings(max_examples=150, deadline=None)
@given(
    body=st.lists(st.one_of(st.sampled_from(TRIGGERS), st.text(max_size=25)), min_size=1, max_size=12),
    subject=st.lists(st.one_of(st.sampled_from(TRIGGERS), st.text(max_size=10)), max_size=3),
    separator=st.sampled_from([" ", "\n", "", ". "]),
    incident_open=st.booleans(),
)
def test_every_span_slices_exactly_to_its_excerpt(
    body: list[str], subject: list[str], separator: str, incident_open: bool
) -> None:
    text = separator.join(body)
    subject_line = " ".join(subject)
    if not text.strip():
        text = "x" + text
    email = lint(text, subject=subject_line, incident_open=incident_open)
    update = lint_update(text, internal_names=["db-01", "ledger"])

    assert_spans_slice(text, subject_line, email.findings)
    assert_spans_slice(text, "", update.findings)
    assert all(0 <= s <= 100 for s in (email.empathy, email.accountability, email.resolution) if s is not None)
