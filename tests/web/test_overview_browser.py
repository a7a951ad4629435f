"""The overview in a real browser: charts drawn by the bundled plotly.js, tiles that update themselves when an
incident opens (no reload), a pause button that holds them still, and a keyboard path from the skip link
into the tiles. SQLite pass only (``browser`` marker)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from tests.browser import require_chromium
from tests.factories import PASSWORD, make_component, make_incident, make_user
from tests.servers import served_sqlite
from trustops.accounts.models import Role
from trustops.db import Database
from trustops.enums import ComponentStatus

pytestmark = pytest.mark.browser

require_chromium()

from playwright.sync_api import Browser, Page, expect  # noqa: E402


@dataclass(frozen=True)
class Server:
    url: str
    database: Database


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    def fill(session: Session) -> None:
        make_component(session, "checkout", group="Checkout")
        make_component(session, "search", group="Storefront")
        make_incident(session, {"checkout": ComponentStatus.MAJOR_OUTAGE}, title="Checkout errors")
        make_user(session, "it-lead", Role.IT)

    with served_sqlite(tmp_path_factory.mktemp("overview"), fill, overview_refresh_seconds=1) as (url, database):
        yield Server(url, database)


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto("/login")
    page.fill("input[name=username]", "it-lead")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    yield page
    context.close()
    assert errors == []


def open_incident(server: Server, title: str, component: str = "search") -> None:
    with server.database.session() as session:
        make_incident(session, {component: ComponentStatus.PARTIAL_OUTAGE}, title=title)
        session.commit()


def test_the_charts_are_drawn_by_the_bundled_plotly(page: Page) -> None:
    page.goto("/")
    expect(page.locator("#chart-talk .main-svg").first).to_be_attached()
    expect(page.locator("#chart-trust .main-svg").first).to_be_attached()
    assert page.evaluate("typeof window.Plotly.react") == "function"


def test_a_new_incident_appears_on_an_open_overview_without_a_reload(page: Page, server: Server) -> None:
    page.goto("/")
    page.evaluate("window.__same_page = true")

    open_incident(server, "Search is slow")

    expect(page.locator("#tile-incidents")).to_contain_text("Search is slow", timeout=8_000)
    expect(page.locator("#live-status")).to_contain_text("Updated at")
    assert page.evaluate("window.__same_page") is True
    expect(page.locator("#chart-talk .main-svg").first).to_be_attached()  # drawn again after the swap


def test_paused_tiles_stay_still_until_resumed(page: Page, server: Server) -> None:
    page.goto("/")
    toggle = page.locator("#live-toggle")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")

    open_incident(server, "Login refused", component="checkout")
    page.wait_for_timeout(2_500)
    expect(page.locator("#tile-incidents")).not_to_contain_text("Login refused")

    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#tile-incidents")).to_contain_text("Login refused", timeout=8_000)


def test_the_keyboard_reaches_the_content_first_and_then_each_tile_link(page: Page) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    expect(page.locator("a.skip")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('#tiles') !== null"):
            break
    assert page.evaluate("document.activeElement.closest('#tiles') !== null"), "Tab never reached the tiles"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
