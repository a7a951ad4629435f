"""The overview's tiles, read from the stores: incidents ranked by what customers feel, what they say per day,
health by group, and the breach clock that ends first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from tests.factories import make_component, make_incident
from tests.listen.conftest import add_mentions
from trustops.breach import cases
from trustops.comms import channel
from trustops.config import Policy
from trustops.enums import BreachStatus, Channel, ComponentStatus
from trustops.listen.matrix import impact_matrix
from trustops.listen.schema import Sentiment
from trustops.overview import tiles

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def test_an_incident_customers_complain_about_outranks_a_louder_outage_nobody_mentions(session: Session) -> None:
    make_component(session, "search", criticality="standard")
    quiet = make_incident(
        session, {"search": ComponentStatus.MAJOR_OUTAGE}, title="Search down", now=NOW - timedelta(hours=2)
    )
    felt = make_incident(
        session, {"checkout": ComponentStatus.DEGRADED_PERFORMANCE}, title="Slow checkout", now=NOW - timedelta(hours=1)
    )
    add_mentions(session, 40, at=NOW, component="checkout")

    ranked = tiles.ranked_incidents(session, impact_matrix(session, now=NOW), policy=Policy(), now=NOW)

    assert [t.id for t in ranked] == [felt.id, quiet.id]
    assert ranked[0].priority > ranked[1].priority
    assert ranked[0].why  # the leading reason of its component's score, in words


def test_an_incident_tile_carries_its_channel_with_the_reason_and_the_next_update_clock(session: Session) -> None:
    incident = make_incident(session, title="Checkout errors", now=NOW - timedelta(hours=3))
    policy = Policy()
    channel.override(
        session, incident.id, Channel.STATUS_PAGE, reason="the press asked", actor="test", now=NOW, policy=policy
    )

    (tile,) = tiles.ranked_incidents(session, [], policy=policy, now=NOW)

    assert (tile.channel, tile.overridden) == (Channel.STATUS_PAGE, True)
    assert tile.channel_reason and "press" in tile.channel_reason
    assert tile.next_update is not None and tile.overdue == (tile.next_update < NOW)
    assert (tile.priority, tile.why) == (0.0, "no customer signal on its components")


def test_talk_counts_mentions_complaints_and_negatives_per_24_hours_ending_now(session: Session) -> None:
    make_component(session, "checkout")
    add_mentions(session, 6, at=NOW, component="checkout", spread=timedelta(hours=12))
    add_mentions(session, 4, at=NOW - timedelta(days=2), complaint=False, sentiment=Sentiment.POSITIVE, score=0.5)
    add_mentions(session, 3, at=NOW - timedelta(days=30))  # outside the two weeks

    talk = tiles.talk(session, now=NOW)

    assert len(talk.days) == tiles.TALK_DAYS and talk.days[-1].day == NOW.date()
    assert (talk.today.mentions, talk.today.complaints, talk.today.negative) == (6, 6, 6)
    two_days_ago = talk.days[-3]
    assert (two_days_ago.mentions, two_days_ago.complaints, two_days_ago.negative_share) == (4, 0, 0.0)
    assert sum(d.mentions for d in talk.days) == 10
    assert talk.usual_complaints == 0.0


def test_health_groups_components_in_catalog_order_and_counts_the_impaired(session: Session) -> None:
    make_component(session, "login", group="Storefront")
    make_component(session, "cart", group="Checkout")
    make_component(session, "payments", group="Checkout")
    make_incident(session, {"payments": ComponentStatus.PARTIAL_OUTAGE}, now=NOW)

    groups = tiles.health(session)

    assert [(g.name, [c.id for c in g.components], g.impaired) for g in groups] == [
        ("Storefront", ["login"], 0),
        ("Checkout", ["cart", "payments"], 1),
    ]


def test_the_breach_tile_shows_each_open_case_with_the_clock_that_ends_first(session: Session) -> None:
    aware = NOW - timedelta(hours=10)
    case = cases.open_case(
        session, title="Customer export exposed", aware_at=aware, actor="test", now=NOW,
        people=500, people_by_jurisdiction={"EU-GDPR": 500},
    )  # fmt: skip
    closed = cases.open_case(session, title="Old and closed", aware_at=aware, actor="test", now=NOW)
    closed.status = BreachStatus.CLOSED
    session.flush()

    (tile,) = tiles.breach(session, None, now=NOW)

    running = [c for c in cases.clocks_of(case, None, now=NOW) if c.met_at is None and c.due_at]
    assert tile.case_id == case.id and tile.clock is not None
    assert tile.clock.due_at == min(c.due_at for c in running if c.due_at)
    assert tile.clock.due_at is not None and tile.clock.due_at <= aware + timedelta(hours=72)
    assert not tile.overdue
