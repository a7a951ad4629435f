from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from tests.factories import make_component, make_incident
from tests.listen.conftest import NOW, SECRET, add_mentions
from trustops.config import Policy
from trustops.customers import Customer
from trustops.enums import ComponentStatus, CustomerTier
from trustops.listen.matrix import heat_cells, impact_matrix
from trustops.listen.schema import Sentiment
from trustops.listen.watch import check
from trustops.monitor.exposure import record_errors
from trustops.monitor.signals import ErrorEvent
from trustops.privacy import pseudonymise

DAY = timedelta(days=1)


def test_a_payment_complaint_spike_outranks_a_louder_steady_grumble_about_images(session: Session) -> None:
    make_component(session, "payment-gateway", name="Payment gateway")
    make_component(session, "product-images", name="Product images", criticality="standard")
    for d in range(1, 29):
        add_mentions(session, 2, at=NOW - d * DAY, component="payment-gateway")
        add_mentions(session, 30, at=NOW - d * DAY, component="product-images", score=-0.3)
    add_mentions(session, 25, at=NOW, component="payment-gateway", score=-0.8)
    add_mentions(session, 32, at=NOW, component="product-images", score=-0.3)
    check(session, policy=Policy(), now=NOW)

    rows = impact_matrix(session, now=NOW)

    assert [r.component_id for r in rows] == ["payment-gateway", "product-images"]
    payment, images = rows
    assert images.complaints > payment.complaints
    assert payment.health is ComponentStatus.DEGRADED_PERFORMANCE and payment.incident_id is not None
    assert payment.usual_complaints == 2 and payment.trend > 5
    assert payment.spike is not None and payment.spike in payment.reasons
    assert any("transaction" in reason for reason in payment.reasons)
    assert 0 < images.score < payment.score <= 100


def test_customers_who_saw_errors_and_their_value_raise_the_priority(session: Session) -> None:
    make_component(session, "checkout", name="Checkout")
    make_component(session, "search", name="Search")
    incident = make_incident(session, {"checkout": ComponentStatus.PARTIAL_OUTAGE}, now=NOW - timedelta(hours=3))
    for n in range(3):
        session.add(
            Customer(
                key=pseudonymise(SECRET, f"big-{n}"),
                tier=CustomerTier.ENTERPRISE,
                annual_value=50_000,
                first_seen_at=NOW - 400 * DAY,
                last_seen_at=NOW,
            )
        )
    events = [
        ErrorEvent(source="test", occurred_at=NOW - timedelta(hours=2), user_id=f"big-{n}", component_id="checkout")
        for n in range(3)
    ]
    record_errors(session, events, secret=SECRET, strict=True, now=NOW)

    checkout, search = impact_matrix(session, now=NOW)

    assert checkout.component_id == "checkout" and checkout.incident_id == incident.id
    assert (checkout.affected_users, checkout.affected_value) == (3, 150_000)
    assert any("3 users saw errors (3 enterprise)" in r for r in checkout.reasons)
    assert search.score == 0 and search.reasons == []


def test_reach_weights_the_sentiment_of_a_component(session: Session) -> None:
    make_component(session, "login", name="Login")
    add_mentions(
        session, 5, at=NOW, component="login", score=0.5, reach=5, complaint=False, sentiment=Sentiment.POSITIVE
    )
    add_mentions(session, 5, at=NOW, component="login", score=-0.5, reach=200_000)

    (login,) = impact_matrix(session, now=NOW)

    assert login.sentiment < -0.2  # the loud accounts weigh six times the quiet ones
    assert login.negative_share == 0.5


def test_heat_cells_follow_the_rows(session: Session) -> None:
    make_component(session, "login", name="Login")
    add_mentions(session, 4, at=NOW, component="login")

    rows = impact_matrix(session, now=NOW)
    (cells,) = heat_cells(rows)

    assert cells[1].text == "4" and cells[1].heat == 1.0
    assert all(0.0 <= cell.heat <= 1.0 for cell in cells)
