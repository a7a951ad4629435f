"""Update templates per incident state, in plain language, ready to post.

The wording follows PagerDuty's staged phrases (rules.md §1): "We are aware of…", "We have found the
cause…", "A fix has been applied and we are watching…", "The issue has been resolved…". The slots:

- ``{feature}``: the public names of the incident's public components; an incident that touches only
  internal components says "some of our services". Internal names and ids never appear.
- ``{impact}``: one plain sentence per component status, from the status and the component's
  criticality ("Some customers cannot complete checkout.").
- ``{workaround}``: optional, written by a person.
- ``{next_update_at}``: every update before "resolved" ends with "Next update by HH:MM UTC."

No template ever guesses when the fix will land; each one passes :func:`trustops.comms.ear.lint_update`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from trustops.catalog.models import Component
from trustops.clock import as_utc
from trustops.comms import retrospective
from trustops.comms.audience import is_public_incident
from trustops.config import Policy
from trustops.enums import STATUS_ORDER, ComponentStatus, Criticality, IncidentState, Visibility
from trustops.errors import InvalidInput
from trustops.monitor.models import Incident

UNNAMED = "some of our services"
STATES = (IncidentState.INVESTIGATING, IncidentState.IDENTIFIED, IncidentState.MONITORING, IncidentState.RESOLVED)
CRITICALITY_ORDER = list(Criticality)

# Each template is a list of sentences; a slot left empty drops out with its sentence.
TEMPLATES = {
    IncidentState.INVESTIGATING: (
        "We are aware of a problem with {feature}.",
        "{impact}",
        "We are investigating and will share what we find.",
        "{workaround}",
        "Next update by {next_update_at}.",
    ),
    IncidentState.IDENTIFIED: (
        "We have found the cause of the problem with {feature} and are working on a fix.",
        "{impact}",
        "{workaround}",
        "Next update by {next_update_at}.",
    ),
    IncidentState.MONITORING: (
        "A fix has been applied and we are watching {feature} closely to make sure {it_works} normally again.",
        "{workaround}",
        "Next update by {next_update_at}.",
    ),
    IncidentState.RESOLVED: (
        "The issue has been resolved and {feature} {is_} working normally again.",
        "{window}",
        "Thank you for your patience.",
    ),
}

# What customers notice, by status and by how much the component matters (criticality). {f} is the
# feature as it reads inside a sentence; {F} the same at the start of one.
IMPACT: dict[ComponentStatus, dict[Criticality, str]] = {
    ComponentStatus.MAJOR_OUTAGE: {
        Criticality.TRANSACTION: "Customers cannot complete {f}.",
        Criticality.CRITICAL_MOMENT: "Customers cannot use {f}.",
        Criticality.STANDARD: "{F} {is_} not working.",
        Criticality.BACKGROUND: "{F} {is_} delayed.",
    },
    ComponentStatus.PARTIAL_OUTAGE: {
        Criticality.TRANSACTION: "Some customers cannot complete {f}.",
        Criticality.CRITICAL_MOMENT: "Some customers cannot use {f}.",
        Criticality.STANDARD: "{F} {is_} not working for some customers.",
        Criticality.BACKGROUND: "{F} may be delayed for some customers.",
    },
}
IMPACT_ANY_CRITICALITY = {
    ComponentStatus.DEGRADED_PERFORMANCE: "{F} may be slower than usual and pages may load slowly.",
    ComponentStatus.UNDER_MAINTENANCE: "{F} {is_} unavailable during planned maintenance.",
}
IMPACT_UNNAMED = {
    ComponentStatus.MAJOR_OUTAGE: "Some of our services are not working.",
    ComponentStatus.PARTIAL_OUTAGE: "Some of our services are not working for some customers.",
    ComponentStatus.DEGRADED_PERFORMANCE: "Some of our services may be slower than usual.",
    ComponentStatus.UNDER_MAINTENANCE: "Some of our services are unavailable during planned maintenance.",
}


def draft_update(
    incident: Incident,
    components: Mapping[str, Component],
    state: IncidentState,
    *,
    next_update_at: datetime | None,
    workaround: str | None = None,
) -> str:
    """The update for ``state``; ``components`` maps ids to the catalog's components (all of them is fine)."""
    if state not in TEMPLATES:
        raise InvalidInput(f"state: {state.value!r} has no update template; write the post-mortem", field="state")
    if state.is_open and next_update_at is None:
        raise InvalidInput(
            f"next_update_at: a {state.value!r} update must promise the next one", field="next_update_at"
        )
    public = public_components(incident, components)
    names = [c.name for c in public]
    slots = {
        "feature": feature_phrase(names),
        "impact": _impact(incident, public),
        "workaround": as_sentence(workaround) if workaround and workaround.strip() else "",
        "next_update_at": clock_time(next_update_at) if next_update_at else "",
        "it_works": "it works" if len(names) == 1 else "they work",
        "is_": _is(names),
        "window": _window(incident),
    }
    return " ".join(text for sentence in TEMPLATES[state] if (text := sentence.format(**slots)))


