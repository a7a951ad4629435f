from __future__ import annotations

import httpx

from trustops import __version__, http


def test_outbound_calls_go_through_the_injected_transport_with_our_user_agent() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    with http.use_transport(httpx.MockTransport(handler)), http.client() as client:
        assert client.get("https://status.example/ping").status_code == 204
    assert seen[0].headers["user-agent"] == f"trustops/{__version__}"


def test_clients_have_a_timeout_by_default() -> None:
    with http.client() as client:
        assert client.timeout.connect == 5.0
        assert client.timeout.read == 10.0
