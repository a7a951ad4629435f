"""Bulk evaluation over HTTP: an audience in, the platform's suppression (or allowed) file out.

``POST /api/v1/guard/evaluate`` takes a CSV (``text/csv``) or NDJSON (``application/x-ndjson``) body of at
most 50 MB, spooled to a temporary file as it arrives (memory first, disk past a few MB), and answers the
export file as ``text/csv`` with the counts in ``X-Trustops-*`` headers. Only the counts are stored.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from enum import StrEnum
from typing import IO, Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from trustops.accounts.models import ApiToken, Scope
from trustops.config import Policy
from trustops.enums import CampaignType
from trustops.errors import InvalidInput
from trustops.guard import bulk
from trustops.guard.exports import ExportFormat, write_split
from trustops.guard.facts import FactBook
from trustops.monitor.sources import UnsupportedEncoding
from trustops.monitor.sources.encoding import check_size
from trustops.web.deps import ClockDep, PolicyDep, SessionDep, SettingsDep, require, token_actor

router = APIRouter(tags=["guard"])
Marketer = Annotated[ApiToken, Depends(require(Scope.MARKETING))]
MAX_AUDIENCE_BYTES = 50 * 1024 * 1024
SPOOL_BYTES = 4 * 1024 * 1024
NDJSON_TYPES = ("application/x-ndjson", "application/jsonl", "application/json-lines", "application/json")
MAX_REPORTED_ERRORS = 20


class Users(StrEnum):
    SUPPRESSED = "suppressed"
    ALLOWED = "allowed"


async def spooled_audience(request: Request) -> AsyncIterator[IO[bytes]]:
    """The body in a temporary file, refused with 413 as soon as it passes 50 MB; closed after the answer."""
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise UnsupportedEncoding(f"Content-Encoding: {encoding!r}; send the audience uncompressed", field="body")
    declared = request.headers.get("content-length", "")
    if declared.isdigit():
        check_size(int(declared), MAX_AUDIENCE_BYTES, "body")
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            check_size(size, MAX_AUDIENCE_BYTES, "body")
            spool.write(chunk)
        spool.seek(0)
        yield spool


AudienceBody = Annotated[IO[bytes], Depends(spooled_audience)]


@router.post(
    "/api/v1/guard/evaluate",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "The export file; counts in X-Trustops-* headers."}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The audience: CSV with a header (text/csv) or NDJSON (application/x-ndjson), ≤ 50 MB.",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/x-ndjson": {"schema": {"type": "string"}},
            },
        }
    },
)
async def evaluate_audience(
    request: Request,
    audience: AudienceBody,
    token: Marketer,
    session: SessionDep,
    settings: SettingsDep,
    policy: PolicyDep,
    now: ClockDep,
    campaign_type: Annotated[CampaignType, Query(description="What the campaign is.")],
    format: Annotated[ExportFormat, Query(description="The platform whose import shape to answer.")] = "neutral",
    users: Annotated[Users, Query(description="Which users the file lists.")] = Users.SUPPRESSED,
    id_column: Annotated[str | None, Query(description="Column or key of the user id (default: detected).")] = None,
    campaign_id: Annotated[str | None, Query(max_length=120)] = None,
) -> StreamingResponse:
    """Split an audience into allowed and suppressed users; answer one side in the platform's format."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    audience_format = "ndjson" if content_type in NDJSON_TYPES else "csv"
    job = _Job(audience, audience_format, id_column, campaign_type, format, users)
    summary, output = await run_in_threadpool(job.run, session, settings.secret(), policy, now)
    if job.errors and not summary.audience:
        output.close()
        first = job.errors[0]
        raise InvalidInput(f"body: line {first.line}: {first.message}", field="body")
    run = bulk.record_run(
        session,
        summary,
        campaign_type,
        export_format=format,
        campaign_id=campaign_id,
        actor=token_actor(token),
        now=now,
    )
    session.commit()
    headers = {
        "X-Trustops-Audience": str(summary.audience),
        "X-Trustops-Allowed": str(summary.allowed),
        "X-Trustops-Suppressed": str(summary.suppressed_total),
        "X-Trustops-Bad-Lines": str(summary.errors),
        "X-Trustops-Run": str(run.id),
        "Content-Disposition": f'attachment; filename="trustops-{campaign_type.value}-{format}-{users.value}.csv"',
    }
    return StreamingResponse(_chunks(output), media_type="text/csv; charset=utf-8", headers=headers)


class _Job:
    """The blocking part, run in the thread pool: read, judge, write to a spooled file."""

    def __init__(
        self,
        audience: IO[bytes],
        audience_format: str,
        id_column: str | None,
        campaign_type: CampaignType,
        export_format: str,
        users: Users,
    ) -> None:
        self.audience, self.audience_format, self.id_column = audience, audience_format, id_column
        self.campaign_type, self.export_format, self.users = campaign_type, export_format, users
        self.errors: list[bulk.LineError] = []
        self.bad_lines = 0

    def run(self, session: Session, secret: bytes, policy: Policy, now: datetime) -> tuple[bulk.Summary, IO[bytes]]:
        text = io.TextIOWrapper(self.audience, encoding="utf-8-sig", errors="replace", newline="")
        reader = bulk.AudienceReader(text, self.audience_format, id_column=self.id_column, on_error=self._error)
        book = FactBook.load(session, secret=secret, policy=policy, now=now)
        output = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # streamed, then closed
        sink = io.TextIOWrapper(output, encoding="utf-8", newline="", write_through=True)
        discard = _Discard()
        suppressed, allowed = (sink, None) if self.users is Users.SUPPRESSED else (discard, sink)
        judge = bulk.Judge(self.campaign_type, book=book, secret=secret, policy=policy, now=now)
        summary = write_split(reader, judge, self.export_format, out=suppressed, allowed_out=allowed, generated_at=now)
        summary.errors = self.bad_lines
        sink.flush()
        sink.detach()
        text.detach()
        output.seek(0)
        return summary, output

    def _error(self, error: bulk.LineError) -> None:
        self.bad_lines += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(error)


class _Discard(io.TextIOBase):
    """Where the side of the split nobody asked for goes."""

    def write(self, text: str) -> int:
        return len(text)


def _chunks(output: IO[bytes], size: int = 1 << 16) -> Iterator[bytes]:
    try:
        while chunk := output.read(size):
            yield chunk
    finally:
        output.close()
