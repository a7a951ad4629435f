from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from email.message import Message as Mail
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.factories import auth, make_incident, make_token
from tests.servers import Inbox, recording_server, resolving
from trustops import clock, http
from trustops.accounts.models import Scope
from trustops.catalog.schema import CatalogFile
from trustops.comms import subscriptions
from trustops.comms.models import Subscriber
from trustops.comms.subscriptions import Page, confirm, purge_unconfirmed, subscribe, token_for, unsubscribe
from trustops.config import Policy, Settings
from trustops.db import Database
from trustops.enums import Channel, ComponentStatus, DeliveryStatus
from trustops.errors import InvalidInput, NotFound
from trustops.monitor.health_models import Delivery
from trustops.monitor.incidents import Change, record_event, update_incident
from trustops.monitor.models import EventKind, Incident
from trustops.monitor.notify import attempt, claim_due, send_through_channel
from trustops.monitor.worker import Worker

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
SECRET = b"test-secret-key-that-is-long-enough-1234"
HOOK = "https://hooks.partner.example/status?key=s3cret"


def smtp_settings(settings: Settings, port: int) -> Settings:
    return settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False})


def public_incident(session: Session, components: dict[str, ComponentStatus], now: datetime) -> Incident:
    incident = make_incident(session, components, title="Card payments failing", now=now)
    incident.channel = Channel.STATUS_PAGE
    session.flush()
    return incident


def post(session: Session, incident: Incident, message: str, now: datetime, **data: object) -> int:
    event = record_event(session, incident, EventKind.UPDATE, "comms", now, message, data)
    return event.id


def subscriber_deliveries(session: Session, event_id: int) -> list[Delivery]:
    query = select(Delivery).where(Delivery.event_id == event_id, Delivery.audience == "subscriber")
    return list(session.scalars(query.order_by(Delivery.id)))


def send_due(session: Session, settings: Settings, now: datetime) -> list[Delivery]:
    claimed = claim_due(session, "w1", now=now)
    for delivery in claimed:
        attempt(session, delivery, settings, send_through_channel, now=now)
    return claimed


def text_of(mail: Mail) -> str:
    payload = mail.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def path_of(url: str) -> str:
    return urlsplit(url).path


