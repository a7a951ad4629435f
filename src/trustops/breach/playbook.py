"""The breach playbook: what each role does once a case is opened, and by when.

Every step names its source. A step tied to a deadline takes that clock's due time; the legal role also gets
one "notify" step per clock the case starts (``trustops.breach.clocks``), so no regime is forgotten.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from trustops.enums import BreachRole

if TYPE_CHECKING:
    from trustops.breach.clocks import Clock

# The GDPR Art. 33 deadlines (EU "gdpr-art33", and the UK GDPR's): the risk assessment and the Art. 33(3) facts
# are needed before the supervisory authority is notified.
SUPERVISORY_AUTHORITY = "art33"
PEOPLE_WORDS = ("individual", "data subject", "resident", "consumer", "people", "person", "patient")


@dataclass(frozen=True)
class Step:
    """One playbook step. ``deadline``: the end of a deadline key ("art33" matches "gdpr-art33" and the UK's);
    ``before_people``: due with the first notice to the people affected."""

    role: BreachRole
    title: str
    detail: str
    source: str
    deadline: str | None = None
    before_people: bool = False


@dataclass(frozen=True)
class PlannedTask:
    role: BreachRole
    title: str
    detail: str
    deadline: str | None
    due_at: datetime | None


STEPS: tuple[Step, ...] = (
    Step(
        BreachRole.LEGAL,
        "Assess the risk to the people affected and record the decision",
        "Unlikely to result in a risk, a risk, or a high risk to people's rights and freedoms; record a decision "
        "not to notify and why, as well as a decision to notify.",
        "GDPR Art. 33(1), 33(5), 34(1); ICO personal data breaches guide (record decisions not to report)",
        deadline=SUPERVISORY_AUTHORITY,
    ),
    Step(
        BreachRole.IT,
        "Contain, preserve evidence, rotate credentials",
        "Stop the leak, keep logs and images for the investigation, rotate every credential and key that may "
        "have been exposed.",
        "NIST SP 800-61 Rev. 2 §3.3 (containment, eradication and recovery); Rev. 3 (Respond, Recover)",
    ),
    Step(
        BreachRole.IT,
        "Establish the facts for the regulator report",
        "Which categories of data, approximately how many people and records, when it began and ended.",
        "GDPR Art. 33(3)(a); Art. 33(4) allows the facts in phases",
        deadline=SUPERVISORY_AUTHORITY,
    ),
    Step(
        BreachRole.PR,
        "Prepare the holding statement",
        "A short public statement ready for press and social enquiries: what we know, what we are doing, where "
        "people get help. No speculation and no blame.",
        "ICO personal data breaches guide (keep evidence of communications); NIST SP 800-61 Rev. 2 §2.3.2 (media)",
    ),
    Step(
        BreachRole.PR,
        "Write the notice to the people affected in clear and plain language",
        "What happened, the likely consequences, what we did and what they can do, whom to contact; run it "
        "through the EAR check.",
        "GDPR Art. 34(2)",
        before_people=True,
    ),
    Step(
        BreachRole.MARKETING,
        "Pause promotional campaigns to the people affected",
        "No offers while people are being told their data was exposed; use the marketing guard, and offer "
        "identity protection rather than vouchers.",
        "trustops marketing guard (docs/guard.md); compensation advice (docs/breach-notices.md)",
    ),
    Step(
        BreachRole.SUPPORT,
        "Open the dedicated support channel",
        "A separate line or queue with trained, empathetic staff, ready before the first notice goes out.",
        "ICO personal data breaches guide (help for the people affected); trustops support checklist",
        before_people=True,
    ),
)


def tells_people(clock: Clock) -> bool:
    """Whether a clock's recipient is the people affected rather than an authority."""
    recipient = clock.deadline.recipient.lower()
    return any(word in recipient for word in PEOPLE_WORDS)


def plan(clocks: Sequence[Clock]) -> list[PlannedTask]:
    """The playbook's tasks for a case with these clocks, each due when its deadline is."""
    timed = sorted((c for c in clocks if c.due_at is not None), key=_due)
    people = [c for c in timed if tells_people(c)]
    tasks = [_task(step, timed, people[0] if people else None) for step in STEPS]
    for clock in clocks:
        tasks.append(
            PlannedTask(
                BreachRole.LEGAL,
                f"Notify {clock.deadline.recipient}",
                f"{clock.deadline.regime}: {clock.deadline.when}",
                clock.deadline.key,
                clock.due_at,
            )
        )
    return tasks


def _task(step: Step, timed: Sequence[Clock], first_people: Clock | None) -> PlannedTask:
    clock = first_people if step.before_people else _first_matching(step.deadline, timed)
    key = clock.deadline.key if clock else None
    return PlannedTask(
        step.role, step.title, f"{step.detail} Source: {step.source}.", key, clock.due_at if clock else None
    )


def _first_matching(suffix: str | None, timed: Sequence[Clock]) -> Clock | None:
    if suffix is None:
        return None
    return next((c for c in timed if c.deadline.key == suffix or c.deadline.key.endswith(f"-{suffix}")), None)


def _due(clock: Clock) -> datetime:
    assert clock.due_at is not None
    return clock.due_at
