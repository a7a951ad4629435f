from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.comms.world import customers, saw_errors
from tests.factories import auth, make_component, make_incident, make_token
from trustops.accounts.models import Scope
from trustops.cli import app as cli
from trustops.cli.state import CliState
from trustops.comms.maintenance import get_maintenance
from trustops.enums import Channel, ComponentStatus, Impact
from trustops.monitor import incidents
from trustops.monitor.health_models import Route
from trustops.monitor.incidents import get_incident
from trustops.monitor.models import EventKind

NOW = datetime(2026, 6, 1, 14, 20, tzinfo=UTC)


@pytest.fixture
def comms(session: Session) -> dict[str, str]:
    make_component(session, "checkout", name="Checkout")
    make_component(session, "reports", visibility="internal", criticality="background")
    session.add(Route(name="oncall", email="oncall@shop.example", components=[], min_impact=Impact.NONE))
    token = make_token(session, Scope.COMMS, name="statusbot")
    session.commit()
    return auth(token)


@pytest.fixture
def reader(session: Session) -> dict[str, str]:
    return auth(make_token(session, Scope.READ, name="viewer"))


def at(moment: datetime) -> Any:
    return time_machine.travel(moment, tick=False)


def opened(client: TestClient, headers: dict[str, str], **overrides: object) -> dict[str, Any]:
    body = {"title": "Checkout errors", "components": {"checkout": "major_outage"}, **overrides}
    response = client.post("/api/v1/incidents", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_an_incident_opened_through_the_api_has_a_channel_from_the_first_second(
    client: TestClient, comms: dict[str, str], session: Session
) -> None:
    with at(NOW):
        created = opened(client, comms, message="We are investigating.", audience="public", owner="oncall")

    assert created["channel"] == "status_page"
    assert created["owner"] == "oncall"
    assert [e["kind"] for e in created["timeline"]] == ["opened", "component_status", "decision"]
    assert created["timeline"][0]["data"] == {"impact": "critical", "audience": "public"}
    assert get_incident(session, created["id"]).channel is Channel.STATUS_PAGE


def test_an_update_records_its_audience(client: TestClient, comms: dict[str, str]) -> None:
    incident = opened(client, comms)
    body = {"message": "db-3 failed over", "audience": "internal"}
    response = client.post(f"/api/v1/incidents/{incident['id']}/updates", json=body, headers=comms)
    assert response.status_code == 200
    [update] = [e for e in response.json()["timeline"] if e["kind"] == "update"]
    assert update["data"] == {"audience": "internal"}


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"owner": "nobody"}, "owner", "owner: no notification route named 'nobody'"),
        ({"audience": "everyone"}, "audience", "'public', 'targeted' or 'internal'"),
    ],
)
def test_a_bad_owner_or_audience_is_refused_naming_the_field(
    client: TestClient, comms: dict[str, str], session: Session, extra: dict[str, str], field: str, message: str
) -> None:
    body = {"title": "Checkout errors", "components": {"checkout": "major_outage"}, **extra}
    response = client.post("/api/v1/incidents", json=body, headers=comms)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
    assert message in response.json()["error"]["message"]
    assert incidents.list_incidents(session) == []


def test_the_channel_endpoint_shows_the_recorded_channel_its_history_and_what_the_rules_say_now(
    client: TestClient, comms: dict[str, str], reader: dict[str, str]
) -> None:
    with at(NOW):
        incident = opened(client, comms)
        response = client.get(f"/api/v1/incidents/{incident['id']}/channel", headers=reader)

    shown = response.json()
    assert response.status_code == 200
    assert (shown["channel"], shown["overridden"], shown["backfilled"]) == ("status_page", False, False)
    assert shown["rule_now"]["rule"] == "public-component-down"
    assert shown["rule_now"]["inputs"]["down_components"] == ["checkout"]
    assert shown["rule_now"]["thresholds"]["status_page_user_share"] == 0.05
    assert [(h["rule"], h["channel"], h["actor"]) for h in shown["history"]] == [
        ("public-component-down", "status_page", "trustops")
    ]


