"""Retrospective reports: the public note about a brief glitch that was fixed before anyone posted.

Statuspage calls these "historical" incidents: back-dated, with notifications off (formats.md §1.4). The
text is drafted from the timeline alone: the window, which public features customers may have noticed
and how, that it is fixed, and an apology. Internal component names never appear (rules.md §1: no
internal detail in public messages).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from trustops.catalog.models import Component
from trustops.enums import STATUS_ORDER, ComponentStatus, Visibility
from trustops.monitor.models import EventKind, Incident

ERROR_STATUSES = (ComponentStatus.PARTIAL_OUTAGE, ComponentStatus.MAJOR_OUTAGE)


def worst_statuses(incident: Incident) -> dict[str, ComponentStatus]:
    """The worst status the incident ever gave each of its components, read from its timeline.

    Resolving an incident sets its components back to operational, so the current links alone would
    forget what customers saw.
    """
    worst = {link.component_id: link.status for link in incident.components}
    for event in incident.events:
        if event.kind is not EventKind.COMPONENT_STATUS:
            continue
        cid, status = event.data.get("component"), event.data.get("to")
        if isinstance(cid, str) and isinstance(status, str) and status in ComponentStatus._value2member_map_:
            seen = ComponentStatus(status)
            current = worst.get(cid, ComponentStatus.OPERATIONAL)
            worst[cid] = max(current, seen, key=STATUS_ORDER.index)
    return worst


def draft_retrospective(incident: Incident, components: Mapping[str, Component], *, time_zone: str = "UTC") -> str:
    """The public text of a retrospective report, e.g. "Between 10:05 and 10:08 UTC on 4 May 2026, some
    customers may have seen errors when using checkout. It has been fixed…"."""
    window = _window(incident.started_at, incident.resolved_at or incident.updated_at, ZoneInfo(time_zone))
    return f"{window}, some customers may have {_what_they_saw(incident, components)}. {_CLOSING}"


_CLOSING = "It has been fixed and everything works normally again. We are sorry for the trouble."


def _what_they_saw(incident: Incident, components: Mapping[str, Component]) -> str:
    errors, slow = [], []
    for cid, status in worst_statuses(incident).items():
        component = components.get(cid)
        if component is None or component.visibility is not Visibility.PUBLIC:
            continue
        if status in ERROR_STATUSES:
            errors.append(feature_name(component))
        elif status is ComponentStatus.DEGRADED_PERFORMANCE:
            slow.append(feature_name(component))
    if not errors and not slow:
        return "seen problems with some of our services"
    parts = []
    if errors:
        parts.append(f"seen errors when using {_join(errors)}")
    if slow:
        parts.append(f"found {_join(slow)} slow")
    return " and ".join(parts)


def feature_name(component: Component) -> str:
    """A component's name as it reads mid-sentence in a message to customers."""
    name = component.name.strip() or component.id
    # "Checkout" and "Product images" read as "checkout" and "product images" mid-sentence; "API", "iOS app"
    # and a brand like "Stripe Payments" (a capital after the first letter) keep their capitals.
    if len(name) > 1 and name[0].isupper() and not any(c.isupper() for c in name[1:]):
        return name[0].lower() + name[1:]
    return name


def _join(names: Iterable[str]) -> str:
    items = list(dict.fromkeys(names))
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _window(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    start, end = start.astimezone(zone), end.astimezone(zone)
    label = start.strftime("%Z") or str(zone)
    if start.date() == end.date():
        return f"Between {start:%H:%M} and {end:%H:%M} {label} on {_day(start)}"
    return (
        f"Between {start:%H:%M} {label} on {_day(start)} and {end:%H:%M} {end.strftime('%Z') or label} on {_day(end)}"
    )


def _day(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y}"
