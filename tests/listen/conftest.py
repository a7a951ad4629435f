from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from trustops.listen.models import Mention, MentionIntent
from trustops.listen.schema import Channel, Intent, MentionIn, Sentiment

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # a Tuesday
SECRET = b"listen-test-secret-0123456789abcdef"


def mention_in(text: str = "checkout is broken again", n: int = 1, **overrides: Any) -> MentionIn:
    values: dict[str, Any] = {
        "source": "test",
        "external_id": f"m-{n}",
        "channel": "x",
        "published_at": NOW - timedelta(hours=1),
        "text": text,
        "author": "@someone",
        "author_reach": 120,
    }
    return MentionIn.model_validate({**values, **overrides})


_serial = iter(range(1, 10**9))


def add_mentions(
    session: Session,
    count: int,
    *,
    at: datetime,
    component: str | None = None,
    complaint: bool = True,
    sentiment: Sentiment = Sentiment.NEGATIVE,
    score: float = -0.6,
    reach: int | None = 50,
    intents: tuple[Intent, ...] = (),
    spread: timedelta = timedelta(hours=20),
) -> None:
    """Already-classified mentions, spread evenly over ``spread`` before ``at``: input for spikes and the matrix."""
    for i in range(count):
        published = at - spread * (i + 0.5) / max(count, 1)
        mention = Mention(
            source="test",
            external_id=f"row-{next(_serial)}",
            channel=Channel.X,
            published_at=published,
            ingested_at=published,
            text="(classified in the test)",
            author_reach=reach,
            sentiment=sentiment,
            sentiment_score=score,
            complaint=complaint,
            complaint_score=0.9 if complaint else 0.1,
            component_id=component,
            component_confidence=0.9 if component else 0.0,
            intents=[MentionIntent(intent=i, published_at=published) for i in intents],
        )
        session.add(mention)
    session.flush()
