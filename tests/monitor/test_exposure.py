from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.factories import make_component, make_incident
from trustops.catalog.schema import AlertMapping
from trustops.config import Policy
from trustops.customers import Customer
from trustops.enums import ComponentStatus, CustomerTier
from trustops.errors import InvalidInput
from trustops.monitor.exposure import IngestResult, TierImpact, blast_radius, record_errors, users_hit
from trustops.monitor.health_models import Exposure
from trustops.monitor.incidents import resolve_incident
from trustops.monitor.signals import ErrorEvent
from trustops.privacy import pseudonymise

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
SECRET = b"exposure-test-secret-0123456789abcdef"
POLICY = Policy()


def error(user_id: str | None = "u-42", component: str | None = "checkout", **overrides: object) -> ErrorEvent:
    values: dict[str, object] = {
        "source": "sentry",
        "occurred_at": T0 + timedelta(minutes=5),
        "user_id": user_id,
        "component_id": component,
    }
    return ErrorEvent(**{**values, **overrides})  # type: ignore[arg-type]


def record(session: Session, *events: ErrorEvent, strict: bool = False, **kwargs: object) -> IngestResult:
    options: dict[str, object] = {"secret": SECRET, "mappings": (), "strict": strict, "now": T0 + timedelta(hours=1)}
    return record_errors(session, events, **{**options, **kwargs})  # type: ignore[arg-type]


def exposures(session: Session) -> list[Exposure]:
    return list(session.scalars(select(Exposure).order_by(Exposure.id)))


def customer(session: Session, user_id: str, tier: CustomerTier, value: float, last_seen: datetime) -> None:
    session.add(
        Customer(
            key=pseudonymise(SECRET, user_id),
            tier=tier,
            annual_value=value,
            first_seen_at=last_seen - timedelta(days=100),
            last_seen_at=last_seen,
        )
    )


def test_an_error_is_stored_under_the_users_pseudonym_and_nothing_else_of_them(session: Session) -> None:
    make_component(session, "checkout")
    result = record(session, error(event_id="ebfe0001", kind="timeout"))
    assert result == IngestResult(accepted=1, duplicates=0, unmapped=0, anonymous=0)
    [row] = exposures(session)
    assert row.user_key == pseudonymise(SECRET, "u-42")
    assert (row.component_id, row.at, row.kind, row.source, row.event_id) == (
        "checkout",
        T0 + timedelta(minutes=5),
        "timeout",
        "sentry",
        "ebfe0001",
    )
    stored = [str(getattr(row, column.key)) for column in Exposure.__table__.columns]
    assert not any("u-42" in value for value in stored)


def test_a_redelivered_event_is_stored_once(session: Session) -> None:
    make_component(session, "checkout")
    assert record(session, error(event_id="e1")).accepted == 1
    again = record(session, error(event_id="e1"), error(event_id="e2"))
    assert (again.accepted, again.duplicates) == (1, 1)
    assert [row.event_id for row in exposures(session)] == ["e1", "e2"]


def test_an_event_repeated_within_one_batch_counts_as_a_duplicate(session: Session) -> None:
    make_component(session, "checkout")
    result = record(session, error(event_id="e1"), error(event_id="e1"), error(event_id="e1", source="api"))
    assert (result.accepted, result.duplicates) == (2, 1)  # the same id from another source is another event
    assert len(exposures(session)) == 2


def test_events_without_an_event_id_are_each_stored(session: Session) -> None:
    make_component(session, "checkout")
    assert record(session, error(source="api"), error(source="api")).accepted == 2


def test_a_strict_batch_with_one_unknown_component_writes_nothing(session: Session) -> None:
    make_component(session, "checkout")
    batch = [error(source="api"), error(source="api", user_id="u-7"), error(source="api", component="billing")]
    with pytest.raises(InvalidInput, match=r"\[2\]\.component: unknown component 'billing'") as caught:
        record(session, *batch, strict=True)
    assert caught.value.field == "[2].component"
    assert exposures(session) == []


def test_a_lenient_batch_counts_anonymous_and_unmapped_events_and_stores_the_rest(session: Session) -> None:
    make_component(session, "checkout")
    result = record(
        session,
        error(event_id="a", user_id=None),
        error(event_id="b", component="billing"),
        error(event_id="c", component=None),
        error(event_id="d"),
    )
    assert result == IngestResult(accepted=1, duplicates=0, unmapped=2, anonymous=1)
    assert [row.event_id for row in exposures(session)] == ["d"]


