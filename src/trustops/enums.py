"""Vocabularies shared across domains. The strings are wire formats: Statuspage's exact enums."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import Enum


class ComponentStatus(StrEnum):
    """Statuspage component status, worst last (formats.md §1.2)."""

    OPERATIONAL = "operational"
    UNDER_MAINTENANCE = "under_maintenance"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"


STATUS_ORDER = list(ComponentStatus)  # best first: compare statuses with ``key=STATUS_ORDER.index``


class Impact(StrEnum):
    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Impact).index(self)


class IncidentState(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    POSTMORTEM = "postmortem"

    @property
    def is_open(self) -> bool:
        return self not in (IncidentState.RESOLVED, IncidentState.POSTMORTEM)


class Visibility(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"


class Criticality(StrEnum):
    """How much a failure of the component hurts, from the customer's side."""

    BACKGROUND = "background"  # nobody notices at once (reports, internal jobs)
    STANDARD = "standard"  # browsing works worse (search, images)
    CRITICAL_MOMENT = "critical_moment"  # blocks a moment that matters (login, order e-mails)
    TRANSACTION = "transaction"  # breaks money changing hands (cart, checkout, payment)


class CustomerTier(StrEnum):
    ENTERPRISE = "enterprise"
    LOYAL = "loyal"
    REGULAR = "regular"
    NEW = "new"


def enum_column(enum: type[StrEnum]) -> Any:
    """A portable column type storing the enum's string values (no native ENUM, easy migrations)."""
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
    )


class HeartbeatStatus(StrEnum):
    """Stored heartbeat states (Healthchecks); "late" is shown, not stored (within grace)."""

    NEW = "new"
    UP = "up"
    DOWN = "down"
    PAUSED = "paused"


class ProbeStatus(StrEnum):
    UNKNOWN = "unknown"
    UP = "up"
    DOWN = "down"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up: permanent error or retries spent; shown on the dashboard


class Channel(StrEnum):
    """Where news of an incident goes (rules.md §1: SEV-1 public page, SEV-2 targeted, SEV-3 retrospective)."""

    STATUS_PAGE = "status_page"  # the public status page, its subscribers and feeds
    TARGETED = "targeted"  # e-mail to the affected accounts plus account-manager tasks
    INTERNAL = "internal"  # responders and internal audiences only; no customer message
    RETROSPECTIVE = "retrospective"  # a back-dated report on the page, notifications off


class Audience(StrEnum):
    """Who one incident update is for."""

    PUBLIC = "public"  # the status page, its subscribers, and everyone internal
    TARGETED = "targeted"  # the affected accounts' contacts (and everyone internal)
    INTERNAL = "internal"  # employees, partners, investors and responders; never on the page


class MaintenanceState(StrEnum):
    """Statuspage scheduled-maintenance states (formats.md §1.2)."""

    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    VERIFYING = "verifying"
    COMPLETED = "completed"

    @property
    def is_active(self) -> bool:
        return self in (MaintenanceState.IN_PROGRESS, MaintenanceState.VERIFYING)


class CampaignType(StrEnum):
    """What a marketing message is, for the marketing guard."""

    PROMOTIONAL = "promotional"
    AUTOMATED = "automated"
    THANK_YOU = "thank_you"
    HELP_CONTENT = "help_content"
    LOYALTY_REWARD = "loyalty_reward"
    TRANSACTIONAL = "transactional"
    APOLOGY = "apology"


class BreachStatus(StrEnum):
    """Where a data-breach case stands (NIST SP 800-61 phases as playbook states)."""

    OPEN = "open"  # aware; facts being gathered, clocks running
    CONTAINED = "contained"  # the leak is stopped; notifications may still be owed
    CLOSED = "closed"  # every owed notification made or documented as not owed


class BreachRisk(StrEnum):
    """The risk to people's rights and freedoms (GDPR Art. 33(1) and 34(1))."""

    UNLIKELY = "unlikely"  # no notification owed; the case is still documented (Art. 33(5))
    RISK = "risk"  # the supervisory authority is notified (Art. 33)
    HIGH = "high"  # the people affected are told too (Art. 34), unless an exception applies


class BreachRole(StrEnum):
    """Who does a breach task."""

    LEGAL = "legal"
    PR = "pr"
    MARKETING = "marketing"
    IT = "it"
    SUPPORT = "support"


class BreachLogKind(StrEnum):
    """Entries of a case's Art. 33(5) documentation log: facts, effects and remedial action, and decisions."""

    FACT = "fact"  # what happened, what data, how many people
    EFFECT = "effect"  # likely consequences
    MEASURE = "measure"  # remedial action taken or proposed
    DECISION = "decision"  # e.g. "not notifying the people affected: data encrypted, key safe (Art. 34(3)(a))"
    NOTIFICATION = "notification"  # a notification made, to whom, when
    DELAY = "delay"  # reasons for notifying after a deadline (Art. 33(1))
    NOTE = "note"
