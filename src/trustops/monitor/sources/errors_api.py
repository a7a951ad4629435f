"""The body of trustops' own ``POST /api/v1/ingest/errors``: one error report or a list of them.

For applications without Sentry: each report says which user saw an error in which component, and when.
``message`` is accepted so that existing loggers can post unchanged, and dropped here: trustops stores
who was affected, never what they were shown.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from trustops.errors import InvalidInput
from trustops.monitor.signals import ErrorEvent
from trustops.monitor.sources._fields import fail, format_path, kind_of, show

MAX_BATCH = 1_000


class ErrorReport(BaseModel):
    """One error a user saw."""

    model_config = ConfigDict(extra="forbid")

    user_id: str = Field(min_length=1, max_length=256, description="Your identifier for the user; pseudonymised.")
    component: str = Field(min_length=1, max_length=64, description="The catalog id of the component.")
    occurred_at: AwareDatetime = Field(description="When the user saw it, with a timezone offset.")
    kind: str = Field("error", min_length=1, max_length=32, pattern=r"^[a-z_]+$")
    message: str | None = Field(None, description="Accepted and never stored.")
    event_id: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="Your id for this error; a retried report with it is stored once.",
    )

    def to_event(self) -> ErrorEvent:
        return ErrorEvent(
            source="api",
            occurred_at=self.occurred_at.astimezone(UTC),
            kind=self.kind,
            user_id=self.user_id,
            component_id=self.component,
            event_id=self.event_id,
        )


_BATCH = TypeAdapter(list[ErrorReport])


def parse_error_batch(body: Any) -> list[ErrorEvent]:
    """Validate one report or a list of at most 1,000; the first problem names its path, e.g. ``[3].occurred_at``."""
    if not isinstance(body, dict | list):
        raise fail("body", f"expected an object or a list of objects, got {kind_of(body)}")
    if isinstance(body, list) and len(body) > MAX_BATCH:
        raise fail("body", f"{len(body):,} reports; send at most {MAX_BATCH:,} per request")
    try:
        reports = _BATCH.validate_python(body) if isinstance(body, list) else [ErrorReport.model_validate(body)]
    except ValidationError as exc:
        raise _invalid(exc) from None
    return [report.to_event() for report in reports]


def _invalid(exc: ValidationError) -> InvalidInput:
    errors = exc.errors()
    first = errors[0]
    path = format_path(first["loc"]) or "body"
    if first["type"] == "missing":
        problem = "required"
    elif first["type"] == "extra_forbidden":
        problem = "unknown field"
    else:
        problem = f"{show(first['input'])}: {first['msg'][:1].lower()}{first['msg'][1:]}"
    others = len(errors) - 1
    more = f" (and {others} more problem{'s' if others > 1 else ''})" if others else ""
    return InvalidInput(f"{path}: {problem}{more}", field=path)
