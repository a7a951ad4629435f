"""Apology e-mail drafts for an incident's affected customers, checked by the EAR lint.

A draft has the three parts of rules.md §3. **Empathy:** what happened to the reader, the feature and
the time window (UTC). **Accountability:** the cause in the first person and "This was our fault.", with
no excuses. **Resolution:** what was fixed, what prevents a repeat, "You do not need to do anything."
and a contact point.

The author gives the cause, the fix and the prevention. When the cause is not given, the draft takes
the last message posted while the incident was "identified"; when the fix is not given, the message
that resolved it. Whatever is still unknown becomes a bracketed prompt, which the lint reports, so a
draft with a prompt left in it never passes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from trustops.catalog.models import Component
from trustops.clock import as_utc
from trustops.comms.audience import MESSAGE_KINDS, audience_of
from trustops.comms.ear import LintReport, lint
from trustops.comms.templates import (
    as_sentence,
    day,
    feature_phrase,
    most_critical,
    public_components,
    status_groups,
)
from trustops.enums import Audience, ComponentStatus, Criticality, IncidentState
from trustops.monitor.exposure import BlastRadius
from trustops.monitor.models import Incident, IncidentEvent

PROMPT_CAUSE = "[Say in one sentence what went wrong, starting with 'We' or 'Our']"
PROMPT_FIX = "[Say what we fixed, and when]"
PROMPT_PREVENTION = "[Say what we are changing so that this cannot happen again]"
PROMPTS = (PROMPT_CAUSE, PROMPT_FIX, PROMPT_PREVENTION)
DEFAULT_CONTACT = "If you have any questions, reply to this e-mail and a person on our team will answer."
SIGN_OFF = "Kind regards,\nCustomer support"

# What the reader went through, by the worst status and the component's criticality. {f}: the feature.
IMPACT_ON_YOU = {
    Criticality.TRANSACTION: "you could not complete {f}",
    Criticality.CRITICAL_MOMENT: "you could not use {f}",
    Criticality.STANDARD: "{f} did not work for you",
    Criticality.BACKGROUND: "{f} {was} delayed for you",
}
IMPACT_BY_STATUS = {
    ComponentStatus.DEGRADED_PERFORMANCE: "{f} {was} slow for you",
    ComponentStatus.UNDER_MAINTENANCE: "{f} {was} unavailable to you",
}
EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$")
URL = re.compile(r"^(?:https?://|www\.)\S+$")
PHONE = re.compile(r"^\+?[\d ()-]{7,}$")


@dataclass(frozen=True)
class Apology:
    subject: str
    body: str
    report: LintReport
    prompts: list[str]  # the bracketed prompts still in the body, for the author to replace

    def to_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "body": self.body, "prompts": self.prompts, "report": self.report.to_dict()}


def draft_apology(
    incident: Incident,
    components: Mapping[str, Component],
    radius: BlastRadius | None,
    *,
    cause: str | None = None,
    fix: str | None = None,
    prevention: str | None = None,
    contact: str | None = None,
) -> Apology:
    """An apology e-mail for the customers ``incident`` affected, with its EAR report."""
    public = public_components(incident, components)
    feature = feature_phrase([c.name for c in public])
    cause_text = _given(cause) or _last_message(incident, IncidentState.IDENTIFIED) or PROMPT_CAUSE
    fix_text = _given(fix) or _last_message(incident, IncidentState.RESOLVED) or PROMPT_FIX
    prevention_text = _given(prevention) or PROMPT_PREVENTION
    paragraphs = [
        "Hello,",
        f"{_when(incident)}, {_impact_on_you(incident, public)}.{_reach(radius)} "
        "We know how frustrating that is, and we are sorry.",
        f"{_sentence(cause_text)} This was our fault.",
        f"{_sentence(fix_text)} {_sentence(prevention_text)}",
        f"You do not need to do anything. {_contact(contact)}",
        SIGN_OFF,
    ]
    body = "\n\n".join(paragraphs)
    subject = f"We are sorry about the problem with {feature} on {day(incident.started_at)}"
    names = [c.name for c in public]
    report = lint(body, subject=subject, incident_open=incident.is_open, features=names)
    prompts = [p for p in PROMPTS if p in body]
    return Apology(subject, body, report, prompts)


def _given(text: str | None) -> str | None:
    return text.strip() if text and text.strip() else None


def _sentence(text: str) -> str:
    return text if text in PROMPTS else as_sentence(text)


def _last_message(incident: Incident, state: IncidentState) -> str | None:
    """The last message posted in ``state`` that customers may read.

    Updates marked for the internal audience are never used, nor unmarked ones on an incident kept
    internal; an incident whose channel is not decided yet offers its unmarked updates.
    """
    for event in reversed(incident.events):
        if event.message and event.state is state and event.kind in MESSAGE_KINDS and _for_customers(event, incident):
            return event.message
    return None


def _for_customers(event: IncidentEvent, incident: Incident) -> bool:
    if incident.channel is None and "audience" not in (event.data or {}):
        return True
    return audience_of(event, incident) is not Audience.INTERNAL


def _when(incident: Incident) -> str:
    start = as_utc(incident.started_at)
    if incident.resolved_at is None:
        return f"Since {start:%H:%M} UTC on {day(start)}"
    end = as_utc(incident.resolved_at)
    if day(start) == day(end):
        return f"On {day(start)}, between {start:%H:%M} and {end:%H:%M} UTC"
    return f"Between {start:%H:%M} UTC on {day(start)} and {end:%H:%M} UTC on {day(end)}"


def _impact_on_you(incident: Incident, public: list[Component]) -> str:
    groups = status_groups(incident, public)
    if not groups:
        return f"{feature_phrase([c.name for c in public])} did not work for you"
    status, group = groups[0]
    names = [c.name for c in group]
    template = IMPACT_BY_STATUS.get(status) or IMPACT_ON_YOU[most_critical(group)]
    return template.format(f=feature_phrase(names), was="was" if len(names) == 1 else "were")


def _reach(radius: BlastRadius | None) -> str:
    """How many were hurt, as a number: plainer than "a small number of users" (a breach cliché)."""
    if radius is None or radius.affected < 2:
        return ""
    return f" {radius.affected:,} customers were affected, and you were one of them."


def _contact(contact: str | None) -> str:
    given = _given(contact)
    if given is None:
        return DEFAULT_CONTACT
    if EMAIL.match(given):
        return f"If you have any questions, write to us at {given}."
    if URL.match(given):
        return f"If you have any questions, contact us at {given}."
    if PHONE.match(given):
        return f"If you have any questions, call us on {given}."
    return as_sentence(given)
