"""Every dashboard page of the demo, for every role, in a real browser (Debian's Chromium through
Playwright): each page answers, logs no console error, makes no failed request, and axe-core finds no
serious or critical accessibility violation. Screenshots go to ``TRUSTOPS_TOUR_DIR`` when it is set, else to
a temporary directory. The docs' screenshot tour (docs/tour.md and docs/tour/*.jpg) is taken here too: into
``TRUSTOPS_DOCS_DIR`` when set (``make tour`` sets it to docs/), else into a temporary directory.

Without /usr/bin/chromium the module skips, except in CI (CI=true), where it fails. The PostgreSQL pass
leaves it out (``-m "not browser"``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.browser import require_chromium
from tests.servers import served_sqlite
from trustops import clock
from trustops.accounts.models import Role
from trustops.accounts.users import create_user
from trustops.demo import demo_catalog, seed

pytestmark = pytest.mark.browser

require_chromium()

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import Browser, Page  # noqa: E402

PASSWORD = "tour-password-1"
SERIOUS = ("serious", "critical")
ROLES = [role.value for role in Role]


@dataclass(frozen=True)
class Server:
    url: str


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    def fill(session: Session) -> None:
        seed(session, secret=b"s" * 40, now=clock.now())
        for role in ROLES:
            create_user(session, username=f"tour-{role}", password=PASSWORD, role=role)

    with served_sqlite(tmp_path_factory.mktemp("tour"), fill, catalog=demo_catalog()) as (url, _database):
        yield Server(url)


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("TRUSTOPS_TOUR_DIR")
    directory = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def pages_of(page: Page) -> list[str]:
    """The menu's pages, the first incident's room and executive report, the newest churn report and the public
    status page."""
    paths = [link.get_attribute("href") or "" for link in page.locator("header nav a, nav a").all()]
    menu = list(dict.fromkeys(path for path in paths if path.startswith("/") and path not in ("/logout",)))
    page.goto("/incidents")
    room = page.locator("a[href^='/incidents/']").first.get_attribute("href")
    page.goto("/analytics")
    report = page.locator("a[href$='report.html']").first
    extra = [room, f"{room}/report", report.get_attribute("href") if report.count() else None, "/status"]
    return menu + [path for path in extra if path]


WRITERS = ("it", "comms", "admin")  # roles that get the incident forms: their pages differ from the readers'


@pytest.fixture(scope="module")
def audited() -> set[tuple[str, str]]:
    """The page variants axe has checked already: each page once as a writer and once as a reader, and each
    role's own overview (the views differ); axe is the slow part of the tour."""
    return set()


def variant(path: str, role: str) -> tuple[str, str]:
    return (path, role if path == "/" else "writer" if role in WRITERS else "reader")


@pytest.mark.parametrize("role", ROLES)
def test_every_page_opens_cleanly_and_accessibly_for_each_role(
    browser: Browser, server: Server, shots: Path, audited: set[tuple[str, str]], role: str
) -> None:
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(f"console: {message.text}") if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    axe = Axe()
    try:
        page.goto("/login")
        page.fill("input[name=username]", f"tour-{role}")
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("button[type=submit]")
        visited = pages_of(page)
        assert "/analytics" in visited and ("/breach" in visited) == (role in ("legal", "admin"))
        for path in visited:
            response = page.goto(path)
            page.wait_for_load_state("networkidle")
            assert response is not None and response.status == 200, f"{role} {path}: {response and response.status}"
            if variant(path, role) not in audited:
                violations = axe.run(page).response["violations"]
                serious = [f"{v['id']} ({len(v['nodes'])})" for v in violations if v["impact"] in SERIOUS]
                assert serious == [], f"{role} {path}: {serious}"
                audited.add(variant(path, role))
            name = re.sub(r"[^a-z0-9]+", "-", path.strip("/").lower()) or "overview"
            page.screenshot(path=shots / f"{role}-{name}.jpg", type="jpeg", quality=70, full_page=True)
        assert problems == [], problems
        assert len(list(shots.glob(f"{role}-*.jpg"))) >= len(visited)
    finally:
        context.close()


@dataclass(frozen=True)
class Stop:
    """One picture of the docs' tour: who looks, at what, and what the reader should notice."""

    name: str
    role: str | None  # None: a visitor who is not logged in
    path: str  # "room": the top-ranked open incident; "report": the executive report of the card outage
    caption: str
    whole_page: bool = False


