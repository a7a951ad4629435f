from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import make_component, make_incident
from trustops.catalog.models import Component
from trustops.comms.apology import PROMPT_CAUSE, PROMPT_FIX, PROMPT_PREVENTION, draft_apology
from trustops.comms.ear import PASS_SCORE
from trustops.enums import ComponentStatus, IncidentState
from trustops.monitor.exposure import BlastRadius
from trustops.monitor.incidents import Change, record_event, resolve_incident, update_incident
from trustops.monitor.models import EventKind, Incident

T0 = datetime(2025, 5, 6, 10, 5, tzinfo=UTC)
CAUSE = "Our update to the payment page had a bug that rejected valid cards."
FIX = "We removed the faulty update at 10:48 UTC."
PREVENTION = "We have added an automatic test that tries a real card payment before any change goes live."


@pytest.fixture
def components(session: Session) -> dict[str, Component]:
    make_component(session, "checkout", name="Checkout", criticality="transaction")
    make_component(session, "search", name="Search", criticality="standard")
    make_component(session, "payments-db", name="Payments database", visibility="internal")
    return {c.id: c for c in session.scalars(select(Component))}


def resolved_incident(session: Session, statuses: dict[str, ComponentStatus] | None = None) -> Incident:
    incident = make_incident(session, statuses or {"checkout": ComponentStatus.MAJOR_OUTAGE}, now=T0)
    resolve_incident(session, incident.id, actor="test", now=T0 + timedelta(minutes=43))
    session.refresh(incident)
    return incident


def radius(incident: Incident, affected: int) -> BlastRadius:
    return BlastRadius(incident.id, T0, T0 + timedelta(minutes=43), affected, 50_000, affected / 50_000, 0.0, [])


def test_a_draft_with_cause_fix_and_prevention_passes_the_ear_lint(
    session: Session, components: dict[str, Component]
) -> None:
    incident = resolved_incident(session)

    apology = draft_apology(incident, components, radius(incident, 1204), cause=CAUSE, fix=FIX, prevention=PREVENTION)

    assert apology.subject == "We are sorry about the problem with checkout on Tuesday 6 May 2025"
    assert apology.body.startswith(
        "Hello,\n\nOn Tuesday 6 May 2025, between 10:05 and 10:48 UTC, you could not complete checkout. "
        "1,204 customers were affected, and you were one of them. We know how frustrating that is, and we are sorry."
    )
    assert f"{CAUSE} This was our fault." in apology.body
    assert f"{FIX} {PREVENTION}" in apology.body
    assert "You do not need to do anything. If you have any questions, reply to this e-mail" in apology.body
    assert apology.prompts == []
    assert apology.report.passed, apology.report.findings
    assert min(apology.report.empathy or 0, apology.report.accountability or 0, apology.report.resolution or 0) >= (
        PASS_SCORE
    )


def test_without_a_cause_the_draft_asks_for_one_and_the_lint_reports_it_missing(
    session: Session, components: dict[str, Component]
) -> None:
    incident = resolved_incident(session)

    apology = draft_apology(incident, components, None, fix=FIX, prevention=PREVENTION)

    assert f"{PROMPT_CAUSE} This was our fault." in apology.body
    assert apology.prompts == [PROMPT_CAUSE]
    assert not apology.report.passed
    rules = {f.rule for f in apology.report.findings}
    assert {"placeholder", "missing-cause"} <= rules
    [prompt] = [f for f in apology.report.findings if f.rule == "placeholder"]
    assert apology.body[prompt.start : prompt.end] == PROMPT_CAUSE
    assert apology.report.accountability is not None and apology.report.accountability < PASS_SCORE


