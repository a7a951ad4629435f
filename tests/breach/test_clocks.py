from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from trustops.breach.clocks import Clock, ClockState, case_clocks, clocks_for, due, owed
from trustops.breach.jurisdictions import deadline
from trustops.breach.models import BreachCase, BreachNotification
from trustops.catalog.schema import OrganisationSpec
from trustops.enums import BreachRisk
from trustops.errors import InvalidInput

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def by_key(clocks: list[Clock]) -> dict[str, Clock]:
    return {c.deadline.key: c for c in clocks}


# The bar: across a daylight-saving change, a weekend and a US federal holiday.


def test_72_hours_across_the_eu_spring_change_end_one_wall_clock_hour_later() -> None:
    aware = datetime(2026, 3, 27, 10, 0, tzinfo=BERLIN)  # CET, two days before clocks go forward

    due_at, skipped = due(deadline("gdpr-art33"), aware, org_zone=BERLIN)

    assert due_at == utc(2026, 3, 30, 9, 0)
    assert due_at - aware == timedelta(hours=72)  # elapsed time, not wall-clock time: aware + 72 h is 08:00 UTC
    assert due_at.astimezone(BERLIN).strftime("%a %H:%M %Z") == "Mon 11:00 CEST"
    assert skipped == ()


def test_a_calendar_day_deadline_across_the_us_fall_back_ends_at_local_midnight_an_hour_later_in_utc() -> None:
    discovered = datetime(2026, 10, 20, 12, 0, tzinfo=NEW_YORK)  # EDT, UTC-4; clocks go back on 1 November

    due_at, _ = due(deadline("us-ca-residents"), discovered, org_zone=NEW_YORK)

    assert due_at.astimezone(NEW_YORK).replace(tzinfo=None) == datetime(2026, 11, 19, 23, 59, 59)
    assert due_at == utc(2026, 11, 20, 4, 59, 59)  # EST, UTC-5: the start's UTC offset would give 03:59:59
    assert due_at - discovered.astimezone(UTC) != timedelta(days=30, hours=11, minutes=59, seconds=59)


def test_the_sec_8k_passes_over_thanksgiving_and_a_weekend() -> None:
    determined = datetime(2026, 11, 24, 11, 0, tzinfo=NEW_YORK)  # Tuesday

    due_at, skipped = due(deadline("sec-8k"), determined, org_zone=BERLIN)

    # Wed 25, (Thu 26 Thanksgiving), Fri 27, (Sat 28, Sun 29), Mon 30, Tue 1 December at 17:30 EST.
    assert due_at == utc(2026, 12, 1, 22, 30)
    assert skipped == (date(2026, 11, 26), date(2026, 11, 28), date(2026, 11, 29))


def test_a_friday_determination_skips_the_weekend_and_ends_in_new_york_summer_time() -> None:
    determined = datetime(2026, 3, 6, 16, 0, tzinfo=NEW_YORK)  # Friday; US clocks go forward on Sunday 8 March

    due_at, skipped = due(deadline("sec-8k"), determined, org_zone=BERLIN)

    assert skipped == (date(2026, 3, 7), date(2026, 3, 8))
    assert due_at == utc(2026, 3, 12, 21, 30)  # Thursday 17:30 EDT
    assert due_at.astimezone(NEW_YORK).strftime("%a %H:%M %Z") == "Thu 17:30 EDT"


def test_vermont_business_days_pass_over_town_meeting_day_as_well_as_weekends() -> None:
    discovered = datetime(2026, 2, 23, 10, 0, tzinfo=NEW_YORK)  # Monday

    due_at, skipped = due(deadline("us-vt-ag"), discovered, org_zone=BERLIN)

    assert date(2026, 3, 3) in skipped  # Town Meeting Day, a Vermont holiday but not a federal one
    assert len(skipped) == 7
    assert due_at.astimezone(NEW_YORK).replace(tzinfo=None) == datetime(2026, 3, 16, 23, 59, 59)


