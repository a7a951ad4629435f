"""``trustops breach``: data-breach cases, their regulatory clocks, notices and advice."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Data-breach response: cases, regulatory clocks, notices, compensation advice.", no_args_is_help=True
)

# Each module below adds its commands to ``app``.
from trustops.cli import breach_cases, breach_clocks  # noqa: E402, F401
