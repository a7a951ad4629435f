"""The public status page, built for the crowd: rendered once per change, served from memory as bytes.

Every page, JSON document and feed is rendered together from one snapshot (:mod:`trustops.comms.statuspage`)
into a :class:`Site`: bytes with a strong ETag (quoted sha256 of the bytes) and their headers, ready to
send. :class:`StatusLane`, an ASGI layer in front of the app, answers GET and HEAD of those paths straight
from memory, with no routing, session or per-request database work; a request that misses (an unknown id,
a POST) goes on to the app. Freshness costs one cheap query, run in a thread at most once per interval
(one second): when its fingerprint of the tables behind the page changes, or the UTC day turns (the uptime
bars), or a minute passes while an incident is open (today's bar), the whole site is rendered again.
:meth:`StatusCache.invalidate` makes the next request re-render at once, for the app's own writes.
``trustops status export`` writes the very same bytes as files.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

import anyio.to_thread
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Receive, Scope, Send

from trustops import clock
from trustops.catalog.models import Component
from trustops.catalog.schema import CatalogFile
from trustops.clock import as_utc, iso
from trustops.comms import feeds
from trustops.comms.models import Maintenance, MaintenanceUpdate
from trustops.comms.statuspage import OPEN_STATES, Snapshot, documents, load_snapshot, render_json
from trustops.config import Settings
from trustops.db import Database
from trustops.monitor.models import Incident, IncidentEvent
from trustops.monitor.uptime import percent

log = logging.getLogger("trustops.web.status")

TEMPLATES = Path(__file__).parent / "templates" / "status"
STATIC = Path(__file__).parent / "static"
STYLESHEET = "static/status.css"
CACHE_CONTROL = "public, max-age=30, stale-while-revalidate=60"
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
HTML = "text/html; charset=utf-8"
JSON = "application/json"
ATOM = "application/atom+xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
GZIP_FROM = 1024  # bytes; smaller bodies fit in a packet anyway
GZIP_LEVEL = 6  # zlib's default: a 100 kB page in about 2 ms, once per change


@dataclass(frozen=True)
class Variant:
    """One representation of a response: the bytes as sent, its ETag and headers."""

    body: bytes
    etag: str
    headers: list[tuple[bytes, bytes]]
    not_modified: list[tuple[bytes, bytes]]

    def matches(self, if_none_match: str) -> bool:
        """RFC 9110 §13.1.2: weak comparison, a list of tags or ``*``."""
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return "*" in tags or self.etag in tags


@dataclass(frozen=True)
class Rendered:
    """One response, ready to send: its bytes, strong ETag and headers, and the same gzipped once (the
    demo's 102 kB page becomes 4.8 kB) for clients that accept it, each with its own ETag (RFC 9110 §8.8.3)."""

    body: bytes
    content_type: str
    status: int = 200
    plain: Variant = field(init=False)
    gzipped: Variant | None = field(init=False)

    def __post_init__(self) -> None:
        digest = hashlib.sha256(self.body).hexdigest()
        packed = gzip.compress(self.body, GZIP_LEVEL, mtime=0) if len(self.body) >= GZIP_FROM else None
        if packed is not None and len(packed) >= len(self.body):
            packed = None
        vary = packed is not None
        object.__setattr__(self, "plain", self._variant(self.body, f'"{digest}"', vary=vary, gzipped=False))
        gzipped = None if packed is None else self._variant(packed, f'"{digest}-gzip"', vary=True, gzipped=True)
        object.__setattr__(self, "gzipped", gzipped)

    def variant(self, accept_encoding: str) -> Variant:
        """The gzipped bytes when the client accepts gzip (and there are some), else the plain ones."""
        return self.gzipped if self.gzipped is not None and accepts_gzip(accept_encoding) else self.plain

    def _variant(self, body: bytes, etag: str, *, vary: bool, gzipped: bool) -> Variant:
        shared = [
            (b"etag", etag.encode()),
            (b"cache-control", CACHE_CONTROL.encode()),
            (b"x-content-type-options", b"nosniff"),
        ]
        if vary:
            shared.append((b"vary", b"accept-encoding"))
        if self.content_type == HTML:
            shared.append((b"content-security-policy", CSP.encode()))
        else:  # widgets and readers on other sites fetch the JSON and feeds, as they do from Statuspage
            shared.append((b"access-control-allow-origin", b"*"))
        sized = [(b"content-type", self.content_type.encode()), (b"content-length", str(len(body)).encode())]
        if gzipped:
            sized.append((b"content-encoding", b"gzip"))
        return Variant(body, etag, sized + shared, shared)


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an ``Accept-Encoding`` value allows gzip (RFC 9110 §12.5.3): named or ``*``, with q above 0."""
    allowed: dict[str, bool] = {}
    for item in accept_encoding.lower().split(","):
        coding, _, params = item.strip().partition(";")
        quality = params.strip()
        zero = quality.startswith("q=") and quality[2:].strip().rstrip("0").rstrip(".") in ("", "0")
        if coding.strip():
            allowed[coding.strip()] = not zero
    return allowed.get("gzip", allowed.get("x-gzip", allowed.get("*", False)))


@dataclass(frozen=True)
class Site:
    pages: dict[str, Rendered]  # URL path -> response
    not_found: Rendered
    rendered_at: datetime


def render_site(session: Session, *, settings: Settings, catalog: CatalogFile, now: datetime) -> Site:
    """Render every page, document and feed of the status page from one snapshot."""
    snapshot = load_snapshot(
        session,
        secret=settings.secret(),
        spec=catalog.status_page,
        base_url=settings.base_url,
        policy=catalog.policy,
        now=now,
    )
    return build_site(snapshot)


def build_site(snapshot: Snapshot) -> Site:
    context = {"page": snapshot.page, "snapshot": snapshot, "status": snapshot.status}
    pages = {"/status": _html("index.html", context)}
    for incident in snapshot.incidents:
        pages[f"/status/incidents/{incident.id}"] = _html("incident.html", {**context, "incident": incident})
    for maintenance in snapshot.maintenances:
        pages[f"/status/maintenances/{maintenance.id}"] = _html("incident.html", {**context, "incident": maintenance})
    pages["/status/history.atom"] = Rendered(feeds.atom(snapshot), ATOM)
    pages["/status/history.rss"] = Rendered(feeds.rss(snapshot), RSS)
    for name, document in documents(snapshot).items():
        pages[f"/api/v2/{name}.json"] = Rendered(render_json(document), JSON)
    return Site(pages, _html("not_found.html", context, status=404), snapshot.now)


def _html(template: str, context: dict[str, Any], status: int = 200) -> Rendered:
    return Rendered(ENVIRONMENT.get_template(template).render(context).encode(), HTML, status)


@pass_context
def _local(context: Context, moment: datetime | None) -> str:
    """A time as readers of the page read it: in the page's time zone, named."""
    if moment is None:
        return "—"
    zone = ZoneInfo(context["page"].time_zone)
    return as_utc(moment).astimezone(zone).strftime("%d %b %Y, %H:%M %Z")


def _label(value: object) -> str:
    return str(getattr(value, "value", value)).replace("_", " ").capitalize()


ENVIRONMENT = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENVIRONMENT.filters.update(local=_local, label=_label, iso=iso, percent=percent)


def export_path(url_path: str) -> PurePosixPath:
    """Where a plain web server finds a URL: ``/status`` in ``status/index.html``, files as they are."""
    relative = PurePosixPath(url_path.lstrip("/"))
    return relative if relative.suffix else relative / "index.html"


def write_export(site: Site, directory: Path) -> list[PurePosixPath]:
    """Write every page of ``site`` (and the stylesheet) under ``directory``; the relative paths written."""
    written = []
    for url_path, rendered in sorted(site.pages.items()):
        written.append(_write(directory, export_path(url_path), rendered.body))
    written.append(_write(directory, PurePosixPath(STYLESHEET), (STATIC / "status.css").read_bytes()))
    return written


def _write(directory: Path, relative: PurePosixPath, body: bytes) -> PurePosixPath:
    target = directory.joinpath(*relative.parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_bytes(body)
    temporary.replace(target)  # a server reading the tree never sees half a file
    return relative


def fingerprint(session: Session, now: datetime) -> tuple[Any, ...]:
    """One query that changes whenever anything the page shows may have changed, plus the UTC day; while an
    incident is open, the UTC minute, since today's uptime bar shrinks as the outage goes on."""
    open_incidents = select(func.count(Incident.id)).where(Incident.state.in_(OPEN_STATES)).scalar_subquery()
    scalars: list[ColumnElement[Any]] = [
        func.max(Incident.id),
        func.max(Incident.updated_at),
        func.count(Incident.id),
        func.max(IncidentEvent.id),
        func.max(Component.updated_at),
        func.count(Component.id),
        func.max(Maintenance.id),
        func.max(Maintenance.updated_at),
        func.count(Maintenance.id),
        func.max(MaintenanceUpdate.id),
    ]
    row = session.execute(select(open_incidents, *(select(s).scalar_subquery() for s in scalars))).one()
    moment = as_utc(now)
    return (*row, moment.replace(second=0, microsecond=0) if row[0] else moment.date())


class StatusCache:
    """The rendered site of one process, checked for changes at most once per ``interval`` seconds."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        catalog: Callable[[], CatalogFile],
        *,
        interval: float = 1.0,
        now: Callable[[], datetime] = clock.now,
    ) -> None:
        self.database, self.settings, self.catalog = database, settings, catalog
        self.interval, self.now = interval, now
        self._site: Site | None = None
        self._seen: tuple[Any, ...] | None = None
        self._generation = 0  # bumped by invalidate()
        self._rendered_generation = -1
        self._next_check = 0.0
        self._busy = False
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        """Render again on the next request (call after a write that changes the page)."""
        self._generation += 1

    async def site(self) -> Site:
        """The current site. While another request is checking for changes, the one in hand is served."""
        site = self._site
        if site is not None and (self._busy or not self._due()):
            return site
        return await anyio.to_thread.run_sync(self.refresh)

    def refresh(self) -> Site:
        """Check the fingerprint and render again if it moved (blocking; the lane calls it in a thread)."""
        with self._lock:
            if self._site is not None and not self._due():
                return self._site
            self._busy = True
            try:
                return self._refresh()
            finally:
                self._busy = False

    def _refresh(self) -> Site:
        generation = self._generation
        self._next_check = time.monotonic() + self.interval
        now = self.now()
        with self.database.sessions() as session:
            seen = fingerprint(session, now)
            if self._site is None or seen != self._seen or generation != self._rendered_generation:
                started = time.perf_counter()
                self._site = render_site(session, settings=self.settings, catalog=self.catalog(), now=now)
                log.info(
                    "status page rendered: %d pages in %.3f s", len(self._site.pages), time.perf_counter() - started
                )
                self._seen = seen
        self._rendered_generation = generation
        return self._site

    def _due(self) -> bool:
        return self._rendered_generation != self._generation or time.monotonic() >= self._next_check


def is_status_path(path: str) -> bool:
    return path == "/status" or path.startswith("/status/") or (path.startswith("/api/v2/") and path.endswith(".json"))


def lookup(site: Site, path: str) -> Rendered | None:
    return site.pages.get(path.rstrip("/") if len(path) > 1 else path)


class StatusLane:
    """Answers GET and HEAD of the status page's paths from memory, in front of everything else."""

    def __init__(self, app: ASGIApp, *, cache: StatusCache) -> None:
        self.app, self.cache = app, cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or not is_status_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        try:
            site = await self.cache.site()
        except Exception:  # noqa: BLE001 - the store failed; the app's own route answers with the error
            log.exception("status page could not be rendered")
            await self.app(scope, receive, send)
            return
        rendered = lookup(site, scope["path"])
        if rendered is None:
            await self.app(scope, receive, send)
            return
        await send_rendered(rendered, scope, send)


async def send_rendered(rendered: Rendered, scope: Scope, send: Send) -> None:
    variant = rendered.variant(_header(scope, b"accept-encoding"))
    if_none_match = _header(scope, b"if-none-match")
    if if_none_match and rendered.status == 200 and variant.matches(if_none_match):
        await send({"type": "http.response.start", "status": 304, "headers": variant.not_modified})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": rendered.status, "headers": variant.headers})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else variant.body})


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return ""