def test_an_event_without_a_known_component_is_mapped_by_its_tags(session: Session) -> None:
    make_component(session, "checkout")
    make_component(session, "payment-gateway")
    rules = [AlertMapping(match={"job": "payments-*"}, component="payment-gateway")]
    result = record(
        session,
        error(event_id="a", component="no-such", tags={"job": "payments-eu"}),
        error(event_id="b", component=None, tags={"feature": "checkout"}),
        mappings=rules,
    )
    assert result.accepted == 2
    assert [row.component_id for row in exposures(session)] == ["payment-gateway", "checkout"]


def test_a_mapping_rule_naming_a_component_the_store_lacks_leaves_the_event_unmapped(session: Session) -> None:
    rules = [AlertMapping(match={"job": "*"}, component="search")]
    result = record(session, error(component=None, tags={"job": "web"}), mappings=rules)
    assert (result.accepted, result.unmapped) == (0, 1)
    assert exposures(session) == []


def test_an_error_from_a_clock_ahead_of_ours_is_recorded_at_now(session: Session) -> None:
    make_component(session, "checkout")
    record(session, error(occurred_at=T0 + timedelta(days=3)), now=T0)
    assert exposures(session)[0].at == T0


def seed_shop(session: Session) -> None:
    """Five customers active before T0, one gone quiet, and exposures on checkout around an incident."""
    make_component(session, "checkout")
    make_component(session, "search")
    recent = T0 - timedelta(days=2)
    customer(session, "ent-1", CustomerTier.ENTERPRISE, 50_000.0, recent)
    customer(session, "loyal-1", CustomerTier.LOYAL, 800.0, recent)
    customer(session, "loyal-2", CustomerTier.LOYAL, 600.0, recent)
    customer(session, "reg-1", CustomerTier.REGULAR, 120.0, recent)
    customer(session, "new-1", CustomerTier.NEW, 30.0, recent)
    customer(session, "quiet-1", CustomerTier.REGULAR, 90.0, T0 - timedelta(days=90))
    customer(session, "gone-1", CustomerTier.LOYAL, 700.0, T0 - timedelta(days=90))
    at = T0 + timedelta(minutes=10)
    record(
        session,
        error(user_id="ent-1", occurred_at=at),
        error(user_id="loyal-1", occurred_at=at),
        error(user_id="loyal-1", occurred_at=at + timedelta(minutes=1)),  # counted once
        error(user_id="quiet-1", occurred_at=at),  # last_seen_at lags, yet they were there
        error(user_id="stranger", occurred_at=at),  # not in the customers table
        error(user_id="reg-1", occurred_at=T0 - timedelta(minutes=1)),  # before the incident
        error(user_id="new-1", occurred_at=at, component="search"),  # another component
        error(user_id="loyal-2", occurred_at=T0 + timedelta(hours=2)),  # after it was resolved
        now=T0 + timedelta(hours=3),
    )


def test_blast_radius_counts_distinct_users_on_the_incidents_components_while_it_lasted(session: Session) -> None:
    seed_shop(session)
    incident = make_incident(session, {"checkout": ComponentStatus.MAJOR_OUTAGE}, now=T0)
    resolve_incident(session, incident.id, actor="test", now=T0 + timedelta(hours=1))
    radius = blast_radius(session, incident, policy=POLICY, now=T0 + timedelta(hours=5))
    assert (radius.window_start, radius.window_end) == (T0, T0 + timedelta(hours=1))
    assert radius.affected == 4  # ent-1, loyal-1, quiet-1, stranger
    assert radius.active == 5 + 1 + 1  # the five recent customers, quiet-1 (affected), the stranger
    assert radius.share == pytest.approx(4 / 7)
    assert radius.affected_value == pytest.approx(50_000 + 800 + 90)
    assert radius.by_tier == [
        TierImpact("enterprise", 1, 50_000.0),
        TierImpact("loyal", 1, 800.0),
        TierImpact("regular", 1, 90.0),
        TierImpact("new", 0, 0.0),
        TierImpact("unknown", 1, 0.0),
    ]


