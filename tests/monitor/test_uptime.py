from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from tests.factories import make_component
from trustops.enums import ComponentStatus, IncidentState
from trustops.monitor.incidents import Change, component_statuses, open_incident, resolve_incident, update_incident
from trustops.monitor.uptime import DayUptime, daily_uptime, overall, percent

MAJOR, PARTIAL = ComponentStatus.MAJOR_OUTAGE, ComponentStatus.PARTIAL_OUTAGE
DEGRADED, MAINTENANCE = ComponentStatus.DEGRADED_PERFORMANCE, ComponentStatus.UNDER_MAINTENANCE
OPERATIONAL = ComponentStatus.OPERATIONAL
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # today has lasted 15 h
DAY = 86_400


def t(text: str) -> datetime:
    """'11-20 10:00' or '11-20 10:00:30' in 2026, UTC."""
    return datetime.fromisoformat(f"2026-{text}").replace(tzinfo=UTC)


def d(text: str) -> date:
    return t(f"{text} 00:00").date()


def outage(
    session: Session, start: str, end: str | None, status: ComponentStatus, components: tuple[str, ...] = ("checkout",)
) -> int:
    incident = open_incident(
        session, title="Checkout errors", components=dict.fromkeys(components, status), actor="test", now=t(start)
    )
    if end is not None:
        resolve_incident(session, incident.id, actor="test", now=t(end))
    return incident.id


@pytest.fixture
def checkout(session: Session) -> str:
    return make_component(session, "checkout").id


def by_day(days: list[DayUptime]) -> dict[date, tuple[float, ComponentStatus]]:
    return {entry.day: (entry.uptime, entry.worst) for entry in days}


@pytest.mark.parametrize(
    ("outages", "expected"),
    [
        pytest.param([], {}, id="no incidents is 100 %"),
        pytest.param(
            [("11-20 10:00", "11-20 12:00", MAJOR)], {"11-20": (1 - 7200 / DAY, MAJOR)}, id="a 2-hour major outage"
        ),
        pytest.param(
            [("11-20 10:00", "11-20 12:00", PARTIAL)],
            {"11-20": (1 - 0.3 * 7200 / DAY, PARTIAL)},
            id="a partial outage weighs 0.3",
        ),
        pytest.param(
            [("11-20 10:00", "11-20 12:00", DEGRADED)], {"11-20": (1.0, DEGRADED)}, id="degraded costs no uptime"
        ),
        pytest.param(
            [("11-20 10:00", "11-20 12:00", MAINTENANCE)],
            {"11-20": (1.0, MAINTENANCE)},
            id="maintenance costs no uptime",
        ),
        pytest.param(
            [("11-20 10:00", "11-20 14:00", PARTIAL), ("11-20 11:00", "11-20 12:00", MAJOR)],
            {"11-20": (1 - (0.3 * 3 * 3600 + 3600) / DAY, MAJOR)},
            id="overlapping incidents take the worst",
        ),
        pytest.param(
            [("11-23 13:00", None, MAJOR)],
            {"11-23": (1 - 7200 / (15 * 3600), MAJOR)},
            id="an incident still open counts until now, against the hours today has had",
        ),
        pytest.param(
            [("11-20 23:00", "11-21 01:30", MAJOR)],
            {"11-20": (1 - 3600 / DAY, MAJOR), "11-21": (1 - 5400 / DAY, MAJOR)},
            id="an outage over midnight is split between the UTC days",
        ),
        pytest.param(
            [("08-25 22:00", "08-26 02:00", MAJOR)],
            {"08-26": (1 - 7200 / DAY, MAJOR)},
            id="an outage begun before the window counts from the window start",
        ),
        pytest.param([("08-20 10:00", "08-20 12:00", MAJOR)], {}, id="an outage over before the window counts nothing"),
        pytest.param(
            [("11-20 10:00:30", "11-20 10:01:00", MAJOR)],
            {"11-20": (1 - 30 / DAY, MAJOR)},
            id="exact to the second",
        ),
    ],
)
def test_daily_uptime(
    session: Session,
    checkout: str,
    outages: list[tuple[str, str | None, ComponentStatus]],
    expected: dict[str, tuple[float, ComponentStatus]],
) -> None:
    for start, end, status in outages:
        outage(session, start, end, status)

    days = daily_uptime(session, checkout, now=NOW)

    assert len(days) == 90
    assert (days[0].day, days[-1].day) == (date(2026, 8, 26), date(2026, 11, 23))
    wanted = {d(day): value for day, value in expected.items()}
    for day, (uptime, worst) in by_day(days).items():
        want_uptime, want_worst = wanted.get(day, (1.0, OPERATIONAL))
        assert (uptime, worst) == (pytest.approx(want_uptime, abs=1e-9), want_worst), day


