"""The demo shop's checkout: a health endpoint the demo probes, and that the dashboard can break and heal.

``trustops demo`` mounts it under ``/demo-shop`` on its own app, so the probe it watches lives in the same
process and needs no network. It never exists outside the demo.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp

PREFIX = "/demo-shop"
HEALTH_PATH = "/checkout/health"


class DemoShop:
    """Answers ``GET /checkout/health`` with 200 ``{"status": "UP"}``, or 503 while broken."""

    def __init__(self) -> None:
        self.broken = False

    def asgi(self) -> ASGIApp:
        return Starlette(routes=[Route(HEALTH_PATH, self.checkout_health)])

    async def checkout_health(self, _request: Request) -> JSONResponse:
        if self.broken:
            return JSONResponse({"status": "DOWN", "error": "payment service unreachable"}, status_code=503)
        return JSONResponse({"status": "UP"})


def mount_on(app: Starlette) -> DemoShop:
    """Serve a new shop under ``/demo-shop``; the dashboard finds it as ``app.state.demo_shop``."""
    shop = DemoShop()
    app.mount(PREFIX, shop.asgi())
    app.state.demo_shop = shop
    return shop


def health_url(port: int) -> str:
    return f"http://127.0.0.1:{port}{PREFIX}{HEALTH_PATH}"
