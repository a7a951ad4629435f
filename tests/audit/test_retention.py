from __future__ import annotations

from pathlib import Path

import pytest

from trustops.audit.families import retention
from trustops.audit.findings import Finding, Severity
from trustops.audit.inventory import load_inventory
from trustops.audit.scanner import audit

FIXTURES = Path(__file__).parent / "fixtures" / "retention"
POSITIVE = FIXTURES / "positive"
NEGATIVE = FIXTURES / "negative"


def scan(path: Path, *, with_inventory: bool = False) -> list[Finding]:
    inventory = load_inventory(path / "data-inventory.yaml") if with_inventory else None
    report = audit([str(path)], selected=["retention"], inventory=inventory)
    assert report.warnings == []
    return report.findings


def found(path: Path, *, with_inventory: bool = False) -> list[tuple[str, int]]:
    return sorted((f.rule, f.location.line) for f in scan(path, with_inventory=with_inventory))


# -- privacy policies that are flagged -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("privacy-policy.md", [("retention/policy-no-retention", 0)]),
        ("privacy.html", [("retention/policy-no-retention", 0)]),
        ("datenschutz.txt", [("retention/policy-no-retention", 0)]),
        ("requests-only.md", [("retention/policy-no-retention", 0)]),
        ("privacy-notice.md", [("retention/policy-vague-retention", 7)]),
        ("legal.html", [("retention/policy-vague-retention", 8)]),
        ("privacy_policy.txt", [("retention/policy-vague-retention", 5)]),
        ("datenschutzerklaerung.md", [("retention/policy-vague-retention", 7)]),
        ("privacy-en.md", [("retention/policy-vague-retention", 8)]),
        ("privacy-statement.md", [("retention/category-without-period", 3)] * 3),
        ("app_without_purge", [("retention/no-deletion-job", 5)]),
    ],
)
def test_it_flags_privacy_policies_that_hide_how_long_data_is_kept(
    fixture: str, expected: list[tuple[str, int]]
) -> None:
    assert found(POSITIVE / fixture) == expected


def test_a_policy_with_no_retention_at_all_is_high_and_names_the_policy() -> None:
    (finding,) = scan(POSITIVE / "privacy.html")
    assert finding.severity is Severity.HIGH
    assert finding.evidence == "Privacy Policy | Northwind Travel"
    assert "How long we keep your data" in finding.fix


def test_a_deadline_for_answering_requests_is_not_a_retention_period() -> None:
    (finding,) = scan(POSITIVE / "requests-only.md")
    assert finding.rule == "retention/policy-no-retention"


def test_only_vague_phrases_are_medium_and_quote_the_phrase() -> None:
    (finding,) = scan(POSITIVE / "privacy-notice.md")
    assert finding.severity is Severity.MEDIUM
    assert (
        finding.evidence
        == "We keep your personal data for as long as necessary for the purposes set out in this notice."
    )


def test_a_vague_catch_all_after_a_clear_list_is_still_flagged() -> None:
    (finding,) = scan(POSITIVE / "privacy-en.md")
    assert finding.evidence == "All other data is kept as long as necessary."


def test_categories_without_their_own_period_are_low_and_each_named_once() -> None:
    findings = scan(POSITIVE / "privacy-statement.md")
    assert {f.severity for f in findings} == {Severity.LOW}
    assert sorted(f.message for f in findings) == [
        "The privacy policy mentions cookies but gives no storage period or criteria for it.",
        "The privacy policy mentions marketing data but gives no storage period or criteria for it.",
        "The privacy policy mentions usage and log data but gives no storage period or criteria for it.",
    ]


def test_a_policy_page_in_a_har_is_located_by_its_url_and_an_error_page_is_not_a_policy() -> None:
    (finding,) = scan(POSITIVE / "site.har")
    assert finding.rule == "retention/policy-no-retention"
    assert (finding.location.url, finding.location.status) == ("https://shop.example/privacy", 200)


def test_a_policy_whose_periods_no_code_enforces_points_at_the_first_period() -> None:
    (finding,) = scan(POSITIVE / "app_without_purge")
    assert finding.location.path == "privacy.md"
    assert finding.evidence == "We delete server logs after 14 days and inactive accounts after 2 years."


# -- what is not flagged ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fixture",
    [
        "cookie-banner.html",
        "terms-of-service.md",
        "privacy-policy.md",
        "privacy-notice.md",
        "privacy.py",
        "privacy-settings.html",
        "cookie-policy.md",
        "privacy-statement.md",
        "index.html",
        "privacy-en.md",
        "datenschutz.md",
        "privacy-cookies.html",
        "site.har",
        "app_with_purge",
        "privacy-fr.html",
        "privacy-notice-applicants.md",
        "privacy-app.md",
    ],
)
def test_it_leaves_clear_policies_and_pages_that_are_not_policies_alone(fixture: str) -> None:
    assert found(NEGATIVE / fixture) == []


def test_as_long_as_necessary_followed_by_a_retention_table_is_not_vague() -> None:
    assert found(NEGATIVE / "privacy-policy.md") == []


def test_a_category_the_policy_says_it_does_not_collect_needs_no_period() -> None:
    assert found(NEGATIVE / "privacy-statement.md") == []


