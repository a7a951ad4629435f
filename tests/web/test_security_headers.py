from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import auth, make_token
from trustops.accounts.models import Scope
from trustops.web.security import CSP


def nonce_in(policy: str) -> str:
    match = re.search(r"'nonce-([^']+)'", policy)
    assert match, policy
    return match.group(1)


def test_a_dashboard_page_may_run_only_our_scripts_and_may_not_be_framed(client: TestClient) -> None:
    page = client.get("/login")
    policy = page.headers["content-security-policy"]
    assert policy == CSP.format(nonce=nonce_in(policy))
    assert "frame-ancestors 'none'" in policy and "script-src 'self' 'nonce-" in policy
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "same-origin"


def test_every_page_gets_a_fresh_nonce(client: TestClient) -> None:
    first, second = (nonce_in(client.get("/login").headers["content-security-policy"]) for _ in range(2))
    assert first != second and len(first) >= 16


def test_the_api_docs_start_swagger_with_the_pages_nonce(client: TestClient) -> None:
    page = client.get("/docs")
    nonce = nonce_in(page.headers["content-security-policy"])
    assert f'<script nonce="{nonce}">' in page.text and "<script>" not in page.text


def test_json_answers_are_not_sniffed_and_carry_no_page_policy(client: TestClient, session: Session) -> None:
    token = make_token(session, Scope.READ)
    session.commit()
    answer = client.get("/api/v1/components", headers=auth(token))
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in answer.headers


def test_pages_with_a_policy_of_their_own_keep_it(client: TestClient) -> None:
    status = client.get("/status")
    assert "script-src" not in status.headers["content-security-policy"]  # the status page runs no script
    subscribed = client.post("/status/subscribe", data={"email": "reader@shop.example"})
    assert subscribed.headers["referrer-policy"] == "no-referrer"
