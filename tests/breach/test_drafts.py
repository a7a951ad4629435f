from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from trustops.breach.drafts import (
    ART33_ITEMS,
    Draft,
    completeness,
    individuals_notice,
    public_notice,
    regulator_draft,
    support_checklist,
    transparency_report,
    us_notice,
)
from trustops.breach.models import BreachCase, BreachLogEntry, BreachNotification, BreachTask
from trustops.catalog.schema import OrganisationSpec
from trustops.enums import BreachLogKind, BreachRisk, BreachRole

AWARE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday; 10:00 in Berlin
WITHIN_72H = AWARE + timedelta(hours=40)
AFTER_72H = AWARE + timedelta(hours=80)
ORG = OrganisationSpec(
    name="Northwind",
    time_zone="Europe/Berlin",
    country="DE",
    dpo_contact="Dana Smith, dpo@northwind.example",
    lead_authority="BfDI",
)


def make_case(**overrides: Any) -> BreachCase:
    """A complete, high-risk case: every Art. 33(3) item filled in."""
    fields: dict[str, Any] = {
        "title": "Customer records copied",
        "aware_at": AWARE,
        "occurred_from": AWARE - timedelta(days=2),
        "occurred_until": AWARE - timedelta(days=1),
        "contained_at": AWARE + timedelta(hours=5),
        "nature": "an attacker used a stolen staff password to copy customer records from our order system",
        "consequences": "people may receive convincing phishing e-mails, and card details could be used for fraud",
        "measures_taken": "we reset every staff password and turned on two-step sign-in for all staff",
        "measures_proposed": "we are adding alerts on bulk exports",
        "data_categories": ["name", "email", "payment_card"],
        "people": 12_000,
        "records": 15_000,
        "people_by_jurisdiction": {"EU-GDPR": 9_000, "US-CA": 3_000},
        "risk": BreachRisk.HIGH,
        "encrypted": False,
        "key_compromised": False,
        "risk_removed": False,
        "disproportionate_effort": False,
        "created_by": "dpo",
    }
    fields.update(overrides)
    return BreachCase(**fields)


def log(case: BreachCase, kind: BreachLogKind, text: str, at: datetime = AWARE, **data: Any) -> None:
    case.log.append(BreachLogEntry(at=at, actor="j.schmidt", kind=kind, text=text, data=data))


def items(draft: Draft) -> list[str]:
    return [m.item for m in draft.missing]


# -- the Art. 33(3) completeness check ---------------------------------------------------------------------


def test_a_complete_case_passes_the_completeness_check_and_its_draft_is_complete() -> None:
    case = make_case()

    draft = regulator_draft(case, ORG, now=WITHIN_72H)

    assert completeness(case, ORG) == ()
    assert draft.complete
    assert draft.kind == "regulator"
    assert "To: BfDI" in draft.text
    assert "Dana Smith, dpo@northwind.example" in draft.text
    assert "about 12,000" in draft.text and "about 15,000" in draft.text
    assert "e-mail address, payment card details" in draft.text
    assert "Reasons for the delay" not in draft.text
    assert "Information to follow" not in draft.text


@pytest.mark.parametrize(
    ("item", "blank", "field"),
    [
        ("a", {"nature": ""}, "case.nature"),
        ("a", {"data_categories": []}, "case.data_categories"),
        ("a", {"people": None}, "case.people"),
        ("a", {"records": None}, "case.records"),
        ("b", {}, "organisation.dpo_contact"),
        ("c", {"consequences": "  "}, "case.consequences"),
        ("d", {"measures_taken": "", "measures_proposed": ""}, "case.measures_taken"),
    ],
)
def test_a_draft_missing_one_art33_item_fails_the_check_naming_that_item(
    item: str, blank: dict[str, Any], field: str
) -> None:
    organisation = ORG.model_copy(update={"dpo_contact": ""}) if item == "b" else ORG
    case = make_case(**blank)

    draft = regulator_draft(case, organisation, now=WITHIN_72H)

    assert not draft.complete
    assert [(m.item.split(":")[0], m.field) for m in draft.missing] == [(f"Art. 33(3)({item})", field)]
    assert completeness(case, organisation) == draft.missing
    assert "Information to follow (Art. 33(4))" in draft.text
    assert f"Not yet known: to follow under Art. 33(4) (Art. 33(3)({item}))" in draft.text


def test_the_art33_items_quote_the_four_points_of_the_regulation() -> None:
    assert [item for item, _ in ART33_ITEMS] == ["a", "b", "c", "d"]
    assert "name and contact details of the data protection officer" in dict(ART33_ITEMS)["b"]
    assert "likely consequences" in dict(ART33_ITEMS)["c"]


def test_effects_and_measures_in_the_log_count_for_items_c_and_d() -> None:
    case = make_case(consequences="", measures_taken="", measures_proposed="")
    log(case, BreachLogKind.EFFECT, "Card details can be used for fraud.")
    log(case, BreachLogKind.MEASURE, "Locked the exporting account.", at=AWARE + timedelta(hours=2))

    draft = regulator_draft(case, ORG, now=WITHIN_72H)

    assert draft.complete
    assert "Card details can be used for fraud." in draft.text
    assert "Locked the exporting account." in draft.text


