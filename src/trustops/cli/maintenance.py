"""``trustops maintenance``: announce, update and list scheduled maintenance."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer

from trustops.cli.state import CliState

if TYPE_CHECKING:
    from datetime import datetime

    from trustops.comms.models import Maintenance

app = typer.Typer(help="Scheduled maintenance on the status page.", no_args_is_help=True)

TIME_HELP = "ISO 8601, e.g. 2026-06-01T02:00+02:00; read as UTC without an offset."


def _time(value: str, option: str) -> datetime:
    from datetime import datetime

    from trustops.clock import as_utc
    from trustops.errors import InvalidInput

    try:
        return as_utc(datetime.fromisoformat(value))
    except ValueError:
        raise InvalidInput(f"{option}: {value!r} is not an ISO 8601 time", field=option.lstrip("-")) from None


@app.command("schedule")
def schedule(
    ctx: typer.Context,
    title: str = typer.Option(..., "--title", help="What customers see, e.g. 'Database upgrade'."),
    component: list[str] = typer.Option(..., "--component", "-c", help="A component id; repeatable."),
    from_: str = typer.Option(..., "--from", help=f"When it starts. {TIME_HELP}"),
    until: str = typer.Option(..., "--until", help=f"When it ends. {TIME_HELP}"),
    message: str | None = typer.Option(None, "--message", "-m", help="The announcement; a standard one if omitted."),
    auto_start: bool = typer.Option(True, "--auto-start/--no-auto-start", help="Start it at --from."),
    auto_complete: bool = typer.Option(True, "--auto-complete/--no-auto-complete", help="Complete it at --until."),
) -> None:
    """Announce a maintenance window on one or more components."""
    from trustops import clock
    from trustops.comms import maintenance

    state: CliState = ctx.obj
    with state.database.session() as session:
        found = maintenance.schedule(
            session,
            title=title,
            components=component,
            scheduled_for=_time(from_, "--from"),
            scheduled_until=_time(until, "--until"),
            message=message,
            auto_in_progress=auto_start,
            auto_completed=auto_complete,
            actor="cli",
            now=clock.now(),
        )
        typer.echo(f"Maintenance {found.id} {found.state.value}: {found.title}, {_window(found)}.")


@app.command("update")
def update(
    ctx: typer.Context,
    maintenance_id: int = typer.Argument(...),
    state_: str | None = typer.Option(None, "--state", help="Forward only: in_progress, verifying or completed."),
    message: str | None = typer.Option(None, "--message", "-m", help="The update's text."),
) -> None:
    """Post an update to a maintenance: a new state, a message, or both."""
    from trustops import clock
    from trustops.comms import maintenance
    from trustops.enums import MaintenanceState
    from trustops.errors import InvalidInput

    wanted = None
    if state_ is not None:
        try:
            wanted = MaintenanceState(state_)
        except ValueError:
            allowed = ", ".join(s.value for s in MaintenanceState)
            raise InvalidInput(f"--state: {state_!r} is not one of {allowed}", field="state") from None
    state: CliState = ctx.obj
    with state.database.session() as session:
        found = maintenance.update(session, maintenance_id, state=wanted, message=message, actor="cli", now=clock.now())
        typer.echo(f"Maintenance {found.id} {found.state.value}: {found.updates[-1].body}")


@app.command("list")
def list_(
    ctx: typer.Context,
    active: bool = typer.Option(False, "--active", help="Only those in progress or verifying."),
    as_json: bool = typer.Option(False, "--json", help="Print the list as JSON."),
) -> None:
    """List maintenances, the latest scheduled first."""
    from trustops.comms import maintenance

    state: CliState = ctx.obj
    with state.database.session() as session:
        found = maintenance.list_maintenances(session, active_only=active)
        rows = [_as_dict(m) for m in found]
        lines = [f"{m.id:>4}  {m.state.value:<12} {_window(m)}  {m.title} ({', '.join(m.components)})" for m in found]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    typer.echo("\n".join(lines) if lines else "No maintenance scheduled.")


def _window(m: Maintenance) -> str:
    return f"{m.scheduled_for:%Y-%m-%d %H:%M} to {m.scheduled_until:%Y-%m-%d %H:%M} UTC"


def _as_dict(m: Maintenance) -> dict[str, Any]:
    def iso(moment: datetime | None) -> str | None:
        return None if moment is None else moment.isoformat()

    return {
        "id": m.id,
        "title": m.title,
        "state": m.state.value,
        "components": list(m.components),
        "scheduled_for": iso(m.scheduled_for),
        "scheduled_until": iso(m.scheduled_until),
        "started_at": iso(m.started_at),
        "completed_at": iso(m.completed_at),
        "updates": [{"state": u.state.value, "body": u.body, "at": iso(u.at), "actor": u.actor} for u in m.updates],
    }