def drafts(incident: Incident, components: Mapping[str, Component], *, now: datetime, policy: Policy) -> dict[str, str]:
    """One draft per state, each promising the next update one cadence from ``now``."""
    due = next_update_by(now, cadence_minutes(incident, components, policy))
    return {state.value: draft_update(incident, components, state, next_update_at=due) for state in STATES}


def cadence_minutes(incident: Incident, components: Mapping[str, Component], policy: Policy) -> int:
    """Minutes between updates: the public cadence for an incident on the page, else the targeted one."""
    if is_public_incident(incident, components):
        return policy.public_update_cadence_minutes
    return policy.targeted_update_cadence_minutes


def next_update_by(now: datetime, cadence_minutes: int) -> datetime:
    """The time an update posted at ``now`` promises the next one: a cadence later, up to the whole minute."""
    due = as_utc(now) + timedelta(minutes=cadence_minutes)
    whole = due.replace(second=0, microsecond=0)
    return whole if whole == due else whole + timedelta(minutes=1)


def public_components(incident: Incident, components: Mapping[str, Component]) -> list[Component]:
    """The incident's components that the public may see, in catalog order."""
    found = [components[link.component_id] for link in incident.components if link.component_id in components]
    public = [c for c in found if c.visibility is Visibility.PUBLIC]
    return sorted(public, key=lambda c: (c.position, c.id))


def internal_names(components: Iterable[Component]) -> set[str]:
    """Ids and names of internal components: none may appear in a public text."""
    return {word for c in components if c.visibility is Visibility.INTERNAL for word in (c.id, c.name)}


def worst_statuses(incident: Incident) -> dict[str, ComponentStatus]:
    """The status the incident gives each component: now while open, and the worst it gave once resolved.

    Resolving sets every component back to operational; what customers went through is in the timeline.
    """
    if incident.is_open:
        return {link.component_id: link.status for link in incident.components}
    return retrospective.worst_statuses(incident)


def status_groups(incident: Incident, public: list[Component]) -> list[tuple[ComponentStatus, list[Component]]]:
    """Public components grouped by the status they have (or had), worst first; operational ones left out."""
    statuses = worst_statuses(incident)
    groups: dict[ComponentStatus, list[Component]] = {}
    for component in public:
        status = statuses.get(component.id, ComponentStatus.OPERATIONAL)
        if status is not ComponentStatus.OPERATIONAL:
            groups.setdefault(status, []).append(component)
    return sorted(groups.items(), key=lambda item: -STATUS_ORDER.index(item[0]))


def most_critical(components: Iterable[Component]) -> Criticality:
    return max((c.criticality for c in components), key=CRITICALITY_ORDER.index, default=Criticality.STANDARD)


def feature_phrase(names: list[str]) -> str:
    """Names joined as a reader says them ("Checkout, Cart and Login"), or "some of our services"."""
    if not names:
        return UNNAMED
    words = [in_sentence(n) for n in names]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def in_sentence(name: str) -> str:
    """A name as it reads mid-sentence: "Product images" becomes "product images", "API" stays."""
    return name[0].lower() + name[1:] if len(name) > 1 and name[1].islower() else name


def as_sentence(text: str) -> str:
    """A person's text as one sentence: capitalised, with a full stop when it lacks an end mark."""
    text = " ".join(text.split())
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else f"{text}."


def clock_time(at: datetime) -> str:
    return f"{as_utc(at):%H:%M} UTC"


def day(at: datetime) -> str:
    """ "Tuesday 3 May 2025", the same on every platform (no %-d)."""
    at = as_utc(at)
    return f"{at:%A} {at.day} {at:%B %Y}"


def _impact(incident: Incident, public: list[Component]) -> str:
    if not public:
        statuses = worst_statuses(incident).values()
        worst = max(statuses, key=STATUS_ORDER.index, default=ComponentStatus.OPERATIONAL)
        return IMPACT_UNNAMED.get(worst, "")
    sentences = []
    for status, group in status_groups(incident, public):
        names = [c.name for c in group]
        template = IMPACT_ANY_CRITICALITY.get(status) or IMPACT[status][most_critical(group)]
        phrase = feature_phrase(names)
        sentences.append(template.format(f=phrase, F=phrase[0].upper() + phrase[1:], is_=_is(names)))
    return " ".join(sentences)


def _window(incident: Incident) -> str:
    if incident.resolved_at is None:
        return ""
    start, end = as_utc(incident.started_at), as_utc(incident.resolved_at)
    if start.date() == end.date():
        return f"The problem lasted from {start:%H:%M} to {end:%H:%M} UTC."
    return f"The problem lasted from {start:%H:%M} UTC on {day(start)} to {end:%H:%M} UTC on {day(end)}."


def _is(names: list[str]) -> str:
    return "is" if len(names) == 1 else "are"