def test_a_missing_authority_is_named_as_a_gap() -> None:
    missing = completeness(make_case(), ORG.model_copy(update={"lead_authority": ""}))

    assert [m.field for m in missing] == ["organisation.lead_authority"]


# -- lateness: Art. 33(1) --------------------------------------------------------------------------------


def test_a_draft_after_72_hours_needs_the_reasons_for_the_delay() -> None:
    draft = regulator_draft(make_case(), ORG, now=AFTER_72H)

    assert "## Reasons for the delay (Art. 33(1))" in draft.text
    assert items(draft) == ["Art. 33(1): reasons for the delay (notified after 72 hours from awareness)"]
    assert draft.missing[0].field == "log (kind delay)"


def test_a_delay_entry_in_the_log_gives_the_reasons_and_completes_the_late_draft() -> None:
    case = make_case()
    log(
        case,
        BreachLogKind.DELAY,
        "The forensic copy took four days.",
        at=AWARE + timedelta(hours=70),
        deadline="gdpr-art33",
    )

    draft = regulator_draft(case, ORG, now=AFTER_72H)

    assert draft.complete
    assert "The forensic copy took four days." in draft.text


def test_a_first_report_made_in_time_keeps_a_later_phase_from_being_late() -> None:
    case = make_case()
    case.notifications.append(
        BreachNotification(deadline="gdpr-art33", recipient="BfDI", sent_at=WITHIN_72H, phased=True, recorded_by="d")
    )

    draft = regulator_draft(case, ORG, now=AFTER_72H)

    assert draft.complete
    assert "Reasons for the delay" not in draft.text


def test_lateness_counts_from_awareness_even_without_a_gdpr_jurisdiction() -> None:
    case = make_case(people_by_jurisdiction={"US-CA": 3_000})

    assert regulator_draft(case, ORG, now=WITHIN_72H).complete
    assert "log (kind delay)" in [m.field for m in regulator_draft(case, ORG, now=AFTER_72H).missing]


def test_times_are_shown_in_the_organisations_zone_and_in_utc() -> None:
    draft = regulator_draft(make_case(), ORG, now=WITHIN_72H)

    assert "Became aware: 2026-03-02 10:00 CET (09:00 UTC)" in draft.text


# -- notices to people -------------------------------------------------------------------------------------


def test_the_notice_to_people_is_linted_and_a_plain_complete_one_passes() -> None:
    draft = individuals_notice(make_case(), ORG)

    assert draft.kind == "individuals"
    assert draft.complete
    assert draft.lint is not None and draft.lint.passed
    assert draft.lint.findings == []
    for part in ("We are sorry.", "This was our fault.", "Monday 2 March 2026", "dpo@northwind.example"):
        assert part in draft.text
    assert "Watch your bank and card statements" in draft.text  # a payment card leaked
    assert "claim to come from us" in draft.text  # an e-mail address leaked


def test_a_vague_blaming_notice_scores_badly_in_the_lint() -> None:
    case = make_case(
        nature="out of an abundance of caution we note that a highly sophisticated attack on a third-party "
        "vendor's system caused an issue",
        consequences="we apologise for any inconvenience this may have caused",
        measures_taken="",
        measures_proposed="",
    )

    draft = individuals_notice(case, ORG)

    assert draft.lint is not None and not draft.lint.passed
    rules = {f.rule for f in draft.lint.findings}
    assert {"breach-cliche", "boilerplate-apology", "placeholder"} <= rules
    assert draft.lint.accountability is not None and draft.lint.accountability < 60
    assert [m.field for m in draft.missing] == ["case.measures_taken"]


def test_a_notice_with_gaps_lists_them_and_leaves_prompts_the_lint_reports() -> None:
    draft = individuals_notice(
        make_case(consequences="", data_categories=[]), ORG.model_copy(update={"dpo_contact": ""})
    )

    assert [m.field for m in draft.missing] == ["case.data_categories", "organisation.dpo_contact", "case.consequences"]
    assert all(m.item.startswith("Art. 34(2)") for m in draft.missing)
    assert draft.lint is not None and "placeholder" in {f.rule for f in draft.lint.findings}
    assert not draft.lint.passed


def test_the_us_notice_has_the_california_title_and_headings_in_order() -> None:
    draft = us_notice(make_case(), ORG, now=WITHIN_72H)

    headings = ["What Happened", "What Information Was Involved", "What We Are Doing", "What You Can Do"]
    positions = [draft.text.index(f"\n{h}\n") for h in [*headings, "For More Information"]]
    assert draft.text.startswith("Notice of Data Breach\n")
    assert positions == sorted(positions)
    assert "Date of this notice: Wednesday 4 March 2026." in draft.text
    assert "A law enforcement investigation did not delay this notice." in draft.text
    assert "www.annualcreditreport.com" in draft.text
    assert draft.complete and draft.lint is not None and draft.lint.passed


