"""The public status page and its Statuspage v2 JSON API, as routes.

:class:`~trustops.web.statuscache.StatusLane` answers these paths from memory before routing, so these
handlers run only when it lets a request through: an unknown id (404), or an app built without the lane.
They serve the same cached bytes, and make the paths part of the route walk and the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from trustops.comms.statuspage import DOCUMENTS
from trustops.errors import NotFound
from trustops.web.statuscache import Rendered, StatusCache, lookup

router = APIRouter()

DOCUMENT_SUMMARIES = {
    "summary": "Page, rollup status, components, unresolved incidents, upcoming and active maintenance",
    "status": "The page's rollup status: indicator and description",
    "components": "Every public component, group containers included",
    "incidents/unresolved": "Incidents still investigating, identified or monitoring",
    "incidents": "The 50 most recent incidents, resolved and post-mortem ones included",
    "scheduled-maintenances/upcoming": "Maintenance that is scheduled and has not begun",
    "scheduled-maintenances/active": "Maintenance in progress or verifying",
    "scheduled-maintenances": "The 50 most recent maintenances, completed ones included",
}
API_DESCRIPTION = (
    "Atlassian Statuspage v2 public API, unauthenticated (formats.md §1). trustops' own fields are under "
    "`x_trustops`. Answers carry a strong `ETag`; send `If-None-Match` for a 304."
)


async def serve(request: Request, path: str, *, html: bool) -> Response:
    cache: StatusCache = request.app.state.status_cache
    site = await cache.site()
    rendered = lookup(site, path)
    if rendered is None:
        if html and "text/html" in request.headers.get("accept", ""):
            return _response(site.not_found, request)
        raise NotFound(f"{path}: not on the status page", field="public_id")
    return _response(rendered, request)


def _response(rendered: Rendered, request: Request) -> Response:
    variant = rendered.variant(request.headers.get("accept-encoding", ""))
    if rendered.status == 200 and variant.matches(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=_headers(variant.not_modified))
    headers = [(k, v) for k, v in variant.headers if k != b"content-length"]
    return Response(variant.body, status_code=rendered.status, headers=_headers(headers))


def _headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    return {key.decode(): value.decode() for key, value in raw}


@router.get("/status", include_in_schema=False)
async def status_page(request: Request) -> Response:
    return await serve(request, "/status", html=True)


@router.get("/status/incidents/{public_id}", include_in_schema=False)
async def incident_page(request: Request, public_id: str) -> Response:
    return await serve(request, f"/status/incidents/{public_id}", html=True)


@router.get("/status/maintenances/{public_id}", include_in_schema=False)
async def maintenance_page(request: Request, public_id: str) -> Response:
    return await serve(request, f"/status/maintenances/{public_id}", html=True)


@router.get("/status/history.atom", include_in_schema=False)
async def atom_feed(request: Request) -> Response:
    return await serve(request, "/status/history.atom", html=False)


@router.get("/status/history.rss", include_in_schema=False)
async def rss_feed(request: Request) -> Response:
    return await serve(request, "/status/history.rss", html=False)


def _document_endpoint(path: str) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return await serve(request, path, html=False)

    return endpoint


for _name in DOCUMENTS:
    router.add_api_route(
        f"/api/v2/{_name}.json",
        _document_endpoint(f"/api/v2/{_name}.json"),
        methods=["GET"],
        tags=["status page"],
        summary=DOCUMENT_SUMMARIES[_name],
        description=API_DESCRIPTION,
        operation_id="statuspage_" + _name.replace("/", "_").replace("-", "_"),
        response_class=JSONResponse,
        responses={
            200: {"description": "The document", "content": {"application/json": {"schema": {"type": "object"}}}},
            304: {"description": "Not modified: the `If-None-Match` tag is current"},
        },
    )