def test_a_person_overrides_the_channel_with_a_reason_and_hands_it_back(
    client: TestClient, comms: dict[str, str], session: Session
) -> None:
    incident = opened(client, comms)
    url = f"/api/v1/incidents/{incident['id']}/channel"

    no_reason = client.post(url, json={"channel": "internal"}, headers=comms)
    empty = client.post(url, json={"channel": "internal", "reason": ""}, headers=comms)
    wrong = client.post(url, json={"channel": "billboard", "reason": "why not"}, headers=comms)
    fixed = client.post(url, json={"channel": "internal", "reason": "Only staff can see this page"}, headers=comms)
    released = client.post(url, json={"channel": None, "reason": "Customers can see it after all"}, headers=comms)
    twice = client.post(url, json={"channel": None, "reason": "again"}, headers=comms)

    assert [r.status_code for r in (no_reason, empty, wrong, twice)] == [422, 422, 422, 409]
    assert [r.json()["error"]["field"] for r in (no_reason, empty, wrong, twice)] == [
        "reason",
        "reason",
        "channel",
        "channel",
    ]
    assert (fixed.json()["channel"], fixed.json()["overridden"]) == ("internal", True)
    assert fixed.json()["history"][-1]["data"]["overridden_by"] == "token:statusbot"
    assert (released.json()["channel"], released.json()["overridden"]) == ("status_page", False)
    rules = [e.data["rule"] for e in get_incident(session, incident["id"]).events if e.kind is EventKind.DECISION]
    assert rules == ["public-component-down", "override", "override-released", "public-component-down"]


def test_a_read_token_may_look_but_not_override(
    client: TestClient, comms: dict[str, str], reader: dict[str, str]
) -> None:
    incident = opened(client, comms)
    response = client.post(
        f"/api/v1/incidents/{incident['id']}/channel", json={"channel": "internal", "reason": "x"}, headers=reader
    )
    assert response.status_code == 403


def test_the_cadence_endpoint_says_when_the_next_update_is_due_and_whether_it_is_late(
    client: TestClient, comms: dict[str, str], reader: dict[str, str]
) -> None:
    with at(NOW):
        incident = opened(client, comms)
    url = f"/api/v1/incidents/{incident['id']}/cadence"
    with at(NOW + timedelta(minutes=5)):
        on_time = client.get(url, headers=reader).json()
    with at(NOW + timedelta(minutes=25)):
        late = client.get(url, headers=reader).json()

    due = (NOW + timedelta(minutes=15)).isoformat().replace("+00:00", "Z")
    assert on_time == {
        "incident_id": incident["id"],
        "channel": "status_page",
        "next_update_by": due,
        "overdue": False,
        "minutes_late": None,
    }
    assert (late["overdue"], late["minutes_late"]) == (True, 10)
    assert client.get("/api/v1/incidents/999/cadence", headers=reader).status_code == 404


def test_a_retrospective_follows_a_quick_resolution_through_the_api(client: TestClient, comms: dict[str, str]) -> None:
    with at(NOW):
        incident = opened(client, comms)
    with at(NOW + timedelta(minutes=3)):
        resolved = client.post(f"/api/v1/incidents/{incident['id']}/resolve", json={}, headers=comms).json()
    assert resolved["channel"] == "retrospective"
    [report] = [e for e in resolved["timeline"] if e["kind"] == "update"]
    assert report["data"]["backfilled"] is True
    assert report["message"].startswith("Between 14:20 and 14:23 UTC on 1 June 2026")