def test_a_us_notice_for_social_security_numbers_lists_the_bureaus_and_needs_the_offer() -> None:
    draft = us_notice(make_case(data_categories=["name", "ssn"]), ORG, now=WITHIN_72H)

    assert "Equifax" in draft.text and "TransUnion" in draft.text
    assert [m.field for m in draft.missing] == ["notice text (enrolment details)"]
    assert draft.lint is not None and not draft.lint.passed  # the enrolment prompt is still in the text


def test_a_delay_asked_for_by_law_enforcement_is_stated_in_the_us_notice() -> None:
    case = make_case()
    log(case, BreachLogKind.DELAY, "Police asked us to wait.", deadline="us-ca-residents", law_enforcement=True)

    assert "at the request of law enforcement" in us_notice(case, ORG, now=WITHIN_72H).text


def test_a_public_notice_needs_the_disproportionate_effort_exception() -> None:
    without = public_notice(make_case(), ORG)
    with_it = public_notice(make_case(disproportionate_effort=True), ORG)

    assert [m.field for m in without.missing] == ["case.disproportionate_effort"]
    assert with_it.complete and with_it.kind == "public"
    assert "we cannot reach each person directly" in with_it.text
    assert with_it.lint is not None and with_it.lint.passed


# -- support checklist ------------------------------------------------------------------------------------


def test_the_support_checklist_sets_up_a_dedicated_empathetic_channel_without_upsell() -> None:
    checklist = support_checklist(make_case())

    text = "\n".join(checklist)
    for part in ("dedicated channel", "12,000 people", "call script", "FAQ", "escalation path", "No upsell"):
        assert part in text
    assert any(item.startswith("Payment data:") for item in checklist)
    assert not any(item.startswith("Passwords:") for item in checklist)


# -- transparency report ----------------------------------------------------------------------------------


def test_the_transparency_report_uses_only_measures_and_publishes_no_personal_data() -> None:
    case = make_case()
    log(case, BreachLogKind.FACT, "Reported by jane.doe@example.com from 198.51.100.7.")
    log(case, BreachLogKind.EFFECT, "Fraud attempts on the cards of three people.")
    log(
        case,
        BreachLogKind.MEASURE,
        "Turned on two-step sign-in for every staff account.",
        at=AWARE + timedelta(hours=3),
    )
    log(
        case,
        BreachLogKind.MEASURE,
        "Blocked 203.0.113.9, rebuilt db-01.corp.internal and told ops@northwind.example.",
        at=AWARE + timedelta(hours=4),
    )

    draft = transparency_report(case, ORG, now=AFTER_72H)

    assert "Turned on two-step sign-in for every staff account." in draft.text
    assert "Blocked (withheld), rebuilt (withheld) and told (withheld)." in draft.text
    for secret in ("jane.doe@example.com", "198.51.100.7", "Fraud attempts", "203.0.113.9", "db-01", "ops@"):
        assert secret not in draft.text
    assert "12,000" not in draft.text and "j.schmidt" not in draft.text  # no counts, no actors
    assert draft.lint is not None and draft.lint.passed


def test_the_transparency_report_lists_done_it_tasks_as_changes_and_open_ones_as_in_progress() -> None:
    case = make_case()
    case.tasks += [
        BreachTask(role=BreachRole.IT, title="Rotate every access key", done_at=AWARE + timedelta(hours=6)),
        BreachTask(role=BreachRole.IT, title="Review a year of sign-in records"),
        BreachTask(role=BreachRole.PR, title="Brief the press office", done_at=AWARE + timedelta(hours=7)),
    ]
    log(case, BreachLogKind.MEASURE, "Done (it): Rotate every access key.", task_id=1)
    log(case, BreachLogKind.MEASURE, "Measures proposed: → add alerts.", field="measures_proposed", new="add alerts")

    draft = transparency_report(case, ORG, now=AFTER_72H)

    changed, in_progress = draft.text.split("## Still in progress")
    assert changed.count("Rotate every access key") == 1
    assert "Review a year of sign-in records" in in_progress
    assert "Brief the press office" not in draft.text
    assert "add alerts" not in draft.text
    assert draft.complete


def test_a_transparency_report_with_nothing_done_says_so_and_is_incomplete() -> None:
    draft = transparency_report(make_case(), ORG, now=AFTER_72H)

    assert "Nothing is complete yet." in draft.text
    assert [m.field for m in draft.missing] == ["log (kind measure)"]


# -- stored cases ------------------------------------------------------------------------------------------


def test_drafts_read_a_stored_case_with_its_log_and_notifications(session: Session) -> None:
    case = make_case()
    session.add(case)
    session.flush()
    log(case, BreachLogKind.DELAY, "Our forensic copy took four days.", at=AFTER_72H, deadline="gdpr-art33")
    log(case, BreachLogKind.MEASURE, "Removed the exporting account.", at=AWARE + timedelta(hours=2))
    session.flush()
    session.expire_all()

    stored = session.get(BreachCase, case.id)
    assert stored is not None
    draft = regulator_draft(stored, ORG, now=AFTER_72H)

    assert draft.complete
    assert f"Our reference: breach case {case.id}" in draft.text
    assert "Our forensic copy took four days." in draft.text
    assert "Removed the exporting account." in transparency_report(stored, ORG, now=AFTER_72H).text
