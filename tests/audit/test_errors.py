"""The error-message rules on a fixture shop: what must be found, exactly where, and the near misses that must
not be (field validation, hints, 4xx responses, log calls, comments, tests, GOV.UK-compliant pages)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trustops.audit.families import errors
from trustops.audit.findings import Finding, Report, Severity
from trustops.audit.scanner import audit

FIXTURES = Path(__file__).parent / "fixtures" / "errors"
BLAME, DEAD_END, LEVITY = "errors/blame-on-server-error", "errors/dead-end", "errors/levity"
JARGON, BARE, STATUS = "errors/jargon-leak", "errors/bare-invalid", "errors/status-mismatch"

EXPECTED = {
    # (file or URL, line, rule): severity
    ("locales/en.json", 4, BLAME): Severity.MEDIUM,
    ("config/locales/en.yml", 4, BARE): Severity.LOW,
    ("config/locales/en.yml", 7, DEAD_END): Severity.LOW,
    ("locale/en/LC_MESSAGES/django.po", 7, DEAD_END): Severity.MEDIUM,
    ("locale/en/LC_MESSAGES/django.po", 7, LEVITY): Severity.LOW,
    ("src/main/resources/messages.properties", 2, BLAME): Severity.MEDIUM,
    ("src/main/resources/messages.properties", 4, DEAD_END): Severity.LOW,
    ("templates/errors/500.html", 3, DEAD_END): Severity.LOW,
    ("templates/errors/500.html", 5, JARGON): Severity.LOW,
    ("templates/errors/500.html", 6, DEAD_END): Severity.LOW,
    ("templates/checkout/payment.html.j2", 6, BLAME): Severity.MEDIUM,
    ("templates/account/error.hbs", 3, JARGON): Severity.LOW,
    ("templates/account/sync.html", 3, JARGON): Severity.LOW,
    ("templates/register.erb", 2, JARGON): Severity.MEDIUM,
    ("templates/register.erb", 2, LEVITY): Severity.LOW,
    ("src/components/CheckoutForm.jsx", 12, DEAD_END): Severity.MEDIUM,
    ("src/components/CheckoutForm.jsx", 17, LEVITY): Severity.LOW,
    ("src/api/client.ts", 4, DEAD_END): Severity.LOW,
    ("src/api/client.ts", 5, JARGON): Severity.LOW,
    ("src/views/Login.vue", 3, BLAME): Severity.MEDIUM,
    ("src/widgets/upload.js", 4, BARE): Severity.LOW,
    ("src/routes/cart/+page.svelte", 7, DEAD_END): Severity.MEDIUM,
    ("i18n/strings.yaml", 2, LEVITY): Severity.LOW,
    ("i18n/strings.yaml", 3, JARGON): Severity.LOW,
    ("https://shop.example/api/payments", 0, BLAME): Severity.HIGH,
    ("https://shop.example/checkout/confirm", 0, JARGON): Severity.MEDIUM,
    ("https://shop.example/offers/summer", 0, STATUS): Severity.MEDIUM,
    ("https://shop.example/basket/update", 0, STATUS): Severity.MEDIUM,
    ("https://shop.example/basket/update", 0, JARGON): Severity.MEDIUM,
}


def where(finding: Finding) -> tuple[str, int, str]:
    return (finding.location.url or finding.location.path or "", finding.location.line, finding.rule)


@pytest.fixture(scope="module")
def report() -> Report:
    return audit([str(FIXTURES)], selected=["errors"])


def found_in(report: Report, place: str) -> list[tuple[str, int, str]]:
    return sorted(where(f) for f in report.findings if place in (f.location.url or f.location.path or ""))


def test_it_finds_exactly_the_expected_findings_with_their_severities(report: Report) -> None:
    assert {where(f): f.severity for f in report.findings} == EXPECTED
    assert len(report.findings) == len(EXPECTED)


def test_a_5xx_response_that_blames_the_user_is_high(report: Report) -> None:
    (finding,) = [f for f in report.findings if f.severity is Severity.HIGH]
    assert finding.location.status == 500
    assert finding.location.path == "har/checkout.har"
    assert finding.evidence == "Please check your card details"
    assert "problem with the service" in finding.fix


def test_the_same_blame_on_a_4xx_validation_response_is_not_flagged(report: Report) -> None:
    assert found_in(report, "/api/payments/validate") == []
    assert found_in(report, "https://shop.example/address") == []


def test_a_field_validation_message_keyed_to_its_field_is_not_blame(report: Report) -> None:
    assert found_in(report, "locales/en.json") == [("locales/en.json", 4, BLAME)]


def test_a_validation_message_inside_a_govuk_field_group_is_not_blame(report: Report) -> None:
    assert found_in(report, "payment.html.j2") == [("templates/checkout/payment.html.j2", 6, BLAME)]


def test_invalid_credentials_on_a_login_path_is_not_blame_but_a_generic_login_error_is(report: Report) -> None:
    assert found_in(report, "messages.properties") == [
        ("src/main/resources/messages.properties", 2, BLAME),
        ("src/main/resources/messages.properties", 4, DEAD_END),
    ]


def test_a_vague_error_with_a_retry_and_a_contact_nearby_is_not_a_dead_end(report: Report) -> None:
    assert found_in(report, "config/locales/en.yml") == [
        ("config/locales/en.yml", 4, BARE),
        ("config/locales/en.yml", 7, DEAD_END),
    ]


def test_a_govuk_problem_with_the_service_page_passes(report: Report) -> None:
    assert found_in(report, "templates/errors/problem.html") == []
    assert found_in(report, "https://shop.example/maintenance") == []


def test_comments_log_calls_exceptions_and_identifiers_are_not_read(report: Report) -> None:
    assert found_in(report, "src/lib/log.js") == []
    assert found_in(report, "CheckoutForm.jsx") == [
        ("src/components/CheckoutForm.jsx", 12, DEAD_END),
        ("src/components/CheckoutForm.jsx", 17, LEVITY),
    ]


def test_test_files_non_locale_json_and_translations_into_other_languages_are_skipped(report: Report) -> None:
    assert found_in(report, "__tests__") == []
    assert found_in(report, "package.json") == []
    assert found_in(report, "locale/de/") == []


def test_exception_and_prohibited_outside_an_error_are_plain_english(report: Report) -> None:
    assert found_in(report, "templates/shipping") == []


def test_a_404_page_may_ask_the_user_to_check_the_address_they_typed(report: Report) -> None:
    assert found_in(report, "templates/errors/404.html") == []


def test_an_exception_message_interpolated_into_an_error_is_a_jargon_leak(report: Report) -> None:
    (finding,) = [f for f in report.findings if f.location.path == "templates/account/sync.html"]
    assert finding.evidence == "{{ error.message }}"


def test_a_reference_to_quote_to_support_is_not_a_bare_error_code(report: Report) -> None:
    assert ("src/main/resources/messages.properties", 5, JARGON) not in {where(f) for f in report.findings}


def test_ok_pages_whose_title_only_mentions_errors_are_not_status_mismatches(report: Report) -> None:
    assert found_in(report, "/blog/errors") == []
    assert found_in(report, "https://shop.example/checkout ") == []


def test_malformed_locale_files_and_hars_are_warnings(report: Report) -> None:
    targets = {w.target for w in report.warnings}
    assert targets == {"locales/broken.json", "har/truncated.har"}


def test_evidence_masks_numbers_and_stays_short(tmp_path: Path) -> None:
    (tmp_path / "locales").mkdir()
    long_text = "You entered card 4111 1111 1111 1111 for jo@example.com, which failed. " + "More. " * 60
    (tmp_path / "locales" / "en.json").write_text(json.dumps({"payment": {"error": long_text}}))
    (finding,) = audit([str(tmp_path)], selected=["errors"]).findings
    assert "4111" not in finding.evidence and "jo@example.com" not in finding.evidence
    assert len(finding.evidence) <= 200


def test_blame_off_a_payment_path_is_low(tmp_path: Path) -> None:
    (tmp_path / "locales").mkdir()
    (tmp_path / "locales" / "en.yml").write_text("en:\n  search:\n    error: Make sure you spelled it right.\n")
    (finding,) = audit([str(tmp_path)], selected=["errors"]).findings
    assert (finding.rule, finding.severity, finding.location.line) == (BLAME, Severity.LOW, 3)


def test_every_rule_is_documented_in_the_module_docstring() -> None:
    assert errors.__doc__ is not None
    assert all(f"``{rule}``" in errors.__doc__ for rule in errors.FAMILY.rules)
