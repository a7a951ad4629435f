"""Notification channels. Each is a module with ``send(target, message, settings)`` raising
:class:`ChannelError`; ``permanent=True`` means retrying cannot help (hc ``TransportError``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    # Extra protocol headers: e-mail headers (List-Unsubscribe…) or HTTP headers for webhooks.
    headers: Mapping[str, str] = field(default_factory=dict)


class ChannelError(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
