"""Live mode: a URL fetched as a browser would ask for the page, through trustops' one HTTP client factory."""

from __future__ import annotations

from trustops import http
from trustops.audit.sources import Response

MAX_BODY = 2 * 1024 * 1024
TIMEOUT = 15.0


def fetch(url: str) -> Response:
    """The response to ``GET url`` (redirects followed, body cut at 2 MB); network errors propagate to the
    caller, which reports them as warnings."""
    accept = {"Accept": "text/html,application/json;q=0.9,*/*;q=0.5"}
    with (
        http.client(timeout=TIMEOUT, follow_redirects=True) as client,
        client.stream("GET", url, headers=accept) as response,
    ):
        data = bytearray()
        for chunk in response.iter_bytes():
            data += chunk
            if len(data) >= MAX_BODY:
                break
    body = bytes(data[:MAX_BODY]).decode(response.encoding or "utf-8", errors="replace")
    return Response(
        url=str(response.url),
        status=response.status_code,
        content_type=response.headers.get("content-type", ""),
        body=body,
    )
