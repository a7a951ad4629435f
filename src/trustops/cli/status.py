from __future__ import annotations

import typer

app = typer.Typer(help="The public status page.", no_args_is_help=True)
