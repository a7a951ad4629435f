"""A card-payment outage with everything a report reads: customers in tiers and key accounts, exposures,
updates, a channel decision, mentions (one with personal data), a guard run and a churn run."""

from __future__ import annotations

import re
import zlib
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from tests.analytics.sample_churn import sample_report
from tests.factories import make_component, make_incident
from trustops.analytics import store
from trustops.comms import channel
from trustops.config import Policy
from trustops.customers import Customer
from trustops.enums import CampaignType, ComponentStatus, CustomerTier, IncidentState
from trustops.guard.models import GuardRun
from trustops.listen.pipeline import ingest
from trustops.listen.schema import MentionIn
from trustops.listen.service import classifier_for
from trustops.monitor.exposure import record_errors
from trustops.monitor.incidents import Change, update_incident
from trustops.monitor.models import Incident
from trustops.monitor.signals import ErrorEvent
from trustops.privacy import pseudonymise

SECRET = b"report-secret-that-is-long-enough-12345"
POLICY = Policy()
START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
DETECTED = START + timedelta(minutes=4)
RESOLVED = START + timedelta(hours=2)
NOW = START + timedelta(hours=4)
# tier: (how many, annual value each, how many hit); enterprise users belong to key accounts
TIERS = {
    CustomerTier.ENTERPRISE: (4, 40_000.0, 3),
    CustomerTier.LOYAL: (10, 1_000.0, 5),
    CustomerTier.REGULAR: (30, 200.0, 10),
    CustomerTier.NEW: (16, 50.0, 0),
}
ACCOUNTS = ["Acme Retail", "Acme Retail", "Globex", "Globex"]
PERSONAL = "@Shop charged twice on card 4111 1111 1111 1111, email me at jane.doe@example.com"
COMPLAINTS = [
    "@Shop payment failed three times, what is going on?",
    "@Shop my card was declined but the money left my account",
    "@Shop payment keeps failing at the last step, can I still trust you with my card?",
    "Payment failed and now my bank shows two pending charges @Shop",
]


def user_id(tier: CustomerTier, n: int) -> str:
    return f"{tier.value}-{n:05d}"


def payment_outage(session: Session) -> Incident:
    """Resolved after two hours: 18 of 60 active customers hit, worth 127,000 a year."""
    make_component(
        session, "payment-gateway", name="Payment gateway", phrases=["payment failed", "card declined", "charged twice"]
    )
    make_component(session, "search", name="Search", criticality="standard", phrases=["search is broken"])
    _customers(session)
    incident = make_incident(
        session,
        {"payment-gateway": ComponentStatus.MAJOR_OUTAGE},
        title="Card payments declined",
        now=DETECTED,
        started_at=START,
        message="We are investigating failed card payments.",
    )
    _exposures(session)
    for minutes, state, text in (
        (20, IncidentState.IDENTIFIED, "Our payment provider has an outage; we are in contact with them."),
        (100, IncidentState.MONITORING, "The provider reports a fix; payments succeed again."),
        (120, IncidentState.RESOLVED, "Payments work again. We are sorry for the trouble this caused."),
    ):
        update_incident(
            session,
            incident.id,
            Change(state=state, message=text),
            actor="user:alice",
            now=START + timedelta(minutes=minutes),
        )
    channel.apply(session, incident, policy=POLICY, now=RESOLVED + timedelta(minutes=1))
    _mentions(session)
    session.add(_guard_run())
    store.record(session, sample_report(incident_id=incident.id, debt_total=48_000.0), actor="cli")
    session.flush()
    return incident


def _customers(session: Session) -> None:
    for tier, (many, value, _hit) in TIERS.items():
        for n in range(many):
            session.add(
                Customer(
                    key=pseudonymise(SECRET, user_id(tier, n)),
                    tier=tier,
                    account=ACCOUNTS[n] if tier is CustomerTier.ENTERPRISE else None,
                    annual_value=value,
                    first_seen_at=START - timedelta(days=400),
                    last_seen_at=START - timedelta(days=1),
                )
            )
    session.flush()


def _exposures(session: Session) -> None:
    events = [
        ErrorEvent(
            source="test",
            occurred_at=START + timedelta(minutes=10 + n),
            user_id=user_id(tier, n),
            component_id="payment-gateway",
        )
        for tier, (_many, _value, hit) in TIERS.items()
        for n in range(hit)
    ]
    # Neither counts: one before the incident, one on a component it does not touch.
    events.append(
        ErrorEvent(
            source="test", occurred_at=START - timedelta(hours=1), user_id="new-00001", component_id="payment-gateway"
        )
    )
    events.append(
        ErrorEvent(source="test", occurred_at=START + timedelta(minutes=30), user_id="new-00002", component_id="search")
    )
    record_errors(session, events, secret=SECRET, strict=True, now=NOW)


def _mentions(session: Session) -> None:
    texts = [(START + timedelta(minutes=15 + 10 * n), text) for n, text in enumerate(COMPLAINTS)]
    texts += [
        (START + timedelta(minutes=70), PERSONAL),
        (START - timedelta(days=2), COMPLAINTS[0]),  # long before: not about this incident
        (START + timedelta(minutes=50), "@Shop search is broken, no results for anything"),  # another component
    ]
    batch = [
        MentionIn(source="test", external_id=f"m{n}", channel="x", published_at=at, text=text, author=f"author{n}")
        for n, (at, text) in enumerate(texts)
    ]
    ingest(session, batch, classifier=classifier_for(session), secret=SECRET, now=NOW)


def _guard_run() -> GuardRun:
    return GuardRun(
        at=START + timedelta(hours=3),
        campaign_type=CampaignType.PROMOTIONAL,
        campaign_id="spring-sale",
        audience=500,
        allowed=480,
        suppressed={"outage_cooldown": 12, "help_not_offers": 3, "no_offers_after_error": 5},
        format="csv",
        actor="cli",
    )


def pdf_parts(pdf: bytes) -> bytes:
    """The PDF with its Flate streams inflated: WeasyPrint keeps the page tree and metadata in object streams."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf_parts(pdf)))


def pdf_texts(pdf: bytes) -> list[str]:
    """The text runs of the pages, each decoded with every ToUnicode map that covers all its glyphs.

    A small stand-in for a PDF library: fonts are matched to runs by coverage, not by resource name, so a run
    may decode under more than one map; tests look for a phrase in any of them.
    """
    inflated = pdf_parts(pdf)
    maps = []
    # One map per CMap: a font with more than 100 glyphs spreads its ToUnicode over several bfchar blocks
    # (the PDF limit per block), and a run may use glyphs from more than one of them.
    for cmap in re.findall(rb"begincmap(.*?)endcmap", inflated, re.S):
        blocks = re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S)
        pairs = [pair for block in blocks for pair in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block)]
        maps.append({glyph.lower(): bytes.fromhex(text.decode()).decode("utf-16-be") for glyph, text in pairs})
    texts = []
    for run in re.findall(rb"\[((?:<[0-9a-fA-F]+>[^\]<]*)+)\]\s*TJ", inflated):
        glyphs = re.findall(rb"<([0-9a-fA-F]+)>", run)
        codes = [g[i : i + 4].lower() for g in glyphs for i in range(0, len(g), 4)]
        texts += ["".join(m[c] for c in codes) for m in maps if all(c in m for c in codes)]
    return texts
