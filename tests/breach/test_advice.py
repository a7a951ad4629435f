from __future__ import annotations

import pytest

from tests.breach.test_drafts import make_case
from trustops.breach.advice import compensation_advice, identity_risk


def kinds(advice) -> list[str]:  # type: ignore[no-untyped-def]
    return [o.kind for o in advice.options]


@pytest.mark.parametrize("categories", [["name", "payment_card"], ["name", "national_id"], ["name", "Date of birth"]])
def test_identity_protection_ranks_first_when_identity_or_card_data_leaked(categories: list[str]) -> None:
    advice = compensation_advice(make_case(data_categories=categories))

    first = advice.options[0]
    assert (first.kind, first.rank, first.recommended) == ("identity_protection", 1, True)
    assert first.cost_per_person is not None and first.cost_per_person.low < first.cost_per_person.high
    assert "2-3 years" in first.why


def test_the_ranking_puts_transparency_before_cash_and_cash_before_vouchers() -> None:
    advice = compensation_advice(make_case(data_categories=["name", "ssn"]))

    assert kinds(advice) == ["identity_protection", "credit_monitoring", "transparency_report", "cash", "voucher"]
    assert [o.rank for o in advice.options] == [1, 2, 3, 4, 5]
    assert [o.kind for o in advice.options if o.recommended] == kinds(advice)[:3]


def test_credit_monitoring_is_not_recommended_for_card_details_alone() -> None:
    advice = compensation_advice(make_case(data_categories=["email", "payment_card"]))

    monitoring = next(o for o in advice.options if o.kind == "credit_monitoring")
    assert not monitoring.recommended
    assert kinds(advice)[:2] == ["identity_protection", "transparency_report"]


def test_without_identity_data_the_transparency_report_leads() -> None:
    advice = compensation_advice(make_case(data_categories=["email", "order_history"]))

    assert advice.options[0].kind == "transparency_report"
    assert not any(o.recommended for o in advice.options if o.kind in ("identity_protection", "credit_monitoring"))
    assert "identity protection" not in advice.summary


def test_encrypted_data_with_a_safe_key_need_no_protection_services() -> None:
    advice = compensation_advice(make_case(data_categories=["national_id"], encrypted=True, key_compromised=False))

    protection = advice.options[[o.kind for o in advice.options].index("identity_protection")]
    assert not protection.recommended
    assert "Art. 34(3)(a)" in protection.why


def test_the_advice_warns_against_promotional_vouchers_and_cites_its_sources() -> None:
    advice = compensation_advice(make_case())

    voucher = advice.options[-1]
    assert voucher.kind == "voucher" and not voucher.recommended
    assert any("promotional vouchers" in w for w in advice.warnings)
    cash = next(o for o in advice.options if o.kind == "cash")
    assert "no significant effect" in cash.why
    assert any("verify" in source for source in cash.sources)
    assert "Never offer promotional vouchers" in advice.summary


def test_california_residents_with_social_security_numbers_get_the_twelve_month_offer_warning() -> None:
    with_ssn = compensation_advice(make_case(data_categories=["name", "ssn"]))
    without_californians = compensation_advice(
        make_case(data_categories=["name", "ssn"], people_by_jurisdiction={"EU-GDPR": 10})
    )

    assert any("12 months" in w for w in with_ssn.warnings)
    assert not any("12 months" in w for w in without_californians.warnings)


def test_identity_risk_reads_categories_in_any_spelling() -> None:
    assert identity_risk(["Payment card", "e-mail"]) == ("Payment card",)
    assert identity_risk(["date-of-birth", "name"]) == ("date-of-birth",)
    assert identity_risk(["date_of_birth"]) == ()
