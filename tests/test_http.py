from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest

from tests.servers import recording_server, resolving
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


def test_a_public_only_client_does_not_connect_to_a_name_that_resolves_to_our_own_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resolving(monkeypatch, "hooks.partner.example", "127.0.0.1")
    with recording_server() as (port, seen), http.client(public_only=True) as client:
        with pytest.raises(http.NotPublic, match=r"hooks.partner.example resolves to .*\(127.0.0.1\)"):
            client.post(f"http://hooks.partner.example:{port}/status")
        with pytest.raises(http.NotPublic):
            client.get(f"http://localhost:{port}/")
    assert seen == []


def test_an_ordinary_client_still_reaches_the_local_network_the_operator_configured() -> None:
    with recording_server() as (port, seen), http.client() as client:
        assert client.post(f"http://127.0.0.1:{port}/alerts").status_code == 204
    assert seen == ["/alerts"]


@pytest.mark.parametrize(
    ("addresses", "private"),
    [
        (("93.184.216.34", "10.0.0.5"), "10.0.0.5"),  # one bad address is enough: it could be the one tried
        (("169.254.169.254",), "169.254.169.254"),  # cloud metadata
        (("::ffff:192.168.1.1",), "::ffff:192.168.1.1"),  # IPv4 inside IPv6
        (("fe80::1%eth0",), "fe80::1%eth0"),
        (("224.0.0.1",), "224.0.0.1"),
    ],
)
def test_every_address_a_name_resolves_to_must_be_global(
    monkeypatch: pytest.MonkeyPatch, addresses: tuple[str, ...], private: str
) -> None:
    resolving(monkeypatch, "hooks.partner.example", *addresses)
    with pytest.raises(http.NotPublic, match=private.replace(".", r"\.")):
        http.public_address("hooks.partner.example", 443)


def test_a_global_address_is_the_one_connected_to(monkeypatch: pytest.MonkeyPatch) -> None:
    resolving(monkeypatch, "hooks.partner.example", "2606:2800:220:1::1", "93.184.216.34")
    assert http.public_address("hooks.partner.example", 443) == "2606:2800:220:1::1"


def test_a_name_that_does_not_resolve_is_a_connection_error_worth_retrying(monkeypatch: pytest.MonkeyPatch) -> None:
    def unknown(*args: Any, **kwargs: Any) -> list[Any]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unknown)
    with pytest.raises(httpx.ConnectError, match="nowhere.example: cannot resolve") as caught:
        http.public_address("nowhere.example", 443)
    assert not isinstance(caught.value, http.NotPublic)
