"""The neutral mention record every source is turned into before the pipeline sees it.

The API, NDJSON files and vendor exports (Meltwater, Talkwalker, Brandwatch, any CSV with a column
mapping) all produce :class:`MentionIn`. Its texts and author are still raw here: the pipeline redacts
and pseudonymises them before anything is stored (formats.md §11, DESIGN.md "Our own data minimisation").
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Channel(StrEnum):
    """Where the author spoke (formats.md §11 ``channel``, plus support tickets and app reviews)."""

    X = "x"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    REDDIT = "reddit"
    NEWS = "news"
    BLOG = "blog"
    FORUM = "forum"
    REVIEW = "review"
    TICKET = "ticket"
    OTHER = "other"


class Sentiment(StrEnum):
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


class Intent(StrEnum):
    """What a mention is about, beyond its mood. One mention may carry several."""

    OUTAGE = "outage"
    SLOWNESS = "slowness"
    PAYMENT_FAILURE = "payment_failure"
    LOGIN_FAILURE = "login_failure"
    PRIVACY_WORRY = "privacy_worry"
    TRUST_DOUBT = "trust_doubt"


MAX_TEXT = 20_000


class MentionIn(BaseModel):
    """One post, ticket, review or forum message as a source delivers it.

    Keys it does not know are never a reason to refuse a mention (formats.md: parse leniently): they are
    kept in ``metadata``, which the pipeline redacts like the text.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _unknown_keys_into_metadata(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        unknown = {key: value for key, value in data.items() if key not in cls.model_fields}
        if not unknown:
            return data
        known = {key: value for key, value in data.items() if key in cls.model_fields}
        metadata = known.get("metadata")
        known["metadata"] = {**unknown, **metadata} if isinstance(metadata, dict) else {**unknown}
        return known

    source: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")] = Field(
        description="Who delivered it: meltwater, talkwalker, brandwatch, zendesk, csv, api…"
    )
    external_id: Annotated[str, Field(min_length=1, max_length=255)] = Field(
        description="The source's own id; (source, external_id) is the deduplication key."
    )
    channel: Channel = Field(default=Channel.OTHER, description="Social post, ticket, review, forum…")
    published_at: datetime = Field(description="When the author posted it (ISO 8601; naive means UTC).")
    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)] = Field(description="What the author wrote.")
    title: str | None = Field(default=None, max_length=1_000)
    author: str | None = Field(default=None, max_length=255, description="Handle or id; stored pseudonymised.")
    author_reach: int | None = Field(default=None, ge=0, description="Followers, fans or page views.")
    language: str | None = Field(default=None, max_length=16)
    url: str | None = Field(default=None, max_length=2_048)
    brand: str | None = Field(default=None, max_length=255)
    vendor_sentiment: str | None = Field(default=None, max_length=64, description="The vendor's own label.")
    metadata: dict[str, Any] = Field(default_factory=dict, description="Anything else the source sent.")

    @field_validator("language")
    @classmethod
    def _lower_language(cls, value: str | None) -> str | None:
        return value.lower() if value else value