def test_days_are_counted_from_the_local_date_of_the_start_not_the_utc_date() -> None:
    discovered = utc(2026, 6, 1, 6, 30)  # still 31 May, 23:30, in Los Angeles

    due_at, _ = due(deadline("us-ny-residents"), discovered, org_zone=LOS_ANGELES)

    assert due_at.astimezone(LOS_ANGELES).replace(tzinfo=None) == datetime(2026, 6, 30, 23, 59, 59)


def test_the_hipaa_annual_log_is_due_60_days_after_the_end_of_the_year_of_discovery() -> None:
    due_at, _ = due(deadline("us-hipaa-hhs-log"), utc(2026, 5, 10, 12), org_zone=NEW_YORK)

    assert due_at.astimezone(NEW_YORK).replace(tzinfo=None) == datetime(2027, 3, 1, 23, 59, 59)


# Which deadlines are owed


def test_an_unassessed_risk_lists_both_gdpr_deadlines_as_the_worst_case() -> None:
    now = utc(2026, 3, 27, 12)
    clocks = by_key(clocks_for(aware_at=utc(2026, 3, 27, 9), jurisdictions=["EU-GDPR"], org_zone=BERLIN, now=now))

    assert set(clocks) == {"gdpr-art33", "gdpr-art34"}
    assert clocks["gdpr-art33"].owed is None and clocks["gdpr-art33"].state is ClockState.RUNNING
    assert clocks_for(aware_at=now, jurisdictions=["EU-GDPR"], org_zone=BERLIN, now=now, owed_only=True) == []


@pytest.mark.parametrize(
    ("risk", "keys"),
    [(BreachRisk.UNLIKELY, []), (BreachRisk.RISK, ["gdpr-art33"]), (BreachRisk.HIGH, ["gdpr-art33", "gdpr-art34"])],
)
def test_the_assessed_risk_decides_which_gdpr_notifications_are_owed(risk: BreachRisk, keys: list[str]) -> None:
    now = utc(2026, 3, 27, 12)
    clocks = clocks_for(aware_at=now, jurisdictions=["EU-GDPR"], org_zone=BERLIN, now=now, risk=risk)

    assert [c.deadline.key for c in clocks] == keys
    assert all(c.owed is True for c in clocks)


def test_the_attorney_general_is_owed_only_above_the_state_threshold() -> None:
    now = utc(2026, 6, 1)

    def keys(people: int | None) -> dict[str, bool | None]:
        counts = None if people is None else {"us-ca": people}
        clocks = clocks_for(
            aware_at=now, discovered_at=now, jurisdictions=["US-CA"], org_zone=LOS_ANGELES, now=now,
            people_by_jurisdiction=counts,
        )  # fmt: skip
        return {c.deadline.key: c.owed for c in clocks}

    assert keys(500) == {"us-ca-residents": True}
    assert keys(501) == {"us-ca-residents": True, "us-ca-ag": True}
    assert keys(None) == keys(0) == {"us-ca-residents": True, "us-ca-ag": None}


def test_owed_combines_risk_and_counts() -> None:
    assert owed(deadline("us-hipaa-hhs-log"), risk=None, people=499) is True
    assert owed(deadline("us-hipaa-hhs-log"), risk=None, people=500) is False
    assert owed(deadline("gdpr-art34"), risk=BreachRisk.RISK, people=None) is False
    assert owed(deadline("gdpr-art33"), risk=None, people=10) is None


# Clock states


def test_clocks_are_sorted_by_due_time_with_those_not_started_last() -> None:
    aware = utc(2026, 11, 20, 9)
    clocks = clocks_for(
        aware_at=aware, jurisdictions=["US-SEC", "US-CA", "EU-NIS2"], org_zone=BERLIN, now=aware,
        discovered_at=aware - timedelta(days=2),
    )  # fmt: skip

    assert [c.deadline.key for c in clocks] == [
        "nis2-early-warning",
        "nis2-notification",
        "us-ca-residents",
        "nis2-final-report",
        "us-ca-ag",
        "sec-8k",
    ]
    sec = clocks[-1]
    assert sec.state is ClockState.NOT_STARTED
    assert (sec.starts_at, sec.due_at, sec.due_local, sec.left(aware)) == (None, None, None, None)


