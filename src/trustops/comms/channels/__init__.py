"""Notification channels. Each is a module with ``send(target, message, settings)`` raising
:class:`ChannelError`; ``permanent=True`` means retrying cannot help (hc ``TransportError``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


class ChannelError(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
