from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import PASSWORD, make_component, make_incident, make_user
from trustops import clock
from trustops.accounts.models import Role, User
from trustops.enums import ComponentStatus, IncidentState
from trustops.listen.pipeline import ingest
from trustops.listen.schema import MentionIn
from trustops.listen.service import classifier_for
from trustops.monitor.incidents import get_incident, list_incidents, timeline


def csrf_of(client: TestClient, path: str = "/login") -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def log_in(client: TestClient, username: str = "alice", password: str = PASSWORD, next: str = "/") -> object:
    token = csrf_of(client)
    return client.post("/login", data={"username": username, "password": password, "next": next, "csrf_token": token})


@pytest.fixture
def alice(session: Session) -> User:
    user = make_user(session, "alice", Role.COMMS)
    make_component(session, "checkout")
    session.commit()
    return user


def test_a_stranger_is_sent_to_log_in_and_comes_back_after(client: TestClient, alice: User, session: Session) -> None:
    assert client.get("/incidents").headers["location"] == "/login?next=/incidents"
    response = log_in(client, next="/incidents")
    assert response.status_code == 303
    assert response.headers["location"] == "/incidents"
    assert "Open an incident" in client.get("/incidents").text
    session.expire_all()
    assert session.get(User, alice.id).last_login_at is not None


def test_the_way_back_after_login_keeps_the_query(client: TestClient) -> None:
    assert client.get("/incidents?state=open").headers["location"] == "/login?next=/incidents%3Fstate%3Dopen"


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client: TestClient, alice: User) -> None:
    response = log_in(client, password="wrong password")
    assert response.status_code == 401
    assert "Wrong username or password." in response.text
    assert log_in(client, username="bob").status_code == 401
    assert client.get("/").status_code == 303


def test_login_without_the_csrf_token_is_refused(client: TestClient, alice: User) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 403
    assert response.json()["error"]["message"].startswith("csrf_token: missing or wrong")


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_login_never_redirects_off_site(client: TestClient, alice: User, target: str) -> None:
    assert log_in(client, next=target).headers["location"] == "/"


def test_a_responder_opens_an_incident_from_the_form(client: TestClient, alice: User, session: Session) -> None:
    log_in(client)
    form = {"csrf_token": csrf_of(client, "/incidents"), "title": "Checkout down", "component:checkout": "major_outage",
            "message": "We are investigating."}  # fmt: skip
    response = client.post("/incidents", data=form)
    assert response.status_code == 303
    [incident] = list_incidents(session)
    assert response.headers["location"] == f"/incidents/{incident.id}"
    assert timeline(session, incident.id)[0].actor == "user:alice"
    page = client.get(response.headers["location"]).text
    assert "Checkout down" in page and "We are investigating." in page and "Next update by" in page


def test_an_incident_form_without_components_shows_the_error(client: TestClient, alice: User, session: Session) -> None:
    log_in(client)
    form = {
        "csrf_token": csrf_of(client, "/incidents"),
        "title": "Nothing",
        "component:checkout": "operational",
    }
    response = client.post("/incidents", data=form)
    assert response.status_code == 422
    assert "components: name at least one affected component" in response.text
    assert list_incidents(session) == []


def test_a_responder_posts_an_update(client: TestClient, alice: User, session: Session) -> None:
    incident = make_incident(session)
    session.commit()
    log_in(client)
    form = {
        "csrf_token": csrf_of(client, f"/incidents/{incident.id}"),
        "state": "identified",
        "message": "A bad deploy.",
    }
    assert client.post(f"/incidents/{incident.id}/updates", data=form).status_code == 303
    session.expire_all()
    assert get_incident(session, incident.id).state is IncidentState.IDENTIFIED
    bad = {"csrf_token": form["csrf_token"], "state": "postmortem"}
    response = client.post(f"/incidents/{incident.id}/updates", data=bad)
    assert response.status_code == 422
    assert "must be resolved before its post-mortem" in response.text


def test_a_viewer_reads_but_cannot_change_incidents(client: TestClient, session: Session) -> None:
    make_user(session, "vera", Role.VIEWER)
    incident = make_incident(session)
    session.commit()
    log_in(client, "vera")
    page = client.get(f"/incidents/{incident.id}").text
    assert "Checkout errors" in page and "Post update" not in page
    assert "Open an incident" not in client.get("/incidents").text
    form = {"csrf_token": csrf_of(client, "/incidents"), "message": "sneaky"}
    assert client.post(f"/incidents/{incident.id}/updates", data=form).status_code == 403
    assert [e.kind.value for e in timeline(session, incident.id)] == ["opened", "component_status"]


def test_a_form_post_without_csrf_changes_nothing(client: TestClient, alice: User, session: Session) -> None:
    incident = make_incident(session)
    session.commit()
    log_in(client)
    response = client.post(f"/incidents/{incident.id}/updates", data={"message": "forged"})
    assert response.status_code == 403
    assert len(timeline(session, incident.id)) == 2


