"""Remind the legal team of breach-notification deadlines before they pass, and once when one has passed.

For each case not closed (drills excepted: an exercise must not page the real legal team) and each clock
still running or overdue, trustops sends one reminder when the time left first falls to a mark of
``policy.breach_reminder_hours`` (48, 24 and 4 hours by default) and one when the deadline has passed with
no notification recorded. Only the latest mark reached is sent: a worker that was down for a day sends
the 4-hour reminder, not the 48- and 24-hour ones as well. A clock whose owing still depends on the risk
assessment is reminded of too: under GDPR the 72 hours run while the risk is being assessed.

Each reminder is a :class:`BreachReminder` row (one per case, deadline and stage, never sent twice) and a
pending delivery to every active notification route with ``audience: legal``, or, when there is none, to
every responders route. The delivery worker sends them like any other route message.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from trustops.breach.clocks import Clock, ClockState, case_clocks
from trustops.breach.models import BreachCase, BreachReminder
from trustops.catalog.schema import OrganisationSpec
from trustops.config import Policy
from trustops.enums import BreachStatus, DeliveryStatus
from trustops.errors import InvalidInput
from trustops.monitor.health_models import Delivery, Route

log = logging.getLogger("trustops.breach")

LEGAL = "legal"
RESPONDERS = "responders"
OVERDUE = "overdue"


def remind(session: Session, *, policy: Policy, organisation: OrganisationSpec, now: datetime) -> list[BreachReminder]:
    """Record and queue the reminders now owed; returns the new reminder rows."""
    cases = _open_cases(session)
    if not cases:
        return []
    routes = recipients(session)
    sent = _already_sent(session, [c.id for c in cases])
    reminders = []
    for case in cases:
        try:
            clocks = case_clocks(case, organisation, now=now)
        except InvalidInput as exc:  # a stored jurisdiction no longer known must not stop the others' reminders
            log.warning("breach case %s: %s", case.id, exc.message)
            continue
        for clock in clocks:
            stage = stage_of(clock, policy.breach_reminder_hours, now)
            if stage is None or (case.id, clock.deadline.key, stage) in sent:
                continue
            if not routes:
                log.warning("breach case %s: reminder owed for %s but no legal or responders route", case.id, stage)
                continue
            reminders.append(_record(session, case, clock, stage, routes, organisation, now))
    session.flush()
    return reminders


def stage_of(clock: Clock, marks: list[int], now: datetime) -> str | None:
    """The reminder stage the clock has reached: "overdue", the smallest mark of hours left reached, or None."""
    if clock.state is ClockState.OVERDUE:
        return OVERDUE
    left = clock.left(now)
    if clock.state is not ClockState.RUNNING or left is None:
        return None
    hours_left = left.total_seconds() / 3600
    reached = [mark for mark in marks if hours_left <= mark]
    return str(min(reached)) if reached else None


def recipients(session: Session) -> list[Route]:
    """The active legal routes, or every active responders route when there is no legal one."""
    for audience in (LEGAL, RESPONDERS):
        query = select(Route).where(Route.active.is_(True), Route.audience == audience).order_by(Route.name)
        routes = list(session.scalars(query))
        if routes:
            return routes
    return []


def _open_cases(session: Session) -> list[BreachCase]:
    query = (
        select(BreachCase)
        .where(BreachCase.status != BreachStatus.CLOSED, BreachCase.drill.is_(False))
        .options(selectinload(BreachCase.notifications))
        .order_by(BreachCase.id)
    )
    return list(session.scalars(query))


def _already_sent(session: Session, case_ids: list[int]) -> set[tuple[int, str, str]]:
    query = select(BreachReminder.case_id, BreachReminder.deadline, BreachReminder.stage).where(
        BreachReminder.case_id.in_(case_ids)
    )
    return {(case_id, deadline, stage) for case_id, deadline, stage in session.execute(query)}


def _record(
    session: Session,
    case: BreachCase,
    clock: Clock,
    stage: str,
    routes: list[Route],
    organisation: OrganisationSpec,
    now: datetime,
) -> BreachReminder:
    reminder = BreachReminder(case_id=case.id, deadline=clock.deadline.key, stage=stage, sent_at=now)
    session.add(reminder)
    subject, body = message(case, clock, stage, ZoneInfo(organisation.time_zone))
    for route in routes:
        session.add(
            Delivery(
                incident_id=None,
                event_id=None,
                route=route.name,
                audience=LEGAL,
                target=None,
                subject=subject[:300],
                body=body,
                status=DeliveryStatus.PENDING,
                next_attempt_at=now,
                created_at=now,
            )
        )
    return reminder


def message(case: BreachCase, clock: Clock, stage: str, zone: ZoneInfo) -> tuple[str, str]:
    """The reminder's subject and body: what is due, to whom, when (UTC and local), and under which rule."""
    assert clock.due_at is not None
    deadline = clock.deadline
    if stage == OVERDUE:
        headline = f"OVERDUE: {deadline.recipient} notice for breach case #{case.id}"
        status = (
            "The deadline has passed with no notification recorded: notify now and document the reasons for the delay."
        )
    else:
        headline = f"{deadline.recipient} notice for breach case #{case.id} due in {stage} hours"
        status = "Record the notification in trustops once it is made; this stops the clock."
    local = clock.due_at.astimezone(zone)
    owed = "" if clock.owed else "\nOwed only if: " + deadline.when + " (not yet assessed)."
    body = (
        f"Breach case #{case.id}: {case.title}\n"
        f"Notify: {deadline.recipient} ({deadline.regime}, {deadline.key})\n"
        f"Due: {clock.due_at:%Y-%m-%d %H:%M} UTC / {local:%Y-%m-%d %H:%M %Z} ({zone.key})\n"
        f"Rule: {deadline.rule}; {deadline.when}{owed}\n\n{status}"
    )
    return f"[trustops] {headline}", body
