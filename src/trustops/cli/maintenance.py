from __future__ import annotations

import typer

app = typer.Typer(help="Scheduled maintenance on the status page.", no_args_is_help=True)
