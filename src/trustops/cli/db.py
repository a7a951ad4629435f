from __future__ import annotations

import typer

from trustops.cli.state import CliState

app = typer.Typer(help="Manage the operational store.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(ctx: typer.Context, revision: str = typer.Option("head", help="Target revision.")) -> None:
    """Migrate the database to the newest schema (or to the --revision given)."""
    state: CliState = ctx.obj
    state.database.upgrade(revision)
    where = state.database.engine.url.render_as_string(hide_password=True)
    typer.echo(f"Database at {where} is at revision {state.database.current_revision()}.")
