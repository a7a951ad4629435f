from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from tests.comms.world import customers, make_enterprise, saw_errors
from tests.factories import make_component, make_incident
from trustops.comms.channel import (
    Inputs,
    apply,
    decide,
    decide_recent,
    gather,
    history,
    override,
    release_override,
)
from trustops.config import Policy
from trustops.enums import Audience, Channel, ComponentStatus, Impact
from trustops.errors import Conflict, InvalidInput
from trustops.monitor.incidents import Change, resolve_incident, update_incident
from trustops.monitor.models import EventKind, Incident, IncidentEvent

T0 = datetime(2026, 6, 1, 10, 5, tzinfo=UTC)
POLICY = Policy()


def inputs(
    share: float,
    *,
    impact: Impact = Impact.MINOR,
    enterprise: int = 0,
    value: float = 0.0,
    down: tuple[str, ...] = (),
    resolved_early: bool = False,
) -> Inputs:
    affected = round(share * 1_000)
    return Inputs(
        share=share,
        affected=affected,
        active=1_000,
        affected_value=value,
        enterprise_affected=enterprise,
        public_visibly_down=bool(down),
        impact=impact,
        resolved_before_first_update=resolved_early,
        high_business_impact=affected > 0 and (enterprise > 0 or value >= POLICY.targeted_min_value),
        down_components=down,
    )


EDGES = [
    ("4.9% is not the page by share", inputs(0.049), Channel.INTERNAL, "band-low-value"),
    ("5.0% is not the page by share", inputs(0.050), Channel.INTERNAL, "band-low-value"),
    ("5.1% is the page", inputs(0.051), Channel.STATUS_PAGE, "share-above-status-page"),
    ("0.9% with an enterprise customer only", inputs(0.009, enterprise=1), Channel.TARGETED, "small-high-value"),
    ("0.9% worth the targeted value", inputs(0.009, value=50_000), Channel.TARGETED, "small-high-value"),
    ("0.9% worth a little less", inputs(0.009, value=49_999), Channel.INTERNAL, "small-low-value"),
    ("0.9% with nobody valuable", inputs(0.009, value=900), Channel.INTERNAL, "small-low-value"),
    ("1.0% major is in the band, severe", inputs(0.010, impact=Impact.MAJOR), Channel.STATUS_PAGE, "band-severe"),
    ("1.0% minor, enterprise hit", inputs(0.010, enterprise=2), Channel.TARGETED, "band-high-value"),
    ("1.0% minor, nobody valuable", inputs(0.010), Channel.INTERNAL, "band-low-value"),
    ("3% critical", inputs(0.03, impact=Impact.CRITICAL), Channel.STATUS_PAGE, "band-severe"),
    ("3% minor, high value", inputs(0.03, value=80_000), Channel.TARGETED, "band-high-value"),
    ("3% minor, nobody valuable", inputs(0.03), Channel.INTERNAL, "band-low-value"),
    (
        "0.1% with checkout at major outage",
        inputs(0.001, down=("checkout",)),
        Channel.STATUS_PAGE,
        "public-component-down",
    ),
    (
        "5.1% resolved 3 minutes in, nothing posted",
        inputs(0.051, resolved_early=True),
        Channel.RETROSPECTIVE,
        "resolved-before-first-update",
    ),
    (
        "0.1% with checkout down, resolved before anyone posted",
        inputs(0.001, down=("checkout",), resolved_early=True),
        Channel.RETROSPECTIVE,
        "resolved-before-first-update",
    ),
    (
        "a brief glitch that would have stayed internal stays internal",
        inputs(0.009, resolved_early=True),
        Channel.INTERNAL,
        "small-low-value",
    ),
    (
        "a brief glitch told to the accounts stays targeted",
        inputs(0.009, enterprise=1, resolved_early=True),
        Channel.TARGETED,
        "small-high-value",
    ),
]


@pytest.mark.parametrize(("case", "given", "channel", "rule"), EDGES, ids=[row[0] for row in EDGES])
def test_the_channel_decision_at_every_edge(case: str, given: Inputs, channel: Channel, rule: str) -> None:
    decision = decide(given, POLICY)
    assert (decision.channel, decision.rule) == (channel, rule), decision.reason
    assert decision.inputs["share"] == given.share
    assert decision.thresholds["status_page_user_share"] == 0.05


