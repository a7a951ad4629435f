"""Heartbeat pings, answered exactly as Healthchecks answers them, on a fast lane.

``/ping/<uuid>[/start|/fail|/log|/<exit status>][?rid=<uuid>]`` by GET, HEAD or POST; public, since the
uuid is the secret (formats.md §4). Pings arrive in bursts at the top of every minute and hour, so they
skip FastAPI's routing and middleware: this small ASGI layer sits in front of the app and hands each
ping to the group-commit writer, answering only once the ping is committed.
"""

from __future__ import annotations

import uuid as uuidlib
from typing import Any
from urllib.parse import parse_qs

from prometheus_client import Counter
from starlette.types import ASGIApp, Receive, Scope, Send

from trustops import clock
from trustops.monitor.heartbeats import PingRequest
from trustops.monitor.pingwriter import PingWriter

PREFIX = "/ping/"
ACTIONS = ("start", "fail", "log")
MAX_READ = 1_000_000  # bytes read of a body at most; only the first ping_body_limit are kept

OPENAPI_PATHS: dict[str, Any] = {
    "/ping/{uuid}": {
        method: {
            "tags": ["heartbeats"],
            "summary": "Report success (Healthchecks-compatible)",
            "description": "Public: the uuid is the secret. `?rid=` pairs a start with its end. Answers `OK`.",
            "operationId": f"ping_{method}",
            "parameters": [
                {"name": "uuid", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}},
                {"name": "rid", "in": "query", "required": False, "schema": {"type": "string", "format": "uuid"}},
            ],
            "responses": {"200": {"description": "OK"}, "404": {"description": "not found"}},
        }
        for method in ("get", "post")
    },
    "/ping/{uuid}/{action}": {
        method: {
            "tags": ["heartbeats"],
            "summary": "Report start, fail, log or an exit status 0-255 (Healthchecks-compatible)",
            "operationId": f"ping_action_{method}",
            "parameters": [
                {"name": "uuid", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}},
                {"name": "action", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "rid", "in": "query", "required": False, "schema": {"type": "string", "format": "uuid"}},
            ],
            "responses": {
                "200": {"description": "OK"},
                "400": {"description": "invalid url format / invalid uuid format"},
                "404": {"description": "not found"},
            },
        }
        for method in ("get", "post")
    },
}


class PingLane:
    def __init__(self, app: ASGIApp, *, writer: PingWriter, body_limit: int, counter: Counter) -> None:
        self.app, self.writer, self.body_limit, self.counter = app, writer, body_limit, counter
        self.headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"ping-body-limit", str(body_limit).encode()),
            (b"access-control-allow-origin", b"*"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not scope["path"].startswith(PREFIX)
            or scope["method"] not in ("GET", "HEAD", "POST")
        ):
            await self.app(scope, receive, send)
            return
        status, text = await self._handle(scope, receive)
        self.counter.labels(str(status)).inc()
        body = b"" if scope["method"] == "HEAD" else text.encode()
        headers = [*self.headers, (b"content-length", str(len(text)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _handle(self, scope: Scope, receive: Receive) -> tuple[int, str]:
        parts = scope["path"][len(PREFIX) :].rstrip("/").split("/")  # hc accepts a trailing slash
        if len(parts) > 2 or not _is_uuid(parts[0]):
            return 404, "not found"
        kind, exit_status = "success", None
        if len(parts) == 2:
            action = parts[1]
            if action in ACTIONS:
                kind = action
            elif action.isdigit() and int(action) <= 255:
                exit_status = int(action)
            else:
                return 400, "invalid url format"
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        rid = query.get("rid", [None])[0]
        if rid is not None and not _is_uuid(rid):
            return 400, "invalid uuid format"
        body = await _read_body(receive) if scope["method"] == "POST" else b""
        ping = PingRequest(
            uuid=parts[0].lower(),
            kind=kind,
            at=clock.now(),
            method=scope["method"],
            exit_status=exit_status,
            rid=rid,
            body=body[: self.body_limit].decode("utf-8", errors="replace") or None,  # redacted by the writer
            user_agent=_header(scope, b"user-agent")[:200] or None,
        )
        try:
            found = await self.writer.submit_async(ping)
        except Exception:  # noqa: BLE001 - the store failed; the client's retry will find it back
            return 503, "temporarily unavailable, retry"
        return (200, "OK") if found else (404, "not found")


async def _read_body(receive: Receive) -> bytes:
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        chunk = message.get("body", b"")
        if size < MAX_READ:
            chunks.append(chunk)
        size += len(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def _is_uuid(value: str) -> bool:
    if len(value) != 36:
        return False
    try:
        uuidlib.UUID(value)
    except ValueError:
        return False
    return True
