"""``create_app(settings)``: the one way to build the web application."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send
from swagger_ui_bundle import swagger_ui_path

from trustops import __version__
from trustops.catalog.schema import CatalogFile
from trustops.config import Settings
from trustops.db import Database
from trustops.monitor.pingwriter import PingWriter
from trustops.web import errors
from trustops.web.deps import ScopeGuard
from trustops.web.metrics import AppMetrics
from trustops.web.pinglane import OPENAPI_PATHS, PingLane
from trustops.web.ratelimit import SlidingWindow
from trustops.web.routes import (
    analytics,
    audit,
    breach,
    comms,
    components,
    dashboard,
    guard,
    guard_bulk,
    heartbeats,
    incidents,
    ingest,
    listen,
    overview,
    reports,
    status,
    subscriptions,
    system,
    writing,
)
from trustops.web.routes.guard import GuardLane
from trustops.web.security import SecurityHeaders, nonce_of
from trustops.web.statuscache import StatusCache, StatusLane
from trustops.web.templating import STATIC_DIR

DESCRIPTION = """\
The trustops control center API. Send `Authorization: Bearer <token>`; create tokens with
`trustops token create --scope SCOPE`. Each operation lists the scopes it accepts in
`x-required-scopes` (`admin` is always accepted).
"""


def create_app(settings: Settings, *, database: Database | None = None, catalog: CatalogFile | None = None) -> FastAPI:
    """Build the app. ``database`` defaults to one made from ``settings.database_url``."""
    database = database or Database.from_url(settings.database_url)
    catalog = catalog or CatalogFile()
    writer = PingWriter(database, lambda: app.state.catalog.policy, lambda: app.state.catalog.mappings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        writer.stop()  # answers every ping still queued before the process goes

    app = FastAPI(
        title="trustops", version=__version__, description=DESCRIPTION, docs_url=None, redoc_url=None, lifespan=lifespan
    )
    app.state.settings = settings
    app.state.database = database
    app.state.catalog = catalog
    app.state.policy = catalog.policy
    app.state.metrics = AppMetrics(database)
    app.state.ping_writer = writer
    app.state.status_cache = StatusCache(database, settings, lambda: app.state.catalog)
    app.state.signups = SlidingWindow(settings.subscribe_per_hour, timedelta(hours=1))

    app.add_middleware(SecurityHeaders)
    app.add_middleware(
        SessionMiddleware,
        secret_key=_derive(settings.secret(), "session"),
        session_cookie="trustops_session",
        max_age=settings.session_max_age_hours * 3600,
        same_site="lax",
        https_only=settings.cookie_secure,
    )
    app.add_middleware(_Wrap, wrap=app.state.metrics.middleware)
    # Outermost: pings never pay for sessions, routing or per-request metrics labels.
    app.add_middleware(PingLane, writer=writer, body_limit=settings.ping_body_limit, counter=app.state.metrics.pings)
    # Marketing-guard decisions for already-checked tokens skip routing too (guard.py), for send-time lookups.
    app.add_middleware(GuardLane, state=app.state)
    # Outermost of all: the status page is served from memory, for crowds (statuscache.py).
    app.add_middleware(StatusLane, cache=app.state.status_cache)
    errors.install(app)
    for module in (
        system,
        components,
        incidents,
        heartbeats,
        ingest,
        listen,
        comms,
        writing,
        subscriptions,
        status,
        guard,
        guard_bulk,
        breach,
        audit,
        analytics,
        overview,
        reports,
        dashboard,
    ):
        app.include_router(module.router)
    # Swagger UI's assets come from an installed package: /docs must work with no internet.
    app.mount("/static/swagger", StaticFiles(directory=str(swagger_ui_path)), name="swagger")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.get("/docs", include_in_schema=False)(_swagger_ui)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


class _Wrap:
    """Adapts a function ``ASGIApp -> ASGIApp`` to Starlette's middleware list."""

    def __init__(self, app: ASGIApp, wrap: Callable[[ASGIApp], ASGIApp]) -> None:
        self.app = wrap(app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


def _swagger_ui(request: Request) -> HTMLResponse:
    page = get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="trustops API",
        swagger_js_url="/static/swagger/swagger-ui-bundle.js",
        swagger_css_url="/static/swagger/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
    )
    # Its one inline script starts Swagger UI: let it run under the page's CSP.
    body = bytes(page.body).replace(b"<script>", f'<script nonce="{nonce_of(request)}">'.encode())
    return HTMLResponse(body)


def _derive(secret: bytes, purpose: str) -> str:
    return hmac.new(secret, purpose.encode(), hashlib.sha256).hexdigest()


def api_routes(app: FastAPI) -> list[Any]:
    """Every path operation, with routers flattened (FastAPI includes routers lazily)."""
    return [r for r in iter_route_contexts(app.routes) if isinstance(r.original_route, APIRoute)]


def required_scopes(route: Any) -> list[str] | None:
    """The scopes a route's guard accepts, or ``None`` for a public route."""
    pending = list(route.dependant.dependencies)
    while pending:
        dependant = pending.pop()
        if isinstance(dependant.call, ScopeGuard):
            return [scope.value for scope in dependant.call.scopes]
        pending.extend(dependant.dependencies)
    return None


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    schema.setdefault("components", {})["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
    schema["paths"].update(OPENAPI_PATHS)
    for route in api_routes(app):
        if not route.include_in_schema:
            continue
        scopes = required_scopes(route)
        for method in route.methods:
            operation = schema["paths"][route.path_format].get(method.lower())
            if operation is not None and scopes is not None:
                operation["security"] = [{"bearer": []}]
                operation["x-required-scopes"] = scopes
    app.openapi_schema = schema
    return schema