def test_the_reason_is_one_sentence_with_the_numbers_and_the_threshold() -> None:
    reason = decide(inputs(0.051), POLICY).reason
    assert reason == (
        "5.1% of active users were affected (51 of 1,000), more than the 5% that puts an incident on the status page."
    )
    targeted = decide(inputs(0.009, enterprise=1, value=20_000), POLICY).reason
    assert "0.9%" in targeted and "under 1%" in targeted
    assert "1 enterprise customer(s) and 20,000 of annual value were hit (threshold 50,000)" in targeted


def test_every_threshold_comes_from_the_policy() -> None:
    strict = Policy(status_page_user_share=0.10, targeted_user_share=0.02, band_status_page_impact="critical")
    assert decide(inputs(0.051), strict).channel is Channel.INTERNAL
    assert decide(inputs(0.015, enterprise=1), strict).rule == "small-high-value"
    assert decide(inputs(0.05, impact=Impact.MAJOR), strict).channel is Channel.INTERNAL
    assert decide(inputs(0.05, impact=Impact.CRITICAL), strict).channel is Channel.STATUS_PAGE
    assert decide(inputs(0.051), strict).thresholds == {
        "status_page_user_share": 0.10,
        "targeted_user_share": 0.02,
        "targeted_min_value": 50_000,
        "band_status_page_impact": "critical",
        "first_public_update_minutes": 15,
    }


# End to end: real exposure and customer rows, decisions stored in the timeline.


def decisions(incident: Incident) -> list[IncidentEvent]:
    return [e for e in incident.events if e.kind is EventKind.DECISION]


def reports(incident: Incident) -> list[IncidentEvent]:
    return [e for e in incident.events if e.kind is EventKind.UPDATE and e.data.get("backfilled")]


@pytest.fixture
def keys(session: Session) -> list[str]:
    make_component(session, "checkout", name="Checkout")
    make_component(session, "reports", name="Reports", visibility="internal", criticality="background")
    return customers(session, seen=T0)


def glitch(session: Session, keys: list[str], hit: int) -> Incident:
    """Reports (an internal component) slow, and ``hit`` of the active customers saw errors on it."""
    incident = make_incident(session, {"reports": ComponentStatus.DEGRADED_PERFORMANCE}, title="Slow reports", now=T0)
    saw_errors(session, keys[:hit], "reports", T0 + timedelta(minutes=1))
    return incident


def test_an_incident_hitting_more_than_5_percent_goes_on_the_status_page_with_its_reasons_stored(
    session: Session, keys: list[str]
) -> None:
    incident = glitch(session, keys, 51)

    decision = apply(session, incident, policy=POLICY, now=T0 + timedelta(minutes=2))

    assert decision is not None and decision.channel is Channel.STATUS_PAGE
    assert incident.channel is Channel.STATUS_PAGE
    [stored] = decisions(incident)
    assert stored.actor == "trustops"
    assert stored.message == decision.reason
    assert stored.data["channel"] == "status_page"
    assert stored.data["from"] is None
    assert stored.data["rule"] == "share-above-status-page"
    assert stored.data["inputs"]["affected"] == 51
    assert stored.data["inputs"]["active"] == 1_000
    assert stored.data["thresholds"]["status_page_user_share"] == 0.05


def test_4_9_percent_of_users_on_an_internal_component_stays_internal(session: Session, keys: list[str]) -> None:
    incident = glitch(session, keys, 49)
    decision = apply(session, incident, policy=POLICY, now=T0 + timedelta(minutes=2))
    assert decision is not None and (decision.channel, decision.rule) == (Channel.INTERNAL, "band-low-value")


def test_a_few_users_including_an_enterprise_customer_are_told_directly(session: Session, keys: list[str]) -> None:
    make_enterprise(session, keys[3])
    incident = glitch(session, keys, 9)

    decision = apply(session, incident, policy=POLICY, now=T0 + timedelta(minutes=2))

    assert decision is not None and decision.channel is Channel.TARGETED
    assert decisions(incident)[0].data["inputs"]["enterprise_affected"] == 1


def test_becoming_targeted_gives_the_affected_accounts_manager_a_task(session: Session, keys: list[str]) -> None:
    from trustops.catalog.schema import AccountSpec
    from trustops.comms.notices import open_tasks, sync_accounts

    sync_accounts(session, [AccountSpec(name="Acme Corp", contacts=["ops@acme.example"], manager="Dana")])
    make_enterprise(session, keys[3])
    incident = glitch(session, keys, 9)

    apply(session, incident, policy=POLICY, now=T0 + timedelta(minutes=2))

    [task] = open_tasks(session)
    assert (task.incident_id, task.account, task.manager, task.affected) == (incident.id, "Acme Corp", "Dana", 1)
    assert [e.kind for e in incident.events][-1] is EventKind.NOTICE


