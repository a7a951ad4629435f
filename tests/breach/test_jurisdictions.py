from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

import holidays
import pytest

from trustops.breach.jurisdictions import (
    DEADLINES,
    FORTY_FIVE_DAY_STATES,
    REGIMES,
    ClockStart,
    Unit,
    deadline,
    regime,
)
from trustops.enums import BreachRisk
from trustops.errors import InvalidInput


def test_every_deadline_key_is_unique_across_regimes_and_names_its_regime() -> None:
    keys = [d.key for r in REGIMES.values() for d in r.deadlines]
    assert len(keys) == len(set(keys)) == len(DEADLINES)
    assert all(d.regime == r.code for r in REGIMES.values() for d in r.deadlines)


def test_every_regime_cites_a_source_and_every_us_state_asks_to_verify_it() -> None:
    assert all(r.sources and all(s.strip() for s in r.sources) for r in REGIMES.values())
    states = [r for code, r in REGIMES.items() if code.startswith("US-") and code not in ("US-HIPAA", "US-SEC")]
    assert len(states) == 9 + len(FORTY_FIVE_DAY_STATES)
    assert all("re-check the statute" in r.verify for r in states)


def test_every_calendar_and_zone_a_deadline_names_exists() -> None:
    for d in DEADLINES.values():
        if d.zone is not None:
            ZoneInfo(d.zone)
        if d.calendar is not None:
            country, _, subdivision = d.calendar.partition("-")
            assert holidays.country_holidays(country, subdiv=subdivision or None, years=2026)
        assert (d.unit is Unit.BUSINESS_DAYS) == (d.calendar is not None), d.key


def test_gdpr_asks_the_authority_at_risk_and_people_at_high_risk_within_72_hours_of_awareness() -> None:
    art33, art34 = deadline("gdpr-art33"), deadline("gdpr-art34")
    assert (art33.amount, art33.unit, art33.starts, art33.needs_risk) == (
        72,
        Unit.HOURS,
        ClockStart.AWARE,
        BreachRisk.RISK,
    )
    assert art34.needs_risk is BreachRisk.HIGH and "not a statutory period" in art34.when
    assert [d.key for d in regime("UK-GDPR").deadlines] == ["uk-gdpr-art33", "uk-gdpr-art34"]
    assert regime("EU-GDPR").phased_allowed and any("33(3)(b)" in item for item in regime("EU-GDPR").content)


def test_the_sec_counts_four_federal_business_days_from_materiality_ending_at_half_past_five_in_new_york() -> None:
    sec = deadline("sec-8k")
    assert (sec.regime, sec.starts, sec.amount, sec.unit) == ("US-SEC", ClockStart.MATERIAL, 4, Unit.BUSINESS_DAYS)
    assert (sec.calendar, sec.zone, sec.end_of_day) == ("US", "America/New_York", time(17, 30))


def test_us_state_deadlines_follow_the_rules_table() -> None:
    def days(key: str) -> tuple[int, int | None]:
        d = deadline(key)
        assert d.starts is ClockStart.DISCOVERED and d.unit is Unit.CALENDAR_DAYS
        return d.amount, d.min_people

    assert days("us-ca-residents") == (30, None) and days("us-ca-ag") == (45, 501)
    assert days("us-ny-residents") == (30, None)
    assert days("us-tx-residents") == (60, None) and days("us-tx-ag") == (30, 250)
    assert days("us-co-residents") == days("us-fl-residents") == days("us-wa-residents") == (30, None)
    assert days("us-me-residents") == (30, None)
    assert days("us-ct-residents") == days("us-de-residents") == (60, None)
    assert {code: days(f"{code.lower()}-residents")[0] for code in FORTY_FIVE_DAY_STATES} == dict.fromkeys(
        ["US-OH", "US-WI", "US-AL", "US-AZ", "US-MD", "US-NM", "US-RI", "US-TN", "US-VT", "US-OR", "US-IN"], 45
    )
    vermont = deadline("us-vt-ag")
    assert (vermont.amount, vermont.unit, vermont.calendar) == (14, Unit.BUSINESS_DAYS, "US-VT")


def test_hipaa_tells_people_in_60_days_and_hhs_now_or_after_the_year_depending_on_the_count() -> None:
    assert deadline("us-hipaa-individuals").amount == 60
    assert deadline("us-hipaa-media").min_people == 501
    assert deadline("us-hipaa-hhs").min_people == 500
    log = deadline("us-hipaa-hhs-log")
    assert (
        log.below_people == 500
        and log.after_year_end
        and log.rule.endswith("the end of the calendar year of discovery")
    )


def test_a_regime_is_found_whatever_the_case_of_its_code() -> None:
    assert regime("us-ca").code == "US-CA"
    assert regime(" eu-gdpr ").name == "EU General Data Protection Regulation"


def test_an_unknown_jurisdiction_is_refused_naming_the_field_the_value_and_the_known_codes() -> None:
    with pytest.raises(InvalidInput) as caught:
        regime("US-XX", field="people_by_jurisdiction")
    assert caught.value.field == "people_by_jurisdiction"
    assert caught.value.message.startswith(
        "people_by_jurisdiction: 'US-XX' is not a known jurisdiction; known: EU-GDPR"
    )
    assert "US-VT" in caught.value.message


def test_an_unknown_deadline_key_is_refused_by_name() -> None:
    with pytest.raises(InvalidInput, match="deadline: 'gdpr-art99' is not a known deadline") as caught:
        deadline("gdpr-art99")
    assert caught.value.field == "deadline"


def test_a_deadline_says_in_a_few_words_what_it_depends_on() -> None:
    assert deadline("gdpr-art34").condition == "a high risk to people"
    assert deadline("us-tx-ag").condition == "250 or more people"
    assert deadline("us-hipaa-hhs-log").condition == "fewer than 500 people"
    assert deadline("us-ny-residents").condition == ""
    assert deadline("sec-8k").rule == "4 business days after the materiality determination"
