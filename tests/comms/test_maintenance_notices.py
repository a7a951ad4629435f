"""Subscribers hear about scheduled maintenance on the components they follow, by e-mail and webhook."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.comms.test_subscriptions import T0, send_due, smtp_settings, text_of
from tests.servers import Inbox
from trustops import http
from trustops.comms import maintenance
from trustops.comms.models import Maintenance
from trustops.comms.subscriptions import Page, subscribe
from trustops.config import Settings
from trustops.enums import DeliveryStatus, MaintenanceState
from trustops.monitor.health_models import Delivery

HOOK = "https://hooks.partner.example/status"
START, END = T0 + timedelta(days=1), T0 + timedelta(days=1, hours=2)


def schedule(session: Session, components: list[str], **options: object) -> Maintenance:
    return maintenance.schedule(
        session, title="Database upgrade", components=components, scheduled_for=START, scheduled_until=END,
        message="Checkout may be slow for a few minutes.", actor="comms", now=T0, **options,  # type: ignore[arg-type]
    )  # fmt: skip


def notices(session: Session) -> list[Delivery]:
    query = select(Delivery).where(Delivery.maintenance_update_id.is_not(None)).order_by(Delivery.id)
    return list(session.scalars(query))


def test_an_email_subscriber_hears_of_a_maintenance_when_it_is_announced_starts_and_ends(
    session: Session, settings: Settings, inbox: tuple[Inbox, int], page_components: None
) -> None:
    mails, port = inbox
    reader = subscribe(session, kind="email", target="reader@shop.example", components=["checkout"], now=T0)
    send_due(session, smtp_settings(settings, port), T0)  # the confirmation request
    reader.confirmed_at = T0
    announced = schedule(session, ["checkout", "ledger"])
    send_due(session, smtp_settings(settings, port), T0)
    [mail] = mails.messages[1:]
    body = text_of(mail).replace("\r\n", "\n")
    assert mail["Subject"] == "[Status] Maintenance scheduled: Database upgrade"
    assert "Checkout may be slow for a few minutes." in body
    assert "Window: 2026-06-02 08:00 to 10:00 UTC" in body and "Components: Checkout\n" in body
    assert "ledger" not in body.lower()  # internal components never leave
    assert mail["List-Unsubscribe"].strip("<>") in body

    maintenance.advance(session, now=END)  # started and completed by the worker's clock
    send_due(session, smtp_settings(settings, port), END)
    assert [m["Subject"] for m in mails.messages[2:]] == [
        "[Status] Maintenance in progress: Database upgrade",
        "[Status] Maintenance completed: Database upgrade",
    ]
    assert "The scheduled maintenance has been completed." in text_of(mails.messages[3])
    assert {d.status for d in notices(session)} == {DeliveryStatus.SENT}
    assert announced.state is MaintenanceState.COMPLETED


def test_a_webhook_subscriber_gets_the_maintenance_as_statuspage_sends_it(
    session: Session, settings: Settings, page_components: None
) -> None:
    subscribe(session, kind="webhook", target=HOOK, now=T0)
    announced = schedule(session, ["checkout", "search"])
    maintenance.update(session, announced.id, state=MaintenanceState.IN_PROGRESS, actor="comms", now=START)
    received: list[httpx.Request] = []

    def hook(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(204)

    with http.use_transport(httpx.MockTransport(hook)):
        send_due(session, settings, START)
    assert len(received) == 2
    payload = json.loads(received[1].content)
    assert set(payload) == {"meta", "page", "incident"}
    shown = payload["incident"]
    assert (shown["name"], shown["status"], shown["impact"]) == ("Database upgrade", "in_progress", "maintenance")
    assert shown["scheduled_for"] == "2026-06-02T08:00:00.000+00:00"  # Statuspage's own format
    assert shown["scheduled_until"] == "2026-06-02T10:00:00.000+00:00"
    assert [u["status"] for u in shown["incident_updates"]] == ["in_progress", "scheduled"]
    assert [(c["name"], c["status"]) for c in shown["components"]] == [
        ("Checkout", "under_maintenance"),
        ("Search", "under_maintenance"),
    ]
    page = Page.of(settings)
    assert shown["shortlink"].startswith(page.link("maintenances/"))
    assert payload["meta"]["unsubscribe"].startswith(page.link("subscriptions/unsubscribe/"))
    first = json.loads(received[0].content)["incident"]
    assert first["status"] == "scheduled" and first["components"][0]["status"] == "operational"


def test_only_subscribers_following_a_public_component_of_the_maintenance_are_told(
    session: Session, page_components: None
) -> None:
    subscribe(session, kind="webhook", target=HOOK, components=["search"], now=T0)
    subscribe(session, kind="webhook", target="https://all.partner.example/", now=T0)
    subscribe(session, kind="email", target="unconfirmed@shop.example", now=T0)
    schedule(session, ["checkout"])
    assert [d.target for d in notices(session)] == ["https://all.partner.example/"]
    schedule(session, ["ledger"])  # internal only: not on the page
    assert len(notices(session)) == 1


def test_a_notice_is_not_sent_once_its_maintenance_has_left_the_page(
    session: Session, settings: Settings, page_components: None
) -> None:
    subscribe(session, kind="webhook", target=HOOK, now=T0)
    announced = schedule(session, ["checkout"])
    announced.components = ["ledger"]
    with http.use_transport(httpx.MockTransport(lambda request: httpx.Response(204))):
        [delivery] = send_due(session, settings, T0)
    assert delivery.status is DeliveryStatus.FAILED
    assert delivery.last_error == f"maintenance {announced.id} is no longer on the status page; not sent"
