"""The FactBook, loaded from real rows (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from tests.factories import make_component, make_incident
from trustops.config import Policy
from trustops.customers import Customer
from trustops.enums import Channel, ComponentStatus, CustomerTier, Impact
from trustops.guard.facts import FactBook, in_holdout
from trustops.monitor.health_models import Exposure
from trustops.monitor.incidents import resolve_incident
from trustops.monitor.models import Incident
from trustops.privacy import pseudonymise

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SECRET = b"test-secret-key-that-is-long-enough-1234"


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def key(user_id: str) -> str:
    return pseudonymise(SECRET, user_id)


def saw_error(session: Session, user_id: str, component: str, at: datetime) -> None:
    event_id = f"{user_id}-{component}-{at.isoformat()}"
    session.add(
        Exposure(user_key=key(user_id), component_id=component, at=at, kind="error", source="api", event_id=event_id)
    )
    session.flush()


def incident(
    session: Session, component: str, *, started: float, resolved: float | None, site_wide: bool = True
) -> Incident:
    opened = make_incident(
        session, {component: ComponentStatus.MAJOR_OUTAGE}, impact=Impact.MAJOR, now=days_ago(started)
    )
    opened.channel = Channel.STATUS_PAGE if site_wide else Channel.TARGETED
    if resolved is not None:
        resolve_incident(session, opened.id, actor="test", now=days_ago(resolved))
    session.flush()
    return opened


def load(session: Session, policy: Policy | None = None) -> FactBook:
    return FactBook.load(session, secret=SECRET, policy=policy or Policy(), now=NOW)


def test_a_user_who_saw_errors_during_an_incident_is_hit_by_it(session: Session) -> None:
    make_component(session, "checkout")
    make_component(session, "search")
    outage = incident(session, "checkout", started=10, resolved=9)
    saw_error(session, "u-1", "checkout", days_ago(9.5))
    saw_error(session, "u-1", "search", days_ago(40))

    facts = load(session).get(key("u-1"))

    assert facts.last_error_at == days_ago(9.5)
    assert facts.error_components == {"checkout"}  # search's error is older than the 30-day window
    [hit] = facts.hit_by
    assert (hit.incident_id, hit.impact, hit.site_wide) == (outage.id, Impact.MAJOR, True)
    assert (hit.components, hit.started_at, hit.resolved_at) == ({"checkout"}, days_ago(10), days_ago(9))
    assert hit.stable_since == days_ago(9)


def test_errors_outside_an_incidents_window_or_on_other_components_are_no_hit(session: Session) -> None:
    make_component(session, "checkout")
    make_component(session, "search")
    incident(session, "checkout", started=10, resolved=9)
    saw_error(session, "u-before", "checkout", days_ago(11))
    saw_error(session, "u-after", "checkout", days_ago(8))
    saw_error(session, "u-elsewhere", "search", days_ago(9.5))

    book = load(session)

    assert [book.get(key(u)).hit_by for u in ("u-before", "u-after", "u-elsewhere")] == [(), (), ()]


def test_an_open_incident_hits_everyone_with_errors_since_it_began(session: Session) -> None:
    incident(session, "checkout", started=2, resolved=None)
    saw_error(session, "u-1", "checkout", days_ago(1))

    [hit] = load(session).get(key("u-1")).hit_by

    assert (hit.resolved_at, hit.stable_since) == (None, None)


def test_a_later_incident_on_the_same_component_moves_stable_since(session: Session) -> None:
    first = incident(session, "checkout", started=20, resolved=19)
    incident(session, "checkout", started=5, resolved=4)
    saw_error(session, "u-1", "checkout", days_ago(19.5))

    [hit] = load(session).get(key("u-1")).hit_by

    assert hit.incident_id == first.id
    assert hit.stable_since == days_ago(4)


def test_an_open_later_incident_on_the_same_component_means_not_stable(session: Session) -> None:
    incident(session, "checkout", started=20, resolved=19)
    incident(session, "checkout", started=1, resolved=None)
    saw_error(session, "u-1", "checkout", days_ago(19.5))

    hits = load(session).get(key("u-1")).hit_by

    assert [hit.stable_since for hit in hits] == [None]


def test_an_incident_elsewhere_or_over_before_it_began_leaves_stability_alone(session: Session) -> None:
    make_component(session, "search")
    incident(session, "checkout", started=40, resolved=39)
    incident(session, "checkout", started=20, resolved=19)
    incident(session, "search", started=2, resolved=None)
    saw_error(session, "u-1", "checkout", days_ago(19.5))

    [hit] = load(session).get(key("u-1")).hit_by

    assert hit.stable_since == days_ago(19)


def test_customers_without_errors_are_known_with_their_tier_and_tenure(session: Session) -> None:
    session.add(
        Customer(
            key=key("c-1"), tier=CustomerTier.LOYAL, annual_value=100.0, first_seen_at=days_ago(400), last_seen_at=NOW
        )
    )
    session.flush()

    facts = load(session).get(key("c-1"))

    assert (facts.tier, facts.first_seen_at, facts.last_error_at, facts.hit_by) == (
        CustomerTier.LOYAL,
        days_ago(400),
        None,
        (),
    )


def test_an_unknown_user_has_no_facts_but_a_holdout_verdict(session: Session) -> None:
    policy = Policy(holdout_share=0.3)
    book = load(session, policy)
    keys = [key(f"stranger-{n}") for n in range(50)]

    facts = [book.get(k) for k in keys]

    assert all(f.tier is None and f.last_error_at is None and not f.hit_by for f in facts)
    assert [f.holdout for f in facts] == [in_holdout(SECRET, k, 0.3) for k in keys]
    assert any(f.holdout for f in facts) and not all(f.holdout for f in facts)


def test_folding_in_new_exposures_gives_the_same_facts_as_loading_again(session: Session) -> None:
    make_component(session, "search")
    incident(session, "checkout", started=10, resolved=9)
    incident(session, "search", started=1, resolved=None)
    saw_error(session, "u-1", "search", days_ago(40))
    book = load(session)
    saw_error(session, "u-1", "checkout", days_ago(9.5))  # during the first incident
    saw_error(session, "u-2", "search", days_ago(0.5))  # a new user, during the open one
    saw_error(session, "u-3", "search", days_ago(35))  # outside the error window

    extended = book.extend(session, policy=Policy(), now=NOW)

    fresh = load(session)
    assert [extended.get(key(u)) for u in ("u-1", "u-2", "u-3")] == [fresh.get(key(u)) for u in ("u-1", "u-2", "u-3")]
    assert extended.last_exposure_id == fresh.last_exposure_id
    assert book.get(key("u-2")).last_error_at is None  # the old book is left as it was
