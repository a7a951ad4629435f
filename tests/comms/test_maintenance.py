from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from tests.factories import make_component
from trustops.comms.maintenance import advance, get_maintenance, list_maintenances, schedule, update
from trustops.comms.models import Maintenance
from trustops.enums import MaintenanceState
from trustops.errors import Conflict, InvalidInput, NotFound

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
FROM, UNTIL = NOW + timedelta(hours=2), NOW + timedelta(hours=4)
SCHEDULED, IN_PROGRESS = MaintenanceState.SCHEDULED, MaintenanceState.IN_PROGRESS
VERIFYING, COMPLETED = MaintenanceState.VERIFYING, MaintenanceState.COMPLETED


@pytest.fixture(autouse=True)
def catalog(session: Session) -> None:
    make_component(session, "checkout")
    make_component(session, "search-index", visibility="internal", criticality="background")


def planned(session: Session, **overrides: object) -> Maintenance:
    values: dict[str, object] = {
        "title": "Database upgrade",
        "components": ["checkout"],
        "scheduled_for": FROM,
        "scheduled_until": UNTIL,
        "message": "Checkout may be unavailable for a few minutes.",
        "actor": "user:ann",
        "now": NOW,
        **overrides,
    }
    return schedule(session, **values)  # type: ignore[arg-type]


def history(maintenance: Maintenance) -> list[tuple[MaintenanceState, str, str]]:
    return [(u.state, u.actor, u.body) for u in maintenance.updates]


def test_scheduling_stores_the_window_and_its_announcement(session: Session) -> None:
    maintenance = planned(session, components=["checkout", "search-index", "checkout"])

    stored = get_maintenance(session, maintenance.id)
    assert (stored.title, stored.state, stored.scheduled_for, stored.scheduled_until) == (
        "Database upgrade",
        SCHEDULED,
        FROM,
        UNTIL,
    )
    assert stored.components == ["checkout", "search-index"]
    assert (stored.started_at, stored.completed_at) == (None, None)
    assert history(stored) == [(SCHEDULED, "user:ann", "Checkout may be unavailable for a few minutes.")]


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"title": "  "}, "title", "must not be empty"),
        ({"components": []}, "components", "at least one"),
        ({"components": ["checkout", "warp-drive"]}, "components.warp-drive", "'warp-drive'"),
        ({"scheduled_until": FROM}, "scheduled_until", "must be after scheduled_for"),
        (
            {"scheduled_for": NOW - timedelta(hours=3), "scheduled_until": NOW - timedelta(hours=1)},
            "scheduled_until",
            "past",
        ),
    ],
)
def test_a_bad_maintenance_is_refused_naming_the_field(
    session: Session, overrides: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        planned(session, **overrides)
    assert refused.value.field == field
    assert words in refused.value.message
    assert list_maintenances(session) == []


def test_a_window_that_has_already_begun_starts_at_once(session: Session) -> None:
    maintenance = planned(session, scheduled_for=NOW - timedelta(minutes=5), message=None)
    assert maintenance.state is IN_PROGRESS and maintenance.started_at == NOW
    assert [state for state, _, _ in history(maintenance)] == [SCHEDULED, IN_PROGRESS]
    assert history(maintenance)[0][2] == "The maintenance is scheduled."


def test_the_worker_starts_and_completes_it_on_time_with_statuspages_words(session: Session) -> None:
    maintenance = planned(session)

    before = advance(session, now=FROM - timedelta(seconds=1))
    started = advance(session, now=FROM)
    idle = advance(session, now=FROM + timedelta(hours=1))
    ended = advance(session, now=UNTIL)

    assert [before, started, idle, ended] == [[], [maintenance], [], [maintenance]]
    assert (maintenance.state, maintenance.started_at, maintenance.completed_at) == (COMPLETED, FROM, UNTIL)
    assert history(maintenance)[1:] == [
        (
            IN_PROGRESS,
            "trustops",
            "Scheduled maintenance is currently in progress. We will provide updates as necessary.",
        ),
        (COMPLETED, "trustops", "The scheduled maintenance has been completed."),
    ]


def test_without_automation_the_worker_leaves_it_to_a_person(session: Session) -> None:
    manual = planned(session, auto_in_progress=False, auto_completed=False)
    assert advance(session, now=UNTIL + timedelta(hours=1)) == []
    update(session, manual.id, state=IN_PROGRESS, actor="user:ann", now=FROM)
    assert advance(session, now=UNTIL + timedelta(hours=1)) == []
    assert manual.state is IN_PROGRESS


def test_a_verifying_maintenance_still_completes_at_its_end(session: Session) -> None:
    maintenance = planned(session)
    advance(session, now=FROM)
    update(session, maintenance.id, state=VERIFYING, message="Checking the new version.", actor="cli", now=FROM)
    advance(session, now=UNTIL)
    assert [state for state, _, _ in history(maintenance)] == [SCHEDULED, IN_PROGRESS, VERIFYING, COMPLETED]


def test_updates_move_forward_only_and_may_skip_steps(session: Session) -> None:
    maintenance = planned(session)

    update(session, maintenance.id, state=VERIFYING, actor="cli", now=FROM)
    with pytest.raises(Conflict) as back:
        update(session, maintenance.id, state=IN_PROGRESS, actor="cli", now=FROM)
    update(session, maintenance.id, message="All good so far.", actor="cli", now=FROM + timedelta(minutes=5))

    assert back.value.field == "state"
    assert "cannot go back to in_progress" in back.value.message
    assert maintenance.state is VERIFYING and maintenance.started_at == FROM
    assert history(maintenance)[-1] == (VERIFYING, "cli", "All good so far.")


def test_an_empty_update_and_an_unknown_maintenance_are_refused(session: Session) -> None:
    maintenance = planned(session)
    with pytest.raises(InvalidInput) as empty:
        update(session, maintenance.id, message="  ", actor="cli", now=NOW)
    with pytest.raises(InvalidInput) as same:
        update(session, maintenance.id, state=SCHEDULED, actor="cli", now=NOW)
    with pytest.raises(NotFound) as missing:
        update(session, 9_999, state=COMPLETED, actor="cli", now=NOW)
    assert empty.value.field == "state"
    assert same.value.message == f"state: maintenance {maintenance.id} is already scheduled; give a message to post"
    assert len(maintenance.updates) == 1
    assert missing.value.field == "maintenance_id"


def test_listing_puts_the_latest_window_first_and_can_keep_only_active_ones(session: Session) -> None:
    soon = planned(session, title="Soon")
    later = planned(session, title="Later", scheduled_for=UNTIL, scheduled_until=UNTIL + timedelta(hours=1))
    advance(session, now=FROM)
    assert [m.title for m in list_maintenances(session)] == [later.title, soon.title]
    assert [m.title for m in list_maintenances(session, active_only=True)] == ["Soon"]
