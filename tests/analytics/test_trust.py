"""The trust index: what drops it, what cushions it, how it heals, and how it explains itself."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.factories import make_component, make_incident
from trustops.analytics.trust import (
    ALL,
    SegmentTrust,
    TrustModel,
    check_against_cohort,
    explain,
    index_at,
    trust_index,
)
from trustops.cli import app
from trustops.cli.state import CliState
from trustops.customers import Customer
from trustops.enums import Channel, ComponentStatus, CustomerTier, Impact
from trustops.errors import InvalidInput
from trustops.monitor.health_models import Exposure
from trustops.monitor.incidents import Change, resolve_incident, update_incident
from trustops.monitor.models import Incident

T0 = datetime(2024, 1, 1, 10, 0, tzinfo=UTC)
APART = timedelta(days=800)  # scenarios this far apart never see each other (lookback and repeat window)
APOLOGY = (
    "Hello,\n\nOn 1 January, between 10:00 and 11:00 UTC, you could not complete checkout. We know how "
    "frustrating that is, and we are sorry.\n\nOur database update rejected valid orders. This was our fault.\n\n"
    "We rolled back the update at 11:00 UTC. We are adding a test that checks orders before each update.\n\n"
    "You do not need to do anything. If you have any questions, reply to this e-mail and a person on our team "
    "will answer."
)


def shop(session: Session, users: int = 10) -> None:
    """Checkout (a transaction) and search (standard); ``users`` regular and as many enterprise customers."""
    make_component(session, "checkout", criticality="transaction")
    make_component(session, "search", criticality="standard")
    for tier in (CustomerTier.REGULAR, CustomerTier.ENTERPRISE):
        for n in range(users):
            session.add(
                Customer(
                    key=f"{tier.value}-{n}",
                    tier=tier,
                    annual_value=100.0,
                    first_seen_at=datetime(2020, 1, 1, tzinfo=UTC),
                    last_seen_at=datetime(2030, 1, 1, tzinfo=UTC),
                )
            )
    session.flush()


def outage(
    session: Session,
    at: datetime,
    *,
    component: str = "checkout",
    impact: Impact = Impact.MAJOR,
    hours: float = 1.0,
    hit: int = 10,
    tier: CustomerTier = CustomerTier.REGULAR,
    channel: Channel | None = None,
) -> Incident:
    """An incident of ``hours`` that ``hit`` customers of ``tier`` saw errors in, resolved without a word."""
    incident = make_incident(session, {component: ComponentStatus.MAJOR_OUTAGE}, impact=impact, started_at=at, now=at)
    incident.channel = channel
    for n in range(hit):
        session.add(
            Exposure(
                user_key=f"{tier.value}-{n}",
                component_id=component,
                at=at + timedelta(minutes=1),
                kind="error",
                source="test",
                event_id=f"{incident.id}-{n}",
            )
        )
    resolve_incident(session, incident.id, actor="test", now=at + timedelta(hours=hours))
    session.flush()
    return incident


def drop_after(session: Session, at: datetime, segment: str = CustomerTier.REGULAR.value) -> float:
    """How far the segment's index is below the baseline a day after ``at``."""
    report = trust_index(session, since=at - timedelta(days=1), until=at + timedelta(days=1), segments=[segment])
    return 100.0 - report.segment(segment).current


def test_a_single_minor_incident_drops_the_index_less_than_a_major_one(session: Session) -> None:
    shop(session)
    outage(session, T0, impact=Impact.MINOR)
    outage(session, T0 + APART, impact=Impact.MAJOR)

    minor, major = drop_after(session, T0), drop_after(session, T0 + APART)

    assert 0 < minor < major


def test_a_longer_incident_drops_the_index_more_than_a_short_one(session: Session) -> None:
    shop(session)
    outage(session, T0, hours=0.5)
    outage(session, T0 + APART, hours=12)

    assert 0 < drop_after(session, T0) < drop_after(session, T0 + APART)


def test_a_checkout_incident_drops_it_more_than_a_search_one_of_the_same_impact_and_length(session: Session) -> None:
    shop(session)
    outage(session, T0, component="search")
    outage(session, T0 + APART, component="checkout")

    search, checkout = drop_after(session, T0), drop_after(session, T0 + APART)

    assert checkout == pytest.approx(search * TrustModel().transaction_multiplier)


