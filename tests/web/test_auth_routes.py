"""Every route is walked: public ones are declared here, every other one refuses callers without
the right credentials. A new route is covered the moment it is added."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from starlette.routing import Mount

from tests.factories import auth, make_token
from trustops.accounts.models import Scope
from trustops.web.app import api_routes

PUBLIC_API = {
    ("GET", "/healthz"),
    ("POST", "/api/{project_id}/envelope/"),  # authenticated by its Sentry key
    ("POST", "/api/v1/ingest/sentry-webhook"),  # authenticated by its HMAC signature
    *((method, path) for method in ("GET", "POST") for path in ("/ping/{uuid}", "/ping/{uuid}/{action}")),
    # The Atlassian Statuspage v2 public API: what the public status page says, nothing more.
    *(
        ("GET", f"/api/v2/{name}.json")
        for name in (
            "summary",
            "status",
            "components",
            "incidents",
            "incidents/unresolved",
            "scheduled-maintenances",
            "scheduled-maintenances/upcoming",
            "scheduled-maintenances/active",
        )
    ),
}
PUBLIC_PAGES = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/docs"),
    # The public status page, its feeds, and its subscriptions (confirmed and ended by signed links).
    ("GET", "/status"),
    ("GET", "/status/incidents/{public_id}"),
    ("GET", "/status/maintenances/{public_id}"),
    ("GET", "/status/history.atom"),
    ("GET", "/status/history.rss"),
    ("POST", "/status/subscribe"),
    ("GET", "/status/subscriptions/confirm/{token}"),
    ("GET", "/status/subscriptions/unsubscribe/{token}"),
    ("POST", "/status/subscriptions/unsubscribe/{token}"),
    # plotly.js exactly as the plotly package ships it: no data in it.
    ("GET", "/vendor/plotly.min.js"),
}
FRAMEWORK = {"/openapi.json", "/docs", "/docs/oauth2-redirect"}
NON_ADMIN = [s for s in Scope if s is not Scope.ADMIN]


def operations(app: FastAPI) -> list[tuple[str, str, list[str] | None]]:
    found = []
    for path, methods in app.openapi()["paths"].items():
        for method, operation in methods.items():
            found.append((method.upper(), path, operation.get("x-required-scopes")))
    return sorted(found)


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_operation_is_either_declared_public_or_guarded(app: FastAPI) -> None:
    for method, path, scopes in operations(app):
        if (method, path) in PUBLIC_API:
            assert scopes is None, f"{method} {path} is public but guarded"
        else:
            assert scopes, f"{method} {path} has no scope guard and is not declared public"


def test_every_guarded_operation_says_401_without_a_token(app: FastAPI, client: TestClient) -> None:
    for method, path, scopes in operations(app):
        if scopes is None:
            continue
        response = client.request(method, concrete(path), json={})
        assert response.status_code == 401, f"{method} {path}"
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["error"]["code"] == "unauthorized"


def test_every_guarded_operation_says_401_to_a_forged_token(app: FastAPI, client: TestClient) -> None:
    forged = auth("tro_000000000000_not-a-real-secret")
    for method, path, scopes in operations(app):
        if scopes is not None:
            assert client.request(method, concrete(path), json={}, headers=forged).status_code == 401


def test_every_guarded_operation_says_403_to_each_wrong_scope_and_admits_the_right_ones(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    tokens = {scope: make_token(session, scope) for scope in Scope}
    session.commit()
    for method, path, scopes in operations(app):
        if scopes is None:
            continue
        for scope, token in tokens.items():
            status = client.request(method, concrete(path), json={}, headers=auth(token)).status_code
            if scope.value in scopes or scope is Scope.ADMIN:
                assert status not in (401, 403), f"{method} {path} refused {scope}"
            else:
                assert status == 403, f"{method} {path} admitted {scope} (status {status})"


def test_each_guarded_operation_leaves_out_some_scope(app: FastAPI) -> None:
    """A guard that admits every scope guards nothing."""
    for method, path, scopes in operations(app):
        if scopes is not None:
            assert set(NON_ADMIN) - {Scope(s) for s in scopes}, f"{method} {path}"


def test_a_revoked_token_is_refused(client: TestClient, session: Session) -> None:
    from trustops.accounts.tokens import create_token, revoke_token

    issued = create_token(session, name="old", scopes=[Scope.READ])
    revoke_token(session, issued.row.public_id)
    session.commit()
    assert client.get("/api/v1/incidents", headers=auth(issued.token)).status_code == 401


def test_every_dashboard_page_sends_a_stranger_to_the_login_page(app: FastAPI, client: TestClient) -> None:
    pages = [r for r in api_routes(app) if not r.include_in_schema]
    assert pages, "the dashboard routes were not found"
    for route in pages:
        for method in route.methods:
            if (method, route.path_format) in PUBLIC_PAGES:
                continue
            response = client.request(method, concrete(route.path_format))
            assert response.status_code in (303, 403), f"{method} {route.path_format}"
            if method == "GET":
                assert response.headers["location"].startswith("/login?next=")
            else:  # a form post without a session has no CSRF token either
                assert response.status_code in (303, 403)


def test_no_route_escapes_the_walk(app: FastAPI) -> None:
    """Routes outside the API/dashboard walk are the framework's docs and the static files."""
    walked = {r.path_format for r in api_routes(app)}
    for route in app.routes:
        path = getattr(route, "path", None)
        if isinstance(route, Mount):
            assert path in ("/static", "/static/swagger")
        elif path is not None:
            assert path in FRAMEWORK or path in walked, path
