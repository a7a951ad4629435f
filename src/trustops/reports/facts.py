"""What an executive post-incident report says, as plain frozen values.

:func:`trustops.reports.incident_report.incident_report` gathers them from the stores; the HTML and PDF
renderers, the API's JSON and the CLI only read them. Every section can be empty, and an empty one
says so: a report never shows a number that is not stored somewhere. Customers appear only as counts,
tiers and key-account names; mention texts were redacted when they were ingested.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from trustops.analytics.churn_report import Debt, Estimate


@dataclass(frozen=True)
class Overview:
    incident_id: int
    title: str
    state: str
    impact: str
    source: str
    components: tuple[str, ...]  # their catalog names
    started_at: datetime
    detected_at: datetime
    resolved_at: datetime | None
    minutes: float  # from start to resolution, or to the report's time while still open


@dataclass(frozen=True)
class Moment:
    """One row of the report's timeline: a state change, an update, a decision, a spike, a reminder…"""

    at: datetime
    what: str  # "Opened", "Identified", "Update", "Channel decision"…
    text: str
    audience: str | None  # public, targeted or internal for messages; None for the rest
    by: str  # "team" for a person, else the signal that wrote it (probe, listening, trustops…)


@dataclass(frozen=True)
class TierHit:
    tier: str
    affected: int
    value: float  # their annual value


@dataclass(frozen=True)
class AccountHit:
    account: str
    tier: str
    affected: int
    value: float
    called: bool | None  # its manager's call task done; None when there is no task


@dataclass(frozen=True)
class Reach:
    """Who was hit, from the exposure ledger: distinct users who saw errors on its components meanwhile."""

    affected: int
    active: int
    share: float
    value: float
    tiers: tuple[TierHit, ...]  # tiers with someone hit, most valuable first
    accounts: tuple[AccountHit, ...]  # key accounts hit, most valuable first
    calls_done: int
    calls: int  # account-manager tasks for the incident


@dataclass(frozen=True)
class Quote:
    at: datetime
    channel: str
    text: str  # redacted at ingest


@dataclass(frozen=True)
class Bin:
    start: datetime
    mentions: int
    negative: int


@dataclass(frozen=True)
class Voice:
    """What customers said about the incident's components during it (and its spikes' windows) and after."""

    start: datetime
    end: datetime
    mentions: int
    negative: int
    complaints: int
    intents: tuple[tuple[str, int], ...]  # the most frequent intents, with their mentions
    quotes: tuple[Quote, ...]
    spikes: tuple[str, ...]  # the sentences of the complaint spikes joined to the incident
    bins: tuple[Bin, ...]  # mentions over a wider span than start..end, for the chart
    bin_hours: int

    @property
    def negative_share(self) -> float:
        return self.negative / self.mentions if self.mentions else 0.0


@dataclass(frozen=True)
class Update:
    at: datetime
    audience: str
    state: str
    text: str
    minutes: float  # after detection


@dataclass(frozen=True)
class Sent:
    """Messages about the incident to one audience, by how far they got."""

    audience: str
    sent: int
    failed: int
    pending: int


@dataclass(frozen=True)
class Comms:
    channel: str | None  # None: never decided
    rule: str | None
    reason: str | None
    decided_at: datetime | None
    overridden: bool
    updates: tuple[Update, ...]  # messages customers could read, oldest first
    first_update_minutes: float | None  # detection to the first of them
    first_update_target: int | None  # None: the channel promises no update (internal, retrospective)
    cadence_minutes: int | None
    gaps: int  # between customer-facing messages up to resolution
    late_gaps: int  # of them longer than the cadence
    overdue_reminders: int
    deliveries: tuple[Sent, ...]
    apology: str | None
    apology_at: datetime | None
    apology_ear: float | None  # mean empathy, accountability and resolution score, 0..100

    @property
    def first_update_on_time(self) -> bool | None:
        if self.first_update_minutes is None or self.first_update_target is None:
            return None
        return self.first_update_minutes <= self.first_update_target


@dataclass(frozen=True)
class Hold:
    """A marketing-guard window the incident opened, for the users it hit."""

    rule: str
    label: str
    users: int
    since: datetime
    until: datetime | None  # None: until the incident is resolved
    active: bool


@dataclass(frozen=True)
class ThankYou:
    eligible: int  # affected loyal and enterprise customers outside the holdout
    held_out: int
    stable_since: datetime | None
    ready_at: datetime | None
    ready: bool


@dataclass(frozen=True)
class Guard:
    holds: tuple[Hold, ...]
    thank_you: ThankYou | None  # None: nobody was hit
    runs: int  # bulk audience checks while its windows were open
    held_back: int  # users those checks held back under its rules (every incident's windows together)


@dataclass(frozen=True)
class Churn:
    """The newest silent-churn run recorded for the incident."""

    run_id: int
    recorded_at: datetime
    verdict: str
    treated: int
    controls: int
    early_churn: Estimate | None  # affected less matched customers gone quiet, as a share (0.05 = 5 points)
    early_churn_days: int | None
    debt: Debt | None


@dataclass(frozen=True)
class TrustDrop:
    """What the incident took off the trust index of all customers, and what is still missing of it."""

    drop: float
    remaining: float
    index_now: float


@dataclass(frozen=True)
class IncidentReport:
    generated_at: datetime
    overview: Overview
    summary: tuple[str, ...]
    timeline: tuple[Moment, ...]
    reach: Reach
    voice: Voice
    comms: Comms
    guard: Guard
    churn: Churn | None
    trust: TrustDrop | None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = _plain(asdict(self))
        data["voice"]["negative_share"] = self.voice.negative_share
        data["comms"]["first_update_on_time"] = self.comms.first_update_on_time
        return data


def _plain(value: Any) -> Any:
    """JSON types only: times as ISO 8601, enums as their values, tuples as lists, NaN as null."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
