from __future__ import annotations

import pytest

from tests.breach.test_drafts import make_case
from trustops.breach.advice import compensation_advice
from trustops.breach.costs import Range, estimate_cost, round_2sf
from trustops.errors import InvalidInput


def line(estimate, prefix: str) -> Range:  # type: ignore[no-untyped-def]
    return next(r for label, r in estimate.lines if label.startswith(prefix))


def test_every_line_and_the_total_are_ranges_with_a_basis() -> None:
    estimate = estimate_cost(make_case())

    assert [label.split(" (")[0].split(",")[0] for label, _ in estimate.lines] == [
        "notice and support line",
        "identity protection for the people affected",
        "investigation",
        "statutory damages",
    ]
    for _, amount in (*estimate.lines, ("total", estimate.total)):
        assert amount.low < amount.high
        assert amount.currency == "USD" and amount.basis
    assert estimate.total.low == round_2sf(sum(r.low for _, r in estimate.lines))
    assert any("IBM" in a and "verify" in a for a in estimate.assumptions)


def test_amounts_are_rounded_to_two_significant_figures() -> None:
    estimate = estimate_cost(make_case(people=12_345, records=13_579))

    for _, amount in (*estimate.lines, ("total", estimate.total)):
        for value in (amount.low, amount.high):
            assert value == round_2sf(value)
    assert round_2sf(12_345) == 12_000 and round_2sf(0.456) == 0.46


def test_ccpa_damages_scale_with_california_residents() -> None:
    few = estimate_cost(make_case(people_by_jurisdiction={"US-CA": 100}))
    many = estimate_cost(make_case(people_by_jurisdiction={"US-CA": 1_000}))

    assert line(few, "statutory damages (CCPA)") == Range(10_000, 75_000, "USD", line(few, "statutory").basis)
    assert line(many, "statutory damages (CCPA)").low == 100_000
    assert line(many, "statutory damages (CCPA)").high == 750_000
    assert "1,000 California residents" in [label for label, _ in many.lines][-1]


def test_no_ccpa_line_without_californians_or_when_the_data_were_unreadable() -> None:
    elsewhere = estimate_cost(make_case(people_by_jurisdiction={"EU-GDPR": 5_000}))
    encrypted = estimate_cost(make_case(encrypted=True, key_compromised=False))

    for estimate in (elsewhere, encrypted):
        assert not any(label.startswith("statutory damages") for label, _ in estimate.lines)
    assert any("encrypted" in a for a in encrypted.assumptions)


def test_the_gdpr_fine_is_an_exposure_outside_the_total() -> None:
    estimate = estimate_cost(make_case())

    assert [label for label, _ in estimate.exposures] == ["regulatory fine ceiling (GDPR Art. 83(4))"]
    fine = estimate.exposures[0][1]
    assert (fine.low, fine.high, fine.currency) == (0, 10_000_000, "EUR")
    assert "2 %" in fine.basis
    assert estimate.total.high == round_2sf(sum(r.high for _, r in estimate.lines))


def test_protection_follows_the_advice_given() -> None:
    case = make_case(data_categories=["email"])
    without = estimate_cost(case, advice=compensation_advice(case))
    with_ids = estimate_cost(make_case(data_categories=["name", "ssn"]))

    assert not any("protection" in label for label, _ in without.lines)
    assert line(with_ids, "identity and credit protection").low == 12_000 * 60


def test_unknown_people_counts_cannot_be_estimated_and_the_error_names_the_field() -> None:
    with pytest.raises(InvalidInput) as raised:
        estimate_cost(make_case(people=None))

    assert raised.value.field == "people"
    assert "people" in raised.value.message


def test_unknown_record_counts_fall_back_to_one_per_person_and_say_so() -> None:
    estimate = estimate_cost(make_case(records=None, people=1_000))

    assert line(estimate, "investigation").low == 160_000
    assert any("one record per person" in a for a in estimate.assumptions)


def test_beyond_the_studied_sizes_the_per_record_range_widens() -> None:
    estimate = estimate_cost(make_case(people=2_000_000, records=3_000_000))

    per_record = line(estimate, "investigation")
    assert per_record.low == 16_000_000 and per_record.high == 570_000_000
