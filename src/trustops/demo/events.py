"""The demo's product events and the silent churn hidden in them (issue #7).

Northwind Goods' shop logs what its customers do: a session opens with a login (when the browser forgot
them), then home, search, product views, sometimes the cart, checkout and a purchase. Each customer has a
habit, sessions per week by value tier, drawn once per customer; enterprise buyers order big baskets,
regulars small ones. New customers are left out: they joined after the payment outage and have no habit
to speak of (the analysis would leave them out too).

The planted story is the one support never hears about. The customers whose card was declined during
the "Card payments declined" outage met a failed checkout and said nothing; many bought the same basket
within two days (:data:`RETRIED_SHARE`), but they came back less: some never again
(:data:`STOPPED_SHARE`), the rest with fewer sessions and, of those, fewer ending in a purchase. Other
customers checked out successfully during the same two hours (the partial checkout outage spared them):
they are the candidate controls, and their habits do not change.

:func:`seed_churn` turns that into what the dashboard shows: the events (also written as a gzipped CSV
for ``trustops analytics churn --events``), the churn analysis on DuckDB against the exposure ledger, and
the stored report.
"""

from __future__ import annotations

import gzip
import random
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from trustops.enums import CustomerTier
from trustops.monitor.models import Incident

if TYPE_CHECKING:
    import pyarrow as pa

    from trustops.analytics.models import ChurnRun

HISTORY_DAYS = 100
DAY_SECONDS = 86_400
STEP_SECONDS = (15, 150)  # between two events of a session


@dataclass(frozen=True)
class Habit:
    """How a tier's customers shop: sessions per week (each customer's own rate varies around it) and the
    chance a session ends in a purchase of ``basket`` (lowest, highest) euros."""

    sessions_per_week: float
    purchase_chance: float
    basket: tuple[float, float]


HABITS = {
    CustomerTier.ENTERPRISE: Habit(3.0, 0.3, (200.0, 1_500.0)),
    CustomerTier.LOYAL: Habit(1.5, 0.25, (20.0, 120.0)),
    CustomerTier.REGULAR: Habit(0.7, 0.2, (15.0, 80.0)),
}

# The silent churn of the customers the outage hit: about 1 in 8 never come back, the others visit 35 %
# less, and fewer of their visits end in a purchase (orders fall by about half in all).
STOPPED_SHARE = 0.12
SESSIONS_AFTER = 0.65
PURCHASES_AFTER = 0.75
RETRIED_SHARE = 0.4  # of them, those who bought what was declined within two days
CONTROL_SHARE = 0.3  # of the unaffected customers, those who checked out during the outage
CURRENCY = "EUR"  # the shop is in Germany (trustops.yaml)
RECOVERY_COSTS = {"support overtime": 1_800.0, "apology vouchers": 2_400.0}
WINDOW_EVENTS = frozenset({"checkout"})  # "used the failing feature": reached checkout during the outage


@dataclass
class _Columns:
    """The event table being built, one list per column."""

    user_id: list[str] = field(default_factory=list)
    session_id: list[str] = field(default_factory=list)
    event: list[str] = field(default_factory=list)
    timestamp: list[int] = field(default_factory=list)
    amount: list[float | None] = field(default_factory=list)
    sessions: int = 0

    def add(self, user: str, at: int, event: str, amount: float | None = None) -> None:
        self.user_id.append(user)
        self.session_id.append(f"{self.sessions:08x}")  # opaque: a session id never names its user
        self.event.append(event)
        self.timestamp.append(at)
        self.amount.append(amount)