def test_an_email_subscription_round_trip_through_a_real_smtp_server(
    session: Session,
    db: Database,
    settings: Settings,
    client: TestClient,
    inbox: tuple[Inbox, int],
    page_components: None,
) -> None:
    mails, port = inbox
    worker = Worker(db, smtp_settings(settings, port), lambda: CatalogFile())
    now = clock.now()
    session.commit()

    answer = client.post("/status/subscribe", data={"email": "Reader@Shop.Example", "components": ["checkout"]})
    assert answer.status_code == 200 and "Check your inbox" in answer.text
    assert answer.headers["cache-control"] == "private, no-store"

    worker.deliver(clock.now())
    [confirmation] = mails.messages
    assert confirmation["To"] == "Reader@shop.example"
    assert confirmation["Subject"] == "Confirm your subscription to Status"
    link = re.search(r"http://\S+/subscriptions/confirm/\S+", text_of(confirmation))
    assert link is not None
    assert "confirmed" in client.get(path_of(link.group())).text
    session.expire_all()
    assert session.scalar(select(Subscriber.confirmed_at)) is not None

    incident = public_incident(
        session, {"checkout": ComponentStatus.PARTIAL_OUTAGE, "ledger": ComponentStatus.MAJOR_OUTAGE}, now
    )
    update_incident(
        session, incident.id, Change(message="Some card payments fail; we are on it."), actor="comms", now=now
    )
    session.commit()
    worker.deliver(clock.now())
    update = mails.messages[1]
    body = text_of(update)
    assert update["Subject"] == "[Status] Card payments failing: Investigating"
    assert "Some card payments fail; we are on it." in body and "Affected: Checkout" in body
    assert "ledger" not in body.lower()
    assert update["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_url = update["List-Unsubscribe"].strip("<>")
    assert f"Unsubscribe: {unsubscribe_url}" in body

    gone = client.post(path_of(unsubscribe_url), data={"List-Unsubscribe": "One-Click"})
    assert gone.status_code == 200 and "Unsubscribed" in gone.text
    assert session.scalar(select(func.count()).select_from(Subscriber)) == 0

    event_id = post(session, incident, "A fix is being deployed.", now)
    session.commit()
    worker.deliver(clock.now())
    assert subscriber_deliveries(session, event_id) == []
    assert len(mails.messages) == 2


def test_a_webhook_subscriber_gets_a_statuspage_shaped_post(
    session: Session, settings: Settings, page_components: None
) -> None:
    subscriber = subscribe(session, kind="webhook", target=HOOK, now=T0)
    assert subscriber.confirmed_at == T0  # webhooks need no opt-in
    incident = public_incident(
        session, {"checkout": ComponentStatus.MAJOR_OUTAGE, "ledger": ComponentStatus.MAJOR_OUTAGE}, T0
    )
    post(session, incident, "We are investigating failed payments.", T0)
    received: list[httpx.Request] = []

    def hook(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(204)

    with http.use_transport(httpx.MockTransport(hook)):
        [delivery] = send_due(session, settings, T0)
    assert delivery.status is DeliveryStatus.SENT and delivery.target == HOOK
    [request] = received
    assert str(request.url) == HOOK and request.headers["content-type"] == "application/json"
    payload = json.loads(request.content)
    assert set(payload) == {"meta", "page", "incident"}
    page = Page.of(settings)
    assert payload["meta"]["unsubscribe"] == page.link(
        f"subscriptions/unsubscribe/{token_for(subscriber, 'unsubscribe', page.secret)}"
    )
    assert payload["page"] == {
        "id": payload["incident"]["page_id"],
        "status_indicator": "major",
        "status_description": "Major Service Outage",
    }
    shown = payload["incident"]
    assert shown["name"] == "Card payments failing" and shown["status"] == "investigating"
    assert re.fullmatch(r"[0-9a-z]{12}", shown["id"]) and shown["shortlink"] == page.link(f"incidents/{shown['id']}")
    assert shown["resolved_at"] is None and shown["monitoring_at"] is None
    [update] = shown["incident_updates"]
    assert update["body"] == "We are investigating failed payments." and update["incident_id"] == shown["id"]
    assert [c["name"] for c in shown["components"]] == ["Checkout"]
    assert "ledger" not in request.content.decode().lower()


@pytest.mark.parametrize(("status", "final"), [(503, DeliveryStatus.PENDING), (410, DeliveryStatus.FAILED)])
def test_a_webhook_error_is_retried_only_when_it_may_pass(
    session: Session, settings: Settings, page_components: None, status: int, final: DeliveryStatus
) -> None:
    subscribe(session, kind="webhook", target=HOOK, now=T0)
    post(session, public_incident(session, {"checkout": ComponentStatus.MAJOR_OUTAGE}, T0), "Investigating.", T0)
    with http.use_transport(httpx.MockTransport(lambda request: httpx.Response(status))):
        [delivery] = send_due(session, settings, T0)
    assert delivery.status is final
    assert delivery.last_error == f"webhook hooks.partner.example answered HTTP {status}"


def test_a_subscriber_webhook_whose_name_resolves_into_our_network_is_never_called(
    session: Session, settings: Settings, page_components: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The form refuses "localhost" and private numbers; a name is only known to be private once resolved,
    # and may resolve elsewhere by the time we deliver (DNS rebinding).
    resolving(monkeypatch, "hooks.partner.example", "127.0.0.1")
    with recording_server() as (port, seen):
        subscribe(session, kind="webhook", target=f"http://hooks.partner.example:{port}/status", now=T0)
        post(session, public_incident(session, {"checkout": ComponentStatus.MAJOR_OUTAGE}, T0), "Investigating.", T0)
        [delivery] = send_due(session, settings, T0)
    assert seen == []
    assert delivery.status is DeliveryStatus.FAILED  # at once: retrying cannot make the address public
    assert (
        delivery.last_error is not None and "resolves to a local or private address (127.0.0.1)" in delivery.last_error
    )


def test_subscribers_get_only_updates_about_the_components_they_follow(session: Session, page_components: None) -> None:
    for n, components in enumerate([["checkout"], ["search"], []]):
        subscribe(session, kind="webhook", target=f"https://hooks{n}.example/", components=components, now=T0)
    incident = public_incident(session, {"search": ComponentStatus.DEGRADED_PERFORMANCE}, T0)
    event_id = post(session, incident, "Search is slow.", T0)
    assert [d.target for d in subscriber_deliveries(session, event_id)] == [
        "https://hooks1.example/",
        "https://hooks2.example/",
    ]


def test_internal_updates_silent_updates_and_non_public_incidents_reach_no_subscriber(
    session: Session, page_components: None
) -> None:
    subscribe(session, kind="webhook", target=HOOK, now=T0)
    public = public_incident(session, {"checkout": ComponentStatus.MAJOR_OUTAGE}, T0)
    internal_only = make_incident(session, {"ledger": ComponentStatus.MAJOR_OUTAGE}, title="Ledger lag", now=T0)
    internal_only.channel = Channel.STATUS_PAGE  # on a public channel, but touching no public component
    targeted = make_incident(session, {"search": ComponentStatus.MAJOR_OUTAGE}, title="Search down", now=T0)
    targeted.channel = Channel.TARGETED
    silent = [
        post(session, public, "Root cause: the ledger DB failed over.", T0, audience="internal"),
        post(session, public, "Back-dated note.", T0, deliver_notifications=False),
        post(session, internal_only, "Ledger replication is behind.", T0, audience="public"),
        post(session, targeted, "Search is down for Acme.", T0),
    ]
    assert [subscriber_deliveries(session, event_id) for event_id in silent] == [[], [], [], []]
    assert len(subscriber_deliveries(session, post(session, public, "Payments are failing.", T0))) == 1


def test_an_unconfirmed_email_address_gets_the_confirmation_and_nothing_else(
    session: Session, page_components: None
) -> None:
    subscribe(session, kind="email", target="reader@shop.example", now=T0)
    event_id = post(
        session, public_incident(session, {"checkout": ComponentStatus.MAJOR_OUTAGE}, T0), "Investigating.", T0
    )
    assert subscriber_deliveries(session, event_id) == []
    [confirmation] = session.scalars(select(Delivery).where(Delivery.event_id.is_(None)))
    assert (confirmation.route, confirmation.audience, confirmation.target) == (
        f"subscriber:{confirmation.route.split(':')[1]}",
        "subscriber",
        "reader@shop.example",
    )
    assert confirmation.incident_id is None and "/confirm/" not in confirmation.body  # no token is stored


def test_subscribing_again_updates_the_components_and_resends_the_confirmation_after_a_while(
    session: Session, page_components: None
) -> None:
    first = subscribe(session, kind="email", target="reader@SHOP.example", components=["checkout"], now=T0)
    again = subscribe(
        session, kind="email", target="reader@shop.example", components=["search"], now=T0 + timedelta(minutes=1)
    )
    later = subscribe(
        session, kind="email", target="reader@shop.example", components=["search"], now=T0 + timedelta(minutes=30)
    )
    assert first.id == again.id == later.id and later.components == ["search"]
    assert session.scalar(select(func.count()).select_from(Subscriber)) == 1
    confirmations = session.scalars(
        select(Delivery.created_at).where(Delivery.event_id.is_(None)).order_by(Delivery.id)
    )
    assert list(confirmations) == [T0, T0 + timedelta(minutes=30)]


@pytest.mark.parametrize(
    ("kind", "target", "field", "message"),
    [
        ("email", "not-an-address", "email", "email: 'not-an-address' is not an e-mail address"),
        ("email", "a@b", "email", "email: 'a@b' is not an e-mail address"),
        ("webhook", "ftp://hooks.example/x", "webhook", "webhook: 'ftp://hooks.example/x' is not an http(s) URL"),
        ("webhook", "http://127.0.0.1:8000/api", "webhook", "webhook: '127.0.0.1' is a local or private address"),
        ("webhook", "http://localhost/hook", "webhook", "webhook: 'localhost' is a local or private address"),
        ("webhook", "http://[fd00::1]/hook", "webhook", "webhook: 'fd00::1' is a local or private address"),
        ("sms", "+15551234", "kind", "kind: 'sms' is not one of email, webhook"),
    ],
)
def test_bad_addresses_are_refused_naming_the_field_and_value(
    session: Session, kind: str, target: str, field: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        subscribe(session, kind=kind, target=target, now=T0)
    assert refused.value.field == field and refused.value.message.startswith(message)


def test_an_internal_component_is_refused_exactly_like_an_unknown_one(session: Session, page_components: None) -> None:
    messages = []
    for cid in ("ledger", "nonexistent"):
        with pytest.raises(InvalidInput) as refused:
            subscribe(session, kind="webhook", target=HOOK, components=["checkout", cid], now=T0)
        assert refused.value.field == "components"
        messages.append(refused.value.message.replace(repr(cid), "ID"))
    assert messages[0] == messages[1] == "components: ID is not a component of this status page"
    assert session.scalar(select(func.count()).select_from(Subscriber)) == 0


def test_components_may_be_named_by_their_status_page_ids(session: Session, page_components: None) -> None:
    from trustops.comms.ids import public_id

    shown = public_id(SECRET, "component", "search")
    row = subscribe(session, kind="webhook", target=HOOK, components=[shown, "search"], now=T0, secret=SECRET)
    assert row.components == ["search"]
    with pytest.raises(InvalidInput, match="is not a component of this status page"):
        subscribe(
            session,
            kind="webhook",
            target=HOOK,
            components=[public_id(SECRET, "component", "ledger")],
            now=T0,
            secret=SECRET,
        )


def test_forged_or_misused_tokens_are_not_found(session: Session, page_components: None) -> None:
    row = subscribe(session, kind="email", target="reader@shop.example", now=T0)
    good = token_for(row, "confirm", SECRET)
    for token in (f"{row.id}.forged", f"{row.id + 1}.{good.split('.')[1]}", "x.y", good.replace(".", "")):
        with pytest.raises(NotFound, match="subscription link: not valid"):
            confirm(session, token, secret=SECRET, now=T0)
    with pytest.raises(NotFound):
        unsubscribe(session, good, secret=SECRET)  # a confirm link cannot unsubscribe
    with pytest.raises(NotFound):
        confirm(session, good, secret=b"another installation's secret-0123456", now=T0)
    assert confirm(session, good, secret=SECRET, now=T0).confirmed_at == T0


def test_forged_links_answer_404_pages_and_a_get_never_unsubscribes(
    session: Session, client: TestClient, page_components: None
) -> None:
    row = subscribe(session, kind="email", target="reader@shop.example", now=T0)
    session.commit()
    assert client.get("/status/subscriptions/confirm/1.forged").status_code == 404
    assert client.post(f"/status/subscriptions/unsubscribe/{row.id}.forged").status_code == 404
    leave = f"/status/subscriptions/unsubscribe/{token_for(row, 'unsubscribe', SECRET)}"
    page = client.get(leave)
    assert page.status_code == 200 and 'method="post"' in page.text and page.headers["referrer-policy"] == "no-referrer"
    assert session.scalar(select(func.count()).select_from(Subscriber)) == 1
    assert client.post(leave).status_code == 200  # RFC 8058 clients may post an empty body
    assert session.scalar(select(func.count()).select_from(Subscriber)) == 0
    assert client.post(leave).status_code == 404


def test_the_form_answers_json_when_json_is_posted_and_names_the_bad_field(
    client: TestClient, session: Session, page_components: None
) -> None:
    session.commit()
    made = client.post("/status/subscribe", json={"webhook": HOOK, "components": ["search"]})
    assert made.status_code == 202
    assert made.json() == {"kind": "webhook", "components": ["search"], "status": "active"}
    refused = client.post("/status/subscribe", json={"email": "reader@shop.example", "components": ["ledger"]})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "components"
    both = client.post("/status/subscribe", json={"email": "reader@shop.example", "webhook": HOOK})
    assert both.json()["error"] == {
        "code": "invalid",
        "message": "email: give an e-mail address or a webhook URL, not both",
        "field": "email",
    }


def test_a_bad_form_post_shows_the_error_escaped(client: TestClient) -> None:
    answer = client.post("/status/subscribe", data={"email": "<script>alert(1)</script>"})
    assert answer.status_code == 422 and answer.headers["content-type"].startswith("text/html")
    assert "<script>alert" not in answer.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in answer.text


def test_a_delivery_to_a_subscriber_deleted_since_fails_for_good(
    session: Session, settings: Settings, page_components: None
) -> None:
    row = subscribe(session, kind="webhook", target=HOOK, now=T0)
    post(session, public_incident(session, {"checkout": ComponentStatus.MAJOR_OUTAGE}, T0), "Investigating.", T0)
    session.delete(row)
    session.flush()
    [delivery] = send_due(session, settings, T0)
    assert delivery.status is DeliveryStatus.FAILED
    assert delivery.last_error == f"subscriber {row.id} no longer exists (unsubscribed or never confirmed)"


def test_an_update_whose_incident_left_the_page_is_not_sent(
    session: Session, settings: Settings, page_components: None
) -> None:
    subscribe(session, kind="webhook", target=HOOK, now=T0)
    incident = public_incident(session, {"checkout": ComponentStatus.MAJOR_OUTAGE}, T0)
    post(session, incident, "Investigating.", T0)
    incident.channel = Channel.INTERNAL  # a person moved it off the page before the worker ran
    [delivery] = send_due(session, settings, T0)
    assert delivery.status is DeliveryStatus.FAILED
    assert delivery.last_error == f"incident {incident.id} is no longer public; not sent"


def test_unconfirmed_addresses_are_purged_after_the_confirmation_window(
    session: Session, page_components: None
) -> None:
    stale = subscribe(session, kind="email", target="old@shop.example", now=T0)
    subscribe(session, kind="email", target="new@shop.example", now=T0 + timedelta(hours=47))
    confirm(
        session,
        token_for(subscribe(session, kind="email", target="kept@shop.example", now=T0), "confirm", SECRET),
        secret=SECRET,
        now=T0,
    )
    subscribe(session, kind="webhook", target=HOOK, now=T0)
    purged = purge_unconfirmed(session, policy=Policy(), now=T0 + timedelta(hours=48, minutes=1))
    assert purged == 1
    assert sorted(session.scalars(select(Subscriber.target))) == sorted([HOOK, "kept@shop.example", "new@shop.example"])
    [left] = session.scalars(
        select(Delivery).where(Delivery.route == f"subscriber:{stale.id}").execution_options(populate_existing=True)
    )
    assert (left.target, left.status, left.last_error) == (
        "o***@shop.example",
        DeliveryStatus.FAILED,
        "the subscription was never confirmed",
    )


def test_the_subscriber_counts_show_no_addresses(session: Session, client: TestClient, page_components: None) -> None:
    subscribe(session, kind="email", target="reader@shop.example", now=T0)
    subscribe(session, kind="webhook", target=HOOK, now=T0)
    token = make_token(session, Scope.COMMS)
    session.commit()
    answer = client.get("/api/v1/subscribers", headers=auth(token))
    assert answer.json() == {
        "email": {"confirmed": 0, "unconfirmed": 1},
        "webhook": {"confirmed": 1, "unconfirmed": 0},
        "total": 2,
    }


def test_masking_keeps_only_what_identifies_the_kind_of_recipient() -> None:
    assert subscriptions.mask("reader@shop.example") == "r***@shop.example"
    assert subscriptions.mask(HOOK) == "https://hooks.partner.example/…"
