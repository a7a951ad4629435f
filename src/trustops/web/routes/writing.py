"""Writing aids over HTTP: the EAR lint, and update and apology drafts for an incident.

``POST /api/v1/comms/lint`` checks an apology e-mail (scored for Empathy, Accountability and
Resolution) or a public status update (checked against every internal component's name and id).
``GET /api/v1/incidents/{id}/drafts`` gives one update draft per state and an apology draft with its
report; nothing is stored or sent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import select

from trustops.accounts.models import ApiToken, Scope
from trustops.catalog.models import Component
from trustops.comms.apology import draft_apology
from trustops.comms.ear import LintReport, lint, lint_update
from trustops.comms.templates import cadence_minutes, drafts, internal_names, next_update_by
from trustops.monitor.exposure import blast_radius
from trustops.monitor.incidents import get_incident
from trustops.web.deps import ClockDep, PolicyDep, SessionDep, require

router = APIRouter(tags=["writing"])
Writer = Annotated[ApiToken, Depends(require(Scope.COMMS))]
Reader = Annotated[ApiToken, Depends(require(Scope.READ, Scope.COMMS))]
MAX_TEXT_BYTES = 100_000
MAX_PART = 2_000


class LintRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(description=f"The e-mail body or the update, at most {MAX_TEXT_BYTES:,} bytes of UTF-8.")
    subject: str = Field("", max_length=998, description="The e-mail's subject line, checked too.")
    kind: Literal["email", "update"] = Field("email", description="`update` is not scored, only checked.")
    incident_open: bool = Field(False, description="While the incident is open, a guessed fix time is flagged.")

    @field_validator("text")
    @classmethod
    def _sized(cls, text: str) -> str:
        if not text.strip():
            raise PydanticCustomError("empty_text", "must not be empty")
        size = len(text.encode())
        if size > MAX_TEXT_BYTES:
            raise PydanticCustomError(
                "text_too_long", "is {size} bytes; at most {limit} are checked", {"size": size, "limit": MAX_TEXT_BYTES}
            )
        return text


class FindingPublic(BaseModel):
    rule: str = Field(description="A stable slug, e.g. `boilerplate-apology`.")
    severity: Literal["high", "medium", "low"]
    part: Literal["body", "subject"]
    start: int = Field(description="Character offset of the span in `part`; `excerpt` is exactly that span.")
    end: int
    excerpt: str = Field(description="Empty for a missing part, reported at the end of the text.")
    message: str
    suggestion: str


class ReadabilityPublic(BaseModel):
    words: int
    sentences: int
    syllables: int
    reading_ease: float = Field(description="Flesch reading ease; 60 or more is plain English.")
    grade: float = Field(description="Flesch-Kincaid grade; 8 or less is the target.")
    plain: bool


class LintReportPublic(BaseModel):
    kind: Literal["email", "update"]
    passed: bool
    empathy: int | None = Field(description="0–100; null for an update, which is not scored.")
    accountability: int | None
    resolution: int | None
    pass_score: int = Field(description="Each score must reach it, with no high-severity finding, to pass.")
    readability: ReadabilityPublic
    signals: dict[str, bool] = Field(description="What the scores found, by name.")
    findings: list[FindingPublic]


class ApologyPublic(BaseModel):
    subject: str
    body: str
    prompts: list[str] = Field(description="Bracketed prompts still in the body, for the author to replace.")
    report: LintReportPublic


class DraftsPublic(BaseModel):
    incident_id: int
    next_update_at: datetime = Field(description="The time the update drafts promise the next update by.")
    updates: dict[str, str] = Field(description="One draft per state: investigating, identified, monitoring, resolved.")
    apology: ApologyPublic


def to_public(report: LintReport) -> LintReportPublic:
    return LintReportPublic.model_validate(report.to_dict())


@router.post("/api/v1/comms/lint", response_model=LintReportPublic)
def lint_text(body: LintRequest, _token: Writer, session: SessionDep) -> LintReportPublic:
    """Check an apology e-mail or a status update; the text is not stored."""
    if body.kind == "update":
        names = internal_names(session.scalars(select(Component)))
        return to_public(lint_update(body.text, internal_names=names))
    return to_public(lint(body.text, subject=body.subject, incident_open=body.incident_open))


Part = Annotated[str | None, Query(max_length=MAX_PART)]


@router.get("/api/v1/incidents/{incident_id}/drafts", response_model=DraftsPublic)
def incident_drafts(
    incident_id: int,
    _token: Reader,
    session: SessionDep,
    policy: PolicyDep,
    now: ClockDep,
    cause: Part = None,
    fix: Part = None,
    prevention: Part = None,
    contact: Part = None,
) -> DraftsPublic:
    """Update drafts per state and an apology draft with its EAR report."""
    incident = get_incident(session, incident_id)
    components = {c.id: c for c in session.scalars(select(Component))}
    radius = blast_radius(session, incident, policy=policy, now=now)
    apology = draft_apology(incident, components, radius, cause=cause, fix=fix, prevention=prevention, contact=contact)
    return DraftsPublic(
        incident_id=incident.id,
        next_update_at=next_update_by(now, cadence_minutes(incident, components, policy)),
        updates=drafts(incident, components, now=now, policy=policy),
        apology=ApologyPublic(
            subject=apology.subject, body=apology.body, prompts=apology.prompts, report=to_public(apology.report)
        ),
    )
