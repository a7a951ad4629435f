"""Five weeks of what Northwind Goods' customers said, ending in a payment-gateway complaint spike.

The story for a newcomer: product images have been a loud, steady grumble for weeks (and have a small
open incident), while payment complaints were rare — until the last day, when they jump. The spike
detector raises it, and since the payment gateway's health looks fine, it opens a customer-reported
incident; the impact matrix ranks payment above the louder images talk. Every mention goes through
the real pipeline (redaction, classification, storage), so what the dashboard shows is what trustops
made of these texts. A few carry personal data, to show it redacted.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from trustops.config import Policy
from trustops.listen.pipeline import batched, ingest
from trustops.listen.schema import Channel, MentionIn
from trustops.listen.service import classifier_for
from trustops.listen.watch import check

DAYS = 35
BRAND = "@NorthwindGoods"

PRAISE = [
    "{b} fastest delivery ever, thank you!",
    "Love my new jacket from {b}, great quality",
    "{b} your support team sorted my return in minutes, brilliant",
    "Ordered on Monday, arrived Tuesday. Impressed {b}",
    "{b} the new app design looks great",
]
QUESTIONS = [
    "{b} do you ship to Norway?",
    "{b} when does the winter sale start?",
    "Does {b} have the blue kettle back in stock?",
    "{b} what are your opening hours on Sunday?",
    "{b} is there a student discount?",
]
# component -> complaints customers write when it breaks
COMPLAINTS = {
    "product-images": [
        "{b} product pictures not loading again",
        "Images are broken on half the product pages {b}",
        "{b} blank product photos everywhere, can't see what I'm buying",
        "why are the product images still not loading {b}",
    ],
    "search": ["{b} search is broken, no results for anything", "{b} search is so slow today"],
    "login": ["{b} can't log in, password reset not working", "{b} app keeps logging me out"],
    "checkout": ["{b} stuck at checkout with an error", "{b} can't place my order, checkout error"],
    "payment-gateway": [
        "{b} payment failed three times, what is going on?",
        "{b} my card was declined but the money left my account",
        "Charged twice for one order {b}, I want a refund now",
        "{b} payment keeps failing at the last step, can I still trust you with my card?",
        "{b} card declined again, as always. Taking my money elsewhere",
        "Payment failed and now my bank shows two pending charges {b}",
    ],
    "order-emails": ["{b} no confirmation email for my order", "{b} didn't get my receipt"],
}
WITH_PERSONAL_DATA = [
    "{b} payment failed, please call me on +44 20 7946 0958",
    "{b} charged twice on card 4111 1111 1111 1111, email me at jane.doe@example.com",
]
# Mentions per day: praise and questions, and the steady complaint rate per component.
DAILY = {"praise": 14, "questions": 9}
STEADY = {"product-images": 24, "search": 3, "login": 2, "checkout": 2, "payment-gateway": 2, "order-emails": 2}
SPIKE = {"payment-gateway": 34}  # the last 24 hours, on top of the steady rate


def _texts(rng: random.Random, day: int) -> list[tuple[str, bool]]:
    """One day's texts; ``day`` 0 is the last 24 hours. The flag marks texts with personal data."""
    texts = [(rng.choice(PRAISE), False) for _ in range(rng.randint(DAILY["praise"] - 3, DAILY["praise"] + 3))]
    texts += [
        (rng.choice(QUESTIONS), False) for _ in range(rng.randint(DAILY["questions"] - 2, DAILY["questions"] + 2))
    ]
    for component, rate in STEADY.items():
        n = max(0, round(rng.gauss(rate, rate**0.5)))
        if day == 0:
            n += SPIKE.get(component, 0)
        texts += [(rng.choice(COMPLAINTS[component]), False) for _ in range(n)]
    if day == 0:
        texts += [(text, True) for text in WITH_PERSONAL_DATA]
    return texts


def mentions(now: datetime, seed: int = 2026) -> list[MentionIn]:
    rng = random.Random(seed)
    out = []
    channels = [Channel.X, Channel.X, Channel.X, Channel.FACEBOOK, Channel.REVIEW, Channel.TICKET, Channel.FORUM]
    for day in range(DAYS - 1, -1, -1):
        for n, (template, _personal) in enumerate(_texts(rng, day)):
            published = now - timedelta(days=day) - timedelta(seconds=rng.randint(60, 86_340))
            out.append(
                MentionIn(
                    source="demo",
                    external_id=f"{day}-{n}",
                    channel=rng.choice(channels),
                    published_at=published,
                    text=template.format(b=BRAND),
                    author=f"customer{rng.randint(1, 4000)}",
                    author_reach=int(rng.paretovariate(1.2) * 40),
                    language="en",
                    brand="Northwind Goods",
                )
            )
    return sorted(out, key=lambda m: m.published_at)


def seed_mentions(
    session: Session, *, secret: bytes, policy: Policy, now: datetime, report: Callable[[str, int], None]
) -> None:
    classifier = classifier_for(session)
    for batch in batched(mentions(now), 500):
        ingest(session, batch, classifier=classifier, secret=secret, now=now)
    session.flush()
    check(session, policy=policy, now=now)
    report("mentions", 1)
