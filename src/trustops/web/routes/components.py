from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from trustops.accounts.models import Scope
from trustops.catalog import service
from trustops.catalog.models import Component
from trustops.catalog.schema import ComponentSpec
from trustops.enums import ComponentStatus
from trustops.errors import InvalidInput
from trustops.monitor.incidents import component_statuses
from trustops.web.deps import SessionDep, require
from trustops.web.schemas import ComponentPublic

PREFIX = "/api/v1/components"
router = APIRouter()
reader = APIRouter(prefix=PREFIX, tags=["components"], dependencies=[Depends(require(Scope.READ))])
admin = APIRouter(prefix=PREFIX, tags=["components"], dependencies=[Depends(require(Scope.ADMIN))])


def to_public(component: Component, status: ComponentStatus) -> ComponentPublic:
    return ComponentPublic.model_validate(
        {
            "id": component.id,
            "name": component.name,
            "description": component.description,
            "group": component.group,
            "visibility": component.visibility,
            "criticality": component.criticality,
            "value_weight": component.value_weight,
            "phrases": component.phrases,
            "checks": component.checks,
            "slo": component.slo,
            "status": status,
            "source": component.source,
        }
    )


@reader.get("", response_model=list[ComponentPublic])
def list_components(session: SessionDep) -> list[ComponentPublic]:
    statuses = component_statuses(session)
    return [to_public(c, statuses[c.id]) for c in service.list_components(session)]


@reader.get("/{component_id}", response_model=ComponentPublic)
def get_component(component_id: str, session: SessionDep) -> ComponentPublic:
    component = service.get_component(session, component_id)
    return to_public(component, component_statuses(session)[component.id])


@admin.put("/{component_id}", response_model=ComponentPublic)
def put_component(component_id: str, spec: ComponentSpec, session: SessionDep) -> ComponentPublic:
    if spec.id != component_id:
        raise InvalidInput(f"id: {spec.id!r} differs from the URL's {component_id!r}", field="id")
    component = service.put_component(session, spec)
    session.commit()
    return to_public(component, component_statuses(session)[component.id])


@admin.delete("/{component_id}", status_code=204)
def delete_component(component_id: str, session: SessionDep) -> Response:
    service.delete_component(session, component_id)
    session.commit()
    return Response(status_code=204)


router.include_router(reader)
router.include_router(admin)