def test_logging_out_ends_the_session_and_every_copy_of_its_cookie(client: TestClient, alice: User) -> None:
    log_in(client)
    stolen = dict(client.cookies)
    assert client.post("/logout", data={"csrf_token": csrf_of(client, "/")}).headers["location"] == "/login"
    assert client.get("/").status_code == 303
    client.cookies.clear()
    client.cookies.update(stolen)
    assert client.get("/").status_code == 303


def test_every_page_in_the_menu_renders_with_its_content(client: TestClient, alice: User, session: Session) -> None:
    make_incident(session, title="Payment outage")
    session.commit()
    log_in(client)
    expectations = {
        "/": "Payment outage",
        "/health": "Checkout",
        "/incidents": "Payment outage",
        "/customers": "pseudonyms",
        "/policy": "status_page_user_share",
    }
    for path, text in expectations.items():
        response = client.get(path)
        assert response.status_code == 200, path
        assert text in response.text, path


def test_an_unknown_incident_page_is_a_404_not_a_500(client: TestClient, alice: User) -> None:
    log_in(client)
    assert client.get("/incidents/999").status_code == 404


def test_the_listening_page_ranks_components_and_shows_redacted_mentions(
    client: TestClient, alice: User, session: Session
) -> None:
    make_component(session, "payment-gateway", name="Payment gateway", phrases=["payment failed", "card declined"])
    published = clock.now() - timedelta(hours=2)
    mentions = [
        MentionIn(source="t", external_id=str(n), published_at=published, text=text)
        for n, text in enumerate(["Payment failed, mail me at jane@example.com", "card declined again, as always"])
    ]
    ingest(session, mentions, classifier=classifier_for(session), secret=b"s" * 32, now=clock.now())
    session.commit()
    log_in(client)

    page = client.get("/listening").text

    assert page.index('id="matrix-payment-gateway"') < page.index('id="matrix-checkout"')
    assert "Payment failed, mail me at [email]" in page and "jane@example.com" not in page
    assert "Doubts about trust" in page  # the intent of "again, as always"


def test_the_incident_room_shows_the_channel_decision_drafts_and_the_status_page_preview(
    client: TestClient, alice: User, session: Session
) -> None:
    log_in(client)
    form = {"csrf_token": csrf_of(client, "/incidents"), "title": "Checkout down",
            "component:checkout": "major_outage", "message": "We are aware that checkout fails."}  # fmt: skip
    location = client.post("/incidents", data=form).headers["location"]

    page = client.get(location).text

    assert "Channel decision" in page and "visibly down" in page and "public-component-down" in page
    assert 'href="/status/incidents/' in page  # the preview links the public page
    assert "We are aware that checkout fails." in page
    assert "Update: identified" in page and "Apology e-mail" in page and "EAR check" in page


def test_overriding_the_channel_in_the_incident_room_needs_a_reason_and_is_kept_in_the_timeline(
    client: TestClient, alice: User, session: Session
) -> None:
    log_in(client)
    incident = make_incident(session, {"checkout": ComponentStatus.DEGRADED_PERFORMANCE}, title="Slow checkout")
    session.commit()
    url = f"/incidents/{incident.id}/channel"

    refused = client.post(url, data={"csrf_token": csrf_of(client, "/incidents"), "channel": "targeted", "reason": " "})
    assert refused.status_code == 422 and "reason" in refused.text

    token = csrf_of(client, "/incidents")
    done = client.post(url, data={"csrf_token": token, "channel": "targeted", "reason": "Acme asked us to call"})
    assert done.status_code == 303
    session.expire_all()
    stored = get_incident(session, incident.id)
    assert stored.channel is not None and stored.channel.value == "targeted" and stored.channel_overridden
    [decision] = [e for e in timeline(session, incident.id) if e.kind.value == "decision"]
    assert decision.actor == "user:alice" and decision.data["reason"] == "Acme asked us to call"
    assert "set by hand" in client.get(f"/incidents/{incident.id}").text


def test_the_guard_page_shows_windows_and_readiness_without_listing_users(
    client: TestClient, alice: User, session: Session
) -> None:
    from trustops.monitor.health_models import Exposure

    incident = make_incident(session, {"checkout": ComponentStatus.MAJOR_OUTAGE}, title="Checkout down")
    session.add(Exposure(user_key="k" * 32, component_id="checkout", at=incident.started_at, kind="error", source="t"))
    session.commit()
    log_in(client)

    page = client.get("/guard").text

    assert "Active guard windows" in page and "Checkout down" in page and "help_not_offers" in page
    assert "Thank-you readiness" in page
    assert "k" * 32 not in page
