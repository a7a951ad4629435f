"""The public status page in a real browser (Debian's Chromium through Playwright): hostile text in an
incident stays inert, and the page loads nothing from anywhere else.

Without /usr/bin/chromium the module skips, except in CI (CI=true), where it fails. The PostgreSQL pass
leaves it out (``-m "not browser"``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from tests.browser import require_chromium
from tests.servers import served_sqlite
from trustops import clock
from trustops.catalog.schema import CatalogFile, ComponentSpec
from trustops.catalog.service import sync_catalog
from trustops.enums import Channel, ComponentStatus
from trustops.monitor.incidents import Change, open_incident, update_incident

pytestmark = pytest.mark.browser

require_chromium()

from playwright.sync_api import Browser, Page, expect  # noqa: E402

TITLE = '<script>window.pwned = 1</script>Checkout <img src=x onerror="window.pwned = 2"> errors'
MESSAGE = "We are looking into it.<script>window.pwned = 3</script> Next update by 15:00 UTC."


@dataclass(frozen=True)
class Server:
    url: str


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    catalog = CatalogFile(components=[ComponentSpec(id="checkout", name="Checkout", group="Shop")])

    def fill(session: Session) -> None:
        now = clock.now()
        sync_catalog(session, catalog)
        incident = open_incident(
            session, title=TITLE, components={"checkout": ComponentStatus.PARTIAL_OUTAGE}, actor="test", now=now
        )
        incident.channel = Channel.STATUS_PAGE
        update_incident(session, incident.id, Change(message=MESSAGE), actor="test", now=now)

    with served_sqlite(tmp_path_factory.mktemp("status-browser"), fill, catalog=catalog) as (url, _database):
        yield Server(url)


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:
    context = browser.new_context(base_url=server.url)
    context.set_default_timeout(5_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_an_incident_title_with_a_script_tag_renders_as_inert_text(page: Page, server: Server) -> None:
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))

    response = page.goto("/status")
    assert response is not None and response.status == 200
    expect(page.get_by_text("Checkout <img src=x", exact=False).first).to_be_visible()
    assert page.evaluate("window.pwned") is None

    page.get_by_role("link", name=TITLE).first.click()
    expect(page.get_by_text("<script>window.pwned = 3</script>", exact=False).first).to_be_visible()
    assert page.evaluate("window.pwned") is None

    assert errors == []
    assert all(url.startswith(server.url) for url in requests), requests  # no third-party asset