# -- the data inventory ----------------------------------------------------------------------------------------


def test_inventory_entries_without_retention_or_with_a_job_nobody_runs_are_flagged_at_their_lines() -> None:
    assert found(POSITIVE / "inventory", with_inventory=True) == [
        ("retention/inventory-no-retention", 2),
        ("retention/inventory-no-retention", 6),
        ("retention/no-deletion-job", 10),
        ("retention/no-deletion-job", 14),
        ("retention/no-deletion-job", 19),
    ]


def test_inventory_findings_are_located_at_the_inventory_file_relative_to_the_audited_directory() -> None:
    findings = scan(POSITIVE / "inventory", with_inventory=True)
    assert {f.location.path for f in findings} == {"data-inventory.yaml"}
    assert all(f.severity is Severity.MEDIUM for f in findings)


def test_a_missing_deletion_job_gets_a_purge_job_with_the_declared_interval_as_its_fix() -> None:
    findings = scan(POSITIVE / "inventory", with_inventory=True)
    (shipping,) = [f for f in findings if f.location.line == 10]
    assert (
        shipping.message
        == "The inventory entry 'orders.shipping_address' declares a retention but names no deletion job."
    )
    assert "DELETE FROM orders WHERE created_at < now() - interval '6 years'" in shipping.fix


def test_a_function_whose_name_only_starts_with_the_job_name_does_not_count_as_the_job() -> None:
    findings = scan(POSITIVE / "inventory", with_inventory=True)
    (tickets,) = [f for f in findings if f.location.line == 14]
    assert "'purge-closed-tickets'" in tickets.message


def test_jobs_in_crontab_cronjob_celery_beat_ttl_index_lifecycle_rule_and_scheduled_method_are_found() -> None:
    assert found(NEGATIVE / "inventory", with_inventory=True) == []


def test_a_deletion_described_as_a_mechanism_is_found_when_such_a_mechanism_exists() -> None:
    assert found(NEGATIVE / "inventory_mechanisms", with_inventory=True) == []
    assert found(POSITIVE / "inventory_mechanisms", with_inventory=True) == [
        ("retention/no-deletion-job", 2),
        ("retention/no-deletion-job", 5),
    ]


def test_an_e_mail_address_listed_under_account_data_is_account_data() -> None:
    assert found(NEGATIVE / "privacy-app.md") == []


def test_a_job_is_found_by_its_class_name_whatever_the_case_and_separators(tmp_path: Path) -> None:
    (tmp_path / "purge_job.rb").write_text("class PurgeInactiveCustomersJob < ApplicationJob\nend\n")
    (tmp_path / "inventory.yaml").write_text(
        "fields:\n  - field: users.email\n    retention: P2Y\n    deletion: purge-inactive-customers\n"
    )
    inventory = load_inventory(tmp_path / "inventory.yaml")
    assert audit([str(tmp_path)], selected=["retention"], inventory=inventory).findings == []


# -- robustness and documentation -----------------------------------------------------------------------------


def test_a_malformed_cronjob_manifest_is_a_warning_and_its_jobs_are_still_read(tmp_path: Path) -> None:
    (tmp_path / "cronjob.yaml").write_text(
        "kind: CronJob\nmetadata:\n  name: purge-sessions\n spec: [\n  - command: purge-sessions\n"
    )
    (tmp_path / "inventory.yaml").write_text(
        "fields:\n  - field: sessions.id\n    retention: P30D\n    deletion: purge-sessions\n"
    )
    report = audit([str(tmp_path)], selected=["retention"], inventory=load_inventory(tmp_path / "inventory.yaml"))
    assert [w.target for w in report.warnings] == ["cronjob.yaml"]
    assert report.findings == []


def test_binary_and_broken_markup_never_crash_the_audit(tmp_path: Path) -> None:
    (tmp_path / "privacy.html").write_bytes(b"<html><title>Privacy Policy</title><h1>Privacy <![CDATA[ \xff\xfe")
    (tmp_path / "privacy.txt").write_bytes(b"\0\0\0binary")
    report = audit([str(tmp_path)], selected=["retention"])
    assert [f.rule for f in report.findings] == ["retention/policy-no-retention"]


def test_evidence_is_short_and_masks_email_addresses(tmp_path: Path) -> None:
    long = "We keep your data as long as necessary, write to jane.doe@example.com " + "and so on " * 40
    (tmp_path / "privacy.md").write_text(f"# Privacy Policy\n\n## Retention\n\n{long}\n")
    (finding,) = audit([str(tmp_path)], selected=["retention"]).findings
    assert len(finding.evidence) <= 200
    assert "jane.doe@" not in finding.evidence
    assert "write to [email] and so on" in finding.evidence


def test_every_rule_is_declared_and_documented_with_sources() -> None:
    assert retention.FAMILY.id == "retention"
    for rule in retention.FAMILY.rules:
        assert f"``{rule}``" in (retention.__doc__ or "")
    reported = {
        f.rule for path in POSITIVE.iterdir() for f in scan(path, with_inventory=path.name.startswith("inventory"))
    }
    assert reported == set(retention.FAMILY.rules)
    assert all(f.sources and f.fix for path in POSITIVE.iterdir() for f in scan(path))