def test_maintenances_are_scheduled_updated_and_listed(
    client: TestClient, comms: dict[str, str], reader: dict[str, str], session: Session
) -> None:
    body = {
        "title": "Database upgrade",
        "components": ["checkout"],
        "scheduled_for": "2026-06-02T02:00:00Z",
        "scheduled_until": "2026-06-02T03:00:00Z",
    }
    with at(NOW):
        created = client.post("/api/v1/maintenances", json=body, headers=comms)
        moved = client.post(
            f"/api/v1/maintenances/{created.json()['id']}/updates",
            json={"state": "in_progress", "message": "Started early."},
            headers=comms,
        )
    listed = client.get("/api/v1/maintenances", headers=reader)
    active = client.get("/api/v1/maintenances?state=active", headers=reader)

    assert created.status_code == 201
    assert created.json()["state"] == "scheduled"
    assert created.json()["updates"][0]["body"] == "The maintenance is scheduled."
    assert moved.json()["state"] == "in_progress"
    assert [u["actor"] for u in moved.json()["updates"]] == ["token:statusbot", "token:statusbot"]
    assert [m["id"] for m in listed.json()] == [created.json()["id"]]
    assert [m["title"] for m in active.json()] == ["Database upgrade"]
    assert get_maintenance(session, created.json()["id"]).started_at == NOW


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"components": ["warp-drive"]}, 422, "components.warp-drive"),
        ({"scheduled_until": "2026-06-02T01:00:00Z"}, 422, "scheduled_until"),
        ({"scheduled_for": "2026-06-02T02:00:00"}, 422, "scheduled_for"),
        ({"title": ""}, 422, "title"),
    ],
)
def test_a_bad_maintenance_is_refused_naming_the_field(
    client: TestClient, comms: dict[str, str], change: dict[str, object], status: int, field: str
) -> None:
    body = {
        "title": "Database upgrade",
        "components": ["checkout"],
        "scheduled_for": "2026-06-02T02:00:00Z",
        "scheduled_until": "2026-06-02T03:00:00Z",
        **change,
    }
    with at(NOW):
        response = client.post("/api/v1/maintenances", json=body, headers=comms)
    assert response.status_code == status
    assert response.json()["error"]["field"] == field


def test_a_maintenance_cannot_go_back_and_a_read_token_cannot_write(
    client: TestClient, comms: dict[str, str], reader: dict[str, str]
) -> None:
    body = {
        "title": "Database upgrade",
        "components": ["reports"],
        "scheduled_for": "2026-06-02T02:00:00Z",
        "scheduled_until": "2026-06-02T03:00:00Z",
    }
    with at(NOW):
        created = client.post("/api/v1/maintenances", json=body, headers=comms).json()
        url = f"/api/v1/maintenances/{created['id']}/updates"
        client.post(url, json={"state": "completed"}, headers=comms)
        back = client.post(url, json={"state": "verifying"}, headers=comms)
        refused = client.post("/api/v1/maintenances", json=body, headers=reader)
    assert (back.status_code, back.json()["error"]["field"]) == (409, "state")
    assert refused.status_code == 403


# The command line.


def run(state: CliState, *args: str) -> Any:
    return CliRunner().invoke(cli, list(args), obj=state)


@pytest.fixture
def hit(session: Session) -> int:
    """An incident on an internal component that 6% of active customers hit."""
    make_component(session, "reports", visibility="internal", criticality="background")
    keys = customers(session, seen=NOW)
    incident = make_incident(session, {"reports": ComponentStatus.DEGRADED_PERFORMANCE}, now=NOW)
    saw_errors(session, keys[:60], "reports", NOW)
    return incident.id


def test_comms_decide_records_and_explains_the_decision(cli_state: CliState, hit: int, session: Session) -> None:
    result = run(cli_state, "comms", "decide", str(hit))

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:2] == [
        f"Incident {hit}: channel status_page (rule share-above-status-page)",
        "  6% of active users were affected (60 of 1,000), more than the 5% that puts an incident on the status page.",
    ]
    assert "  share                          0.06" in result.stdout
    assert "  status_page_user_share         0.05" in result.stdout
    assert get_incident(session, hit).channel is Channel.STATUS_PAGE


def test_comms_decide_json_shows_the_rule_now(cli_state: CliState, hit: int) -> None:
    result = run(cli_state, "comms", "decide", str(hit), "--json")
    shown = json.loads(result.stdout)
    assert (shown["channel"], shown["changed"], shown["overridden"]) == ("status_page", True, False)
    assert shown["rule_now"]["inputs"]["affected"] == 60
    again = json.loads(run(cli_state, "comms", "decide", str(hit), "--json").stdout)
    assert again["changed"] is False


