"""Which incidents and updates the public may see. Every public surface (the status page, its JSON,
feeds, exports and subscriber messages) asks these functions, so they all agree.

An incident is public when its channel is the status page or a retrospective report and it touches at
least one public component; only its public components are ever shown. An update (a timeline event
with a message) is public when it was posted for the public audience, or posted without an audience on
an incident that is public. Internal and targeted updates never reach the page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from trustops.catalog.models import Component
from trustops.enums import STATUS_ORDER, Audience, Channel, ComponentStatus, Visibility
from trustops.monitor.models import EventKind, Incident, IncidentEvent

PUBLIC_CHANNELS = (Channel.STATUS_PAGE, Channel.RETROSPECTIVE)
MESSAGE_KINDS = (EventKind.OPENED, EventKind.STATE_CHANGED, EventKind.UPDATE)


def audience_of(event: IncidentEvent, incident: Incident) -> Audience:
    """The audience an update was posted for; unmarked updates follow the incident's channel."""
    marked = (event.data or {}).get("audience")
    if isinstance(marked, str) and marked in Audience._value2member_map_:
        return Audience(marked)
    if incident.channel in PUBLIC_CHANNELS:
        return Audience.PUBLIC
    if incident.channel is Channel.TARGETED:
        return Audience.TARGETED
    return Audience.INTERNAL


def public_updates(incident: Incident) -> list[IncidentEvent]:
    """The incident's public updates, oldest first: messages posted for the public."""
    if incident.channel not in PUBLIC_CHANNELS:
        return []
    return [
        event
        for event in incident.events
        if event.message and event.kind in MESSAGE_KINDS and audience_of(event, incident) is Audience.PUBLIC
    ]


def public_components(session: Session) -> list[Component]:
    """Components the page shows, in catalog order (``only_show_if_degraded`` is the page's business)."""
    query = select(Component).where(Component.visibility == Visibility.PUBLIC)
    return list(session.scalars(query.order_by(Component.position, Component.id)))


def public_incidents(session: Session, *, limit: int = 50) -> list[Incident]:
    """Incidents on the page, newest first: on a public channel and touching a public component."""
    public_ids = {c.id for c in public_components(session)}
    query = (
        select(Incident)
        .where(Incident.channel.in_(PUBLIC_CHANNELS))
        .options(selectinload(Incident.components), selectinload(Incident.events))
        .order_by(Incident.started_at.desc(), Incident.id.desc())
    )
    found = []
    for incident in session.scalars(query):
        if any(link.component_id in public_ids for link in incident.components):
            found.append(incident)
            if len(found) == limit:
                break
    return found


def public_statuses(incidents: Iterable[Incident], component_ids: Iterable[str]) -> dict[str, ComponentStatus]:
    """Each public component's status as the page tells it: the worst any open public incident gives it."""
    statuses = {cid: ComponentStatus.OPERATIONAL for cid in component_ids}
    for incident in incidents:
        if not incident.state.is_open:
            continue
        for link in incident.components:
            current = statuses.get(link.component_id)
            if current is not None and STATUS_ORDER.index(link.status) > STATUS_ORDER.index(current):
                statuses[link.component_id] = link.status
    return statuses


def is_public_incident(incident: Incident, components: Mapping[str, Component]) -> bool:
    return incident.channel in PUBLIC_CHANNELS and any(
        (c := components.get(link.component_id)) is not None and c.visibility is Visibility.PUBLIC
        for link in incident.components
    )