def test_an_open_incidents_window_runs_until_now(session: Session) -> None:
    seed_shop(session)
    incident = make_incident(session, {"checkout": ComponentStatus.MAJOR_OUTAGE}, now=T0)
    radius = blast_radius(session, incident, policy=POLICY, now=T0 + timedelta(hours=3))
    assert radius.window_end == T0 + timedelta(hours=3)
    assert radius.affected == 5  # loyal-2's error two hours in now falls inside
    assert radius.by_tier[1] == TierImpact("loyal", 2, 1400.0)


def test_the_active_window_reaches_back_from_the_incidents_start(session: Session) -> None:
    seed_shop(session)
    incident = make_incident(session, {"checkout": ComponentStatus.MAJOR_OUTAGE}, now=T0)
    wide = POLICY.model_copy(update={"active_customer_days": 120})
    radius = blast_radius(session, incident, policy=wide, now=T0 + timedelta(hours=1))
    assert radius.active == 7 + 1  # every customer, plus the stranger


def test_an_incident_nobody_saw_has_a_zero_share(session: Session) -> None:
    incident = make_incident(session, {"search": ComponentStatus.DEGRADED_PERFORMANCE}, now=T0)
    radius = blast_radius(session, incident, policy=POLICY, now=T0 + timedelta(hours=1))
    assert (radius.affected, radius.active, radius.share, radius.affected_value) == (0, 0, 0.0, 0.0)
    assert [t.tier for t in radius.by_tier] == ["enterprise", "loyal", "regular", "new", "unknown"]


def test_users_hit_finds_a_users_recent_errors_by_their_id(session: Session) -> None:
    make_component(session, "checkout")
    record(
        session,
        error(event_id="old", occurred_at=T0 - timedelta(days=40)),
        error(event_id="new", occurred_at=T0 - timedelta(days=1)),
        error(event_id="other", user_id="u-7", occurred_at=T0 - timedelta(days=1)),
        now=T0,
    )
    hit = users_hit(session, "u-42", secret=SECRET, since=T0 - timedelta(days=30), now=T0)
    assert [e.event_id for e in hit] == ["new"]
    assert users_hit(session, "u-42", secret=b"another-installation", since=T0 - timedelta(days=30), now=T0) == []
    assert users_hit(session, "nobody", secret=SECRET, since=T0 - timedelta(days=30), now=T0) == []
    assert session.scalar(select(func.count()).select_from(Exposure)) == 3


def test_a_wide_blast_radius_raises_the_impact_to_critical_and_says_why(session: Session) -> None:
    from trustops.enums import Impact
    from trustops.monitor.exposure import escalate
    from trustops.monitor.incidents import timeline

    seed_shop(session)
    make_component(session, "images", criticality="standard")
    incident = make_incident(session, {"checkout": ComponentStatus.DEGRADED_PERFORMANCE}, now=T0, impact=Impact.MINOR)
    assert escalate(session, incident, policy=POLICY, now=T0 + timedelta(minutes=30)) is Impact.CRITICAL
    assert incident.impact is Impact.CRITICAL
    decision = [e for e in timeline(session, incident.id) if e.kind.value == "decision"][-1]
    assert decision.message == "Impact raised to critical: 57.1% of active customers hit (threshold 5%)."
    assert escalate(session, incident, policy=POLICY, now=T0 + timedelta(minutes=31)) is None  # once only


def test_one_enterprise_user_among_few_raises_the_impact_to_major(session: Session) -> None:
    from trustops.enums import Impact
    from trustops.monitor.exposure import escalate

    seed_shop(session)
    incident = make_incident(session, {"checkout": ComponentStatus.DEGRADED_PERFORMANCE}, now=T0, impact=Impact.MINOR)
    policy = Policy(status_page_user_share=0.9, targeted_user_share=0.01)
    assert escalate(session, incident, policy=policy, now=T0 + timedelta(minutes=30)) is Impact.MAJOR


def test_an_incident_nobody_saw_keeps_its_impact(session: Session) -> None:
    from trustops.enums import Impact
    from trustops.monitor.exposure import escalate

    make_component(session, "search", criticality="standard")
    incident = make_incident(session, {"search": ComponentStatus.DEGRADED_PERFORMANCE}, now=T0)
    assert escalate(session, incident, policy=POLICY, now=T0 + timedelta(minutes=30)) is None
    assert incident.impact is Impact.MINOR
