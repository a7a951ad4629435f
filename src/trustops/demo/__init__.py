"""The demo scenario: Northwind Goods, an online shop with 90 days of history and customers in tiers.

Beside the history it sets up two live signals for the worker of ``trustops demo``: an http probe of the
demo shop's checkout (:mod:`trustops.demo.shop`, which the dashboard can break and heal), and the
order-mail job's heartbeat, already late when the demo starts and down about a minute later.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from trustops.accounts.models import Role, Scope
from trustops.accounts.tokens import create_token
from trustops.accounts.users import create_user
from trustops.breach import cases, drills
from trustops.catalog.load import load_catalog
from trustops.catalog.schema import CatalogFile, HttpCheck
from trustops.catalog.service import sync_catalog
from trustops.comms import channel, maintenance
from trustops.comms.models import AccountTask
from trustops.comms.notices import sync_accounts
from trustops.config import Policy
from trustops.customers import Customer
from trustops.demo.events import seed_churn
from trustops.demo.mentions import seed_mentions
from trustops.demo.shop import health_url
from trustops.enums import (
    BreachRisk,
    CampaignType,
    ComponentStatus,
    CustomerTier,
    DeliveryStatus,
    IncidentState,
    ProbeStatus,
)
from trustops.guard.bulk import AudienceRow, Summary, evaluate, record_run
from trustops.guard.facts import FactBook
from trustops.guard.models import GuardRun
from trustops.monitor.exposure import record_errors
from trustops.monitor.health_models import Alert, Delivery, Heartbeat, Ping, Probe, ProbeRun
from trustops.monitor.heartbeats import PingRequest, apply_ping
from trustops.monitor.incidents import Change, open_incident, update_incident
from trustops.monitor.models import EventKind, Incident, IncidentEvent
from trustops.monitor.notify import compose
from trustops.monitor.probing import sync_checks
from trustops.monitor.signals import ErrorEvent
from trustops.privacy import pseudonymise

CATALOG = Path(__file__).parent / "trustops.yaml"
DEMO_USER = "admin"
DEMO_PASSWORD = "trustops-demo"  # printed on start; the demo binds to 127.0.0.1 only
DEFAULT_PORT = 8000
PROBE_HISTORY = timedelta(hours=1)
HEARTBEAT_DOWN_AFTER = timedelta(seconds=60)  # from seeding to the order-mail heartbeat going down

# tier: (customers, lowest and highest annual value, longest tenure in days)
TIERS = {
    CustomerTier.ENTERPRISE: (40, 20_000, 120_000, 1_500),
    CustomerTier.LOYAL: (600, 400, 2_000, 1_200),
    CustomerTier.REGULAR: (1_600, 80, 600, 700),
    CustomerTier.NEW: (760, 20, 150, 30),
}
ACCOUNTS = ["Acme Retail", "Globex", "Initech", "Umbrella Stores", "Stark Supplies", "Wayne Outfitters",
            "Hooli", "Vandelay Imports", "Soylent Foods", "Tyrell Home"]  # fmt: skip

# (days ago, hours it lasted, title, {component: status}, [(state, minutes after start, message)])
HISTORY: list[tuple[int, float, str, dict[str, ComponentStatus], list[tuple[IncidentState, int, str]]]] = [
    (84, 1.5, "Checkout errors after deploy", {"checkout": ComponentStatus.MAJOR_OUTAGE}, [
        (IncidentState.IDENTIFIED, 25, "A configuration change broke address validation. We are rolling it back."),
        (IncidentState.MONITORING, 60, "The rollback is complete and orders go through again. We are watching closely."),
    ]),
    (71, 3.0, "Slow search results", {"search": ComponentStatus.DEGRADED_PERFORMANCE}, [
        (IncidentState.IDENTIFIED, 40, "The search index is rebuilding after a node failure; results are slow."),
    ]),
    (58, 6.0, "Order-confirmation e-mails delayed", {"order-emails": ComponentStatus.PARTIAL_OUTAGE}, [
        (IncidentState.IDENTIFIED, 90, "The mail job stopped overnight. We restarted it and are sending the backlog."),
        (IncidentState.MONITORING, 240, "All delayed confirmations have been sent."),
    ]),
    (43, 0.75, "Login failures on the mobile app", {"login": ComponentStatus.PARTIAL_OUTAGE,
                                                    "mobile-api": ComponentStatus.PARTIAL_OUTAGE}, [
        (IncidentState.IDENTIFIED, 15, "An expired certificate on the mobile API broke sign-in. It has been renewed."),
    ]),
    (35, 2.0, "Card payments declined", {"payment-gateway": ComponentStatus.MAJOR_OUTAGE,
                                         "checkout": ComponentStatus.PARTIAL_OUTAGE}, [
        (IncidentState.IDENTIFIED, 20, "Our payment provider has an outage. We are in contact with them."),
        (IncidentState.MONITORING, 100, "The provider reports a fix; payments succeed again."),
    ]),
    (15, 1.0, "Product images missing", {"product-images": ComponentStatus.PARTIAL_OUTAGE}, [
        (IncidentState.IDENTIFIED, 20, "The image CDN served errors in Europe. Traffic was moved to another region."),
    ]),
    (6, 4.0, "Items vanish from carts", {"cart": ComponentStatus.PARTIAL_OUTAGE}, [
        (IncidentState.IDENTIFIED, 45, "A session store failover dropped some carts. We are restoring them."),
        (IncidentState.MONITORING, 180, "Carts are restored; new carts are kept normally."),
    ]),
]  # fmt: skip


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    token: str


def demo_catalog(port: int = DEFAULT_PORT) -> CatalogFile:
    """The packaged catalog, plus an http check on checkout against the demo shop served on ``port``."""
    catalog = load_catalog(CATALOG)
    checkout = next(c for c in catalog.components if c.id == "checkout")
    spec = {"type": "http", "name": "checkout-api", "url": health_url(port), "interval": 10}
    checkout.checks.append(HttpCheck.model_validate(spec))
    return catalog


def seed(
    session: Session,
    *,
    secret: bytes,
    now: datetime,
    port: int = DEFAULT_PORT,
    step: Callable[[str, int], None] | None = None,
    events_path: Path | None = None,
) -> DemoLogin:
    """Fill an empty database with the demo scenario; ``step(label, units)`` reports progress. The product
    events behind the silent-churn report are also written to ``events_path`` (gzipped CSV) when given."""
    report = step or (lambda _label, _units: None)
    rng = random.Random(2026)
    catalog = demo_catalog(port)
    sync_catalog(session, catalog)
    sync_checks(session, now=now)
    session.flush()
    report("catalog", 1)
    for tier, (count, low, high, tenure) in TIERS.items():
        session.add_all(_customers(rng, secret, now, tier, count, low, high, tenure))
        session.flush()
        report(f"{tier.value} customers", count)
    past, exposed = {}, {}
    for days_ago, hours, title, components, steps in HISTORY:
        past[title] = _past_incident(session, now, days_ago, hours, title, components, steps)
        exposed[title] = _exposures(session, rng, secret, past[title], now)
        report("incident history", 1)
    _exposures(session, rng, secret, _current_incident(session, now), now)
    _glitch(session, now)
    _business_incident(session, secret, now)
    report("incident history", 1)
    _probe_history(session, now)
    _heartbeat_history(session, now)
    _lost_signals(session, now, past["Card payments declined"])
    report("health signals", 1)
    payments = "Card payments declined"
    customers = {f"{tier.value}-{n:05d}": tier for tier, (count, *_rest) in TIERS.items() for n in range(count)}
    seed_churn(
        session,
        secret=secret,
        now=now,
        incident=past[payments],
        customers=customers,
        affected=exposed[payments],
        events_path=events_path,
    )
    report("silent churn", 1)
    seed_mentions(session, secret=secret, policy=catalog.policy, now=now, report=report)
    sync_accounts(session, list(catalog.accounts))
    _decide_channels(session, catalog.policy, now)
    _trim_campaign(session, secret, catalog.policy, now)
    _breach_drill(session, catalog, now)
    _upcoming_maintenance(session, now)
    create_user(session, username=DEMO_USER, password=DEMO_PASSWORD, role=Role.ADMIN)
    token = create_token(session, name="demo", scopes=[Scope.ADMIN], now=now).token
    return DemoLogin(DEMO_USER, DEMO_PASSWORD, token)


# Share of each tier's customers who saw an error during an incident, by its worst component status:
# big outages reach many; small glitches a few, sometimes including a key account.
EXPOSED_SHARE = {"major_outage": 0.08, "partial_outage": 0.03, "degraded_performance": 0.01}


def _exposures(session: Session, rng: random.Random, secret: bytes, incident: Incident, now: datetime) -> set[str]:
    """Error events of customers during the incident, as Sentry or the errors API would report them; the
    raw ids of the customers they hit (the ledger keeps only their pseudonyms)."""
    end = incident.resolved_at or now
    statuses = [e.data.get("to") for e in incident.events if e.kind is EventKind.COMPONENT_STATUS]
    share = max((EXPOSED_SHARE.get(str(s), 0.0) for s in statuses), default=0.0)
    events = []
    for tier, (count, *_rest) in TIERS.items():
        for n in rng.sample(range(count), k=max(1, round(count * share))):
            at = incident.started_at + (end - incident.started_at) * rng.random()
            component = rng.choice([c.component_id for c in incident.components])
            events.append(
                ErrorEvent(source="demo", occurred_at=at, user_id=f"{tier.value}-{n:05d}", component_id=component)
            )
    record_errors(session, events, secret=secret, strict=True, now=now)
    return {event.user_id for event in events if event.user_id is not None}


# The team's last exercise: the shipped "stolen customer database" drill, played three weeks ago, with the
# supervisory authority told 6½ hours late and the Californian attorney general forgotten (score 81).
DRILL_ANSWERS = {
    "first-internal-update": "+40m",
    "aware": "+1h30m",
    "contain": "+3h",
    "holding-statement": "+12h",
    "first-external-update": "+20h",
    "sa-notified": "+80h",
    "people-notified": "+70h",
    "ca-residents": "+6d",
    "ca-ag": None,
    "marketing-pause": "+2d",
}


def _breach_drill(session: Session, catalog: CatalogFile, now: datetime) -> None:
    """A played drill with its after-action report, and a breach case opened by an exercise (flagged as a drill,
    so it never pages anyone), assessed, with the authority told: what the Breach page shows."""
    scenario = drills.find_scenario("stolen-customer-database")
    answers = drills.ScriptedAnswers(
        {key: drills.parse_offset(at) if at else None for key, at in DRILL_ANSWERS.items()}
    )
    played = now - timedelta(days=21)
    drills.record_run(session, drills.run_drill(scenario, answers), actor="demo", started_at=played, finished_at=played)
    aware = now - timedelta(hours=30)
    case = cases.open_case(
        session,
        title="Drill: customer export left in a public bucket",
        aware_at=aware,
        discovered_at=aware,
        actor="demo",
        now=now,
        nature="A nightly customer export (names, e-mail addresses, order history) was readable from a "
        "misconfigured storage bucket for nine days.",
        data_categories=["name", "email", "order_history"],
        people=4200,
        records=4200,
        people_by_jurisdiction={"EU-GDPR": 3900, "US-CA": 300},
        drill=True,
        organisation=catalog.organisation,
    )
    cases.assess(
        session,
        case,
        risk=BreachRisk.RISK,
        reasons=["Contact details and order history: phishing risk; no payment data, no passwords."],
        actor="demo",
        now=now,
    )
    cases.record_notification(
        session,
        case,
        deadline="gdpr-art33",
        recipient=catalog.organisation.lead_authority or "lead supervisory authority",
        sent_at=aware + timedelta(hours=26),
        reference="DRILL-0001",
        phased=True,
        actor="demo",
        now=now,
    )


def _upcoming_maintenance(session: Session, now: datetime) -> None:
    """A search-index rebuild announced for the night after next, shown on the status page as upcoming."""
    night = (now + timedelta(days=2)).replace(hour=2, minute=0, second=0, microsecond=0)
    maintenance.schedule(
        session,
        title="Search index rebuild",
        components=["search"],
        scheduled_for=night,
        scheduled_until=night + timedelta(hours=1),
        message="Search results may be incomplete for up to an hour while we rebuild the index.",
        actor="user:admin",
        now=now,
    )


def total_steps() -> int:
    return 1 + sum(t[0] for t in TIERS.values()) + len(HISTORY) + 1 + 1 + 1 + 1


def _customers(
    rng: random.Random,
    secret: bytes,
    now: datetime,
    tier: CustomerTier,
    count: int,
    low: int,
    high: int,
    tenure: int,
) -> list[Customer]:
    rows = []
    for n in range(count):
        first = now - timedelta(days=rng.uniform(1, tenure))
        last = max(first, now - timedelta(days=rng.expovariate(1 / 12)))
        rows.append(
            Customer(
                key=pseudonymise(secret, f"{tier.value}-{n:05d}"),
                tier=tier,
                account=ACCOUNTS[n % len(ACCOUNTS)] + (f" #{n // len(ACCOUNTS) + 1}" if n >= len(ACCOUNTS) else "")
                if tier is CustomerTier.ENTERPRISE
                else None,
                annual_value=round(rng.uniform(low, high), 2),
                first_seen_at=first,
                last_seen_at=last,
            )
        )
    return rows


def _past_incident(
    session: Session,
    now: datetime,
    days_ago: int,
    hours: float,
    title: str,
    components: dict[str, ComponentStatus],
    steps: list[tuple[IncidentState, int, str]],
) -> Incident:
    start = (now - timedelta(days=days_ago)).replace(minute=12, second=0, microsecond=0)
    detected = start + timedelta(minutes=4)
    incident = open_incident(
        session,
        title=title,
        components=components,
        actor="demo",
        message="We are investigating reports of problems with " + ", ".join(components) + ".",
        started_at=start,
        now=detected,
    )
    for state, minutes, message in steps:
        update_incident(
            session,
            incident.id,
            Change(state=state, message=message),
            actor="demo",
            now=start + timedelta(minutes=minutes),
        )
    update_incident(
        session,
        incident.id,
        Change(
            state=IncidentState.RESOLVED,
            message="This incident has been resolved. We are sorry for the trouble.",
        ),
        actor="demo",
        now=start + timedelta(hours=hours),
    )
    return incident


def _current_incident(session: Session, now: datetime) -> Incident:
    start = now - timedelta(minutes=38)
    incident = open_incident(
        session,
        title="Product images load slowly",
        components={"product-images": ComponentStatus.PARTIAL_OUTAGE},
        actor="demo",
        message="Some product photos load slowly or not at all. We are investigating.",
        started_at=start,
        now=start + timedelta(minutes=3),
    )
    update_incident(
        session,
        incident.id,
        Change(
            state=IncidentState.IDENTIFIED,
            message="The image CDN is overloaded in one region; we are shifting traffic.",
        ),
        actor="demo",
        now=start + timedelta(minutes=21),
    )
    return incident


def _glitch(session: Session, now: datetime) -> Incident:
    """Three minutes of cart errors two days ago, over before anyone posted: a retrospective report."""
    start = (now - timedelta(days=2)).replace(hour=10, minute=5, second=0, microsecond=0)
    incident = open_incident(
        session,
        title="Cart errors",
        components={"cart": ComponentStatus.PARTIAL_OUTAGE},
        actor="probe:cart",
        source="probe",
        started_at=start,
        now=start + timedelta(seconds=40),
    )
    update_incident(
        session, incident.id, Change(state=IncidentState.RESOLVED), actor="probe:cart", now=start + timedelta(minutes=3)
    )
    return incident


def _business_incident(session: Session, secret: bytes, now: datetime) -> Incident:
    """Order e-mails delayed nine days ago for four key accounts only: told to them, not to the world."""
    incident = _past_incident(
        session,
        now,
        9,
        1.5,
        "Order confirmations delayed for some business accounts",
        {"order-emails": ComponentStatus.DEGRADED_PERFORMANCE},
        [(IncidentState.IDENTIFIED, 25, "A mail queue for business accounts stalled; we restarted it.")],
    )
    events = [
        ErrorEvent(
            source="demo",
            occurred_at=incident.started_at + timedelta(minutes=10 + n),
            user_id=f"enterprise-{n:05d}",
            component_id="order-emails",
        )
        for n in range(4)
    ]
    record_errors(session, events, secret=secret, strict=True, now=now)
    return incident


def _decide_channels(session: Session, policy: Policy, now: datetime) -> None:
    """Every incident's channel, decided as the worker would have when it last changed; the account
    managers' calls about incidents long over are done."""
    for incident in session.scalars(select(Incident).order_by(Incident.started_at)):
        when = incident.resolved_at or now
        channel.apply(session, incident, policy=policy, now=when, actor="trustops")
        for task in session.scalars(select(AccountTask).where(AccountTask.incident_id == incident.id)):
            if incident.resolved_at is not None:
                task.done_at, task.done_by = incident.resolved_at + timedelta(hours=2), "demo"