def test_the_value_that_counts_as_high_business_impact_comes_from_the_policy(session: Session, keys: list[str]) -> None:
    incident = glitch(session, keys, 9)  # nine regular customers worth 100 a year each
    low = gather(session, incident, policy=POLICY, now=T0 + timedelta(minutes=2))
    high = gather(session, incident, policy=Policy(targeted_min_value=900), now=T0 + timedelta(minutes=2))
    assert (low.affected_value, low.high_business_impact) == (900, False)
    assert high.high_business_impact
    assert decide(high, POLICY).channel is Channel.TARGETED


def test_a_decision_is_recorded_only_when_the_channel_changes(session: Session, keys: list[str]) -> None:
    incident = glitch(session, keys, 9)
    first = apply(session, incident, policy=POLICY, now=T0 + timedelta(minutes=2))
    again = apply(session, incident, policy=POLICY, now=T0 + timedelta(minutes=3))
    saw_errors(session, keys[9:60], "reports", T0 + timedelta(minutes=3))
    grown = apply(session, incident, policy=POLICY, now=T0 + timedelta(minutes=4))

    assert first is not None and first.channel is Channel.INTERNAL
    assert again is None
    assert grown is not None and grown.channel is Channel.STATUS_PAGE
    assert [(e.data["from"], e.data["channel"]) for e in decisions(incident)] == [
        (None, "internal"),
        ("internal", "status_page"),
    ]


def test_a_public_component_at_major_outage_goes_on_the_page_however_few_are_hit(
    session: Session, keys: list[str]
) -> None:
    incident = make_incident(session, {"checkout": ComponentStatus.MAJOR_OUTAGE}, now=T0)
    saw_errors(session, keys[:1], "checkout", T0)
    decision = apply(session, incident, policy=POLICY, now=T0 + timedelta(minutes=1))
    assert decision is not None and decision.rule == "public-component-down"
    assert "checkout" in decision.reason


def test_a_glitch_resolved_3_minutes_after_detection_with_nothing_posted_becomes_a_retrospective_report(
    session: Session, keys: list[str]
) -> None:
    incident = make_incident(session, {"checkout": ComponentStatus.MAJOR_OUTAGE}, now=T0, source="probe")
    resolve_incident(
        session, incident.id, actor="probe", message="All alerts have resolved.", now=T0 + timedelta(minutes=3)
    )

    decision = apply(session, incident, policy=POLICY, now=T0 + timedelta(minutes=3, seconds=30))

    assert decision is not None and decision.channel is Channel.RETROSPECTIVE
    assert decision.rule == "resolved-before-first-update"
    assert incident.channel is Channel.RETROSPECTIVE and incident.backfilled
    [report] = reports(incident)
    assert report.data == {
        "audience": "public",
        "deliver_notifications": False,
        "backfilled": True,
        "display_at": (T0 + timedelta(minutes=3)).isoformat(),
    }
    assert report.message is not None and report.message.startswith("Between 10:05 and 10:08 UTC on 1 June 2026")
    assert apply(session, incident, policy=POLICY, now=T0 + timedelta(minutes=5)) is None
    assert len(reports(incident)) == 1


def test_a_glitch_resolved_at_20_minutes_is_not_retrospective(session: Session, keys: list[str]) -> None:
    incident = make_incident(session, {"checkout": ComponentStatus.MAJOR_OUTAGE}, now=T0, source="probe")
    resolve_incident(session, incident.id, actor="probe", now=T0 + timedelta(minutes=20))

    decision = apply(session, incident, policy=POLICY, now=T0 + timedelta(minutes=21))

    assert decision is not None and decision.channel is Channel.STATUS_PAGE
    assert decision.inputs["resolved_before_first_update"] is False
    assert not incident.backfilled and reports(incident) == []


def test_a_glitch_someone_already_posted_about_is_not_retrospective(session: Session, keys: list[str]) -> None:
    incident = make_incident(session, {"checkout": ComponentStatus.MAJOR_OUTAGE}, now=T0)
    update_incident(
        session, incident.id, Change(message="We are looking into checkout errors."), actor="token:statusbot", now=T0
    )
    resolve_incident(session, incident.id, actor="token:statusbot", now=T0 + timedelta(minutes=3))
    decision = apply(session, incident, policy=POLICY, now=T0 + timedelta(minutes=4))
    assert decision is not None and decision.channel is Channel.STATUS_PAGE


