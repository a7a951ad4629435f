from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import make_component, make_incident
from trustops.catalog.models import Component
from trustops.comms.ear import lint_update
from trustops.comms.templates import draft_update, drafts, internal_names, next_update_by
from trustops.config import Policy
from trustops.enums import Channel, ComponentStatus, Criticality, IncidentState
from trustops.errors import InvalidInput
from trustops.monitor.incidents import Change, resolve_incident, update_incident

T0 = datetime(2025, 5, 6, 10, 5, tzinfo=UTC)
NEXT = datetime(2025, 5, 6, 10, 35, tzinfo=UTC)
OPEN_STATES = [IncidentState.INVESTIGATING, IncidentState.IDENTIFIED, IncidentState.MONITORING]


@pytest.fixture
def catalog(session: Session) -> dict[str, Component]:
    make_component(session, "checkout", name="Checkout", criticality="transaction")
    make_component(session, "login", name="Login", criticality="critical_moment")
    make_component(session, "search", name="Search", criticality="standard")
    make_component(session, "order-emails", name="Order e-mails", criticality="background")
    make_component(session, "payments-db", name="Payments database", visibility="internal")
    make_component(session, "ledger-worker", name="Ledger worker", visibility="internal")
    return {c.id: c for c in session.scalars(select(Component))}


def test_each_state_opens_with_its_staged_phrase_and_every_open_one_promises_the_next_update(
    session: Session, catalog: dict[str, Component]
) -> None:
    incident = make_incident(session, {"checkout": ComponentStatus.PARTIAL_OUTAGE}, now=T0)

    texts = {
        state: draft_update(incident, catalog, state, next_update_at=NEXT)
        for state in IncidentState
        if state.value != "postmortem"
    }

    assert texts[IncidentState.INVESTIGATING] == (
        "We are aware of a problem with checkout. Some customers cannot complete checkout. "
        "We are investigating and will share what we find. Next update by 10:35 UTC."
    )
    assert texts[IncidentState.IDENTIFIED].startswith("We have found the cause of the problem with checkout")
    assert texts[IncidentState.MONITORING].startswith("A fix has been applied and we are watching checkout")
    assert texts[IncidentState.RESOLVED].startswith("The issue has been resolved and checkout is working normally")
    for state in OPEN_STATES:
        assert texts[state].endswith("Next update by 10:35 UTC.")
    assert "Next update" not in texts[IncidentState.RESOLVED]


@pytest.mark.parametrize(
    ("component", "status", "sentence"),
    [
        ("checkout", ComponentStatus.MAJOR_OUTAGE, "Customers cannot complete checkout."),
        ("checkout", ComponentStatus.PARTIAL_OUTAGE, "Some customers cannot complete checkout."),
        ("login", ComponentStatus.MAJOR_OUTAGE, "Customers cannot use login."),
        ("search", ComponentStatus.PARTIAL_OUTAGE, "Search is not working for some customers."),
        ("order-emails", ComponentStatus.MAJOR_OUTAGE, "Order e-mails is delayed."),
        ("search", ComponentStatus.DEGRADED_PERFORMANCE, "Search may be slower than usual and pages may load slowly."),
        ("login", ComponentStatus.UNDER_MAINTENANCE, "Login is unavailable during planned maintenance."),
    ],
)
def test_the_impact_sentence_follows_the_status_and_how_much_the_component_matters(
    session: Session, catalog: dict[str, Component], component: str, status: ComponentStatus, sentence: str
) -> None:
    incident = make_incident(session, {component: status}, now=T0)

    text = draft_update(incident, catalog, IncidentState.INVESTIGATING, next_update_at=NEXT)

    assert sentence in text


def test_internal_components_are_never_named_and_alone_become_some_of_our_services(
    session: Session, catalog: dict[str, Component]
) -> None:
    internal_only = make_incident(session, {"payments-db": ComponentStatus.MAJOR_OUTAGE}, now=T0)
    mixed = make_incident(
        session, {"payments-db": ComponentStatus.MAJOR_OUTAGE, "checkout": ComponentStatus.PARTIAL_OUTAGE}, now=T0
    )

    alone = draft_update(internal_only, catalog, IncidentState.IDENTIFIED, next_update_at=NEXT)
    both = draft_update(mixed, catalog, IncidentState.IDENTIFIED, next_update_at=NEXT)

    assert alone.startswith("We have found the cause of the problem with some of our services")
    assert "Some of our services are not working." in alone
    assert both.startswith("We have found the cause of the problem with checkout and are working on a fix. ")
    assert "Some customers cannot complete checkout. Next update by 10:35 UTC." in both
    for text in (alone, both):
        assert "payments" not in text.lower() and "database" not in text.lower()
        assert lint_update(text, internal_names=internal_names(catalog.values())).passed


def test_several_features_are_listed_plainly_with_one_impact_sentence_per_status(
    session: Session, catalog: dict[str, Component]
) -> None:
    incident = make_incident(
        session,
        {
            "checkout": ComponentStatus.MAJOR_OUTAGE,
            "search": ComponentStatus.DEGRADED_PERFORMANCE,
            "login": ComponentStatus.DEGRADED_PERFORMANCE,
        },
        now=T0,
    )

    text = draft_update(incident, catalog, IncidentState.INVESTIGATING, next_update_at=NEXT)

    assert text.startswith("We are aware of a problem with checkout, login and search.")
    assert "Customers cannot complete checkout. Login and search may be slower than usual" in text


