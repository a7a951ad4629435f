"""What the guard is holding back right now, for the dashboard and ``GET /api/v1/guard/windows|stats``.

Computed from the in-memory :class:`~trustops.guard.facts.FactBook` (windows, readiness) and the decision log
(stats); plain dataclasses, no web types.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trustops.config import Policy
from trustops.enums import Impact
from trustops.guard.facts import FactBook, IncidentHit
from trustops.guard.models import GuardDecision
from trustops.guard.rules import HELP_NOT_OFFERS, OUTAGE_COOLDOWN, THANKED_TIERS, cooldown_ends
from trustops.monitor.models import Incident

ENDING_SOON = timedelta(days=3)


@dataclass(frozen=True)
class GuardWindow:
    """One incident's hold on some campaigns: which rule, how many users, until when (None: still open)."""

    incident_id: int
    title: str
    impact: Impact
    rule: str
    affected: int
    until: datetime | None


@dataclass(frozen=True)
class ThankYouReadiness:
    """Whether a thank-you campaign about one incident may go out, and to how many."""

    incident_id: int
    title: str
    eligible: int  # affected loyal and enterprise users outside the holdout
    held_out: int  # the same, in the holdout (they get no remediation campaign)
    stable_since: datetime | None
    ready_at: datetime | None  # stable_since + thank_you_stable_days
    ready: bool


@dataclass(frozen=True)
class Overview:
    now: datetime
    windows: list[GuardWindow]  # active, soonest end first, open ones last
    ending_soon: list[GuardWindow]  # outage cool-downs ending within three days
    thank_you: list[ThankYouReadiness]  # incidents open or resolved within the error window
    recently_hurt: int  # users with an error within error_window_days (no promotions)


@dataclass(frozen=True)
class RuleCount:
    rule: str
    allowed: int
    denied: int


def overview(session: Session, book: FactBook, *, policy: Policy, now: datetime) -> Overview:
    """Active windows per incident, cool-downs ending soon, thank-you readiness, and the recently hurt."""
    hit_users: dict[IncidentHit, list[tuple[bool, bool]]] = defaultdict(list)  # (thanked tier, holdout)
    window_start = now - timedelta(days=policy.error_window_days)
    recently_hurt = 0
    for facts in book.users():
        if facts.last_error_at is not None and facts.last_error_at > window_start:
            recently_hurt += 1
        for hit in facts.hit_by:
            hit_users[hit].append((facts.tier in THANKED_TIERS, facts.holdout))
    titles = _titles(session, [hit.incident_id for hit in hit_users])
    windows = [w for hit, users in hit_users.items() for w in _windows(hit, len(users), titles, policy, now)]
    windows.sort(key=lambda w: (w.until is None, w.until or now, w.incident_id, w.rule))
    soon = [w for w in windows if w.rule == OUTAGE_COOLDOWN and w.until is not None and w.until - now <= ENDING_SOON]
    readiness = [
        _readiness(hit, users, titles[hit.incident_id], policy, now)
        for hit, users in sorted(hit_users.items(), key=lambda item: item[0].incident_id)
        if hit.resolved_at is None or hit.resolved_at > window_start
    ]
    return Overview(now, windows, soon, readiness, recently_hurt)


def _windows(
    hit: IncidentHit, affected: int, titles: dict[int, str], policy: Policy, now: datetime
) -> list[GuardWindow]:
    found = []
    if hit.site_wide:
        ends = cooldown_ends(hit, policy)
        if ends is None or now < ends:
            found.append(
                GuardWindow(hit.incident_id, titles[hit.incident_id], hit.impact, OUTAGE_COOLDOWN, affected, ends)
            )
    help_ends = None if hit.resolved_at is None else hit.resolved_at + timedelta(days=policy.help_window_days)
    if help_ends is None or now < help_ends:
        found.append(
            GuardWindow(hit.incident_id, titles[hit.incident_id], hit.impact, HELP_NOT_OFFERS, affected, help_ends)
        )
    return found


def _readiness(
    hit: IncidentHit, users: list[tuple[bool, bool]], title: str, policy: Policy, now: datetime
) -> ThankYouReadiness:
    eligible = sum(1 for thanked, holdout in users if thanked and not holdout)
    held_out = sum(1 for thanked, holdout in users if thanked and holdout)
    ready_at = None if hit.stable_since is None else hit.stable_since + timedelta(days=policy.thank_you_stable_days)
    ready = ready_at is not None and now >= ready_at
    return ThankYouReadiness(hit.incident_id, title, eligible, held_out, hit.stable_since, ready_at, ready)


def _titles(session: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {
        id_: title for id_, title in session.execute(select(Incident.id, Incident.title).where(Incident.id.in_(ids)))
    }


def decision_stats(session: Session, *, now: datetime, days: int = 7) -> list[RuleCount]:
    """Decisions of the API per rule over the last ``days`` days, most frequent first."""
    query = (
        select(GuardDecision.rule, GuardDecision.allowed, func.count())
        .where(GuardDecision.at >= now - timedelta(days=days))
        .group_by(GuardDecision.rule, GuardDecision.allowed)
    )
    allowed: Counter[str] = Counter()
    denied: Counter[str] = Counter()
    for rule, was_allowed, count in session.execute(query):
        (allowed if was_allowed else denied)[rule] += int(count)
    rules = sorted(allowed.keys() | denied.keys(), key=lambda r: (-(allowed[r] + denied[r]), r))
    return [RuleCount(rule, allowed[rule], denied[rule]) for rule in rules]
