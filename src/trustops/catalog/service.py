"""Keep the stored catalog in step with ``trustops.yaml`` and the API."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trustops.catalog.models import Component
from trustops.catalog.schema import CatalogFile, ComponentSpec
from trustops.errors import Conflict, NotFound


def list_components(session: Session) -> list[Component]:
    return list(session.scalars(select(Component).order_by(Component.position, Component.id)))


def get_component(session: Session, component_id: str) -> Component:
    component = session.get(Component, component_id)
    if component is None:
        raise NotFound(f"component {component_id!r} does not exist", field="component")
    return component


def put_component(session: Session, spec: ComponentSpec, *, source: str = "api") -> Component:
    """Create or replace a component from its spec."""
    component = session.get(Component, spec.id)
    if component is None:
        position = session.scalar(select(func.coalesce(func.max(Component.position), -1))) or 0
        component = Component(id=spec.id, position=position + 1)
        session.add(component)
    component.name = spec.name
    component.description = spec.description
    component.group = spec.group
    component.visibility = spec.visibility
    component.criticality = spec.criticality
    component.value_weight = spec.value_weight
    component.phrases = list(spec.phrases)
    component.checks = [check.model_dump(mode="json", exclude_none=True) for check in spec.checks]
    component.only_show_if_degraded = spec.only_show_if_degraded
    component.slo = spec.slo.model_dump(mode="json") if spec.slo else None
    component.source = source
    return component


def sync_catalog(session: Session, catalog: CatalogFile) -> list[Component]:
    """Upsert every component the file names, in file order.

    Components created through the API, or dropped from the file, are left alone: deleting one is an
    explicit act (:func:`delete_component`), since incidents may still refer to it.
    """
    components = [put_component(session, spec, source="config") for spec in catalog.components]
    for position, component in enumerate(components):
        component.position = position
    session.flush()
    return components


def delete_component(session: Session, component_id: str) -> None:
    """Delete a component nothing refers to; a 409 names what still does."""
    from trustops.monitor.health_models import Alert, Exposure, Heartbeat
    from trustops.monitor.models import IncidentComponent

    component = get_component(session, component_id)
    references = [
        (IncidentComponent, "incident(s)"),
        (Heartbeat, "heartbeat(s)"),
        (Alert, "alert(s)"),
        (Exposure, "exposure(s)"),
    ]
    for table, what in references:
        column = table.__table__.c.component_id
        used = session.scalar(select(func.count()).select_from(table).where(column == component_id))
        if used:
            raise Conflict(
                f"component {component_id!r} is referenced by {used} {what}; it cannot be deleted", field="component"
            )
    session.delete(component)
