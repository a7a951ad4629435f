"""Scheduled maintenance: announce it, let it start and finish on time, and post what happens.

States move forward only, ``scheduled → in_progress → verifying → completed`` (Statuspage; rules.md §1);
steps may be skipped. Each change is a :class:`MaintenanceUpdate` row. With ``auto_in_progress`` the
worker starts a maintenance at ``scheduled_for``; with ``auto_completed`` it completes a started one at
``scheduled_until``, as Statuspage's automation does. Every update is sent to the status page's subscribers
(:mod:`trustops.comms.maintenance_notices`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from trustops.catalog.models import Component
from trustops.comms import maintenance_notices
from trustops.comms.models import Maintenance, MaintenanceUpdate
from trustops.enums import MaintenanceState
from trustops.errors import Conflict, InvalidInput, NotFound

AUTOMATIC = "trustops"
ORDER = list(MaintenanceState)
# Statuspage's own wording for its automatic transitions.
DEFAULT_BODY = {
    MaintenanceState.SCHEDULED: "The maintenance is scheduled.",
    MaintenanceState.IN_PROGRESS: "Scheduled maintenance is currently in progress. We will provide updates as necessary.",
    MaintenanceState.VERIFYING: "Verification is currently underway for the maintenance items.",
    MaintenanceState.COMPLETED: "The scheduled maintenance has been completed.",
}


def schedule(
    session: Session,
    *,
    title: str,
    components: Sequence[str],
    scheduled_for: datetime,
    scheduled_until: datetime,
    message: str | None = None,
    auto_in_progress: bool = True,
    auto_completed: bool = True,
    actor: str,
    now: datetime,
) -> Maintenance:
    """Announce a maintenance window on known components (public or internal ones)."""
    title = title.strip()
    if not title:
        raise InvalidInput("title: must not be empty", field="title")
    if len(title) > 200:
        raise InvalidInput(f"title: at most 200 characters, not {len(title)}", field="title")
    _check_components(session, components)
    if scheduled_until <= scheduled_for:
        raise InvalidInput(
            f"scheduled_until: {scheduled_until.isoformat()} must be after scheduled_for {scheduled_for.isoformat()}",
            field="scheduled_until",
        )
    if scheduled_until <= now:
        raise InvalidInput(f"scheduled_until: {scheduled_until.isoformat()} is in the past", field="scheduled_until")
    maintenance = Maintenance(
        title=title,
        state=MaintenanceState.SCHEDULED,
        scheduled_for=scheduled_for,
        scheduled_until=scheduled_until,
        components=list(dict.fromkeys(components)),
        auto_in_progress=auto_in_progress,
        auto_completed=auto_completed,
        created_at=now,
        updated_at=now,
    )
    maintenance.updates = [_update_row(MaintenanceState.SCHEDULED, message, actor, now)]
    session.add(maintenance)
    _advance_one(maintenance, now)  # a window that has already begun starts at once
    maintenance_notices.new_updates(session, maintenance, 0, now)
    return maintenance


def update(
    session: Session,
    maintenance_id: int,
    *,
    state: MaintenanceState | None = None,
    message: str | None = None,
    actor: str,
    now: datetime,
) -> Maintenance:
    """Post an update: a new state (forward only), a message, or both."""
    message = (message or "").strip() or None
    if state is None and message is None:
        raise InvalidInput("nothing to update: give a state or a message", field="state")
    maintenance = get_maintenance(session, maintenance_id)
    before = len(maintenance.updates)
    if state is not None and ORDER.index(state) < ORDER.index(maintenance.state):
        raise Conflict(
            f"state: maintenance {maintenance_id} is {maintenance.state.value}; it cannot go back to {state.value}",
            field="state",
        )
    if state is maintenance.state and message is None:
        raise InvalidInput(
            f"state: maintenance {maintenance_id} is already {state.value}; give a message to post", field="state"
        )
    if state is None or state is maintenance.state:
        maintenance.updates.append(_update_row(maintenance.state, message, actor, now))
        maintenance.updated_at = now
    else:
        _move(maintenance, state, message, actor, now)
    maintenance_notices.new_updates(session, maintenance, before, now)
    return maintenance


def advance(session: Session, *, now: datetime) -> list[Maintenance]:
    """The automatic transitions now due: start at ``scheduled_for``, complete at ``scheduled_until``."""
    query = (
        select(Maintenance)
        .where(Maintenance.state != MaintenanceState.COMPLETED, Maintenance.scheduled_for <= now)
        .options(selectinload(Maintenance.updates))
        .order_by(Maintenance.id)
    )
    moved = []
    for maintenance in session.scalars(query):
        before = len(maintenance.updates)
        if _advance_one(maintenance, now):
            maintenance_notices.new_updates(session, maintenance, before, now)
            moved.append(maintenance)
    session.flush()
    return moved


def _advance_one(maintenance: Maintenance, now: datetime) -> bool:
    moved = False
    if maintenance.state is MaintenanceState.SCHEDULED and maintenance.auto_in_progress:
        if maintenance.scheduled_for <= now:
            _move(maintenance, MaintenanceState.IN_PROGRESS, None, AUTOMATIC, now)
            moved = True
    if maintenance.state.is_active and maintenance.auto_completed and maintenance.scheduled_until <= now:
        _move(maintenance, MaintenanceState.COMPLETED, None, AUTOMATIC, now)
        moved = True
    return moved


def list_maintenances(session: Session, *, active_only: bool = False) -> list[Maintenance]:
    """Maintenances, the latest scheduled first; ``active_only`` keeps those in progress or verifying."""
    query = select(Maintenance).options(selectinload(Maintenance.updates))
    if active_only:
        query = query.where(Maintenance.state.in_([s for s in MaintenanceState if s.is_active]))
    return list(session.scalars(query.order_by(Maintenance.scheduled_for.desc(), Maintenance.id.desc())))


def get_maintenance(session: Session, maintenance_id: int) -> Maintenance:
    maintenance = session.get(Maintenance, maintenance_id, options=[selectinload(Maintenance.updates)])
    if maintenance is None:
        raise NotFound(f"maintenance {maintenance_id} does not exist", field="maintenance_id")
    return maintenance


def _move(maintenance: Maintenance, state: MaintenanceState, message: str | None, actor: str, now: datetime) -> None:
    maintenance.state = state
    if state is not MaintenanceState.SCHEDULED and maintenance.started_at is None:
        maintenance.started_at = now
    if state is MaintenanceState.COMPLETED:
        maintenance.completed_at = now
    maintenance.updated_at = now
    maintenance.updates.append(_update_row(state, message, actor, now))


def _update_row(state: MaintenanceState, message: str | None, actor: str, now: datetime) -> MaintenanceUpdate:
    body = (message or "").strip() or DEFAULT_BODY[state]
    return MaintenanceUpdate(state=state, body=body, at=now, actor=actor)


def _check_components(session: Session, components: Sequence[str]) -> None:
    if not components:
        raise InvalidInput("components: name at least one component under maintenance", field="components")
    wanted = sorted(set(components))
    found = set(session.scalars(select(Component.id).where(Component.id.in_(wanted))))
    missing = [cid for cid in wanted if cid not in found]
    if missing:
        raise InvalidInput(f"components: unknown component {missing[0]!r}", field=f"components.{missing[0]}")
