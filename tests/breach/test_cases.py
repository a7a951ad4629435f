from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from tests.factories import make_incident
from trustops.breach import cases
from trustops.breach.models import BreachCase, BreachLogEntry, BreachNotification
from trustops.catalog.schema import OrganisationSpec
from trustops.enums import BreachLogKind, BreachRisk, BreachRole, BreachStatus
from trustops.errors import Conflict, InvalidInput, NotFound

AWARE = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)  # a Friday, two days before the EU spring-forward
NOW = AWARE + timedelta(hours=2)
BERLIN = OrganisationSpec(name="Shop GmbH", time_zone="Europe/Berlin", country="DE")


def open_eu_case(session: Session, **overrides: object) -> BreachCase:
    facts: dict[str, object] = {
        "title": "Customer database copied",
        "aware_at": AWARE,
        "actor": "user:dpo",
        "now": NOW,
        "data_categories": ["email", "password_hash"],
        "people": 1200,
        "records": 1500,
        "people_by_jurisdiction": {"EU-GDPR": 1200},
        "organisation": BERLIN,
        **overrides,
    }
    return cases.open_case(session, **facts)  # type: ignore[arg-type]


def stored(session: Session, case: BreachCase) -> BreachCase:
    session.commit()
    session.expire_all()
    return cases.get_case(session, case.id)


def kinds(case: BreachCase) -> list[BreachLogKind]:
    return [e.kind for e in case.log]


def test_opening_a_case_plans_a_task_per_role_due_when_its_clock_is(session: Session) -> None:
    case = stored(session, open_eu_case(session))
    assert case.status is BreachStatus.OPEN and case.counts_source == "entered"
    assert {t.role for t in case.tasks} == set(BreachRole)
    by_title = {t.title: t for t in case.tasks}
    notify = by_title["Notify lead supervisory authority"]
    assert notify.role is BreachRole.LEGAL and notify.deadline == "gdpr-art33"
    assert notify.due_at == AWARE + timedelta(hours=72)
    assert by_title["Assess the risk to the people affected and record the decision"].due_at == notify.due_at
    assert by_title["Notify people affected"].deadline == "gdpr-art34"
    support = by_title["Open the dedicated support channel"]
    assert support.role is BreachRole.SUPPORT and support.deadline == "gdpr-art34"
    marketing = by_title["Pause promotional campaigns to the people affected"]
    assert marketing.role is BreachRole.MARKETING and marketing.deadline is None and marketing.due_at is None
    assert "NIST SP 800-61" in by_title["Contain, preserve evidence, rotate credentials"].detail


def test_the_first_log_entry_records_the_facts_at_awareness(session: Session) -> None:
    case = stored(session, open_eu_case(session))
    [entry] = case.log
    assert entry.kind is BreachLogKind.FACT and entry.actor == "user:dpo"
    assert entry.data["people_by_jurisdiction"] == {"EU-GDPR": 1200}
    assert "1,200 people" in entry.text and "email, password_hash" in entry.text