def test_a_status_change_inside_an_incident_changes_the_weight_from_then_on(session: Session, checkout: str) -> None:
    incident_id = outage(session, "11-20 10:00", None, MAJOR)
    update_incident(session, incident_id, Change(components={"checkout": PARTIAL}), actor="test", now=t("11-20 11:00"))
    resolve_incident(session, incident_id, actor="test", now=t("11-20 13:00"))

    day = by_day(daily_uptime(session, checkout, now=NOW))[d("11-20")]

    assert day == (pytest.approx(1 - (3600 + 0.3 * 7200) / DAY), MAJOR)


def test_only_the_components_own_status_counts(session: Session, checkout: str) -> None:
    make_component(session, "cart")
    incident_id = outage(session, "11-20 10:00", None, MAJOR, components=("checkout", "cart"))
    update_incident(session, incident_id, Change(components={"cart": OPERATIONAL}), actor="test", now=t("11-20 10:30"))
    resolve_incident(session, incident_id, actor="test", now=t("11-20 12:00"))

    assert by_day(daily_uptime(session, "cart", now=NOW))[d("11-20")] == (pytest.approx(1 - 1800 / DAY), MAJOR)
    assert by_day(daily_uptime(session, checkout, now=NOW))[d("11-20")] == (pytest.approx(1 - 7200 / DAY), MAJOR)


def test_a_closed_incident_gives_nothing_until_it_is_reopened(session: Session, checkout: str) -> None:
    incident_id = outage(session, "11-22 10:00", "11-22 11:00", MAJOR)
    # Changing the components of a resolved incident does not make the component impaired...
    update_incident(session, incident_id, Change(components={"checkout": MAJOR}), actor="test", now=t("11-23 09:00"))
    assert component_statuses(session)["checkout"] is OPERATIONAL
    # ...reopening it does.
    update_incident(session, incident_id, Change(state=IncidentState.INVESTIGATING), actor="test", now=t("11-23 14:00"))
    assert component_statuses(session)["checkout"] is MAJOR

    days = by_day(daily_uptime(session, checkout, now=NOW))

    assert days[d("11-22")] == (pytest.approx(1 - 3600 / DAY), MAJOR)
    assert days[d("11-23")] == (pytest.approx(1 - 3600 / (15 * 3600)), MAJOR)


def test_overall_uptime_weighs_each_day_by_the_time_it_has_had(session: Session, checkout: str) -> None:
    outage(session, "11-23 12:00", "11-23 15:00", MAJOR)

    days = daily_uptime(session, checkout, days=2, now=NOW)

    assert [(entry.day, entry.measured) for entry in days] == [(d("11-22"), DAY), (d("11-23"), 15 * 3600)]
    assert days[1].uptime == pytest.approx(0.8)
    assert overall(days) == pytest.approx(1 - 3 * 3600 / (DAY + 15 * 3600))
    assert overall([]) == 1.0


def test_the_timeline_is_read_in_one_query(session: Session, checkout: str) -> None:
    for day in range(10, 20):
        outage(session, f"11-{day} 10:00", f"11-{day} 11:00", PARTIAL)
    session.flush()
    statements: list[str] = []
    connection = session.connection()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(connection, "before_cursor_execute", listener)
    try:
        daily_uptime(session, checkout, now=NOW)
    finally:
        event.remove(connection, "before_cursor_execute", listener)

    assert len(statements) == 1
    assert "incident_events" in statements[0]


@pytest.mark.parametrize(
    ("fraction", "shown"),
    [(1.0, "100.00"), (0.99999, "99.99"), (0.9182, "91.82"), (1 - 7200 / DAY, "91.66"), (0.0, "0.00")],
)
def test_a_percentage_is_cut_not_rounded_so_a_bad_day_never_reads_100(fraction: float, shown: str) -> None:
    assert percent(fraction) == shown
