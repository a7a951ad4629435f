"""Security headers on every answer of the app (the status page's lane sets its own, stricter ones).

- ``Content-Security-Policy`` on HTML: scripts only from trustops itself or carrying this request's nonce,
  which only our templates write (an injected ``<script>`` has none); no plugins, no ``<base>``, forms post
  only to trustops, and no page may be framed (``frame-ancestors 'none'``, with ``X-Frame-Options: DENY``
  for older browsers), so a button cannot be clicked through someone else's page. Styles may be inline:
  plotly draws its charts with them.
- ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: same-origin`` (incident links do not leak to
  other sites).

A route that sets one of these headers itself keeps its own.
"""

from __future__ import annotations

import secrets

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
ALWAYS = {"x-content-type-options": "nosniff", "referrer-policy": "same-origin", "x-frame-options": "DENY"}


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    headers.setdefault(name, value)
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("content-security-policy", CSP.format(nonce=nonce))
            await send(message)

        await self.app(scope, receive, send_with_headers)


def nonce_of(request: Request) -> str:
    """This request's script nonce, for ``<script nonce="…">`` in templates ("" outside the middleware)."""
    return str(getattr(request.state, "csp_nonce", ""))