def _trim_campaign(session: Session, secret: bytes, policy: Policy, now: datetime) -> GuardRun:
    """The marketing team checks its winter-sale promotion to every customer with the guard: those the
    open product-images outage and the last month's errors hurt are trimmed from it."""
    session.flush()
    book = FactBook.load(session, secret=secret, policy=policy, now=now)
    ids = [f"{tier.value}-{i:05d}" for tier, (count, *_rest) in TIERS.items() for i in range(count)]
    audience = [AudienceRow(line=n + 2, user_id=user_id, email=None) for n, user_id in enumerate(ids)]
    summary = Summary()
    for evaluated in evaluate(audience, CampaignType.PROMOTIONAL, book=book, secret=secret, policy=policy, now=now):
        summary.add(evaluated)
    return record_run(
        session,
        summary,
        CampaignType.PROMOTIONAL,
        export_format="braze",
        campaign_id="winter-sale",
        actor="demo",
        now=now,
    )


def _probe_history(session: Session, now: datetime) -> None:
    """An hour of good runs of the checkout probe; its next run is the worker's, once the shop serves."""
    rng = random.Random(7)
    probe = session.scalars(select(Probe).where(Probe.component_id == "checkout")).one()
    every = timedelta(seconds=probe.interval)
    count = int(PROBE_HISTORY / every)
    times = [now - n * every for n in range(count, 0, -1)]
    millis = [round(rng.uniform(12, 40), 1) for _ in times]
    runs = [
        {"probe_id": probe.id, "at": at, "ok": True, "response_ms": ms} for at, ms in zip(times, millis, strict=True)
    ]
    session.execute(insert(ProbeRun), runs)
    probe.status, probe.successes, probe.failures = ProbeStatus.UP, count, 0
    probe.last_run_at, probe.last_response_ms, probe.next_run_at = times[-1], millis[-1], now + every