def test_a_clock_is_running_then_overdue_and_tells_the_time_left() -> None:
    aware = utc(2026, 3, 27, 9)
    kwargs = {"aware_at": aware, "jurisdictions": ["EU-GDPR"], "org_zone": BERLIN, "risk": BreachRisk.RISK}

    [running] = clocks_for(now=aware + timedelta(hours=70), **kwargs)  # type: ignore[arg-type]
    [late] = clocks_for(now=aware + timedelta(hours=73), **kwargs)  # type: ignore[arg-type]

    assert running.state is ClockState.RUNNING and running.left(aware + timedelta(hours=70)) == timedelta(hours=2)
    assert late.state is ClockState.OVERDUE and late.left(aware + timedelta(hours=73)) == timedelta(hours=-1)
    assert running.due_local is not None and running.due_local.tzinfo == BERLIN
    assert running.due_local.hour == 11


def test_a_notification_recorded_stops_the_clock_on_time_or_late() -> None:
    aware = utc(2026, 3, 27, 9)
    kwargs = {"aware_at": aware, "jurisdictions": ["EU-GDPR"], "org_zone": BERLIN, "risk": BreachRisk.RISK}
    later = aware + timedelta(days=10)

    [on_time] = clocks_for(now=later, met={"gdpr-art33": aware + timedelta(hours=71)}, **kwargs)  # type: ignore[arg-type]
    [late] = clocks_for(now=later, met={"gdpr-art33": aware + timedelta(hours=80)}, **kwargs)  # type: ignore[arg-type]

    assert on_time.state is ClockState.MET and on_time.left(later) is None
    assert late.state is ClockState.MET_LATE and late.met_at == aware + timedelta(hours=80)


def test_an_unknown_jurisdiction_stops_the_computation_with_its_name() -> None:
    with pytest.raises(InvalidInput, match="jurisdiction: 'EU-XX' is not a known jurisdiction"):
        clocks_for(aware_at=utc(2026, 1, 5), jurisdictions=["EU-XX"], org_zone=BERLIN, now=utc(2026, 1, 5))


# A stored case


def make_case(**overrides: object) -> BreachCase:
    values: dict[str, object] = {
        "title": "Customer table exported",
        "aware_at": utc(2026, 11, 23, 8),
        "discovered_at": utc(2026, 11, 22, 20),
        "material_at": utc(2026, 11, 24, 16),
        "risk": BreachRisk.RISK,
        "people_by_jurisdiction": {"EU-GDPR": 1200, "US-CA": 700},
        "created_by": "dpo",
        **overrides,
    }
    return BreachCase(**values)


def test_a_case_counts_its_jurisdictions_with_its_own_facts_and_its_first_notification_per_deadline() -> None:
    case = make_case()
    case.notifications = [
        BreachNotification(deadline="gdpr-art33", recipient="BfDI", sent_at=utc(2026, 11, 25, 9), recorded_by="dpo"),
        BreachNotification(deadline="gdpr-art33", recipient="BfDI", sent_at=utc(2026, 11, 24, 9), recorded_by="dpo"),
    ]
    organisation = OrganisationSpec(time_zone="Europe/Berlin")

    clocks = by_key(case_clocks(case, organisation, now=utc(2026, 11, 26)))

    assert set(clocks) == {"gdpr-art33", "us-ca-residents", "us-ca-ag"}  # risk, not high: no Art. 34
    assert clocks["gdpr-art33"].state is ClockState.MET and clocks["gdpr-art33"].met_at == utc(2026, 11, 24, 9)
    assert clocks["us-ca-residents"].starts_at == utc(2026, 11, 22, 20)
    assert clocks["us-ca-residents"].due_local == datetime(2026, 12, 22, 23, 59, 59, tzinfo=BERLIN)


def test_a_listed_organisation_also_gets_the_sec_clock_from_the_materiality_determination() -> None:
    case = make_case(people_by_jurisdiction={"EU-GDPR": 1200})

    listed = by_key(case_clocks(case, OrganisationSpec(listed=True), now=utc(2026, 11, 26)))
    unlisted = by_key(case_clocks(case, OrganisationSpec(), now=utc(2026, 11, 26)))

    assert listed["sec-8k"].due_at == utc(2026, 12, 1, 22, 30)
    assert "sec-8k" not in unlisted
