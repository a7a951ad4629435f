"""Small synthetic product events with a planted silent churn, for the churn tests: ``users`` people visit
in sessions (home, product_view, a login at the start, sometimes a purchase) for 120 days; an incident on day
90 hits ``affected`` users, some of whom then visit and buy less. Deterministic for a seed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa

START = datetime(2025, 1, 1, tzinfo=UTC)
INCIDENT = START + timedelta(days=90)
INCIDENT_END = INCIDENT + timedelta(hours=6)
DAYS = 121


@dataclass(frozen=True)
class Synthetic:
    table: pa.Table
    affected: frozenset[str]
    users: int


def synthetic_events(
    *, users: int = 400, affected_share: float = 0.25, drop: float = 0.5, seed: int = 7, sessions: bool = True
) -> Synthetic:
    """``drop``: the share of post-incident sessions the affected users no longer have."""
    rng = np.random.default_rng(seed)
    rows: dict[str, list[object]] = {"user_id": [], "session_id": [], "event": [], "timestamp": [], "amount": []}
    affected = set()
    start = int(START.timestamp())
    incident = int(INCIDENT.timestamp())
    for number in range(users):
        user = f"u{number:04d}"
        hit = number < users * affected_share
        if hit:
            affected.add(user)
        rate = rng.uniform(0.15, 0.6)  # sessions per day
        first_day = int(rng.integers(0, 40))
        in_window = hit or rng.random() < 0.6  # controls: most were around during the incident
        days = [day for day in range(first_day, DAYS) if rng.random() < rate]
        if in_window:
            days.append(90)
        for index, day in enumerate(sorted(set(days))):
            second = start + day * 86_400 + int(rng.integers(8 * 3600, 20 * 3600))
            if day == 90:
                second = incident + int(rng.integers(0, 5 * 3600))
            elif hit and second > incident and rng.random() < drop:
                continue
            buys = rng.random() < 0.3
            names = ["login", "home", "product_view", "cart"] + (["purchase"] if buys else [])
            for offset, name in enumerate(names):
                rows["user_id"].append(user)
                rows["session_id"].append(f"{user}-{index}")
                rows["event"].append(name)
                rows["timestamp"].append(
                    datetime.fromtimestamp(second + 60 * offset, UTC).strftime("%Y-%m-%d %H:%M:%S")
                )
                rows["amount"].append(round(float(rng.uniform(20, 80)), 2) if name == "purchase" else None)
    if not sessions:
        del rows["session_id"]
    return Synthetic(pa.table(rows), frozenset(affected), users)