TOUR = [
    Stop("overview-executive", "executive", "/", "The executive's overview leads with reputational debt and the trust "
         "index per customer tier, then the open incidents ranked by brand priority and what customers say.", True),
    Stop("overview-it", "it", "/", "IT's view leads with health by component group, then the incidents and the "
         "functional impact heatmap: what to fix first from the customer's side.", True),
    Stop("overview-marketing", "marketing", "/", "Marketing's view leads with complaints and sentiment per day, "
         "the heatmap and the marketing guard's active windows.", True),
    Stop("overview-comms", "comms", "/", "Comms' view leads with each open incident's channel, the reason for it, "
         "and when the next update is due.", True),
    Stop("overview-legal", "legal", "/", "Legal's view leads with the breach clocks; only legal and admins see them.", True),
    Stop("incident-room", "comms", "room", "The incident room: the channel decision and why, who was hit, drafts "
         "that pass the apology lint, the status-page preview and the timeline."),
    Stop("executive-report", "executive", "report", "The executive post-incident report of the card-payment outage "
         "(also as PDF): what happened, who was hit, what customers said, what we told them, guard actions, churn "
         "and debt.", True),
    Stop("health", "it", "/health", "Health: components with 90 days of uptime, probes and heartbeats."),
    Stop("listening", "marketing", "/listening", "Listening: the functional impact matrix, spikes with their "
         "forwardable sentence, and the latest redacted mentions."),
    Stop("guard", "marketing", "/guard", "The marketing guard: active windows, cool-downs ending soon and thank-you "
         "readiness per incident."),
    Stop("analytics", "executive", "/analytics", "Analytics: reputational debt per incident, the newest silent-churn "
         "analysis and the trust index per tier."),
    Stop("breach", "legal", "/breach", "Breach: open cases with their regulatory clocks, and the drills played."),
    Stop("audit", "it", "/audit", "Audit: design anti-patterns found per run, new and fixed since the last."),
    Stop("status-page", None, "/status", "The public status page: only public components and customer-facing "
         "updates, nothing internal."),
]  # fmt: skip


@pytest.fixture(scope="module")
def docs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("TRUSTOPS_DOCS_DIR")
    directory = Path(chosen) if chosen else tmp_path_factory.mktemp("docs")
    (directory / "tour").mkdir(parents=True, exist_ok=True)
    return directory


def log_in_as(page: Page, role: str) -> None:
    page.context.clear_cookies()
    page.goto("/login")
    page.fill("input[name=username]", f"tour-{role}")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


def where(page: Page, path: str) -> str:
    if path == "room":  # the open incident customers feel most: first on the comms overview
        page.goto("/?view=comms")
        return page.locator("#tile-incidents a[href^='/incidents/']").first.get_attribute("href") or ""
    if path == "report":
        page.goto("/incidents")
        room = page.get_by_role("link", name=re.compile("Card payments declined")).first.get_attribute("href")
        return f"{room}/report"
    return path


def test_the_docs_tour_is_taken_from_the_demo(browser: Browser, server: Server, docs_dir: Path) -> None:
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(15_000)
    page = context.new_page()
    lines = [
        "# A tour of the dashboard",
        "",
        "Screenshots of the demo (`make run`), one per page and one per role's overview. They are taken by",
        "`tests/web/test_tour_browser.py` in Debian's Chromium; `make tour` takes them again into this folder.",
        "See [the overview](overview.md) for what each tile means.",
    ]
    try:
        for stop in TOUR:
            if stop.role is None:
                page.context.clear_cookies()
            else:
                log_in_as(page, stop.role)
            response = page.goto(where(page, stop.path))
            assert response is not None and response.status == 200, f"{stop.name}: {response and response.status}"
            page.wait_for_load_state("networkidle")
            shot = docs_dir / "tour" / f"{stop.name}.jpg"
            page.screenshot(path=shot, type="jpeg", quality=70, full_page=stop.whole_page)
            title = page.title().removesuffix(" · trustops")
            lines += [
                "",
                f"## {title} ({stop.role or 'public'})",
                "",
                stop.caption,
                "",
                f"![{stop.caption}](tour/{shot.name})",
            ]
    finally:
        context.close()
    (docs_dir / "tour.md").write_text("\n".join(lines) + "\n")
    assert sorted(p.stem for p in (docs_dir / "tour").glob("*.jpg")) == sorted(s.name for s in TOUR)
