"""Heartbeat pings, answered exactly as Healthchecks answers them, so cron wrappers work unchanged.

``/ping/<uuid>[/start|/fail|/log|/<exit status>][?rid=<uuid>]`` by GET, HEAD or POST; public, since the
uuid is the secret (formats.md §4).
"""

from __future__ import annotations

import asyncio
import uuid as uuidlib

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from trustops import clock
from trustops.monitor.heartbeats import PingRequest

router = APIRouter(tags=["heartbeats"])


@router.get("/ping/{uuid}", response_class=PlainTextResponse)
@router.post("/ping/{uuid}", response_class=PlainTextResponse)
@router.head("/ping/{uuid}", response_class=PlainTextResponse, include_in_schema=False)
async def ping(uuid: str, request: Request) -> PlainTextResponse:
    """Success: the job ran."""
    return await _ping(request, uuid, "success", None)


@router.get("/ping/{uuid}/{action}", response_class=PlainTextResponse)
@router.post("/ping/{uuid}/{action}", response_class=PlainTextResponse)
@router.head("/ping/{uuid}/{action}", response_class=PlainTextResponse, include_in_schema=False)
async def ping_action(uuid: str, action: str, request: Request) -> PlainTextResponse:
    """`start`, `fail`, `log`, or the job's exit status 0–255 (0 is success)."""
    if action in ("start", "fail", "log"):
        return await _ping(request, uuid, action, None)
    if action.isdigit() and int(action) <= 255:
        return await _ping(request, uuid, "success", int(action))
    return _answer(request, 400, "invalid url format")


async def _ping(request: Request, uuid: str, kind: str, exit_status: int | None) -> PlainTextResponse:
    if not _is_uuid(uuid):
        return _answer(request, 404, "not found")
    rid = request.query_params.get("rid")
    if rid is not None and not _is_uuid(rid):
        return _answer(request, 400, "invalid uuid format")
    limit: int = request.app.state.settings.ping_body_limit
    body = (await request.body())[:limit].decode("utf-8", errors="replace") if request.method == "POST" else None
    ping = PingRequest(
        uuid=uuid.lower(),
        kind=kind,
        at=clock.now(),
        method=request.method,
        exit_status=exit_status,
        rid=rid,
        body=body or None,
        user_agent=(request.headers.get("user-agent") or "")[:200] or None,
    )
    try:
        found = await asyncio.wrap_future(request.app.state.ping_writer.submit(ping))
    except Exception:  # noqa: BLE001 - the store failed; the client's retry will find it back
        return _answer(request, 503, "temporarily unavailable, retry")
    return _answer(request, 200, "OK") if found else _answer(request, 404, "not found")


def _answer(request: Request, status: int, text: str) -> PlainTextResponse:
    headers = {
        "Ping-Body-Limit": str(request.app.state.settings.ping_body_limit),
        "Access-Control-Allow-Origin": "*",
    }
    return PlainTextResponse(text, status_code=status, headers=headers)


def _is_uuid(value: str) -> bool:
    try:
        uuidlib.UUID(value)
    except ValueError:
        return False
    return len(value) == 36
