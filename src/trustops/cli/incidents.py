from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, TypeVar

import typer

from trustops.cli.state import CliState

if TYPE_CHECKING:
    from trustops.enums import ComponentStatus

E = TypeVar("E", bound=StrEnum)

app = typer.Typer(help="Open, update, resolve and inspect incidents.", no_args_is_help=True)
components = typer.Typer(help="Inspect the component catalog.", no_args_is_help=True)

COMPONENT_HELP = "ID=STATUS, e.g. checkout=major_outage; repeatable."


def _parse_components(values: list[str]) -> dict[str, ComponentStatus]:
    from trustops.enums import ComponentStatus
    from trustops.errors import InvalidInput

    parsed: dict[str, ComponentStatus] = {}
    for value in values:
        cid, sep, status = value.partition("=")
        if not sep or not cid:
            raise InvalidInput(f"--component: {value!r} is not ID=STATUS", field="component")
        try:
            parsed[cid.strip()] = ComponentStatus(status.strip())
        except ValueError:
            allowed = ", ".join(s.value for s in ComponentStatus)
            raise InvalidInput(f"--component: {status!r} is not one of {allowed}", field="component") from None
    return parsed


@app.command("open")
def open_(
    ctx: typer.Context,
    title: str = typer.Argument(...),
    component: list[str] = typer.Option(..., "--component", "-c", help=COMPONENT_HELP),
    message: str | None = typer.Option(None, "--message", "-m", help="The first update."),
    impact: str | None = typer.Option(None, help="none, minor, major or critical; derived when omitted."),
) -> None:
    """Open an incident on one or more components; its channel is decided at once."""
    from trustops import clock
    from trustops.comms import channel
    from trustops.enums import Impact
    from trustops.monitor.incidents import open_incident

    state: CliState = ctx.obj
    policy = state.catalog.policy
    with state.database.session() as session:
        incident = open_incident(
            session,
            title=title,
            components=_parse_components(component),
            message=message,
            impact=_enum(Impact, impact, "--impact"),
            actor="cli",
            source="cli",
        )
        channel.apply(session, incident, policy=policy, now=clock.now())
        told = incident.channel.value.replace("_", " ") if incident.channel else "undecided"
        typer.echo(
            f"Incident {incident.id} opened ({incident.state.value}, impact {incident.impact.value}, channel {told})."
        )


@app.command("update")
def update(
    ctx: typer.Context,
    incident_id: int = typer.Argument(...),
    state_: str | None = typer.Option(
        None, "--state", help="investigating, identified, monitoring, resolved, postmortem."
    ),
    message: str | None = typer.Option(None, "--message", "-m", help="The update's text."),
    component: list[str] = typer.Option([], "--component", "-c", help=COMPONENT_HELP),
    impact: str | None = typer.Option(None, help="none, minor, major or critical."),
) -> None:
    """Post an update: a message, a new state, component statuses or impact."""
    from trustops.enums import Impact, IncidentState
    from trustops.monitor.incidents import Change, update_incident

    state: CliState = ctx.obj
    change = Change(
        state=_enum(IncidentState, state_, "--state"),
        message=message,
        components=_parse_components(component) if component else None,
        impact=_enum(Impact, impact, "--impact"),
    )
    with state.database.session() as session:
        incident = update_incident(session, incident_id, change, actor="cli")
        typer.echo(f"Incident {incident.id} updated ({incident.state.value}, impact {incident.impact.value}).")


@app.command("resolve")
def resolve(
    ctx: typer.Context,
    incident_id: int = typer.Argument(...),
    message: str | None = typer.Option(None, "--message", "-m"),
) -> None:
    """Resolve an incident; its components return to operational. A glitch resolved before its first
    public update was due gets a retrospective report."""
    from trustops import clock
    from trustops.comms import channel
    from trustops.monitor.incidents import resolve_incident

    state: CliState = ctx.obj
    policy = state.catalog.policy
    with state.database.session() as session:
        incident = resolve_incident(session, incident_id, actor="cli", message=message)
        channel.apply(session, incident, policy=policy, now=clock.now())
    typer.echo(f"Incident {incident_id} resolved.")


@app.command("list")
def list_(
    ctx: typer.Context,
    open_only: bool = typer.Option(False, "--open", help="Only open incidents."),
    limit: int = typer.Option(100, min=1, help="Show at most this many."),
) -> None:
    """List incidents, newest first."""
    from rich.console import Console
    from rich.table import Table

    from trustops.monitor.incidents import list_incidents

    state: CliState = ctx.obj
    table = Table("#", "title", "state", "impact", "components", "started")
    with state.database.session() as session:
        for i in list_incidents(session, open_only=open_only, limit=limit):
            comps = ", ".join(f"{c.component_id}:{c.status.value}" for c in i.components)
            table.add_row(str(i.id), i.title, i.state.value, i.impact.value, comps, f"{i.started_at:%Y-%m-%d %H:%M}")
    Console().print(table)


@app.command("show")
def show(ctx: typer.Context, incident_id: int = typer.Argument(...)) -> None:
    """Show an incident and its whole timeline."""
    from trustops.monitor.incidents import get_incident

    state: CliState = ctx.obj
    with state.database.session() as session:
        incident = get_incident(session, incident_id)
        typer.echo(f"#{incident.id} {incident.title}")
        typer.echo(
            f"state {incident.state.value} · impact {incident.impact.value} · started {incident.started_at:%Y-%m-%d %H:%M} UTC"
        )
        for event in incident.events:
            detail = " ".join(f"{k}={v}" for k, v in event.data.items())
            typer.echo(f"  {event.at:%Y-%m-%d %H:%M:%S}  {event.kind.value:<16} {event.actor:<16} {detail}")
            if event.message:
                typer.echo(f"      {event.message}")


@components.command("list")
def component_list(ctx: typer.Context) -> None:
    """List components with their current status."""
    from trustops.catalog.service import list_components
    from trustops.monitor.incidents import component_statuses

    state: CliState = ctx.obj
    with state.database.session() as session:
        statuses = component_statuses(session)
        for c in list_components(session):
            typer.echo(f"{c.id:<20} {statuses[c.id].value:<22} {c.criticality.value:<16} {c.visibility.value}")


def _enum(kind: type[E], value: str | None, option: str) -> E | None:
    from trustops.errors import InvalidInput

    if value is None:
        return None
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise InvalidInput(f"{option}: {value!r} is not one of {allowed}", field=option) from None
