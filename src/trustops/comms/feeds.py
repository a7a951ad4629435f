"""Atom 1.0 and RSS 2.0 feeds of the status page's history: the last 50 public updates, newest first.

Built with ``xml.etree``, so every text is escaped; characters XML 1.0 cannot carry at all (most control
characters) are dropped first. Entry ids are the update's permalink, stable for as long as the update
exists; every entry links to its incident's page.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from trustops.clock import as_utc, iso
from trustops.comms.statuspage import PageIncident, PageUpdate, Snapshot

ATOM = "http://www.w3.org/2005/Atom"
LIMIT = 50
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    link: str
    body: str
    at: datetime


def entries(snapshot: Snapshot, limit: int = LIMIT) -> list[Entry]:
    """Updates of public incidents and maintenances, newest first (by the time they are shown at)."""
    found = [_entry(snapshot, incident, update) for incident in _all(snapshot) for update in incident.updates]
    return sorted(found, key=lambda e: (e.at, e.id), reverse=True)[:limit]


def _all(snapshot: Snapshot) -> list[PageIncident]:
    return [*snapshot.incidents, *snapshot.maintenances]


def _entry(snapshot: Snapshot, incident: PageIncident, update: PageUpdate) -> Entry:
    kind = "maintenances" if incident.is_maintenance else "incidents"
    link = f"{snapshot.page.url}/{kind}/{incident.id}"
    title = f"{incident.name}: {update.status.replace('_', ' ').capitalize()}"
    return Entry(f"{link}#update-{update.id}", title, link, update.body, update.display_at)


def atom(snapshot: Snapshot) -> bytes:
    page = snapshot.page
    items = entries(snapshot)
    feed = ET.Element("feed", xmlns=ATOM)
    _text(feed, "id", page.url)
    _text(feed, "title", f"{page.name} status history")
    _text(feed, "updated", iso(items[0].at if items else page.updated_at))
    ET.SubElement(feed, "link", rel="alternate", type="text/html", href=page.url)
    ET.SubElement(feed, "link", rel="self", type="application/atom+xml", href=f"{page.url}/history.atom")
    _text(ET.SubElement(feed, "author"), "name", page.name)
    for item in items:
        entry = ET.SubElement(feed, "entry")
        _text(entry, "id", item.id)
        _text(entry, "title", item.title)
        _text(entry, "updated", iso(item.at))
        _text(entry, "published", iso(item.at))
        ET.SubElement(entry, "link", rel="alternate", type="text/html", href=item.link)
        _text(entry, "content", item.body, type="text")
    return _serialise(feed)


def rss(snapshot: Snapshot) -> bytes:
    page = snapshot.page
    items = entries(snapshot)
    root = ET.Element("rss", version="2.0")
    channel = ET.SubElement(root, "channel")
    _text(channel, "title", f"{page.name} status history")
    _text(channel, "link", page.url)
    _text(channel, "description", f"Incidents and maintenance on {page.name}, newest first.")
    _text(channel, "lastBuildDate", _rfc822(items[0].at if items else page.updated_at))
    for item in items:
        node = ET.SubElement(channel, "item")
        _text(node, "title", item.title)
        _text(node, "link", item.link)
        _text(node, "guid", item.id, isPermaLink="false")
        _text(node, "pubDate", _rfc822(item.at))
        _text(node, "description", item.body)
    return _serialise(root)


def _text(parent: ET.Element, tag: str, text: str | None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    element.text = NOT_XML.sub("", text or "")
    return element


def _rfc822(moment: datetime) -> str:
    return format_datetime(as_utc(moment))


def _serialise(root: ET.Element) -> bytes:
    for element in root.iter():
        element.attrib = {key: NOT_XML.sub("", value) for key, value in element.attrib.items()}
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body
