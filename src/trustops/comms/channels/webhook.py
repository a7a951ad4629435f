"""A JSON POST to a URL, through the one outbound HTTP client (:mod:`trustops.http`).

The message body is sent as it is (the caller makes it JSON). Any 2xx answer is success; a timeout,
a connection error, 408, 429 or a 5xx is worth retrying; any other answer (a redirect, which is not
followed, or a 4xx) will not change by itself and fails the delivery at once, as does a subscriber's URL
whose host resolves into a local or private network.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from trustops import http
from trustops.comms.channels import ChannelError, Message
from trustops.config import Settings

RETRY_STATUSES = {408, 429}


def send(url: str, message: Message, settings: Settings, *, public_only: bool = False) -> None:
    """POST the message; ``public_only`` for URLs strangers gave us (see :func:`trustops.http.client`)."""
    # Errors name the host only: a webhook URL's path or query often carries its secret.
    host = urlsplit(url).hostname or "?"
    headers = {"Content-Type": "application/json", **message.headers}
    try:
        with http.client(public_only=public_only) as client:
            response = client.post(url, content=message.body.encode(), headers=headers)
    except http.NotPublic as exc:
        raise ChannelError(f"webhook {host}: {exc}", permanent=True) from exc
    except httpx.HTTPError as exc:
        raise ChannelError(f"webhook {host}: {type(exc).__name__}: {exc}") from exc
    if response.is_success:
        return
    retry = response.status_code in RETRY_STATUSES or response.status_code >= 500
    raise ChannelError(f"webhook {host} answered HTTP {response.status_code}", permanent=not retry)
