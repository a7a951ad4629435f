from __future__ import annotations

import typer

app = typer.Typer(help="The marketing guard: who may get which campaign after an incident.", no_args_is_help=True)
