from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

import trustops.models  # noqa: F401 - every table registered
from tests.factories import make_component
from tests.listen.conftest import NOW, SECRET, mention_in
from trustops.db import Base, Database
from trustops.listen.models import Mention, MentionIntent
from trustops.listen.pipeline import IngestResult, author_key, ingest, ingest_batches
from trustops.listen.schema import Intent, MentionIn, Sentiment
from trustops.listen.service import classifier_for


def run(session: Session, *mentions: MentionIn):  # type: ignore[no-untyped-def]
    return ingest(session, mentions, classifier=classifier_for(session), secret=SECRET, now=NOW)


@pytest.fixture
def shop(session: Session) -> Session:
    make_component(
        session, "payment-gateway", name="Payment gateway", phrases=["payment failed", "card declined", "charged twice"]
    )
    make_component(
        session,
        "login",
        name="Login",
        criticality="critical_moment",
        phrases=["can't log in", "password reset not working"],
    )
    return session


def test_a_mention_is_stored_classified_with_its_author_pseudonymised(shop: Session) -> None:
    result = run(shop, mention_in("My payment failed twice and I was charged twice, terrible", author="@Jane_Doe"))

    assert (result.accepted, result.duplicates) == (1, 0)
    stored = shop.scalars(select(Mention)).one()
    assert stored.sentiment is Sentiment.NEGATIVE and stored.sentiment_score < 0
    assert stored.complaint
    assert stored.component_id == "payment-gateway"
    assert Intent.PAYMENT_FAILURE in {i.intent for i in stored.intents}
    assert stored.author_key == author_key(SECRET, "x", "jane_doe")
    assert "Jane" not in (stored.author_key or "")


def test_the_same_mention_delivered_twice_is_stored_once(shop: Session) -> None:
    first = run(shop, mention_in(n=1), mention_in(n=1), mention_in(n=2))
    again = run(shop, mention_in(n=1), mention_in(n=2))

    assert (first.accepted, first.duplicates) == (2, 1)
    assert (again.accepted, again.duplicates) == (0, 2)
    assert shop.scalar(select(func.count()).select_from(Mention)) == 2


def test_personal_data_is_redacted_from_text_title_url_and_metadata_before_storage(shop: Session) -> None:
    mention = mention_in(
        "Card 4111 1111 1111 1111 was charged twice, mail me at jane.doe@example.com or call +44 20 7946 0958",
        title="Refund for jane.doe@example.com",
        url="https://forum.example/t/1?email=jane.doe@example.com",
        metadata={
            "Twitter Screen Name": "JaneDoe",
            "Twitter Bio": "mum of two",
            "note": "IP 203.0.113.77",
            "tags": ["vip"],
        },
    )
    result = run(shop, mention)

    stored = shop.scalars(select(Mention)).one()
    assert result.redactions >= 5
    assert "4111" not in stored.text and "jane.doe" not in stored.text and "7946" not in stored.text
    assert "jane.doe" not in (stored.title or "") and "jane.doe" not in (stored.url or "")
    assert stored.meta == {"note": "IP [ip]", "tags": ["vip"]}


def test_a_planted_corpus_leaves_no_personal_value_anywhere_in_the_database(shop: Session) -> None:
    planted = {
        "email": "olga.petrova+orders@mail.example.org",
        "phone": "+1 (415) 555-0134",
        "card": "5500-0000-0000-0004",
        "iban": "DE89 3704 0044 0532 0130 00",
        "ssn": "123-45-6789",
        "ip": "198.51.100.23",
    }
    texts = [
        f"payment failed for {planted['email']}",
        f"call me back on {planted['phone']}, can't log in",
        f"charged twice on {planted['card']}!!",
        f"refund to {planted['iban']} please",
        f"my SSN {planted['ssn']} was shown on the account page, can I still trust you?",
        f"login blocked from {planted['ip']}",
    ]
    run(shop, *(mention_in(t, n=i, author=planted["email"]) for i, t in enumerate(texts)))

    dump = _every_stored_string(shop)
    for kind, value in planted.items():
        assert value not in dump, kind
        assert value.replace(" ", "").replace("-", "") not in dump.replace(" ", "").replace("-", ""), kind


def _every_stored_string(session: Session) -> str:
    parts = []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)):
            parts.extend(str(value) for value in row)
    return "\n".join(parts)


def test_a_mention_from_the_future_is_kept_at_the_time_it_arrived(shop: Session) -> None:
    run(shop, mention_in(published_at=NOW + timedelta(hours=3)))

    assert shop.scalars(select(Mention.published_at)).one() == NOW


def test_intents_are_stored_one_row_each_for_counting(shop: Session) -> None:
    run(shop, mention_in("Site down again, as always. Payment failed and I can't log in", n=1))

    intents = set(shop.scalars(select(MentionIntent.intent)))
    assert {Intent.OUTAGE, Intent.PAYMENT_FAILURE, Intent.LOGIN_FAILURE} <= intents
    assert shop.scalar(text("select count(*) from mention_intents")) == len(intents)


def test_batches_are_stored_in_order_each_in_its_own_transaction(shop: Session, db: Database) -> None:
    batches = [[mention_in(n=1), mention_in(n=2)], [mention_in(n=2), mention_in(n=3)], [mention_in(n=3)]]
    seen: list[IngestResult] = []

    total = ingest_batches(
        db, batches, classifier=classifier_for(shop), secret=SECRET, clock=lambda: NOW, done=seen.append
    )

    assert [(r.accepted, r.duplicates) for r in seen] == [(2, 0), (1, 1), (0, 1)]
    assert (total.accepted, total.duplicates) == (3, 2)
    assert shop.scalar(select(func.count()).select_from(Mention)) == 3
