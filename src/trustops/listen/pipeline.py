"""The mention pipeline: redact, pseudonymise, classify, store — in that order, batch by batch.

Nothing raw is stored: the text, title, URL and every string in the metadata pass through
:func:`trustops.listen.redact.redact` first; metadata keys that identify the author (screen names,
profile URLs, bios, avatars…) are dropped; the author becomes a keyed pseudonym. Deliveries are
idempotent on (source, external id): a mention already stored, or repeated within the batch, is
counted as a duplicate and neither classified nor written again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from trustops.listen.classify import Classification, Classifier
from trustops.listen.models import Mention, MentionIntent
from trustops.listen.redact import redact
from trustops.listen.schema import MentionIn
from trustops.privacy import pseudonymise

# Metadata keys that name or point at the author: dropped whole, not merely redacted.
_IDENTIFYING = re.compile(r"(author|screen.?name|user|handle|profile|avatar|bio|e-?mail|phone|name$|influencer)", re.I)
_MAX_META_DEPTH = 4
_MAX_META_STRING = 2_000


@dataclass(frozen=True)
class IngestResult:
    accepted: int  # stored now
    duplicates: int  # already stored, or repeated within the batch
    redactions: int  # personal values removed from the accepted mentions

    def __add__(self, other: IngestResult) -> IngestResult:
        return IngestResult(
            self.accepted + other.accepted, self.duplicates + other.duplicates, self.redactions + other.redactions
        )


EMPTY = IngestResult(0, 0, 0)


def author_key(secret: bytes, channel: str, author: str) -> str:
    """The author's pseudonym: the same handle on the same network is the same person across vendors."""
    handle = author.strip().lstrip("@").lower()
    return pseudonymise(secret, f"author:{channel}:{handle}")


def ingest(
    session: Session,
    mentions: Sequence[MentionIn],
    *,
    classifier: Classifier,
    secret: bytes,
    now: datetime,
) -> IngestResult:
    """Store the new mentions of a batch; returns what became of them."""
    fresh = _new_only(session, mentions)
    if not fresh:
        return IngestResult(0, len(mentions), 0)
    rows = [_redacted_row(m, secret, now) for m in fresh]
    labels = classifier.classify(
        [row["text"] if not row["title"] else f"{row['title']}. {row['text']}" for row in rows]
    )
    for row, label in zip(rows, labels, strict=True):
        row.update(_label_columns(label))
    stored = _insert(session, rows, now)
    intents = [
        {
            "mention_id": stored[(row["source"], row["external_id"])],
            "intent": intent,
            "published_at": row["published_at"],
        }
        for row, label in zip(rows, labels, strict=True)
        if (row["source"], row["external_id"]) in stored
        for intent in label.intents
    ]
    if intents:
        session.execute(cast(Table, MentionIntent.__table__).insert(), intents)
    redactions = sum(row["redactions"] for row in rows if (row["source"], row["external_id"]) in stored)
    return IngestResult(len(stored), len(mentions) - len(stored), redactions)


def _new_only(session: Session, mentions: Sequence[MentionIn]) -> list[MentionIn]:
    """The batch without repeats and without mentions already stored (one indexed query per source)."""
    unique: dict[tuple[str, str], MentionIn] = {}
    for mention in mentions:
        unique.setdefault((mention.source, mention.external_id), mention)
    by_source: dict[str, list[str]] = {}
    for source, external_id in unique:
        by_source.setdefault(source, []).append(external_id)
    known: set[tuple[str, str]] = set()
    for source, ids in by_source.items():
        query = select(Mention.external_id).where(Mention.source == source, Mention.external_id.in_(ids))
        known.update((source, external_id) for external_id in session.scalars(query))
    return [m for key, m in unique.items() if key not in known]


def _redacted_row(mention: MentionIn, secret: bytes, now: datetime) -> dict[str, Any]:
    text = redact(mention.text)
    title = redact(mention.title) if mention.title else None
    url = redact(mention.url) if mention.url else None
    meta, meta_count = _redact_meta(mention.metadata, 0)
    published = mention.published_at
    published = published.replace(tzinfo=UTC) if published.tzinfo is None else published.astimezone(UTC)
    counted = sum(text.counts.values()) + sum(title.counts.values() if title else ()) + meta_count
    return {
        "source": mention.source,
        "external_id": mention.external_id,
        "channel": mention.channel,
        "published_at": min(published, now),
        "ingested_at": now,
        "author_key": author_key(secret, mention.channel.value, mention.author) if mention.author else None,
        "author_reach": mention.author_reach,
        "title": title.text if title else None,
        "text": text.text,
        "language": mention.language,
        "url": url.text if url else None,
        "brand": mention.brand,
        "vendor_sentiment": mention.vendor_sentiment,
        "metadata": meta,
        "redactions": counted + (sum(url.counts.values()) if url else 0),
    }


def _redact_meta(value: Any, depth: int) -> tuple[Any, int]:
    """Metadata with identifying keys dropped and every string redacted; returns it and the count."""
    if isinstance(value, str):
        found = redact(value[:_MAX_META_STRING])
        return found.text, sum(found.counts.values())
    if depth >= _MAX_META_DEPTH:
        return None, 0
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        total = 0
        for key, item in value.items():
            if _IDENTIFYING.search(str(key)):
                continue
            out[str(key)], n = _redact_meta(item, depth + 1)
            total += n
        return out, total
    if isinstance(value, list | tuple):
        items = [_redact_meta(item, depth + 1) for item in value]
        return [item for item, _ in items], sum(n for _, n in items)
    if value is None or isinstance(value, bool | int | float):
        return value, 0
    return None, 0


def _label_columns(label: Classification) -> dict[str, Any]:
    return {
        "sentiment": label.sentiment,
        "sentiment_score": label.sentiment_score,
        "complaint": label.complaint,
        "complaint_score": label.complaint_score,
        "component_id": label.component_id,
        "component_confidence": label.component_confidence,
    }


def _insert(session: Session, rows: list[dict[str, Any]], now: datetime) -> dict[tuple[str, str], int]:
    """Insert ``rows``, skipping (source, external id) pairs stored meanwhile; the ids of those that went in.

    A plain executemany (no RETURNING) is about five times faster on PostgreSQL; the rows this call
    wrote are then found by their key and by ``ingested_at``, which is this batch's own timestamp, so a
    concurrent writer's copy of the same mention is not counted twice.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(Table, Mention.__table__)
    session.execute(insert(table).on_conflict_do_nothing(index_elements=[table.c.source, table.c.external_id]), rows)
    by_source: dict[str, list[str]] = {}
    for row in rows:
        by_source.setdefault(row["source"], []).append(row["external_id"])
    stored: dict[tuple[str, str], int] = {}
    for source, ids in by_source.items():
        query = select(Mention.id, Mention.external_id).where(
            Mention.source == source, Mention.external_id.in_(ids), Mention.ingested_at == now
        )
        stored.update(((source, external_id), id_) for id_, external_id in session.execute(query))
    return stored


def batched(items: Iterable[MentionIn], size: int) -> Iterable[list[MentionIn]]:
    batch: list[MentionIn] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
