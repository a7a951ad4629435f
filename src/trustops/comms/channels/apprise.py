"""Slack, Teams, Discord, webhooks and ~100 more services through Apprise URLs."""

from __future__ import annotations

import os
import re

from trustops.comms.channels import ChannelError, Message
from trustops.config import Settings

_VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)\}")


def expand(url: str) -> str:
    """Fill ``${VAR}`` from the environment, so tokens in URLs stay out of the catalog file."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise ChannelError(f"environment variable {name} (used in a notification URL) is not set", permanent=True)
        return os.environ[name]

    return _VARIABLE.sub(value, url)


def send(url: str, message: Message, settings: Settings) -> None:
    try:
        import apprise
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise ChannelError("apprise is not installed", permanent=True) from exc
    notifier = apprise.Apprise()
    if not notifier.add(expand(url)):
        raise ChannelError("not a URL Apprise understands", permanent=True)
    if not notifier.notify(title=message.subject, body=message.body):
        raise ChannelError("the service did not accept the notification")