def test_a_repeat_on_the_same_component_within_the_window_drops_it_much_more_than_the_first(
    session: Session,
) -> None:
    shop(session)
    first = outage(session, T0)
    second = outage(session, T0 + timedelta(days=10))

    report = trust_index(session, since=T0, until=T0 + timedelta(days=11))
    by_id = {c.incident_id: c for c in report.segment("regular").contributions}

    assert by_id[first.id].repeat_multiplier == 1.0
    assert by_id[second.id].repeat_of == (first.id,)
    assert by_id[second.id].repeat_multiplier == pytest.approx(0.59 / 0.32)
    assert by_id[second.id].drop > 1.5 * by_id[first.id].drop


def test_a_failure_on_another_component_is_not_a_repeat(session: Session) -> None:
    shop(session)
    outage(session, T0, component="search")
    second = outage(session, T0 + timedelta(days=10), component="checkout")

    report = trust_index(session, since=T0, until=T0 + timedelta(days=11))

    assert {c.incident_id: c.repeat_of for c in report.segment("regular").contributions}[second.id] == ()


def test_a_prompt_first_update_a_kept_cadence_and_a_good_apology_cushion_the_drop(session: Session) -> None:
    shop(session)
    outage(session, T0)  # nothing said
    at = T0 + APART
    told = make_incident(
        session,
        {"checkout": ComponentStatus.MAJOR_OUTAGE},
        impact=Impact.MAJOR,
        started_at=at,
        now=at,
        message="We are investigating errors at checkout.",
    )
    told.channel = Channel.STATUS_PAGE
    for minutes in (25, 50):
        change = Change(message="We are still working on the checkout errors.")
        update_incident(session, told.id, change, actor="test", now=at + timedelta(minutes=minutes))
    resolve_incident(session, told.id, actor="test", message="Checkout works again.", now=at + timedelta(hours=1))
    update_incident(session, told.id, Change(message=APOLOGY), actor="test", now=at + timedelta(hours=2))
    for n in range(10):
        session.add(Exposure(user_key=f"regular-{n}", component_id="checkout", at=at, kind="error", source="t"))
    session.flush()

    silent_drop, told_drop = drop_after(session, T0), drop_after(session, at)
    report = trust_index(session, since=at, until=at + timedelta(days=1))
    comms = report.segment("regular").contributions[0].communication

    assert told_drop < silent_drop
    assert comms.first_update == 1.0
    assert comms.cadence == 1.0
    assert comms.apology_ear is not None and comms.apology_ear > 0.8
    assert comms.cushion <= TrustModel().max_cushion


def test_communication_never_takes_back_more_than_one_over_the_negativity_bias(session: Session) -> None:
    shop(session)
    incident = outage(session, T0, channel=Channel.STATUS_PAGE)

    report = trust_index(session, since=T0, until=T0 + timedelta(days=1), segments=["regular"])
    (contribution,) = report.segment("regular").contributions

    assert contribution.incident_id == incident.id
    assert contribution.cushion_points <= contribution.raw_drop / TrustModel().negativity_bias


def test_the_index_recovers_toward_the_baseline_over_stable_weeks_and_never_leaves_0_to_100(
    session: Session,
) -> None:
    shop(session)
    for week in range(5):
        outage(session, T0 + timedelta(days=7 * week), impact=Impact.CRITICAL, hours=48)
    last_resolved = T0 + timedelta(days=28, hours=48)

    report = trust_index(session, since=T0 - timedelta(days=1), until=T0 + timedelta(days=180))
    segment = report.segment("regular")
    after = [p.index for p in segment.points if p.day > last_resolved.date()]

    assert all(0.0 <= p.index <= 100.0 for s in report.segments for p in s.points)
    assert segment.points[0].index == 100.0
    assert segment.lowest.index == 0.0
    assert after == sorted(after)
    assert 50.0 < segment.current < 100.0


def test_a_segment_nobody_in_was_hit_does_not_move(session: Session) -> None:
    shop(session)
    outage(session, T0, tier=CustomerTier.REGULAR)

    report = trust_index(session, since=T0 - timedelta(days=2), until=T0 + timedelta(days=30))

    assert {p.index for p in report.segment("enterprise").points} == {100.0}
    assert report.segment("enterprise").contributions == ()
    assert report.segment("regular").current < 100.0


def test_the_share_hit_is_the_exposed_over_the_active_users_of_the_segment(session: Session) -> None:
    shop(session)
    outage(session, T0, hit=2)

    report = trust_index(session, since=T0, until=T0 + timedelta(days=1))
    regular = report.segment("regular").contributions[0]
    everyone = report.segment(ALL).contributions[0]

    assert (regular.exposed, regular.active, regular.share) == (2, 10, pytest.approx(0.2))
    assert (everyone.exposed, everyone.active, everyone.share) == (2, 20, pytest.approx(0.1))
    assert everyone.drop == pytest.approx(regular.drop / 2)


