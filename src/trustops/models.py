"""Imports every table so ``Base.metadata`` is complete (Alembic, tests)."""

from __future__ import annotations

from trustops.accounts.models import ApiToken, User
from trustops.analytics.models import ChurnRun
from trustops.audit.models import AuditFinding, AuditRun
from trustops.breach.models import (
    BreachCase,
    BreachLogEntry,
    BreachNotification,
    BreachReminder,
    BreachTask,
    DrillRun,
)
from trustops.catalog.models import Component
from trustops.comms.models import Account, AccountTask, Maintenance, MaintenanceUpdate, Subscriber
from trustops.customers import Customer
from trustops.guard.models import GuardDecision, GuardRun
from trustops.listen.models import ListenModel, Mention, MentionIntent, SpikeAlert
from trustops.monitor.health_models import (
    Alert,
    Delivery,
    Exposure,
    Heartbeat,
    Lease,
    Ping,
    Probe,
    ProbeRun,
    Route,
)
from trustops.monitor.models import Incident, IncidentComponent, IncidentEvent

__all__ = [
    "Account",
    "AccountTask",
    "Alert",
    "ApiToken",
    "AuditFinding",
    "AuditRun",
    "BreachCase",
    "BreachLogEntry",
    "BreachNotification",
    "BreachReminder",
    "BreachTask",
    "ChurnRun",
    "Component",
    "Customer",
    "Delivery",
    "DrillRun",
    "Exposure",
    "GuardDecision",
    "GuardRun",
    "Heartbeat",
    "Incident",
    "IncidentComponent",
    "IncidentEvent",
    "Lease",
    "ListenModel",
    "Maintenance",
    "MaintenanceUpdate",
    "Mention",
    "MentionIntent",
    "Ping",
    "Probe",
    "ProbeRun",
    "Route",
    "SpikeAlert",
    "Subscriber",
    "User",
]