def test_an_internal_note_does_not_count_as_a_public_update(session: Session, keys: list[str]) -> None:
    incident = make_incident(session, {"checkout": ComponentStatus.MAJOR_OUTAGE}, now=T0)
    note = Change(message="db-3 is flapping", audience=Audience.INTERNAL)
    update_incident(session, incident.id, note, actor="user:ann", now=T0 + timedelta(minutes=1))
    resolve_incident(session, incident.id, actor="user:ann", message="Fixed.", now=T0 + timedelta(minutes=3))
    decision = apply(session, incident, policy=POLICY, now=T0 + timedelta(minutes=4))
    assert decision is not None and decision.channel is Channel.RETROSPECTIVE


def test_an_override_with_its_reason_is_stored_and_automatic_decisions_leave_it_alone(
    session: Session, keys: list[str]
) -> None:
    incident = glitch(session, keys, 9)
    apply(session, incident, policy=POLICY, now=T0 + timedelta(minutes=1))

    fixed = override(
        session,
        incident.id,
        Channel.STATUS_PAGE,
        reason="Press is asking",
        actor="user:ann",
        now=T0 + timedelta(minutes=2),
    )
    later = apply(session, incident, policy=POLICY, now=T0 + timedelta(minutes=3))

    assert fixed.rule == "override" and later is None
    assert incident.channel is Channel.STATUS_PAGE and incident.channel_overridden
    manual = decisions(incident)[-1]
    assert manual.actor == "user:ann"
    assert manual.data["overridden_by"] == "user:ann"
    assert manual.data["reason"] == "Press is asking"
    assert manual.data["from"] == "internal"
    assert decide_recent(session, policy=POLICY, now=T0 + timedelta(minutes=4)) == {}
    assert incident.channel is Channel.STATUS_PAGE


def test_releasing_an_override_hands_the_channel_back_to_the_rules(session: Session, keys: list[str]) -> None:
    incident = glitch(session, keys, 9)
    override(session, incident.id, Channel.TARGETED, reason="Acme called", actor="cli", now=T0)

    decision = release_override(
        session, incident.id, reason="Acme is fine", actor="cli", policy=POLICY, now=T0 + timedelta(minutes=5)
    )

    assert decision.channel is Channel.INTERNAL
    assert incident.channel is Channel.INTERNAL and not incident.channel_overridden
    assert [e.data["rule"] for e in history(session, incident)] == ["override", "override-released", "small-low-value"]
    with pytest.raises(Conflict) as refused:
        release_override(session, incident.id, reason="again", actor="cli", policy=POLICY, now=T0)
    assert refused.value.field == "channel"


def test_an_override_needs_a_reason_and_a_retrospective_needs_a_resolved_incident(
    session: Session, keys: list[str]
) -> None:
    incident = glitch(session, keys, 9)
    with pytest.raises(InvalidInput) as no_reason:
        override(session, incident.id, Channel.STATUS_PAGE, reason="  ", actor="cli", now=T0)
    with pytest.raises(Conflict) as still_open:
        override(session, incident.id, Channel.RETROSPECTIVE, reason="tiny", actor="cli", now=T0)
    assert no_reason.value.field == "reason"
    assert still_open.value.field == "channel"
    assert not incident.channel_overridden and decisions(incident) == []


def test_a_retrospective_chosen_by_hand_posts_the_report(session: Session, keys: list[str]) -> None:
    incident = glitch(session, keys, 60)
    resolve_incident(session, incident.id, actor="cli", now=T0 + timedelta(minutes=40))
    override(
        session, incident.id, Channel.RETROSPECTIVE, reason="Nobody noticed", actor="cli", now=T0 + timedelta(hours=1)
    )
    assert incident.backfilled
    [report] = reports(incident)
    assert "some of our services" in (report.message or "")


def test_the_worker_pass_redecides_open_and_recently_resolved_incidents_only(session: Session, keys: list[str]) -> None:
    still_open = glitch(session, keys, 9)
    recent = glitch(session, keys, 60)
    resolve_incident(session, recent.id, actor="cli", now=T0 + timedelta(hours=2))
    old = glitch(session, keys, 60)
    resolve_incident(session, old.id, actor="cli", now=T0 + timedelta(minutes=30))

    changed = decide_recent(session, policy=POLICY, now=T0 + timedelta(hours=25))

    assert sorted(changed) == [still_open.id, recent.id]
    assert old.channel is None