def test_a_workaround_becomes_its_own_sentence_before_the_promise(
    session: Session, catalog: dict[str, Component]
) -> None:
    incident = make_incident(session, {"checkout": ComponentStatus.PARTIAL_OUTAGE}, now=T0)

    text = draft_update(
        incident,
        catalog,
        IncidentState.IDENTIFIED,
        next_update_at=NEXT,
        workaround="  you can still pay by bank transfer ",
    )

    assert text.endswith("You can still pay by bank transfer. Next update by 10:35 UTC.")


def test_the_resolved_update_gives_the_window_and_the_other_drafts_remember_what_customers_went_through(
    session: Session, catalog: dict[str, Component]
) -> None:
    incident = make_incident(session, {"checkout": ComponentStatus.MAJOR_OUTAGE}, now=T0)
    update_incident(
        session,
        incident.id,
        Change(components={"checkout": ComponentStatus.PARTIAL_OUTAGE}),
        actor="t",
        now=T0 + timedelta(minutes=5),
    )
    resolve_incident(session, incident.id, actor="t", now=T0 + timedelta(minutes=43))
    session.refresh(incident)

    resolved = draft_update(incident, catalog, IncidentState.RESOLVED, next_update_at=None)
    investigating = draft_update(incident, catalog, IncidentState.INVESTIGATING, next_update_at=NEXT)

    assert resolved == (
        "The issue has been resolved and checkout is working normally again. "
        "The problem lasted from 10:05 to 10:48 UTC. Thank you for your patience."
    )
    assert "Customers cannot complete checkout." in investigating


def test_a_window_across_midnight_names_both_days(session: Session, catalog: dict[str, Component]) -> None:
    start = datetime(2025, 5, 6, 23, 50, tzinfo=UTC)
    incident = make_incident(session, {"search": ComponentStatus.MAJOR_OUTAGE}, now=start)
    resolve_incident(session, incident.id, actor="t", now=start + timedelta(minutes=30))

    text = draft_update(incident, catalog, IncidentState.RESOLVED, next_update_at=None)

    assert "from 23:50 UTC on Tuesday 6 May 2025 to 00:20 UTC on Wednesday 7 May 2025." in text


def test_an_open_state_without_a_next_update_time_or_a_postmortem_is_refused(
    session: Session, catalog: dict[str, Component]
) -> None:
    incident = make_incident(session, {"checkout": ComponentStatus.PARTIAL_OUTAGE}, now=T0)

    with pytest.raises(InvalidInput) as no_time:
        draft_update(incident, catalog, IncidentState.MONITORING, next_update_at=None)
    with pytest.raises(InvalidInput) as postmortem:
        draft_update(incident, catalog, IncidentState.POSTMORTEM, next_update_at=None)

    assert no_time.value.field == "next_update_at"
    assert postmortem.value.field == "state"


def test_the_next_update_time_is_a_cadence_away_rounded_up_to_the_minute_and_shown_in_utc() -> None:
    paris = timezone(timedelta(hours=2))

    assert next_update_by(datetime(2025, 5, 6, 10, 5, 0, tzinfo=UTC), 30) == datetime(2025, 5, 6, 10, 35, tzinfo=UTC)
    assert next_update_by(datetime(2025, 5, 6, 10, 5, 1, tzinfo=UTC), 30) == datetime(2025, 5, 6, 10, 36, tzinfo=UTC)
    assert next_update_by(datetime(2025, 5, 6, 12, 5, tzinfo=paris), 30) == datetime(2025, 5, 6, 10, 35, tzinfo=UTC)


def test_drafts_give_one_text_per_state_on_the_public_or_the_targeted_cadence(
    session: Session, catalog: dict[str, Component]
) -> None:
    policy = Policy(public_update_cadence_minutes=30, targeted_update_cadence_minutes=60)
    incident = make_incident(session, {"checkout": ComponentStatus.PARTIAL_OUTAGE}, now=T0)

    incident.channel = Channel.STATUS_PAGE
    public = drafts(incident, catalog, now=T0, policy=policy)
    incident.channel = Channel.TARGETED
    targeted = drafts(incident, catalog, now=T0, policy=policy)

    assert list(public) == ["investigating", "identified", "monitoring", "resolved"]
    assert public["investigating"].endswith("Next update by 10:35 UTC.")
    assert targeted["investigating"].endswith("Next update by 11:05 UTC.")


@pytest.mark.parametrize("criticality", list(Criticality))
@pytest.mark.parametrize("status", [s for s in ComponentStatus if s is not ComponentStatus.OPERATIONAL])
@pytest.mark.parametrize("visibility", ["public", "internal"])
def test_every_template_passes_the_update_lint(
    session: Session, criticality: Criticality, status: ComponentStatus, visibility: str
) -> None:
    make_component(session, "basket", name="Shopping basket", criticality=criticality.value, visibility=visibility)
    make_component(session, "queue-7", name="Queue seven", visibility="internal")
    components = {c.id: c for c in session.scalars(select(Component))}
    incident = make_incident(session, {"basket": status, "queue-7": status}, now=T0)
    names = internal_names(components.values())

    for state, text in drafts(incident, components, now=T0, policy=Policy()).items():
        report = lint_update(text, internal_names=names)
        assert report.passed, (state, text, report.findings)
        assert report.findings == [], (state, text, report.findings)
        assert "  " not in text
