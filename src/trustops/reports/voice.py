"""What customers said during an incident: mentions classified onto its components while it ran (and in
the 24-hour windows of the complaint spikes joined to it) and for a few hours after, as stored at ingest —
texts already redacted, authors already pseudonymous."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from trustops.clock import as_utc
from trustops.listen.models import Mention, MentionIntent, SpikeAlert
from trustops.listen.schema import Sentiment
from trustops.listen.watch import INTENT_LABELS, WINDOW
from trustops.monitor.models import Incident
from trustops.reports.facts import Bin, Quote, Voice

AFTER = timedelta(hours=6)  # complaints go on for a while after the fix (double charges, lost carts)
MAX_BINS = 48
BIN_HOURS = (1, 2, 3, 6, 12, 24)
TOP_INTENTS = 3
QUOTES = 3
QUOTE_CHARS = 240


def voice(session: Session, incident: Incident, *, now: datetime) -> Voice:
    """Volume, negative share, top intents, a few quotes and the spikes of the incident's window."""
    spikes = list(
        session.scalars(
            select(SpikeAlert)
            .where(SpikeAlert.incident_id == incident.id)
            .order_by(SpikeAlert.raised_at, SpikeAlert.id)
        )
    )
    start, end = window(incident, [as_utc(s.window_end) for s in spikes], now)
    inside = _about(incident, start, end)
    mentions, negative, complaints = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((Mention.sentiment == Sentiment.NEGATIVE, 1), else_=0)), 0),
            func.coalesce(func.sum(case((Mention.complaint.is_(True), 1), else_=0)), 0),
        ).where(inside)
    ).one()
    bins, hours = _bins(session, incident, start, end)
    return Voice(
        start=start,
        end=end,
        mentions=int(mentions),
        negative=int(negative),
        complaints=int(complaints),
        intents=_intents(session, inside),
        quotes=_quotes(session, inside),
        spikes=tuple(s.sentence for s in spikes),
        bins=bins,
        bin_hours=hours,
    )


def window(incident: Incident, spike_ends: list[datetime], now: datetime) -> tuple[datetime, datetime]:
    """From the incident's start (or the earliest spike window joined to it) to a few hours after its end."""
    start = min([as_utc(incident.started_at), *(end - WINDOW for end in spike_ends)])
    end = as_utc(incident.resolved_at) + AFTER if incident.resolved_at else as_utc(now)
    return start, max(start, min(end, as_utc(now)))


def _about(incident: Incident, start: datetime, end: datetime) -> ColumnElement[bool]:
    components = [link.component_id for link in incident.components]
    return and_(Mention.component_id.in_(components), Mention.published_at >= start, Mention.published_at <= end)


def _intents(session: Session, inside: ColumnElement[bool]) -> tuple[tuple[str, int], ...]:
    rows = session.execute(
        select(MentionIntent.intent, func.count())
        .join(Mention, Mention.id == MentionIntent.mention_id)
        .where(inside)
        .group_by(MentionIntent.intent)
        .order_by(func.count().desc(), MentionIntent.intent)
        .limit(TOP_INTENTS)
    ).all()
    return tuple((INTENT_LABELS.get(intent, str(intent)), int(n)) for intent, n in rows)


def _quotes(session: Session, inside: ColumnElement[bool]) -> tuple[Quote, ...]:
    """Negative mentions, complaints first, then those that reached the most people."""
    query = (
        select(Mention)
        .where(inside, Mention.sentiment == Sentiment.NEGATIVE)
        .order_by(Mention.complaint.desc(), func.coalesce(Mention.author_reach, 0).desc(), Mention.id)
        .limit(QUOTES)
    )
    return tuple(Quote(m.published_at, m.channel.value, _short(m.text)) for m in session.scalars(query))


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1].rstrip() + "…"


def _bins(session: Session, incident: Incident, start: datetime, end: datetime) -> tuple[tuple[Bin, ...], int]:
    """Mentions per bin from some time before ``start`` to ``end``: before, during and after the incident."""
    before = min(timedelta(hours=24), max(timedelta(hours=2), (end - start) / 2))
    first = (start - before).replace(minute=0, second=0, microsecond=0)
    span_hours = max(1.0, (end - first).total_seconds() / 3600)
    hours = next((h for h in BIN_HOURS if span_hours / h <= MAX_BINS), math.ceil(span_hours / MAX_BINS))
    size = timedelta(hours=hours)
    n = max(1, math.ceil(span_hours / hours))
    counts, negative = [0] * n, [0] * n
    rows = session.execute(
        select(Mention.published_at, Mention.sentiment).where(_about(incident, first, first + n * size))
    )
    for at, sentiment in rows:
        index = min(n - 1, int((as_utc(at) - first) / size))
        counts[index] += 1
        negative[index] += sentiment is Sentiment.NEGATIVE
    return tuple(Bin(first + i * size, counts[i], negative[i]) for i in range(n)), hours
