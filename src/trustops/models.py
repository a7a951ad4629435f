"""Imports every table so ``Base.metadata`` is complete (Alembic, tests)."""

from __future__ import annotations

from trustops.accounts.models import ApiToken, User
from trustops.catalog.models import Component
from trustops.customers import Customer
from trustops.monitor.models import Incident, IncidentComponent, IncidentEvent

__all__ = ["ApiToken", "Component", "Customer", "Incident", "IncidentComponent", "IncidentEvent", "User"]