def test_comms_decide_overrides_and_releases_with_a_reason(cli_state: CliState, hit: int, session: Session) -> None:
    fixed = run(cli_state, "comms", "decide", str(hit), "--override", "internal", "--reason", "A staff-only report")
    assert fixed.exit_code == 0, fixed.output
    assert fixed.stdout.splitlines()[:2] == [
        f"Incident {hit}: channel internal (set by hand)",
        "The rules would say status_page (share-above-status-page):",
    ]
    assert get_incident(session, hit).channel_overridden

    released = run(cli_state, "comms", "decide", str(hit), "--release", "--reason", "Customers noticed")
    assert released.exit_code == 0
    assert get_incident(session, hit).channel is Channel.STATUS_PAGE


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--override", "internal"], "Error: --reason: say why"),
        (["--release"], "Error: --reason: say why"),
        (["--override", "billboard", "--reason", "x"], "Error: --override: 'billboard' is not one of status_page"),
        (["--override", "internal", "--release", "--reason", "x"], "Error: --override and --release"),
    ],
)
def test_comms_decide_refuses_bad_options_in_one_line(
    cli_state: CliState, hit: int, args: list[str], message: str
) -> None:
    result = run(cli_state, "comms", "decide", str(hit), *args)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith(message)


def test_comms_decide_on_an_unknown_incident_fails_in_one_line(cli_state: CliState) -> None:
    result = run(cli_state, "comms", "decide", "404")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "Error: incident 404 does not exist"


def test_comms_overdue_lists_late_updates(cli_state: CliState, session: Session) -> None:
    make_component(session, "checkout", name="Checkout")
    incident = make_incident(session, {"checkout": ComponentStatus.MAJOR_OUTAGE}, now=NOW - timedelta(hours=1))
    incident.channel, incident.owner = Channel.STATUS_PAGE, "oncall"
    session.flush()

    text = run(cli_state, "comms", "overdue")
    listed = json.loads(run(cli_state, "comms", "overdue", "--json").stdout)

    assert f"#{incident.id} Checkout errors: status_page update due" in text.stdout
    assert "owner oncall" in text.stdout
    assert [(item["incident_id"], item["channel"]) for item in listed] == [(incident.id, "status_page")]


def test_comms_overdue_says_so_when_nothing_is_late(cli_state: CliState) -> None:
    assert run(cli_state, "comms", "overdue").stdout.strip() == "No update is overdue."


def test_maintenance_commands_schedule_update_and_list(cli_state: CliState, session: Session) -> None:
    make_component(session, "checkout")
    scheduled = run(
        cli_state,
        "maintenance",
        "schedule",
        "--title",
        "Database upgrade",
        "--component",
        "checkout",
        "--from",
        "2099-06-02T02:00+02:00",
        "--until",
        "2099-06-02T03:00",
    )
    assert scheduled.exit_code == 0, scheduled.output
    said = re.fullmatch(
        r"Maintenance (\d+) scheduled: Database upgrade, 2099-06-02 00:00 to 2099-06-02 03:00 UTC\.",
        scheduled.stdout.strip(),
    )
    assert said is not None, scheduled.stdout
    maintenance_id = said.group(1)

    updated = run(cli_state, "maintenance", "update", maintenance_id, "--state", "in_progress", "-m", "Starting now.")
    listed = json.loads(run(cli_state, "maintenance", "list", "--json").stdout)
    table = run(cli_state, "maintenance", "list", "--active").stdout

    assert updated.stdout.strip() == f"Maintenance {maintenance_id} in_progress: Starting now."
    assert [(m["title"], m["state"], m["scheduled_for"]) for m in listed] == [
        ("Database upgrade", "in_progress", "2099-06-02T00:00:00+00:00")
    ]
    assert "in_progress" in table and "Database upgrade (checkout)" in table


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "tomorrow", "--until", "2099-06-02T03:00"], "Error: --from: 'tomorrow' is not an ISO 8601 time"),
        (["--from", "2099-06-02T03:00", "--until", "2099-06-02T02:00"], "Error: scheduled_until:"),
    ],
)
def test_maintenance_schedule_refuses_bad_times_in_one_line(
    cli_state: CliState, session: Session, args: list[str], message: str
) -> None:
    make_component(session, "checkout")
    result = run(cli_state, "maintenance", "schedule", "--title", "Upgrade", "-c", "checkout", *args)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith(message)


def test_maintenance_update_refuses_an_unknown_state(cli_state: CliState) -> None:
    result = run(cli_state, "maintenance", "update", "1", "--state", "done")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith("Error: --state: 'done' is not one of scheduled")
