"""Tables of brand listening: redacted mentions, their intents, stored models and raised spikes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trustops import clock
from trustops.db import Base, UTCDateTime
from trustops.enums import enum_column
from trustops.listen.schema import Channel, Intent, Sentiment


class Mention(Base):
    """One post, ticket or review, as stored: text redacted, author pseudonymised, classified.

    Nothing here holds a raw personal value: :mod:`trustops.listen.pipeline` redacts the text, title,
    URL and metadata and replaces the author by a keyed pseudonym before the row is built.
    """

    __tablename__ = "mentions"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_mentions_published_at", "published_at"),
        Index("ix_mentions_component_id_published_at", "component_id", "published_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(255))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    author_key: Mapped[str | None] = mapped_column(String(64))
    author_reach: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    url: Mapped[str | None] = mapped_column(Text)
    brand: Mapped[str | None] = mapped_column(String(255))
    vendor_sentiment: Mapped[str | None] = mapped_column(String(64))
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    redactions: Mapped[int] = mapped_column(Integer, default=0)
    sentiment: Mapped[Sentiment] = mapped_column(enum_column(Sentiment))
    sentiment_score: Mapped[float] = mapped_column(Float)
    complaint: Mapped[bool] = mapped_column(Boolean)
    complaint_score: Mapped[float] = mapped_column(Float)
    component_id: Mapped[str | None] = mapped_column(ForeignKey("components.id", ondelete="SET NULL"))
    component_confidence: Mapped[float] = mapped_column(Float, default=0.0)

    intents: Mapped[list[MentionIntent]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )

    @property
    def intent_names(self) -> list[str]:
        return sorted(i.intent.value for i in self.intents)


class MentionIntent(Base):
    """A mention's intent hint, one row each, so spikes per intent are one indexed count."""

    __tablename__ = "mention_intents"
    __table_args__ = (Index("ix_mention_intents_intent_published_at", "intent", "published_at"),)

    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True)
    intent: Mapped[Intent] = mapped_column(enum_column(Intent), primary_key=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the mention's, copied for the window counts


class ListenModel(Base):
    """A classifier a user trained on their own labelled examples; the newest per task is used."""

    __tablename__ = "listen_models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task: Mapped[str] = mapped_column(String(16), index=True)  # sentiment | component
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    created_by: Mapped[str] = mapped_column(String(120))
    examples: Mapped[int] = mapped_column(Integer)
    classes: Mapped[list[str]] = mapped_column(JSON, default=list)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    blob: Mapped[bytes] = mapped_column(LargeBinary)


class SpikeAlert(Base):
    """A statistically significant rise in complaints about a component or in an intent."""

    __tablename__ = "spike_alerts"
    __table_args__ = (Index("ix_spike_alerts_subject_key_kind_raised_at", "subject", "key", "kind", "raised_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(16))  # component | intent
    key: Mapped[str] = mapped_column(String(63))
    kind: Mapped[str] = mapped_column(String(8))  # volume | share
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    observed: Mapped[float] = mapped_column(Float)
    expected: Mapped[float] = mapped_column(Float)
    change: Mapped[float] = mapped_column(Float)
    p_value: Mapped[float] = mapped_column(Float)
    severity: Mapped[int] = mapped_column(Integer)
    baseline: Mapped[str] = mapped_column(String(120))
    sentence: Mapped[str] = mapped_column(Text)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"))
