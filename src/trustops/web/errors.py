"""Every failure leaves as JSON naming the field and the value; no traceback ever reaches a client."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from trustops.errors import Conflict, InvalidInput, NotFound, TrustopsError
from trustops.monitor.sources import PayloadTooLarge, UnsupportedEncoding
from trustops.web.deps import AuthError, Forbidden, LoginRequired

log = logging.getLogger("trustops.web")

# One code per kind of failure; 422 is always "invalid", whether the shape or the meaning is wrong.
CODES: dict[type[TrustopsError], str] = {
    NotFound: "not_found",
    Conflict: "conflict",
    InvalidInput: "invalid",
    PayloadTooLarge: "too_large",
    UnsupportedEncoding: "unsupported_encoding",
}


def error(status: int, code: str, message: str, field: str | None = None, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"error": {"code": code, "message": message, "field": field, **extra}}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(TrustopsError)
    async def domain_error(_request: Request, exc: TrustopsError) -> Response:
        code = CODES.get(type(exc), "invalid")
        return error(exc.status_code, code, exc.message, exc.field)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> Response:
        problems = [_describe(e) for e in exc.errors()]
        first = problems[0]
        return error(422, "invalid", first["message"], first["field"], problems=problems)

    @app.exception_handler(AuthError)
    async def auth_error(_request: Request, exc: AuthError) -> Response:
        return error(exc.status_code, "unauthorized" if exc.status_code == 401 else "forbidden", exc.message)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, _exc: Forbidden) -> Response:
        return error(403, "forbidden", "your role may not do this")

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> Response:
        return error(exc.status_code, "http_error", str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error(500, "internal", "internal error; the server log has the details")


def _describe(problem: Any) -> dict[str, Any]:
    loc = [str(part) for part in problem.get("loc", ())]
    field = ".".join(loc[1:] if loc and loc[0] == "body" and len(loc) > 1 else loc)
    if problem.get("type") == "json_invalid":
        field = "body"
    value = problem.get("input")
    message = problem.get("msg", "invalid value")
    if problem.get("type") == "missing":
        text = f"{field}: required"
    elif problem.get("type") == "extra_forbidden":
        text = f"{field}: unknown field"
    elif problem.get("type") == "json_invalid":
        text = f"body: not valid JSON ({problem.get('ctx', {}).get('error', 'parse error')})"
    else:
        text = f"{field}: {message} (got {_short(value)})"
    return {"field": field, "message": text}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