def test_the_explanation_sums_to_the_distance_from_the_baseline_even_at_the_floor(session: Session) -> None:
    shop(session)
    outage(session, T0, component="search", impact=Impact.MINOR)
    outage(session, T0 + timedelta(days=3), hours=6)
    for day in range(4):
        outage(session, T0 + timedelta(days=20 + day), impact=Impact.CRITICAL, hours=48)

    segment = trust_index(session, since=T0, until=T0 + timedelta(days=200)).segment("regular")
    moments = [T0 + timedelta(days=d, hours=12) for d in (0, 2, 4, 10, 21, 26, 60, 200)]

    assert min(index_at(segment, at) for at in moments) == 0.0
    for at in moments:
        parts = explain(segment, at)
        assert sum(c.remaining for c in parts) == pytest.approx(100.0 - index_at(segment, at))
    for c in segment.contributions:
        assert c.drop == pytest.approx(c.raw_drop - c.cushion_points)
        expected = c.severity_points * c.duration_factor * c.critical_multiplier * c.repeat_multiplier * c.share
        assert c.raw_drop == pytest.approx(min(100.0, expected))


def test_an_empty_segment_stays_at_the_baseline() -> None:
    segment = SegmentTrust("loyal", 100.0, T0, 30.0, ())

    assert index_at(segment, T0) == 100.0
    assert explain(segment) == []


def test_the_cohort_check_accepts_an_observed_churn_close_to_the_implied_one() -> None:
    model = TrustModel()
    drop = model.one_bad_experience_points  # one bad experience: 32 % implied

    check = check_against_cohort(drop, affected_churn=0.40, control_churn=0.10, n_affected=400, n_control=400)

    assert check.implied_churn == pytest.approx(0.32)
    assert check.observed_churn == pytest.approx(0.30)
    assert check.consistent
    assert check.verdict.startswith("consistent")


def test_the_cohort_check_says_how_much_to_scale_a_model_that_overstates_churn() -> None:
    drop = TrustModel().one_bad_experience_points / 2  # 16 % implied

    check = check_against_cohort(drop, affected_churn=0.12, control_churn=0.08)

    assert check.observed_churn == pytest.approx(0.04)
    assert check.ratio == pytest.approx(0.25)
    assert not check.consistent
    assert "overstates" in check.verdict


def test_the_cohort_check_refuses_a_churn_that_is_not_a_share() -> None:
    with pytest.raises(InvalidInput, match="affected_churn"):
        check_against_cohort(5.0, affected_churn=1.5, control_churn=0.1)


def test_the_cli_prints_the_series_and_the_explained_incidents_as_json(session: Session, cli_state: CliState) -> None:
    shop(session)
    incident = outage(session, T0)

    result = CliRunner().invoke(
        app,
        ["analytics", "trust", "--since", "2024-01-01", "--until", "2024-01-10", "--segment", "regular", "--json"],
        obj=cli_state,
    )

    assert result.exit_code == 0, result.output
    (segment,) = json.loads(result.stdout)["segments"]
    assert segment["segment"] == "regular"
    assert len(segment["series"]) == 10
    assert segment["lowest"]["day"] == "2024-01-01"
    (moved,) = segment["incidents"]
    assert moved["incident_id"] == incident.id
    assert moved["critical_multiplier"] == 1.5
    assert moved["remaining"] == pytest.approx(100.0 - segment["current"], abs=1e-2)


def test_the_cli_prints_a_table_per_segment(session: Session, cli_state: CliState) -> None:
    shop(session)
    outage(session, T0)

    result = CliRunner().invoke(
        app,
        ["analytics", "trust", "--since", "2024-01-01", "--until", "2024-01-10"],
        obj=cli_state,
        env={"COLUMNS": "200"},
    )

    assert result.exit_code == 0, result.output
    assert "regular:" in result.stdout
    assert "enterprise: 100.0 now" in result.stdout
    assert "Checkout errors" in result.stdout


def test_the_cli_refuses_an_unknown_segment(cli_state: CliState) -> None:
    result = CliRunner().invoke(app, ["analytics", "trust", "--segment", "vip", "--json"], obj=cli_state)

    assert result.exit_code != 0
    assert "vip" in result.output
