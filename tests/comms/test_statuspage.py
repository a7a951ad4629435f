"""The Statuspage v2 documents: exact keys and enums, times, grouping, the rollup, and what never shows."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.factories import make_component
from trustops.catalog.schema import StatusPageSpec
from trustops.comms.ids import public_id
from trustops.comms.models import Maintenance, MaintenanceUpdate
from trustops.comms.statuspage import Snapshot, documents, load_snapshot, render_json, rollup_status
from trustops.config import Policy
from trustops.enums import Audience, Channel, ComponentStatus, Impact, IncidentState, MaintenanceState, Visibility
from trustops.monitor.incidents import Change, open_incident, record_event, resolve_incident, update_incident
from trustops.monitor.models import EventKind, Incident

SECRET = b"statuspage-test-secret"
NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
OPERATIONAL, DEGRADED = ComponentStatus.OPERATIONAL, ComponentStatus.DEGRADED_PERFORMANCE
PARTIAL, MAJOR = ComponentStatus.PARTIAL_OUTAGE, ComponentStatus.MAJOR_OUTAGE
MAINTENANCE = ComponentStatus.UNDER_MAINTENANCE

PAGE_KEYS = {"id", "name", "url", "time_zone", "updated_at"}
COMPONENT_KEYS = {
    "id",
    "page_id",
    "group_id",
    "name",
    "description",
    "status",
    "position",
    "showcase",
    "only_show_if_degraded",
    "group",
    "start_date",
    "created_at",
    "updated_at",
}
INCIDENT_KEYS = {
    "id",
    "page_id",
    "name",
    "status",
    "impact",
    "shortlink",
    "created_at",
    "updated_at",
    "started_at",
    "monitoring_at",
    "resolved_at",
    "incident_updates",
    "components",
}
UPDATE_KEYS = {
    "id",
    "incident_id",
    "status",
    "body",
    "created_at",
    "updated_at",
    "display_at",
    "affected_components",
    "deliver_notifications",
    "custom_tweet",
    "tweet_id",
}
TOP_LEVEL = {
    "summary": {"page", "components", "incidents", "scheduled_maintenances", "status", "x_trustops"},
    "status": {"page", "status"},
    "components": {"page", "components", "x_trustops"},
    "incidents/unresolved": {"page", "incidents", "x_trustops"},
    "incidents": {"page", "incidents", "x_trustops"},
    "scheduled-maintenances/upcoming": {"page", "scheduled_maintenances"},
    "scheduled-maintenances/active": {"page", "scheduled_maintenances"},
    "scheduled-maintenances": {"page", "scheduled_maintenances"},
}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$")
INDICATORS = {"none", "minor", "major", "critical", "maintenance"}
COMPONENT_STATUSES = {s.value for s in ComponentStatus}
INCIDENT_STATUSES = {s.value for s in IncidentState}
MAINTENANCE_STATUSES = {s.value for s in MaintenanceState}


@pytest.fixture
def shop(session: Session) -> None:
    """Storefront (Website, Search: hidden while fine), Checkout on its own, and an internal database."""
    make_component(session, "website", group="Storefront", description="The shop's pages", criticality="standard")
    make_component(session, "search", group="Storefront", only_show_if_degraded=True, criticality="standard")
    make_component(session, "checkout")
    make_component(session, "payments-db", name="Payments DB", visibility=Visibility.INTERNAL)


def snapshot(session: Session, now: datetime = NOW, **spec: Any) -> Snapshot:
    session.flush()
    return load_snapshot(
        session,
        secret=SECRET,
        spec=StatusPageSpec(**spec),
        base_url="https://shop.example/",
        policy=Policy(),
        now=now,
    )


def public_incident(
    session: Session,
    components: dict[str, ComponentStatus],
    *,
    title: str = "Checkout errors",
    message: str | None = "We are investigating errors at checkout.",
    at: datetime = NOW - timedelta(minutes=30),
    **kwargs: Any,
) -> Incident:
    incident = open_incident(
        session, title=title, components=components, actor="test", message=message, now=at, **kwargs
    )
    incident.channel = Channel.STATUS_PAGE
    return incident


def add_maintenance(
    session: Session, state: MaintenanceState, components: list[str], *, starts: timedelta, title: str = "Upgrade"
) -> Maintenance:
    maintenance = Maintenance(
        title=title,
        state=state,
        scheduled_for=NOW + starts,
        scheduled_until=NOW + starts + timedelta(hours=1),
        components=components,
        started_at=NOW + starts if state.is_active else None,
        completed_at=NOW if state is MaintenanceState.COMPLETED else None,
        created_at=NOW - timedelta(days=2),
        updated_at=NOW - timedelta(days=2),
    )
    maintenance.updates = [
        MaintenanceUpdate(state=state, body=f"{title}: {state.value}", at=NOW - timedelta(days=2), actor="test")
    ]
    session.add(maintenance)
    return maintenance


def walk(value: Any, key: str = "") -> list[tuple[str, Any]]:
    """Every (key, value) pair in a document, nested ones included."""
    found: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for k, v in value.items():
            found.append((k, v))
            found.extend(walk(v, k))
    elif isinstance(value, list):
        for item in value:
            found.extend(walk(item, key))
    return found


def test_every_document_has_exactly_its_statuspage_keys_even_when_empty(session: Session) -> None:
    docs = documents(snapshot(session))

    assert {name: set(doc) for name, doc in docs.items()} == TOP_LEVEL
    assert docs["summary"]["incidents"] == []
    assert docs["summary"]["scheduled_maintenances"] == []
    assert docs["summary"]["status"] == {"indicator": "none", "description": "All Systems Operational"}
    for doc in docs.values():
        assert set(doc["page"]) == PAGE_KEYS


def test_the_page_object_names_the_page_with_a_stable_id_and_a_valid_url(session: Session) -> None:
    page = documents(snapshot(session, name="Northwind status"))["status"]["page"]

    assert page["id"] == public_id(SECRET, "page", "page")
    assert re.fullmatch(r"[0-9a-z]{12}", page["id"])
    assert page["name"] == "Northwind status"
    assert page["url"] == "https://shop.example/status"
    assert page["time_zone"] == "Etc/UTC"


def test_a_configured_page_url_is_used_for_the_page_and_its_shortlinks(session: Session, shop: None) -> None:
    incident = public_incident(session, {"checkout": MAJOR})

    docs = documents(snapshot(session, url="https://status.shop.example"))

    assert docs["summary"]["page"]["url"] == "https://status.shop.example"
    shortlink = docs["summary"]["incidents"][0]["shortlink"]
    assert shortlink == f"https://status.shop.example/incidents/{public_id(SECRET, 'incident', incident.id)}"


def test_components_carry_every_key_and_groups_list_their_members(session: Session, shop: None) -> None:
    components = documents(snapshot(session))["components"]["components"]

    by_name = {c["name"]: c for c in components}
    assert list(by_name) == ["Storefront", "Website", "Search", "Checkout"]
    for component in components:
        expected = COMPONENT_KEYS | ({"components"} if component["group"] else set())
        assert set(component) == expected
        assert component["status"] in COMPONENT_STATUSES
    group, website, search, checkout = by_name.values()
    assert group["id"] == public_id(SECRET, "group", "Storefront")
    assert group["group"] is True and group["showcase"] is False
    assert group["components"] == [website["id"], search["id"]]
    assert website["group_id"] == search["group_id"] == group["id"]
    assert checkout["group_id"] is None
    assert website["id"] == public_id(SECRET, "component", "website")
    assert website["description"] == "The shop's pages"
    assert checkout["description"] is None  # the key is always there
    assert [c["position"] for c in components] == [1, 2, 3, 4]
    assert search["only_show_if_degraded"] is True and website["only_show_if_degraded"] is False
    assert website["start_date"] == website["created_at"][:10]


def test_internal_components_internal_incidents_and_internal_updates_never_appear(session: Session, shop: None) -> None:
    incident = public_incident(session, {"checkout": MAJOR, "payments-db": MAJOR})
    update_incident(
        session,
        incident.id,
        Change(message="Replica lag on payments-db, failing over", audience=Audience.INTERNAL),
        actor="test",
        now=NOW - timedelta(minutes=20),
    )
    update_incident(
        session,
        incident.id,
        Change(message="Acme Corp: your orders are delayed", audience=Audience.TARGETED),
        actor="test",
        now=NOW - timedelta(minutes=15),
    )
    hidden = open_incident(
        session, title="Secret internal outage", components={"website": MAJOR}, actor="test", now=NOW
    )
    hidden.channel = Channel.INTERNAL

    docs = documents(snapshot(session))
    text = b"".join(render_json(doc) for doc in docs.values()).decode()

    for secret in ("Payments DB", "payments-db", "Replica lag", "Acme Corp", "Secret internal outage"):
        assert secret not in text
    summary = docs["summary"]
    assert [i["name"] for i in summary["incidents"]] == ["Checkout errors"]
    assert [c["name"] for c in summary["incidents"][0]["components"]] == ["Checkout"]
    assert [u["body"] for u in summary["incidents"][0]["incident_updates"]] == [
        "We are investigating errors at checkout."
    ]
    statuses = {c["name"]: c["status"] for c in summary["components"]}
    assert statuses["Website"] == "operational"  # only public incidents move the page


def test_incidents_and_their_updates_carry_every_key_newest_update_first(session: Session, shop: None) -> None:
    incident = public_incident(session, {"checkout": PARTIAL})
    update_incident(
        session,
        incident.id,
        Change(state=IncidentState.IDENTIFIED, message="A bad deploy; rolling back.", components={"checkout": MAJOR}),
        actor="test",
        now=NOW - timedelta(minutes=10),
    )

    [found] = documents(snapshot(session))["incidents/unresolved"]["incidents"]

    assert set(found) == INCIDENT_KEYS
    assert found["id"] == public_id(SECRET, "incident", incident.id)
    assert found["status"] == "identified" and found["status"] in INCIDENT_STATUSES
    assert found["impact"] in {i.value for i in Impact}
    assert found["monitoring_at"] is None and found["resolved_at"] is None
    newest, first = found["incident_updates"]
    for update in (newest, first):
        assert set(update) == UPDATE_KEYS
        assert update["incident_id"] == found["id"]
        assert update["custom_tweet"] is None and update["tweet_id"] is None
        assert update["deliver_notifications"] is True
    assert newest["status"] == "identified" and newest["body"] == "A bad deploy; rolling back."
    assert first["status"] == "investigating"
    checkout = public_id(SECRET, "component", "checkout")
    assert newest["affected_components"] == [
        {"code": checkout, "name": "Checkout", "old_status": "partial_outage", "new_status": "major_outage"}
    ]
    assert first["affected_components"] == [
        {"code": checkout, "name": "Checkout", "old_status": "operational", "new_status": "partial_outage"}
    ]
    assert found["updated_at"] == newest["created_at"]
    assert [c["status"] for c in found["components"]] == ["major_outage"]


def test_every_timestamp_has_milliseconds_and_an_explicit_offset(session: Session, shop: None) -> None:
    incident = public_incident(session, {"checkout": MAJOR})
    update_incident(
        session, incident.id, Change(state=IncidentState.MONITORING, message="Fixed; watching."), actor="t", now=NOW
    )
    add_maintenance(session, MaintenanceState.SCHEDULED, ["website"], starts=timedelta(days=1))

    docs = documents(snapshot(session))

    stamps = [
        (key, value)
        for doc in docs.values()
        for key, value in walk(doc)
        if key.endswith("_at") or key in ("scheduled_for", "scheduled_until", "next_update_by")
    ]
    assert {key for key, _ in stamps} >= {
        "updated_at",
        "monitoring_at",
        "display_at",
        "scheduled_for",
        "next_update_by",
    }
    for key, value in stamps:
        assert value is None or TIMESTAMP.match(value), (key, value)
    assert docs["incidents"]["incidents"][0]["monitoring_at"] == "2026-03-02T14:00:00.000+00:00"


def test_a_retrospective_report_is_back_dated_and_delivers_no_notifications(session: Session, shop: None) -> None:
    glitch = open_incident(
        session, title="Cart errors", components={"checkout": PARTIAL}, actor="test", now=NOW - timedelta(hours=2)
    )
    resolve_incident(session, glitch.id, actor="test", now=NOW - timedelta(hours=2) + timedelta(minutes=3))
    glitch.channel, glitch.backfilled = Channel.RETROSPECTIVE, True
    record_event(
        session,
        glitch,
        EventKind.UPDATE,
        "trustops",
        NOW,
        "Between 12:00 and 12:03 UTC some customers saw errors in their cart. It has been fixed.",
        {"audience": "public", "deliver_notifications": False, "display_at": "2026-03-02T12:03:00+00:00"},
    )

    docs = documents(snapshot(session))

    assert docs["summary"]["incidents"] == []  # resolved: not unresolved
    [report] = docs["incidents"]["incidents"]
    [update] = report["incident_updates"]
    assert update["deliver_notifications"] is False
    assert update["display_at"] == "2026-03-02T12:03:00.000+00:00"
    assert update["created_at"] == "2026-03-02T14:00:00.000+00:00"
    assert report["started_at"] == "2026-03-02T12:00:00.000+00:00"


def test_a_postmortem_is_listed_with_the_history_but_never_in_the_summary_or_unresolved(
    session: Session, shop: None
) -> None:
    incident = public_incident(session, {"checkout": MAJOR}, at=NOW - timedelta(days=1))
    resolve_incident(session, incident.id, actor="t", message="Fixed.", now=NOW - timedelta(hours=20))
    update_incident(
        session, incident.id, Change(state=IncidentState.POSTMORTEM, message="What happened: …"), actor="t", now=NOW
    )

    snap = snapshot(session)
    docs = documents(snap)

    assert docs["summary"]["incidents"] == [] and docs["incidents/unresolved"]["incidents"] == []
    [listed] = docs["incidents"]["incidents"]
    assert listed["status"] == "postmortem"
    assert snap.incidents[0].postmortem is not None and snap.incidents[0].postmortem.body == "What happened: …"


def test_the_incidents_document_holds_the_50_most_recent(session: Session, shop: None) -> None:
    for n in range(52):
        incident = public_incident(
            session, {"checkout": MAJOR}, title=f"Incident {n}", at=NOW - timedelta(days=200 - n)
        )
        resolve_incident(session, incident.id, actor="t", now=NOW - timedelta(days=200 - n, hours=-1))

    listed = documents(snapshot(session))["incidents"]["incidents"]

    assert [i["name"] for i in listed] == [f"Incident {n}" for n in range(51, 1, -1)]


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        pytest.param([], ("none", "All Systems Operational"), id="nothing"),
        pytest.param([OPERATIONAL], ("none", "All Systems Operational"), id="operational"),
        pytest.param([OPERATIONAL, DEGRADED], ("minor", "Partially Degraded Service"), id="degraded"),
        pytest.param([DEGRADED, PARTIAL], ("minor", "Partial System Outage"), id="partial"),
        pytest.param([PARTIAL, MAJOR], ("major", "Major Service Outage"), id="major"),
        pytest.param([MAINTENANCE, OPERATIONAL], ("maintenance", "Service Under Maintenance"), id="maintenance"),
        pytest.param([MAINTENANCE, DEGRADED], ("minor", "Partially Degraded Service"), id="broken beats maintenance"),
    ],
)
def test_the_rollup_takes_the_worst_public_component(
    statuses: list[ComponentStatus], expected: tuple[str, str]
) -> None:
    rollup = rollup_status(statuses, [], [])

    assert (rollup.indicator, rollup.description) == expected
    assert rollup.indicator in INDICATORS


def test_a_maintenance_in_progress_with_nothing_broken_is_the_maintenance_indicator() -> None:
    assert rollup_status([OPERATIONAL], [], [], in_maintenance=True).indicator == "maintenance"
    assert rollup_status([PARTIAL], [], [], in_maintenance=True).indicator == "minor"


def test_an_impact_set_above_what_the_components_say_raises_the_indicator(session: Session, shop: None) -> None:
    public_incident(session, {"website": DEGRADED}, impact=Impact.CRITICAL)

    status = documents(snapshot(session))["status"]["status"]

    assert status == {"indicator": "critical", "description": "Major Service Outage"}


def test_impact_derived_from_an_internal_component_does_not_raise_the_indicator(session: Session, shop: None) -> None:
    # Degraded checkout plus a down internal database derive "critical"; the page tells what the public sees.
    public_incident(session, {"checkout": DEGRADED, "payments-db": MAJOR})

    status = documents(snapshot(session))["status"]["status"]

    assert status == {"indicator": "minor", "description": "Partially Degraded Service"}


def test_a_resolved_incident_leaves_the_page_operational(session: Session, shop: None) -> None:
    incident = public_incident(session, {"checkout": MAJOR})
    resolve_incident(session, incident.id, actor="t", message="Fixed.", now=NOW)

    docs = documents(snapshot(session))

    assert docs["status"]["status"]["indicator"] == "none"
    assert {c["status"] for c in docs["components"]["components"]} == {"operational"}


def test_maintenances_are_sorted_into_upcoming_active_and_recent(session: Session, shop: None) -> None:
    upcoming = add_maintenance(
        session, MaintenanceState.SCHEDULED, ["checkout"], starts=timedelta(days=1), title="Soon"
    )
    running = add_maintenance(
        session, MaintenanceState.IN_PROGRESS, ["website"], starts=-timedelta(minutes=5), title="Now"
    )
    add_maintenance(session, MaintenanceState.VERIFYING, ["search"], starts=-timedelta(minutes=50), title="Checking")
    add_maintenance(session, MaintenanceState.COMPLETED, ["checkout"], starts=-timedelta(days=3), title="Done")
    add_maintenance(
        session, MaintenanceState.IN_PROGRESS, ["payments-db"], starts=-timedelta(minutes=5), title="Hidden"
    )

    docs = documents(snapshot(session))

    def names(doc: str) -> list[str]:
        return [m["name"] for m in docs[doc]["scheduled_maintenances"]]

    assert names("scheduled-maintenances/upcoming") == ["Soon"]
    assert sorted(names("scheduled-maintenances/active")) == ["Checking", "Now"]
    assert names("scheduled-maintenances") == ["Soon", "Now", "Checking", "Done"]
    assert sorted(names("summary")) == ["Checking", "Now", "Soon"]
    for maintenance in docs["scheduled-maintenances"]["scheduled_maintenances"]:
        assert set(maintenance) == INCIDENT_KEYS | {"scheduled_for", "scheduled_until"}
        assert maintenance["impact"] == "maintenance"
        assert maintenance["status"] in MAINTENANCE_STATUSES
    [soon] = docs["scheduled-maintenances/upcoming"]["scheduled_maintenances"]
    assert soon["id"] == public_id(SECRET, "maintenance", upcoming.id)
    assert soon["scheduled_for"] == "2026-03-03T14:00:00.000+00:00"
    assert soon["incident_updates"][0]["body"] == "Soon: scheduled"
    statuses = {c["name"]: c["status"] for c in docs["components"]["components"]}
    assert statuses == {
        "Storefront": "under_maintenance",
        "Website": "under_maintenance",
        "Search": "under_maintenance",
        "Checkout": "operational",
    }
    assert docs["status"]["status"]["indicator"] == "maintenance"
    assert running.id != upcoming.id


def test_an_outage_during_maintenance_shows_the_outage(session: Session, shop: None) -> None:
    add_maintenance(session, MaintenanceState.IN_PROGRESS, ["website"], starts=-timedelta(minutes=5))
    public_incident(session, {"website": MAJOR})

    docs = documents(snapshot(session))

    assert {c["name"]: c["status"] for c in docs["components"]["components"]}["Website"] == "major_outage"
    assert docs["status"]["status"]["indicator"] == "major"


def test_a_component_hidden_while_operational_shows_once_degraded(session: Session, shop: None) -> None:
    fine = snapshot(session)
    public_incident(session, {"search": DEGRADED})
    degraded = snapshot(session)

    def search(snap: Snapshot) -> Any:
        return next(c for c in snap.components if c.name == "Search")

    assert search(fine).shown is False
    assert search(degraded).shown is True
    assert documents(fine)["components"]["components"][2]["only_show_if_degraded"] is True


def test_the_uptime_bars_count_only_public_incidents(session: Session, shop: None) -> None:
    yesterday = NOW - timedelta(days=1)
    incident = public_incident(session, {"checkout": MAJOR}, at=yesterday.replace(hour=10))
    resolve_incident(session, incident.id, actor="t", now=yesterday.replace(hour=12))
    hidden = open_incident(
        session, title="Internal", components={"website": MAJOR}, actor="t", now=yesterday.replace(hour=10)
    )
    hidden.channel = Channel.INTERNAL
    resolve_incident(session, hidden.id, actor="t", now=yesterday.replace(hour=12))

    docs = documents(snapshot(session))
    extras = docs["components"]["x_trustops"]

    assert extras["uptime_days"] == 90
    checkout = extras["components"][public_id(SECRET, "component", "checkout")]
    website = extras["components"][public_id(SECRET, "component", "website")]
    assert len(checkout["days"]) == 90
    assert checkout["days"][-2] == {"date": "2026-03-01", "uptime_percent": 91.66, "worst_status": "major_outage"}
    assert checkout["days"][-1]["date"] == "2026-03-02"
    assert checkout["uptime_percent"] < 100
    assert website["uptime_percent"] == 100.0
    light = docs["summary"]["x_trustops"]["components"]  # the most polled document carries no daily bars
    assert light[public_id(SECRET, "component", "checkout")] == {"uptime_percent": checkout["uptime_percent"]}


def test_an_open_incident_says_when_its_next_public_update_is_due(session: Session, shop: None) -> None:
    incident = public_incident(session, {"checkout": MAJOR}, at=NOW - timedelta(minutes=10))

    extras = documents(snapshot(session))["summary"]["x_trustops"]["incidents"]

    due = extras[public_id(SECRET, "incident", incident.id)]["next_update_by"]
    assert due == "2026-03-02T14:20:00.000+00:00"  # 30 minutes after the last public update


def test_the_same_snapshot_renders_the_same_compact_bytes(session: Session, shop: None) -> None:
    public_incident(session, {"checkout": MAJOR}, title="Café <b>down</b>")
    snap = snapshot(session)

    first = render_json(documents(snap)["summary"])

    assert first == render_json(documents(snapshot(session))["summary"])
    assert b": " not in first and b", " not in first.replace(b"Caf\xc3\xa9 <b>down</b>", b"")
    assert json.loads(first)["incidents"][0]["name"] == "Café <b>down</b>"
