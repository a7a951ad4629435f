"""Who an incident reached, as a subquery over the exposure ledger, for every module that counts them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Subquery, select

from trustops.monitor.health_models import Exposure
from trustops.monitor.models import Incident, IncidentComponent


def affected_keys(incident: Incident, now: datetime) -> Subquery:
    """The distinct pseudonyms (``user_key``) of users who saw an error on the incident's components while it ran
    (until ``now`` while it is open)."""
    components = select(IncidentComponent.component_id).where(IncidentComponent.incident_id == incident.id)
    end = incident.resolved_at or now
    return (
        select(Exposure.user_key)
        .where(Exposure.component_id.in_(components), Exposure.at >= incident.started_at, Exposure.at <= end)
        .distinct()
        .subquery("affected")
    )
