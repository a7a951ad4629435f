"""What a probe run returns, and the one-line wording of the network errors it meets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# OpenSSL appends its source position, e.g. "(_ssl.c:1006)": noise for whoever reads the status.
_SSL_SOURCE = re.compile(r"\s*\(_ssl\.c:\d+\)")


@dataclass(frozen=True)
class ProbeOutcome:
    """One probe run: healthy or not, how fast, and why not, in one line without secrets."""

    ok: bool
    response_ms: float | None
    error: str | None
    details: dict[str, Any]


def describe(exc: BaseException) -> str:
    """An exception as one short line: its message, or its class name when it has none."""
    text = str(exc).strip() or type(exc).__name__
    return _SSL_SOURCE.sub("", text.splitlines()[0])


def connection_error(host: str, port: int, exc: OSError, timeout: float) -> str:
    """Why a connection to ``host:port`` failed, e.g. ``cannot connect to db:5432: Connection refused``."""
    if isinstance(exc, TimeoutError):
        return f"cannot connect to {host}:{port}: no answer within {timeout:g}s"
    return f"cannot connect to {host}:{port}: {exc.strerror or describe(exc)}"
