"""``trustops comms``: channel decisions, drafts and the EAR lint, targeted notices."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Communication: channel decisions, drafts, the EAR lint, targeted notices.", no_args_is_help=True
)

# Each module below adds its commands to ``app``.
from trustops.cli import comms_channel, comms_notices, comms_writing  # noqa: E402, F401