def _heartbeat_history(session: Session, now: datetime) -> None:
    """Two hours of pings from the order-mail job, then silence: late now, down a minute from now."""
    heartbeat = session.scalars(select(Heartbeat).where(Heartbeat.component_id == "order-emails")).one()
    period = timedelta(seconds=heartbeat.period or 0)
    last = now - period - timedelta(seconds=heartbeat.grace) + HEARTBEAT_DOWN_AFTER
    for n in range(24, -1, -1):
        ping = PingRequest(heartbeat.uuid, "success", last - n * period, method="POST", user_agent="curl/8.5.0")
        row, _flip = apply_ping(heartbeat, ping)
        session.add(Ping(**row))


def _lost_signals(session: Session, now: datetime, incident: Incident) -> None:
    """What the health page must never hide: a notification that could not be sent, an unmapped alert."""
    opened = session.scalars(
        select(IncidentEvent).where(IncidentEvent.incident_id == incident.id, IncidentEvent.kind == EventKind.OPENED)
    ).one()
    message = compose(incident, opened)
    session.add(
        Delivery(
            incident_id=incident.id,
            event_id=opened.id,
            route="ops-pager",
            subject=message.subject,
            body=message.body,
            status=DeliveryStatus.FAILED,
            attempts=7,
            next_attempt_at=opened.at + timedelta(hours=1),
            last_error="webhook answered 410 Gone: the endpoint no longer exists",
            created_at=opened.at,
        )
    )
    session.add(
        Alert(
            source="alertmanager",
            key="3f9c2a71d0b4e8a5",
            component_id=None,
            firing=True,
            summary="DiskWillFillIn4Hours: /var/lib/postgresql on db-replica-2",
            severity="warning",
            labels={"alertname": "DiskWillFillIn4Hours", "instance": "db-replica-2:9100", "job": "node"},
            deliveries=6,
            started_at=now - timedelta(minutes=25),
            last_seen_at=now - timedelta(minutes=1),
        )
    )
