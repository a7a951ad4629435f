"""The overview page, its tiles for live updates, and plotly.js served from the installed package."""

from __future__ import annotations

import hashlib
from datetime import datetime
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from trustops.accounts.models import User
from trustops.config import Policy
from trustops.listen.matrix import HEAT_COLUMNS
from trustops.overview.board import Board, build
from trustops.overview.views import VIEWS, view_for
from trustops.web.deps import ClockDep, CurrentUser, PolicyDep, SessionDep, SettingsDep
from trustops.web.routes.breach import time_left
from trustops.web.routes.guard import service_of
from trustops.web.templating import render, templates

router = APIRouter(include_in_schema=False)

PLOTLY_JS = Path(str(files("plotly") / "package_data" / "plotly.min.js"))


@router.get("/")
def overview_page(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    policy: PolicyDep,
    settings: SettingsDep,
    now: ClockDep,
    view: str | None = None,
) -> Response:
    """Every domain at a glance, led by what the user's role acts on; ``?view=`` shows another role's lead."""
    board = _board(request, user, session, policy, now, view)
    tiles = _tiles_html(request, board)
    return render(
        request,
        "overview.html",
        user=user,
        board=board,
        views=list(VIEWS.values()),
        tiles=Markup(tiles),  # rendered once: the same HTML gives the ETag the live updates compare
        etag=_etag(tiles),
        interval=settings.overview_refresh_seconds,
    )


@router.get("/overview/tiles")
def overview_tiles(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    policy: PolicyDep,
    now: ClockDep,
    view: str | None = None,
) -> Response:
    """The tiles alone, for the page's live updates: 304 while nothing shown has changed."""
    html = _tiles_html(request, _board(request, user, session, policy, now, view))
    etag = _etag(html)
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(html, media_type="text/html; charset=utf-8", headers=headers)


@router.get("/vendor/plotly.min.js")
def plotly_js() -> FileResponse:
    """plotly.js as the installed plotly package ships it: the dashboard loads nothing from the internet."""
    return FileResponse(PLOTLY_JS, media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"})


def _board(request: Request, user: User, session: Session, policy: Policy, now: datetime, view: str | None) -> Board:
    organisation = request.app.state.catalog.organisation
    book = service_of(request.app.state).index.refresh
    return build(session, view_for(user.role, view), policy=policy, now=now, book=book, organisation=organisation)


def _tiles_html(request: Request, board: Board) -> str:
    template = templates.env.get_template("_overview_tiles.html")
    return template.render(board=board, heat_columns=HEAT_COLUMNS, time_left=time_left, request=request)


def _etag(html: str) -> str:
    return '"' + hashlib.blake2b(html.encode(), digest_size=12).hexdigest() + '"'
