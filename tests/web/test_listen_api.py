from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.factories import auth, make_component, make_token
from trustops.accounts.models import Scope
from trustops.listen.models import Mention

URL = "/api/v1/ingest/mentions"


def mention(n: int, text: str = "Payment failed again and I was charged twice", **extra: object) -> dict[str, object]:
    published = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    return {
        "source": "zendesk",
        "external_id": f"t-{n}",
        "channel": "ticket",
        "published_at": published,
        "text": text,
        **extra,
    }


@pytest.fixture
def ingest_token(session: Session) -> dict[str, str]:
    make_component(session, "payment-gateway", name="Payment gateway", phrases=["payment failed", "charged twice"])
    return auth(make_token(session, Scope.INGEST))


def stored(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Mention)) or 0


def test_a_json_list_of_mentions_is_stored_and_a_redelivery_adds_nothing(
    client: TestClient, session: Session, ingest_token: dict[str, str]
) -> None:
    body = [mention(1), mention(2, "Love the new app, thanks!")]

    first = client.post(URL, json=body, headers=ingest_token)
    again = client.post(URL, json=body, headers=ingest_token)

    assert first.status_code == 202, first.text
    assert first.json() == {"accepted": 2, "duplicates": 0, "redactions": 0, "errors": []}
    assert again.json()["accepted"] == 0 and again.json()["duplicates"] == 2
    assert stored(session) == 2


def test_ndjson_bad_lines_are_reported_by_number_and_good_lines_kept(
    client: TestClient, session: Session, ingest_token: dict[str, str]
) -> None:
    lines = [
        json.dumps(mention(1)),
        "",
        json.dumps(mention(2, published_at="yesterday")),
        "{not json",
        json.dumps(mention(3, "mail me at jane@example.com, my payment failed")),
    ]
    response = client.post(
        URL, content="\n".join(lines), headers={**ingest_token, "Content-Type": "application/x-ndjson"}
    )

    assert response.status_code == 202, response.text
    answer = response.json()
    assert (answer["accepted"], answer["redactions"]) == (2, 1)
    assert [e["line"] for e in answer["errors"]] == [3, 4]
    assert "published_at" in answer["errors"][0]["message"] and "invalid JSON" in answer["errors"][1]["message"]
    assert stored(session) == 2
    assert "jane@example.com" not in session.scalars(select(Mention.text)).all()[-1]


def test_a_body_with_no_good_line_is_refused_with_every_problem(
    client: TestClient, session: Session, ingest_token: dict[str, str]
) -> None:
    response = client.post(URL, json=[{"text": "hi"}, mention(2, channel="carrier-pigeon")], headers=ingest_token)

    assert response.status_code == 422
    body = response.json()
    assert body["error"]["code"] == "invalid" and body["error"]["message"].startswith("line 1: ")
    assert [e["line"] for e in body["errors"]] == [1, 2]
    assert "channel" in body["errors"][1]["message"]
    assert stored(session) == 0


def test_a_read_token_cannot_ingest(client: TestClient, session: Session) -> None:
    response = client.post(URL, json=[mention(1)], headers=auth(make_token(session, Scope.READ)))

    assert response.status_code == 403


def test_mentions_spikes_and_the_matrix_can_be_read(
    client: TestClient, session: Session, ingest_token: dict[str, str]
) -> None:
    client.post(
        URL, json=[mention(1, author="@jane"), mention(2, "Thanks for the quick refund!")], headers=ingest_token
    )
    reader = auth(make_token(session, Scope.READ, name="reader"))

    mentions = client.get("/api/v1/mentions", params={"component": "payment-gateway"}, headers=reader).json()
    matrix = client.get("/api/v1/listen/matrix", headers=reader).json()
    spikes = client.get("/api/v1/listen/spikes", headers=reader)

    assert [m["external_id"] for m in mentions] == ["t-1"]
    assert mentions[0]["complaint"] is True and "payment_failure" in mentions[0]["intents"]
    assert mentions[0]["author_key"] and "jane" not in mentions[0]["author_key"]
    assert matrix[0]["component_id"] == "payment-gateway" and matrix[0]["mentions"] >= 1
    assert spikes.status_code == 200 and spikes.json() == []
