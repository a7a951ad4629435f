from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from tests.comms.test_notices import NOW, key_accounts, targeted
from tests.factories import auth, make_token
from trustops.accounts.models import Scope
from trustops.cli import app
from trustops.cli.state import CliState
from trustops.comms.models import Subscriber
from trustops.enums import Channel
from trustops.monitor.health_models import Delivery
from trustops.monitor.incidents import record_event
from trustops.monitor.models import EventKind


def run(state: CliState, *args: str) -> Result:
    return CliRunner().invoke(app, list(args), obj=state)


@pytest.fixture
def clock_at_now() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_api_lists_affected_accounts_to_readers_and_marketing(session: Session, client: TestClient) -> None:
    incident = key_accounts(session)
    token = make_token(session, Scope.MARKETING)
    session.commit()
    with time_machine.travel(NOW, tick=False):
        answer = client.get(f"/api/v1/incidents/{incident.id}/accounts", headers=auth(token))
    assert answer.status_code == 200
    assert answer.json()[0] == {
        "account": "Acme Corp",
        "tier": "enterprise",
        "affected": 3,
        "value": 60000.0,
        "manager": "Dana",
        "contacts": 2,
        "high_value": True,
    }
    assert [(row["account"], row["tier"]) for row in answer.json()[1:]] == [
        ("Globex", "loyal"),
        (None, "regular"),
        (None, "unknown"),
    ]
    assert client.get("/api/v1/incidents/999999/accounts", headers=auth(token)).status_code == 404


def test_a_notice_posted_through_the_api_fans_out_and_opens_tasks(
    session: Session, client: TestClient, clock_at_now: None
) -> None:
    incident = targeted(session)
    session.add(Subscriber(kind="email", target="reader@shop.example", components=[], confirmed_at=NOW, created_at=NOW))
    token = make_token(session, Scope.COMMS)
    session.commit()
    headers = auth(token)

    posted = client.post(
        f"/api/v1/incidents/{incident.id}/notices", json={"message": "We are rolling back a change."}, headers=headers
    )
    assert posted.status_code == 201
    assert posted.json()["deliveries"] == 3
    assert [t["account"] for t in posted.json()["tasks"]] == ["Acme Corp", "Globex"]

    rows = client.get(f"/api/v1/incidents/{incident.id}/deliveries", headers=headers).json()
    assert [(r["audience"], r["route"], r["target"], r["status"], r["attempts"]) for r in rows] == [
        ("targeted", "account:Acme Corp:0", "ops@acme.example", "pending", 0),
        ("targeted", "account:Acme Corp:1", "cto@acme.example", "pending", 0),
        ("targeted", "account:Globex:0", "it@globex.example", "pending", 0),
    ]

    [acme, globex] = client.get("/api/v1/tasks", headers=headers).json()
    done = client.post(f"/api/v1/tasks/{acme['id']}/done", headers=headers)
    assert done.status_code == 200 and done.json()["done_by"] == "token:test"
    assert [t["id"] for t in client.get("/api/v1/tasks", headers=headers).json()] == [globex["id"]]
    assert len(client.get("/api/v1/tasks?state=all", headers=headers).json()) == 2
    again = client.post(f"/api/v1/tasks/{acme['id']}/done", headers=headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"


def test_the_deliveries_api_masks_subscriber_addresses(session: Session, client: TestClient) -> None:
    incident = key_accounts(session)
    incident.channel = Channel.STATUS_PAGE
    session.add(Subscriber(kind="email", target="reader@shop.example", components=[], confirmed_at=NOW, created_at=NOW))
    session.flush()
    record_event(session, incident, EventKind.UPDATE, "comms", NOW, "Payments fail for some customers.")
    token = make_token(session, Scope.COMMS)
    session.commit()
    [row] = client.get(f"/api/v1/incidents/{incident.id}/deliveries", headers=auth(token)).json()
    assert (row["audience"], row["target"]) == ("subscriber", "r***@shop.example")


def test_bad_notices_are_refused_naming_the_field(session: Session, client: TestClient) -> None:
    incident = key_accounts(session)  # no channel decided
    token = make_token(session, Scope.COMMS)
    session.commit()
    url, headers = f"/api/v1/incidents/{incident.id}/notices", auth(token)
    empty = client.post(url, json={"message": ""}, headers=headers)
    assert empty.status_code == 422 and empty.json()["error"]["field"] == "message"
    wrong = client.post(url, json={"message": "Hello"}, headers=headers)
    assert wrong.status_code == 409 and wrong.json()["error"]["field"] == "channel"
    assert "is on the undecided channel" in wrong.json()["error"]["message"]
    assert client.post("/api/v1/incidents/999999/notices", json={"message": "Hi"}, headers=headers).status_code == 404


def test_the_cli_shows_accounts_notifies_and_closes_tasks(
    session: Session, cli_state: CliState, clock_at_now: None
) -> None:
    incident = targeted(session)
    session.commit()

    table = run(cli_state, "comms", "accounts", str(incident.id))
    assert table.exit_code == 0, table.output
    assert table.stdout.splitlines()[0].split() == [
        "Acme", "Corp", "enterprise", "3", "users", "60,000", "a", "year", "manager", "Dana", "high", "value"
    ]  # fmt: skip
    rows = json.loads(run(cli_state, "comms", "accounts", str(incident.id), "--json").stdout)
    assert [(r["account"], r["affected"]) for r in rows] == [("Acme Corp", 3), ("Globex", 2), (None, 4), (None, 1)]

    sent = run(
        cli_state, "comms", "notify", str(incident.id), "--message", "We are rolling back.", "--subject", "Checkout"
    )
    assert sent.exit_code == 0, sent.output
    assert sent.stdout.splitlines()[0] == "Targeted update queued for 3 contact(s); 2 task(s) open."
    session.expire_all()
    subjects = {d.subject for d in session.query(Delivery).filter(Delivery.audience == "targeted")}
    assert subjects == {"Checkout"}

    tasks = json.loads(run(cli_state, "comms", "tasks", "--json").stdout)
    assert [t["account"] for t in tasks] == ["Acme Corp", "Globex"]
    done = run(cli_state, "comms", "task-done", str(tasks[0]["id"]))
    assert done.stdout == f"Task {tasks[0]['id']} (Acme Corp) done.\n"
    assert [t["account"] for t in json.loads(run(cli_state, "comms", "tasks", "--json").stdout)] == ["Globex"]
    listed = run(cli_state, "comms", "tasks", "--all").stdout
    assert "done by cli" in listed and "Call Globex: 2 of their users" in listed

    twice = run(cli_state, "comms", "task-done", str(tasks[0]["id"]))
    assert twice.exit_code == 1
    assert twice.stderr.splitlines()[-1].startswith(f"Error: task {tasks[0]['id']} was already done by cli at ")


def test_the_cli_refuses_a_notice_for_an_incident_that_is_not_targeted(session: Session, cli_state: CliState) -> None:
    incident = key_accounts(session)
    session.commit()
    refused = run(cli_state, "comms", "notify", str(incident.id), "-m", "Hello")
    assert refused.exit_code == 1
    assert refused.stderr.splitlines()[-1].startswith(
        f"Error: channel: incident {incident.id} is on the undecided channel"
    )
