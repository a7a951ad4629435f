"""Plain factory functions for the shared persona world of the tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from trustops.accounts.models import Role, Scope, User
from trustops.accounts.tokens import create_token
from trustops.accounts.users import create_user
from trustops.catalog.models import Component
from trustops.catalog.schema import ComponentSpec
from trustops.catalog.service import put_component
from trustops.enums import ComponentStatus
from trustops.monitor.incidents import open_incident
from trustops.monitor.models import Incident

PASSWORD = "correct horse battery"


def make_component(session: Session, id: str = "checkout", **overrides: Any) -> Component:
    spec = {"id": id, "name": id.replace("-", " ").title(), "criticality": "transaction", **overrides}
    component = put_component(session, ComponentSpec.model_validate(spec))
    session.flush()
    return component


def make_incident(
    session: Session,
    components: dict[str, ComponentStatus] | None = None,
    title: str = "Checkout errors",
    now: datetime | None = None,
    **overrides: Any,
) -> Incident:
    components = components or {"checkout": ComponentStatus.MAJOR_OUTAGE}
    for cid in components:
        if session.get(Component, cid) is None:
            make_component(session, cid)
    return open_incident(session, title=title, components=components, actor="test", now=now, **overrides)


def make_token(session: Session, *scopes: Scope | str, name: str = "test") -> str:
    return create_token(session, name=name, scopes=scopes or (Scope.READ,)).token


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_user(session: Session, username: str = "alice", role: Role = Role.COMMS) -> User:
    return create_user(session, username=username, password=PASSWORD, role=role)
