from __future__ import annotations

from trustops.cli.comms import app  # noqa: F401
