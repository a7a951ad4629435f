from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import make_user
from tests.web.test_dashboard import csrf_of, log_in
from trustops import clock
from trustops.accounts.models import Role
from trustops.breach import cases
from trustops.breach.models import BreachCase, DrillRun
from trustops.catalog.schema import CatalogFile, OrganisationSpec
from trustops.enums import BreachLogKind, BreachRole

BERLIN = OrganisationSpec(name="Shop GmbH", time_zone="Europe/Berlin", dpo_contact="dpo@shop.example")


@pytest.fixture
def catalog() -> CatalogFile:
    return CatalogFile(organisation=BERLIN)


@pytest.fixture
def case(session: Session) -> BreachCase:
    aware = clock.now().replace(microsecond=0) - timedelta(hours=3)
    opened = cases.open_case(
        session, title="Customer database copied", aware_at=aware, actor="dpo", now=clock.now(),
        data_categories=["email"], people=1200, people_by_jurisdiction={"EU-GDPR": 1200}, organisation=BERLIN,
    )  # fmt: skip
    for username, role in (("lea", Role.LEGAL), ("max", Role.MARKETING), ("ada", Role.ADMIN), ("vic", Role.VIEWER)):
        make_user(session, username, role)
    session.commit()
    return opened


@pytest.fixture
def drill(session: Session) -> DrillRun:
    run = DrillRun(
        scenario="friday-ransom", title="Ransom e-mail on a Friday", kind="breach",
        started_at=datetime(2026, 3, 1, 9, tzinfo=UTC), actor="lea", milestones=[], score=72.5,
        report="# After-action report\n\n| milestone | result |\n|---|---|\n| aware | met |\n\n<script>alert(1)</script>",
    )  # fmt: skip
    session.add(run)
    session.commit()
    return run


def test_the_legal_role_sees_the_menu_entry_and_the_cases(
    client: TestClient, case: BreachCase, drill: DrillRun
) -> None:
    log_in(client, "lea")
    page = client.get("/breach")
    assert page.status_code == 200
    assert '<a href="/breach"' in page.text
    assert f'href="/breach/{case.id}"' in page.text and "Customer database copied" in page.text
    assert "gdpr-art33" in page.text and re.search(r"2 d 2[0-9] h", page.text)  # time left on the 72 hours
    assert f'href="/breach/drills/{drill.id}"' in page.text and "72" in page.text


@pytest.mark.parametrize("username", ["max", "vic"])
def test_other_roles_get_403_and_never_see_the_menu_entry(
    client: TestClient, case: BreachCase, drill: DrillRun, username: str
) -> None:
    log_in(client, username)
    assert '<a href="/breach"' not in client.get("/").text
    for path in ("/breach", f"/breach/{case.id}", f"/breach/drills/{drill.id}"):
        assert client.get(path).status_code == 403, path


def test_an_admin_sees_the_case_room(client: TestClient, case: BreachCase) -> None:
    log_in(client, "ada")
    assert '<a href="/breach"' in client.get("/").text
    assert client.get(f"/breach/{case.id}").status_code == 200


def test_the_case_room_shows_clocks_in_utc_and_the_organisations_zone(client: TestClient, case: BreachCase) -> None:
    log_in(client, "lea")
    page = client.get(f"/breach/{case.id}").text
    due = case.aware_at + timedelta(hours=72)
    assert f"{due:%Y-%m-%d %H:%M} UTC" in page
    local = due.astimezone(ZoneInfo("Europe/Berlin"))
    assert f"{local:%Y-%m-%d %H:%M %Z}" in page
    assert "Due (Europe/Berlin)" in page
    for heading in ("Legal", "PR", "Marketing", "IT", "Support"):
        assert f"<h3>{heading}</h3>" in page
    assert "Regulator notification draft" in page and "EAR check" in page
    assert "Dedicated support channel" in page and "Compensation advice" in page and "Cost estimate" in page
    assert "Documentation log (GDPR Art. 33(5))" in page


def test_a_task_is_marked_done_from_the_case_room(client: TestClient, case: BreachCase, session: Session) -> None:
    log_in(client, "lea")
    task = next(t for t in case.tasks if t.role is BreachRole.MARKETING)
    token = csrf_of(client, f"/breach/{case.id}")
    response = client.post(f"/breach/{case.id}/tasks/{task.id}/done", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == f"/breach/{case.id}#tasks"
    session.expire_all()
    stored = cases.get_case(session, case.id)
    done = next(t for t in stored.tasks if t.id == task.id)
    assert done.done_by == "user:lea" and done.done_at is not None
    assert "<s>Pause promotional campaigns to the people affected</s>" in client.get(f"/breach/{case.id}").text


def test_a_done_button_without_the_csrf_token_is_refused(
    client: TestClient, case: BreachCase, session: Session
) -> None:
    log_in(client, "lea")
    task = case.tasks[0]
    assert client.post(f"/breach/{case.id}/tasks/{task.id}/done", data={}).status_code == 403
    session.expire_all()
    assert cases.get_case(session, case.id).tasks[0].done_at is None


def test_a_marketing_user_cannot_mark_a_task_done(client: TestClient, case: BreachCase, session: Session) -> None:
    log_in(client, "max")
    token = csrf_of(client, "/")
    response = client.post(f"/breach/{case.id}/tasks/{case.tasks[0].id}/done", data={"csrf_token": token})
    assert response.status_code == 403
    session.expire_all()
    assert cases.get_case(session, case.id).tasks[0].done_at is None


def test_a_log_entry_is_added_from_the_case_room_and_a_bad_one_is_named(
    client: TestClient, case: BreachCase, session: Session
) -> None:
    log_in(client, "lea")
    token = csrf_of(client, f"/breach/{case.id}")
    form = {"csrf_token": token, "kind": "measure", "text": "Rotated the database credentials", "deadline": ""}
    assert client.post(f"/breach/{case.id}/log", data=form).status_code == 303
    bad = client.post(f"/breach/{case.id}/log", data={**form, "kind": "delay"})
    assert bad.status_code == 422 and "deadline: a delay entry names the deadline" in bad.text
    session.expire_all()
    assert [e.kind for e in cases.get_case(session, case.id).log] == [BreachLogKind.FACT, BreachLogKind.MEASURE]


def test_the_drill_report_is_rendered_without_raw_html(client: TestClient, case: BreachCase, drill: DrillRun) -> None:
    log_in(client, "lea")
    page = client.get(f"/breach/drills/{drill.id}")
    assert page.status_code == 200
    assert "<h1>After-action report</h1>" in page.text and "<table>" in page.text
    assert "<script>alert(1)</script>" not in page.text


def test_an_unknown_case_or_drill_is_a_404(client: TestClient, case: BreachCase) -> None:
    log_in(client, "lea")
    assert client.get("/breach/999999").status_code == 404
    assert client.get("/breach/drills/999999").status_code == 404
