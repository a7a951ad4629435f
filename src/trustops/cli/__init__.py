"""The ``trustops`` command. Heavy imports live inside commands so ``trustops --help`` stays instant."""

from __future__ import annotations

from typing import Any

import typer
from typer._click.core import Context
from typer.core import TyperGroup

from trustops.cli import (
    accounts,
    analytics,
    audit,
    breach,
    comms,
    config,
    db,
    drill,
    guard,
    heartbeats,
    incidents,
    listen,
    maintenance,
    report,
    serve,
    status,
)
from trustops.cli.state import CliState


class Group(TyperGroup):
    """Turns trustops' own errors into one line on stderr and exit status 1, never a traceback."""

    def invoke(self, ctx: Context) -> Any:
        from pydantic import ValidationError
        from sqlalchemy.exc import DBAPIError

        from trustops.catalog.load import CatalogError
        from trustops.errors import InvalidInput, TrustopsError

        try:
            return super().invoke(ctx)
        except CatalogError as exc:
            for problem in exc.problems:
                typer.echo(str(problem), err=True)
            raise typer.Exit(1) from None
        except TrustopsError as exc:
            typer.echo(f"Error: {exc.message}", err=True)
            raise typer.Exit(1) from None
        except DBAPIError as exc:
            typer.echo(f"Error: {_database_problem(exc)}", err=True)
            raise typer.Exit(1) from None
        except ValidationError as exc:
            typer.echo(f"Error: {InvalidInput.from_validation(exc).message}", err=True)
            raise typer.Exit(1) from None


def _database_problem(exc: Exception) -> str:
    reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    if "no such table" in reason or "does not exist" in reason:
        return f"the database is not set up ({reason}): run `trustops db upgrade` first"
    return f"database error: {reason}"


app = typer.Typer(
    cls=Group,
    name="trustops",
    help="trustops: system health and brand trust, joined per customer.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def root(ctx: typer.Context) -> None:
    if not isinstance(ctx.obj, CliState):
        ctx.obj = CliState()


app.command("serve")(serve.serve)
app.command("demo")(serve.demo)
app.command("worker")(serve.worker)
app.add_typer(db.app, name="db")
app.add_typer(accounts.tokens, name="token")
app.add_typer(accounts.users, name="user")
app.add_typer(config.app, name="config")
app.add_typer(incidents.app, name="incident")
app.add_typer(incidents.components, name="component")
app.add_typer(heartbeats.app, name="heartbeat")
app.add_typer(listen.app, name="listen")
app.add_typer(comms.app, name="comms")
app.add_typer(status.app, name="status")
app.add_typer(maintenance.app, name="maintenance")
app.add_typer(guard.app, name="guard")
app.add_typer(breach.app, name="breach")
app.add_typer(drill.app, name="drill")
app.command("audit")(audit.audit)
app.add_typer(analytics.app, name="analytics")
app.add_typer(report.app, name="report")


def main() -> None:
    app()