def test_jurisdiction_codes_are_normalised_to_the_regime_code(session: Session) -> None:
    case = open_eu_case(session, people_by_jurisdiction={"eu-gdpr": 10, "us-ca": 600})
    assert case.people_by_jurisdiction == {"EU-GDPR": 10, "US-CA": 600}


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"people_by_jurisdiction": {"XX-NOWHERE": 3}}, "people_by_jurisdiction", "'XX-NOWHERE'"),
        ({"aware_at": NOW + timedelta(minutes=1)}, "aware_at", "in the future"),
        ({"people": -1}, "people", "-1"),
        ({"records": -5}, "records", "-5"),
        ({"people_by_jurisdiction": {"EU-GDPR": -2}}, "people_by_jurisdiction.EU-GDPR", "-2"),
        ({"title": "  "}, "title", "1 to 200"),
        ({"incident_id": 999_999}, "incident_id", "999999"),
    ],
)
def test_bad_facts_are_refused_naming_the_field(
    session: Session, overrides: dict[str, object], field: str, fragment: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        open_eu_case(session, **overrides)
    assert caught.value.field == field
    assert fragment in caught.value.message
    assert session.query(BreachCase).count() == 0


def test_a_case_can_name_the_incident_it_came_from(session: Session) -> None:
    incident = make_incident(session)
    assert open_eu_case(session, incident_id=incident.id).incident_id == incident.id


def test_the_full_flow_from_opening_to_closing(session: Session) -> None:
    """open → assess HIGH with encrypted data → no notice owed to people, logged → SA notified → close."""
    case = open_eu_case(session)
    outcome = cases.assess(
        session, case, risk=BreachRisk.HIGH, reasons=["passwords and e-mails of 1,200 customers"],
        actor="user:dpo", now=NOW, encrypted=True, key_compromised=False,
    )  # fmt: skip
    assert outcome.notify_authority and not outcome.notify_people and not outcome.public_communication
    assert outcome.exception == "34(3)(a)" and outcome.not_owed == ("gdpr-art34",)
    decision = case.log[-1]
    assert decision.kind is BreachLogKind.DECISION
    assert decision.data["deadlines"] == ["gdpr-art34"] and decision.data["notify_people"] is False
    assert "Art. 34(3)(a)" in decision.text and "passwords and e-mails of 1,200 customers" in decision.text

    sent = AWARE + timedelta(hours=30)
    cases.record_notification(
        session, case, deadline="gdpr-art33", recipient="BfDI", sent_at=sent, reference="BfDI-2026-17",
        phased=True, actor="user:dpo", now=sent,
    )  # fmt: skip
    clocks = {c.deadline.key: c for c in cases.clocks_of(case, BERLIN, now=sent)}
    assert clocks["gdpr-art33"].met_at == sent and clocks["gdpr-art33"].state.value == "met"
    notify_task = next(t for t in case.tasks if t.deadline == "gdpr-art33" and t.title.startswith("Notify"))
    assert notify_task.done_at == sent and notify_task.done_by == "user:dpo"

    cases.close_case(session, case, actor="user:dpo", now=sent + timedelta(hours=1), organisation=BERLIN)
    case = stored(session, case)
    assert case.status is BreachStatus.CLOSED and case.closed_at == sent + timedelta(hours=1)
    assert kinds(case) == [
        BreachLogKind.FACT, BreachLogKind.DECISION, BreachLogKind.NOTIFICATION, BreachLogKind.NOTE,
    ]  # fmt: skip
    [note] = session.query(BreachNotification).filter_by(case_id=case.id).all()
    assert (note.recipient, note.reference, note.phased) == ("BfDI", "BfDI-2026-17", True)


def test_closing_is_refused_naming_the_deadline_neither_met_nor_documented(session: Session) -> None:
    case = open_eu_case(session)
    cases.assess(session, case, risk=BreachRisk.RISK, reasons=["e-mail addresses only"], actor="dpo", now=NOW)
    with pytest.raises(Conflict) as caught:
        cases.close_case(session, case, actor="dpo", now=NOW, organisation=BERLIN)
    assert caught.value.field == "deadline"
    assert "gdpr-art33 (lead supervisory authority)" in caught.value.message
    assert "gdpr-art34" not in caught.value.message  # a risk, not a high risk: the people are not owed a notice
    assert case.status is BreachStatus.OPEN


def test_a_delay_entry_naming_the_deadline_lets_the_case_close(session: Session) -> None:
    case = open_eu_case(session)
    cases.assess(session, case, risk=BreachRisk.RISK, reasons=["e-mail addresses only"], actor="dpo", now=NOW)
    cases.add_log(
        session, case, kind=BreachLogKind.DELAY, text="Forensics confirmed the scope only on day 5.",
        actor="dpo", now=NOW, deadline="gdpr-art33",
    )  # fmt: skip
    cases.close_case(session, case, actor="dpo", now=NOW, organisation=BERLIN)
    assert case.status is BreachStatus.CLOSED


def test_a_case_cannot_close_before_its_risk_is_assessed(session: Session) -> None:
    case = open_eu_case(session)
    with pytest.raises(Conflict) as caught:
        cases.close_case(session, case, actor="dpo", now=NOW, organisation=BERLIN)
    assert caught.value.field == "risk"


def test_an_unlikely_risk_owes_nothing_and_is_still_documented(session: Session) -> None:
    case = open_eu_case(session)
    outcome = cases.assess(
        session, case, risk=BreachRisk.UNLIKELY, reasons=["a single e-mail sent to the wrong colleague, deleted"],
        actor="dpo", now=NOW,
    )  # fmt: skip
    assert not outcome.notify_authority and not outcome.notify_people
    assert "Art. 33(5)" in outcome.explanation
    assert case.log[-1].kind is BreachLogKind.DECISION
    cases.close_case(session, case, actor="dpo", now=NOW, organisation=BERLIN)
    assert case.status is BreachStatus.CLOSED


@pytest.mark.parametrize(
    ("facts", "people", "public", "exception"),
    [
        ({}, True, False, None),
        ({"encrypted": True, "key_compromised": True}, True, False, None),
        ({"encrypted": True, "key_compromised": False}, False, False, "34(3)(a)"),
        ({"risk_removed": True}, False, False, "34(3)(b)"),
        ({"disproportionate_effort": True}, False, True, "34(3)(c)"),
    ],
)
def test_article_34_decides_whether_people_are_told(
    facts: dict[str, bool], people: bool, public: bool, exception: str | None
) -> None:
    outcome = cases.decide(BreachRisk.HIGH, **facts)
    assert (outcome.notify_people, outcome.public_communication, outcome.exception) == (people, public, exception)
    assert outcome.notify_authority


def test_an_assessment_needs_a_reason(session: Session) -> None:
    case = open_eu_case(session)
    with pytest.raises(InvalidInput) as caught:
        cases.assess(session, case, risk=BreachRisk.HIGH, reasons=["  "], actor="dpo", now=NOW)
    assert caught.value.field == "reasons"
    assert case.risk is None


def test_changes_are_logged_with_old_and_new_values_and_move_task_due_times(session: Session) -> None:
    case = open_eu_case(session)
    earlier = AWARE - timedelta(hours=5)
    changed = cases.update_case(
        session, case, {"aware_at": earlier, "consequences": "Phishing using the leaked addresses", "people": 1300},
        actor="dpo", now=NOW, organisation=BERLIN,
    )  # fmt: skip
    assert changed == ["aware_at", "consequences", "people"]
    case = stored(session, case)
    fact = next(e for e in case.log if e.data.get("field") == "aware_at")
    assert fact.kind is BreachLogKind.FACT
    assert fact.data["old"].startswith("2026-03-27T09:00") and fact.data["new"].startswith("2026-03-27T04:00")
    effect = next(e for e in case.log if e.data.get("field") == "consequences")
    assert effect.kind is BreachLogKind.EFFECT and effect.data == {
        "field": "consequences", "old": "", "new": "Phishing using the leaked addresses",
    }  # fmt: skip
    notify = next(t for t in case.tasks if t.deadline == "gdpr-art33" and t.title.startswith("Notify"))
    assert notify.due_at == earlier + timedelta(hours=72)


def test_adding_a_jurisdiction_adds_its_notify_tasks(session: Session) -> None:
    case = open_eu_case(session)
    cases.update_case(
        session, case, {"people_by_jurisdiction": {"EU-GDPR": 1200, "US-CA": 800}}, actor="dpo", now=NOW,
        organisation=BERLIN,
    )  # fmt: skip
    deadlines = {t.deadline for t in case.tasks if t.role is BreachRole.LEGAL}
    assert {"gdpr-art33", "gdpr-art34"} < deadlines
    assert any(d and d.startswith("us-ca") for d in deadlines)


def test_an_unknown_field_cannot_be_changed(session: Session) -> None:
    case = open_eu_case(session)
    with pytest.raises(InvalidInput) as caught:
        cases.update_case(session, case, {"status": "closed"}, actor="dpo", now=NOW)
    assert caught.value.field == "status"


def test_counts_are_imported_per_jurisdiction_and_only_the_counts_are_kept(session: Session) -> None:
    case = open_eu_case(session)
    rows = [{"email": f"p{i}@example.com", "jurisdiction": "EU-GDPR" if i % 3 else "us-ca"} for i in range(9)]
    counts = cases.import_counts(session, case, rows, actor="dpo", now=NOW, organisation=BERLIN)
    assert counts == {"EU-GDPR": 6, "US-CA": 3}
    case = stored(session, case)
    assert (case.people, case.counts_source, case.people_by_jurisdiction) == (9, "imported", counts)
    entry = case.log[-1]
    assert entry.data["source"] == "imported" and "example.com" not in str(entry.data) + entry.text


PERSONAL = ("jane.doe@example.com", "+44 20 7946 0958", "4111 1111 1111 1111", "DE89370400440532013000")


def test_personal_data_typed_into_a_case_is_replaced_before_it_is_stored(session: Session) -> None:
    case = open_eu_case(
        session, title="Leak reported by jane.doe@example.com", nature="Card 4111 1111 1111 1111 seen in a paste"
    )
    cases.update_case(
        session, case, {"consequences": "Call-backs to +44 20 7946 0958 and debits from DE89370400440532013000"},
        actor="dpo", now=NOW, organisation=BERLIN,
    )  # fmt: skip
    cases.add_log(
        session, case, kind=BreachLogKind.MEASURE, text="Blocked 203.0.113.7; told jane.doe@example.com",
        actor="it", now=NOW,
    )  # fmt: skip
    cases.assess(
        session, case, risk=BreachRisk.HIGH, reasons=["the paste named jane.doe@example.com"], actor="dpo", now=NOW
    )
    case = stored(session, case)
    columns = [case.title, case.nature, case.consequences, *case.risk_reasons]
    everything = " ".join([*columns, *(e.text for e in case.log), *(str(e.data) for e in case.log)])
    assert not [value for value in PERSONAL if value in everything]
    assert case.title == "Leak reported by [email]" and case.nature == "Card [card] seen in a paste"
    assert case.consequences == "Call-backs to [phone] and debits from [iban]"
    assert "Blocked 203.0.113.7" in case.log[-2].text  # the attacker's address is a fact the record keeps


@pytest.mark.parametrize(
    ("rows", "fragment"),
    [
        ([{"country": "DE"}], "no 'jurisdiction' column"),
        ([{"jurisdiction": ""}], "row 1: jurisdiction is empty"),
        ([{"jurisdiction": "EU-GDPR"}, {"jurisdiction": "Atlantis"}], "'Atlantis'"),
        ([], "no row"),
    ],
)
def test_an_import_names_the_bad_row_or_code(session: Session, rows: list[dict[str, str]], fragment: str) -> None:
    case = open_eu_case(session)
    with pytest.raises(InvalidInput) as caught:
        cases.import_counts(session, case, rows, actor="dpo", now=NOW)
    assert fragment in caught.value.message
    assert case.people == 1200 and case.counts_source == "entered"


def test_a_notification_for_an_unknown_deadline_is_refused(session: Session) -> None:
    case = open_eu_case(session)
    with pytest.raises(InvalidInput) as caught:
        cases.record_notification(
            session, case, deadline="gdpr-art99", recipient="BfDI", sent_at=NOW, actor="dpo", now=NOW
        )
    assert caught.value.field == "deadline" and "'gdpr-art99'" in caught.value.message


def test_a_notification_cannot_be_sent_in_the_future(session: Session) -> None:
    case = open_eu_case(session)
    with pytest.raises(InvalidInput) as caught:
        cases.record_notification(
            session, case, deadline="gdpr-art33", recipient="BfDI", sent_at=NOW + timedelta(days=1), actor="dpo",
            now=NOW,
        )  # fmt: skip
    assert caught.value.field == "sent_at"


def test_a_delay_entry_must_name_its_deadline(session: Session) -> None:
    case = open_eu_case(session)
    with pytest.raises(InvalidInput) as caught:
        cases.add_log(session, case, kind=BreachLogKind.DELAY, text="Late.", actor="dpo", now=NOW)
    assert caught.value.field == "deadline"


def test_completing_an_it_task_logs_remedial_action(session: Session) -> None:
    case = open_eu_case(session)
    task = next(t for t in case.tasks if t.role is BreachRole.IT)
    cases.complete_task(session, case, task.id, actor="user:sam", now=NOW)
    case = stored(session, case)
    done = next(t for t in case.tasks if t.id == task.id)
    assert done.done_at == NOW and done.done_by == "user:sam"
    assert case.log[-1].kind is BreachLogKind.MEASURE and task.title in case.log[-1].text


def test_a_task_of_another_case_is_not_found(session: Session) -> None:
    first, second = open_eu_case(session), open_eu_case(session, title="Second")
    with pytest.raises(NotFound):
        cases.complete_task(session, first, second.tasks[0].id, actor="dpo", now=NOW)


def test_a_closed_case_takes_no_more_changes(session: Session) -> None:
    case = open_eu_case(session)
    cases.assess(session, case, risk=BreachRisk.UNLIKELY, reasons=["nothing left the building"], actor="d", now=NOW)
    cases.close_case(session, case, actor="dpo", now=NOW, organisation=BERLIN)
    with pytest.raises(Conflict):
        cases.update_case(session, case, {"nature": "more"}, actor="dpo", now=NOW)
    assert session.query(BreachLogEntry).filter_by(case_id=case.id).count() == 3
