"""Atom and RSS feeds of the page's history: well-formed, escaped, newest first, stable ids."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy.orm import Session

from tests.factories import make_component
from trustops.catalog.schema import StatusPageSpec
from trustops.comms.feeds import atom, rss
from trustops.comms.ids import public_id
from trustops.comms.statuspage import Snapshot, load_snapshot
from trustops.config import Policy
from trustops.enums import Audience, Channel, ComponentStatus, IncidentState, Visibility
from trustops.monitor.incidents import Change, open_incident, resolve_incident, update_incident
from trustops.monitor.models import Incident

A = "{http://www.w3.org/2005/Atom}"
SECRET = b"feeds-test-secret"
NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
HOSTILE = '<script>alert(1)</script> & "quotes" \x01\x08'


@pytest.fixture(autouse=True)
def shop(session: Session) -> None:
    make_component(session, "checkout")
    make_component(session, "payments-db", visibility=Visibility.INTERNAL)


def snapshot(session: Session) -> Snapshot:
    session.flush()
    spec = StatusPageSpec(name="Shop")
    return load_snapshot(session, secret=SECRET, spec=spec, base_url="https://shop.example", policy=Policy(), now=NOW)


def incident(session: Session, title: str, at: datetime, message: str = "Investigating.") -> Incident:
    found = open_incident(
        session, title=title, components={"checkout": ComponentStatus.MAJOR_OUTAGE}, actor="t", message=message, now=at
    )
    found.channel = Channel.STATUS_PAGE
    return found


def test_the_atom_feed_lists_public_updates_newest_first_with_links_to_the_incident(session: Session) -> None:
    first = incident(session, "Search slow", NOW - timedelta(hours=3))
    resolve_incident(session, first.id, actor="t", message="Search is fast again.", now=NOW - timedelta(hours=2))
    second = incident(session, "Checkout errors", NOW - timedelta(minutes=30))
    update_incident(session, second.id, Change(message="db-7 failover", audience=Audience.INTERNAL), actor="t", now=NOW)

    feed = ET.fromstring(atom(snapshot(session)))

    assert feed.tag == f"{A}feed"
    assert feed.findtext(f"{A}title") == "Shop status history"
    assert feed.findtext(f"{A}updated") == "2026-03-02T13:30:00.000+00:00"
    assert feed.find(f"{A}link[@rel='self']").get("href") == "https://shop.example/status/history.atom"  # type: ignore[union-attr]
    entries = feed.findall(f"{A}entry")
    assert [e.findtext(f"{A}title") for e in entries] == [
        "Checkout errors: Investigating",
        "Search slow: Resolved",
        "Search slow: Investigating",
    ]
    assert [e.findtext(f"{A}content") for e in entries] == ["Investigating.", "Search is fast again.", "Investigating."]
    link = f"https://shop.example/status/incidents/{public_id(SECRET, 'incident', second.id)}"
    assert entries[0].find(f"{A}link").get("href") == link  # type: ignore[union-attr]
    assert entries[0].findtext(f"{A}id", "").startswith(link + "#update-")
    assert "db-7" not in atom(snapshot(session)).decode()


def test_feed_entry_ids_are_stable_across_renders(session: Session) -> None:
    found = incident(session, "Checkout errors", NOW - timedelta(minutes=30))
    before = [e.findtext(f"{A}id") for e in ET.fromstring(atom(snapshot(session))).findall(f"{A}entry")]
    update_incident(session, found.id, Change(state=IncidentState.IDENTIFIED, message="Found it."), actor="t", now=NOW)

    after = [e.findtext(f"{A}id") for e in ET.fromstring(atom(snapshot(session))).findall(f"{A}entry")]

    assert after[1:] == before
    assert len(set(after)) == 2


def test_hostile_text_is_escaped_in_both_feeds_and_reads_back_unchanged(session: Session) -> None:
    incident(session, HOSTILE, NOW - timedelta(minutes=5), message=f"Body {HOSTILE}")
    snap = snapshot(session)

    atom_bytes, rss_bytes = atom(snap), rss(snap)

    for raw in (atom_bytes, rss_bytes):
        assert b"<script>" not in raw
        assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    clean = '<script>alert(1)</script> & "quotes" '  # control characters cannot travel in XML 1.0
    entry = ET.fromstring(atom_bytes).find(f"{A}entry")
    assert entry is not None and entry.findtext(f"{A}title") == f"{clean}: Investigating"
    item = ET.fromstring(rss_bytes).find("channel/item")
    assert item is not None and item.findtext("description") == f"Body {clean}"


def test_the_rss_feed_is_rss_2_with_rfc_822_dates_and_guids(session: Session) -> None:
    found = incident(session, "Checkout errors", NOW - timedelta(minutes=30))

    root = ET.fromstring(rss(snapshot(session)))

    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None
    assert channel.findtext("link") == "https://shop.example/status"
    [item] = channel.findall("item")
    assert item.findtext("title") == "Checkout errors: Investigating"
    assert item.findtext("link") == f"https://shop.example/status/incidents/{public_id(SECRET, 'incident', found.id)}"
    guid = item.find("guid")
    assert guid is not None and guid.get("isPermaLink") == "false" and guid.text
    assert parsedate_to_datetime(item.findtext("pubDate", "")) == NOW - timedelta(minutes=30)
    assert parsedate_to_datetime(channel.findtext("lastBuildDate", "")) == NOW - timedelta(minutes=30)


def test_the_feeds_hold_the_last_50_updates(session: Session) -> None:
    for n in range(30):
        found = incident(session, f"Incident {n}", NOW - timedelta(hours=60 - n))
        resolve_incident(session, found.id, actor="t", message="Fixed.", now=NOW - timedelta(hours=60 - n, minutes=-5))

    snap = snapshot(session)

    assert len(ET.fromstring(atom(snap)).findall(f"{A}entry")) == 50
    items = ET.fromstring(rss(snap)).findall("channel/item")
    assert len(items) == 50
    assert items[0].findtext("title") == "Incident 29: Resolved"


def test_an_empty_page_gives_well_formed_empty_feeds(session: Session) -> None:
    snap = snapshot(session)

    assert ET.fromstring(atom(snap)).findall(f"{A}entry") == []
    assert ET.fromstring(rss(snap)).findall("channel/item") == []