def product_events(
    rng: random.Random,
    now: datetime,
    *,
    customers: Mapping[str, CustomerTier],
    affected: set[str],
    incident_start: datetime,
    incident_end: datetime,
) -> pa.Table:
    """:data:`HISTORY_DAYS` of events up to ``now`` (columns ``user_id, session_id, event, timestamp,
    amount``, sorted by time) for the ``customers`` (raw id → tier) whose tier has a :data:`HABITS`
    entry; the ``affected`` ones churn silently after ``incident_start`` (module docstring)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    start, end = int((now - timedelta(days=HISTORY_DAYS)).timestamp()), int(now.timestamp())
    outage = (int(incident_start.timestamp()), int(incident_end.timestamp()))
    columns = _Columns()
    for user, tier in customers.items():
        habit = HABITS.get(tier)
        if habit is None:
            continue
        hit = user in affected
        if hit or rng.random() < CONTROL_SHARE:
            _session(columns, rng, user, rng.randint(*outage), habit, purchase=not hit, at_checkout=True)
        if hit and rng.random() < RETRIED_SHARE:
            retry = outage[1] + int(rng.random() * 2 * DAY_SECONDS)
            _session(columns, rng, user, retry, habit, purchase=True)
        _habit(columns, rng, user, habit, (start, end), outage[0] if hit else None)
    table = pa.table(
        {
            "user_id": pa.array(columns.user_id, pa.string()),
            "session_id": pa.array(columns.session_id, pa.string()),
            "event": pa.array(columns.event, pa.string()),
            "timestamp": pa.array(columns.timestamp, pa.int64()).cast(pa.timestamp("s", tz="UTC")),
            "amount": pa.array(columns.amount, pa.float64()),
        }
    )
    # A session that began just before ``now`` is cut there: the rest has not happened yet.
    table = table.filter(pc.less_equal(table.column("timestamp"), pa.scalar(now, pa.timestamp("s", tz="UTC"))))
    return table.sort_by([("timestamp", "ascending"), ("session_id", "ascending")])


def _habit(
    columns: _Columns, rng: random.Random, user: str, habit: Habit, span: tuple[int, int], hit_at: int | None
) -> None:
    """The user's sessions over ``span``: a Poisson process at their own rate, which drops at ``hit_at``
    (or stops there, for the :data:`STOPPED_SHARE`) when the outage hit them."""
    per_day = habit.sessions_per_week / 7 * rng.gammavariate(4.0, 0.25)  # mean 1: habits differ
    stopped = hit_at is not None and rng.random() < STOPPED_SHARE
    at = span[0] + rng.expovariate(per_day) * DAY_SECONDS
    while at < span[1]:
        after = hit_at is not None and at >= hit_at
        if after and stopped:
            return
        if not after or rng.random() < SESSIONS_AFTER:
            chance = habit.purchase_chance * (PURCHASES_AFTER if after else 1.0)
            _session(columns, rng, user, int(at), habit, purchase=rng.random() < chance)
        at += rng.expovariate(per_day) * DAY_SECONDS


def _session(
    columns: _Columns,
    rng: random.Random,
    user: str,
    at: int,
    habit: Habit,
    *,
    purchase: bool,
    at_checkout: bool = False,
) -> None:
    """One visit from ``at``: browsing, and to checkout when it buys (or ``at_checkout``: it got there)."""
    columns.sessions += 1
    steps = ["login"] if rng.random() < 0.6 else []
    steps += ["home"] + ["search"] * int(rng.random() * 3) + ["product_view"] * (1 + int(rng.random() * 3))
    if purchase or at_checkout:
        steps += ["cart", "checkout"]
    elif rng.random() < 0.2:
        steps.append("cart")  # abandoned
    low, high = STEP_SECONDS
    for event in steps:
        columns.add(user, at, event)
        at += low + int(rng.random() * (high - low))
    if purchase:
        columns.add(user, at, "purchase", round(rng.uniform(*habit.basket), 2))


def seed_churn(
    session: Session,
    *,
    secret: bytes,
    now: datetime,
    incident: Incident,
    customers: Mapping[str, CustomerTier],
    affected: set[str],
    events_path: Path | None = None,
) -> ChurnRun:
    """The events (written to ``events_path`` as gzipped CSV when given), the silent-churn analysis of
    ``incident`` over them on DuckDB, pseudonymised with ``secret`` as the exposure ledger is, and its
    report stored as the demo's :class:`~trustops.analytics.models.ChurnRun`."""
    from trustops.analytics import store
    from trustops.analytics.churn import ChurnOptions, analyse
    from trustops.analytics.churn_context import cohort_for_incident, with_incident_context
    from trustops.analytics.events import connect, load_events

    rng = random.Random(7)  # its own: the rest of the demo stays as it was
    start, end = incident.started_at, incident.resolved_at or now
    table = product_events(rng, now, customers=customers, affected=affected, incident_start=start, incident_end=end)
    if events_path is not None:
        write_events(table, events_path)
    backend = connect("duckdb")
    events = load_events(backend, backend.create_table("demo_raw_events", table), engine="duckdb", secret=secret)
    # Pseudonymised once: the analysis runs several queries over the same events.
    events = replace(events, table=backend.create_table("demo_events", events.table))
    session.flush()  # the exposure ledger is the cohort
    cohort = cohort_for_incident(session, incident.id, window_events=WINDOW_EVENTS, controls="window")
    options = ChurnOptions(horizons=(30,), currency=CURRENCY, recovery_costs=RECOVERY_COSTS)
    report = with_incident_context(session, analyse(events, cohort, options), now=now)
    run = store.record(session, report, actor="demo")
    run.created_at = now
    return run


def write_events(table: pa.Table, path: Path) -> None:
    """``table`` as a gzipped CSV at ``path`` (times in ISO 8601, UTC)."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    # One buffer compressed at once: pyarrow's compressed stream is several times slower on small writes.
    buffer = pa.BufferOutputStream()
    pa_csv.write_csv(table, buffer)
    with gzip.open(path, "wb", compresslevel=6) as file:
        file.write(buffer.getvalue().to_pybytes())
