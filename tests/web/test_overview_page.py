"""The overview as its users meet it: their own view first, every figure a link to its page, breach clocks for
counsel only, and tiles that refresh themselves without a reload (answering 304 while nothing changed)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import make_component, make_incident, make_user
from tests.web.test_dashboard import log_in
from trustops import clock
from trustops.accounts.models import Role
from trustops.breach import cases
from trustops.comms import channel
from trustops.config import Policy
from trustops.enums import ComponentStatus

TILE_IDS = re.compile(r'<section class="tile[^"]*" id="tile-(\w+)"')


@pytest.fixture
def shop(session: Session) -> None:
    make_component(session, "checkout", group="Checkout")
    make_component(session, "search", group="Storefront")
    incident = make_incident(session, {"checkout": ComponentStatus.MAJOR_OUTAGE}, title="Checkout errors")
    channel.apply(session, incident, policy=Policy(), now=clock.now())
    cases.open_case(
        session, title="Customer export exposed", aware_at=clock.now() - timedelta(hours=5), actor="test",
        now=clock.now(), people=200, people_by_jurisdiction={"EU-GDPR": 200},
    )  # fmt: skip
    session.commit()


def overview_as(client: TestClient, session: Session, role: Role, query: str = "") -> str:
    make_user(session, f"user-{role.value}", role)
    session.commit()
    log_in(client, f"user-{role.value}")
    response = client.get("/" + query)
    assert response.status_code == 200
    return response.text


@pytest.mark.parametrize(
    ("role", "tiles"),
    [
        (Role.IT, ["health", "incidents", "heatmap", "talk", "guard", "debt"]),
        (Role.MARKETING, ["talk", "heatmap", "guard", "incidents", "debt", "health"]),
        (Role.COMMS, ["incidents", "talk", "health", "guard", "debt"]),
        (Role.LEGAL, ["breach", "incidents", "talk", "health", "debt"]),
        (Role.EXECUTIVE, ["debt", "incidents", "talk", "health", "heatmap", "guard"]),
    ],
)
def test_each_role_opens_its_own_view_with_its_tiles_in_order(
    client: TestClient, session: Session, shop: None, role: Role, tiles: list[str]
) -> None:
    page = overview_as(client, session, role)

    assert TILE_IDS.findall(page) == tiles
    assert 'aria-current="page">' + {"it": "IT"}.get(role.value, role.value.title()) + "</a>" in page


def test_only_counsel_sees_the_breach_case_even_when_asking_for_the_legal_view(
    client: TestClient, session: Session, shop: None
) -> None:
    assert "Customer export exposed" not in overview_as(client, session, Role.MARKETING, "?view=legal")
    client.cookies.clear()
    legal = overview_as(client, session, Role.LEGAL)
    assert "Customer export exposed" in legal and "due" in legal


def test_the_open_incident_is_listed_with_its_channel_and_links_to_its_room(
    client: TestClient, session: Session, shop: None
) -> None:
    page = overview_as(client, session, Role.COMMS)

    incident = re.search(r'<a href="/incidents/(\d+)">#\d+ Checkout errors</a>', page)
    assert incident, "the open incident is not on the overview"
    assert f'href="/incidents/{incident.group(1)}#decision-h"' in page
    assert "1</strong> of\n    2 components impaired" in page


def test_every_link_on_the_overview_opens_a_page_of_the_control_center(
    client: TestClient, session: Session, shop: None
) -> None:
    page = overview_as(client, session, Role.ADMIN)
    tiles = page[page.index('<div id="tiles"') :]
    links = set(re.findall(r'href="(/[^"#]*)', tiles))

    assert {"/health", "/incidents", "/listening", "/guard", "/analytics", "/breach"} <= links
    for link in sorted(links):
        assert client.get(link).status_code == 200, link


def test_every_figure_in_a_tile_is_a_link(client: TestClient, session: Session, shop: None) -> None:
    page = overview_as(client, session, Role.ADMIN)

    figures = re.findall(r'<p class="figure">(.*?)</p>', page, re.S)
    assert figures
    for figure in figures:
        for number in re.findall(r"<strong>([^<]*\d[^<]*)</strong>", figure):
            assert re.search(r'<a href="[^"]+"[^>]*>\s*<strong>' + re.escape(number), figure), number


def test_the_tiles_answer_304_until_something_shown_changes(client: TestClient, session: Session, shop: None) -> None:
    make_user(session, "user-it", Role.IT)
    session.commit()
    log_in(client, "user-it")
    first = client.get("/overview/tiles?view=it")
    etag = first.headers["etag"]

    assert first.status_code == 200 and "Checkout errors" in first.text
    assert client.get("/overview/tiles?view=it", headers={"If-None-Match": etag}).status_code == 304

    make_incident(session, {"search": ComponentStatus.PARTIAL_OUTAGE}, title="Search is slow")
    session.commit()
    changed = client.get("/overview/tiles?view=it", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert "Search is slow" in changed.text


def test_the_page_carries_the_live_update_address_and_interval_and_a_pause_button(
    client: TestClient, session: Session, shop: None
) -> None:
    page = overview_as(client, session, Role.MARKETING)

    assert 'data-live="/overview/tiles?view=marketing"' in page
    assert 'data-interval="15"' in page and 'id="live-toggle"' in page and 'aria-live="polite"' in page


def test_charts_come_with_a_summary_and_their_numbers_as_a_table(
    client: TestClient, session: Session, shop: None
) -> None:
    page = overview_as(client, session, Role.EXECUTIVE)

    for chart in ("chart-talk", "chart-trust"):
        assert f'id="{chart}" aria-describedby="{chart}-summary"' in page
        assert f'<p class="summary" id="{chart}-summary">' in page
    assert page.count("<summary>The numbers</summary>") >= 2


def test_the_page_loads_its_scripts_from_trustops_itself(client: TestClient, session: Session, shop: None) -> None:
    page = overview_as(client, session, Role.IT)
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)

    assert "/vendor/plotly.min.js" in sources
    assert all(s.startswith("/") and not s.startswith("//") for s in sources)
    plotly = client.get("/vendor/plotly.min.js")
    assert plotly.status_code == 200 and plotly.headers["content-type"].startswith("text/javascript")
    assert plotly.text.startswith("/**\n* plotly.js v")


def test_a_stranger_asking_for_the_tiles_is_sent_to_log_in(client: TestClient) -> None:
    response = client.get("/overview/tiles")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_a_fresh_installation_shows_every_tile_with_what_is_missing(client: TestClient, session: Session) -> None:
    page = overview_as(client, session, Role.ADMIN)

    assert TILE_IDS.findall(page) == ["debt", "incidents", "talk", "health", "heatmap", "guard", "breach"]
    for empty in (
        "No open incidents.",
        "No churn analysis recorded yet",
        "No open breach case.",
        "0</strong> complaints",
    ):
        assert empty in page