def test_an_empty_draft_has_a_prompt_for_every_part_and_fails_on_resolution(
    session: Session, components: dict[str, Component]
) -> None:
    incident = resolved_incident(session)

    apology = draft_apology(incident, components, None, cause="  ", fix=None, prevention="")

    assert apology.prompts == [PROMPT_CAUSE, PROMPT_FIX, PROMPT_PREVENTION]
    assert {"missing-fix", "missing-prevention", "missing-cause"} <= {f.rule for f in apology.report.findings}
    assert apology.report.resolution is not None and apology.report.resolution < PASS_SCORE


def test_the_cause_and_fix_come_from_the_timeline_but_never_from_an_internal_update(
    session: Session, components: dict[str, Component]
) -> None:
    incident = make_incident(session, {"checkout": ComponentStatus.MAJOR_OUTAGE}, now=T0)
    public_cause = "We found that our card check rejected valid cards"
    update_incident(
        session,
        incident.id,
        Change(state=IncidentState.IDENTIFIED, message=public_cause),
        actor="test",
        now=T0 + timedelta(minutes=10),
    )
    record_event(
        session,
        incident,
        EventKind.UPDATE,
        "test",
        T0 + timedelta(minutes=12),
        "payments-db replica lag on pg-7",
        {"audience": "internal"},
    )
    resolve_incident(
        session, incident.id, actor="test", message="We fixed the card check.", now=T0 + timedelta(minutes=43)
    )
    session.refresh(incident)

    apology = draft_apology(incident, components, None)

    assert f"{public_cause}. This was our fault." in apology.body
    assert "We fixed the card check. " in apology.body
    assert "pg-7" not in apology.body
    assert apology.prompts == [PROMPT_PREVENTION]


@pytest.mark.parametrize(
    ("contact", "sentence"),
    [
        ("help@northwind.example", "If you have any questions, write to us at help@northwind.example."),
        ("+44 20 7946 0000", "If you have any questions, call us on +44 20 7946 0000."),
        ("https://help.northwind.example", "If you have any questions, contact us at https://help.northwind.example."),
        ("call your account manager, Dana, on her direct line", "Call your account manager, Dana, on her direct line."),
    ],
)
def test_the_contact_point_reads_as_a_sentence_whatever_form_it_takes(
    session: Session, components: dict[str, Component], contact: str, sentence: str
) -> None:
    incident = resolved_incident(session)

    apology = draft_apology(incident, components, None, cause=CAUSE, fix=FIX, prevention=PREVENTION, contact=contact)

    assert f"You do not need to do anything. {sentence}" in apology.body
    assert apology.report.signals["contact"]


def test_an_incident_on_internal_components_only_apologises_for_some_of_our_services(
    session: Session, components: dict[str, Component]
) -> None:
    incident = resolved_incident(session, {"payments-db": ComponentStatus.MAJOR_OUTAGE})

    apology = draft_apology(incident, components, None, cause=CAUSE, fix=FIX, prevention=PREVENTION)

    assert "some of our services did not work for you." in apology.body
    assert "some of our services" in apology.subject
    assert "payments" not in apology.body.lower().replace("payment page", "").replace("card payment", "")


def test_a_degraded_feature_was_slow_and_the_window_of_an_open_incident_starts_at_its_start(
    session: Session, components: dict[str, Component]
) -> None:
    incident = make_incident(session, {"search": ComponentStatus.DEGRADED_PERFORMANCE}, now=T0)

    apology = draft_apology(
        incident, components, None, cause=CAUSE, fix="We expect it to be fixed within 2 hours.", prevention=PREVENTION
    )

    assert "Since 10:05 UTC on Tuesday 6 May 2025, search was slow for you." in apology.body
    assert "guessed-eta" in {f.rule for f in apology.report.findings}
    assert not apology.report.passed


def test_the_apology_serialises_with_its_report(session: Session, components: dict[str, Component]) -> None:
    incident = resolved_incident(session)

    data = draft_apology(incident, components, None, cause=CAUSE, fix=FIX, prevention=PREVENTION).to_dict()

    assert set(data) == {"subject", "body", "prompts", "report"}
    assert data["report"]["passed"] is True
