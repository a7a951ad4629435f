"""``trustops status``: the public status page from the command line, and its static export."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from trustops.cli.state import CliState

app = typer.Typer(help="The public status page.", no_args_is_help=True)


@app.command("export")
def export(
    ctx: typer.Context,
    directory: Path = typer.Argument(..., file_okay=False, help="Where to write the files (created if missing)."),
) -> None:
    """Write the status page, its JSON API and feeds as static files, byte for byte as served.

    The paths make any web server or CDN serve the same URLs: DIR/status/index.html for /status,
    DIR/api/v2/summary.json for /api/v2/summary.json, DIR/static/status.css for the stylesheet.
    """
    from trustops import clock
    from trustops.web.statuscache import render_site, write_export

    state: CliState = ctx.obj
    catalog = state.catalog
    with state.database.sessions() as session:
        site = render_site(session, settings=state.settings, catalog=catalog, now=clock.now())
    written = write_export(site, directory)
    for path in written:
        typer.echo(str(Path(directory, *path.parts)))
    typer.echo(f"Wrote {len(written)} files to {directory}.", err=True)


@app.command("show")
def show(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the page's summary.json instead."),
) -> None:
    """Print the page's overall status, its components and its open incidents, as the public sees them."""
    from trustops import clock
    from trustops.comms.statuspage import PageGroup, documents, load_snapshot

    state: CliState = ctx.obj
    catalog = state.catalog
    with state.database.sessions() as session:
        snapshot = load_snapshot(
            session,
            secret=state.settings.secret(),
            spec=catalog.status_page,
            base_url=state.settings.base_url,
            policy=catalog.policy,
            now=clock.now(),
        )
    if as_json:
        typer.echo(json.dumps(documents(snapshot)["summary"], indent=2, ensure_ascii=False))
        return
    typer.echo(f"{snapshot.page.name}: {snapshot.status.description} ({snapshot.status.indicator})")
    for item in snapshot.layout:
        if isinstance(item, PageGroup):
            typer.echo(f"  {item.name}: {_label(item.status)}")
            for member in item.members:
                typer.echo(f"    {member.name}: {_label(member.status)}")
        else:
            typer.echo(f"  {item.name}: {_label(item.status)}")
    for incident in snapshot.unresolved:
        typer.echo(f"Open: {incident.name} ({incident.status}, impact {incident.impact})")
    for maintenance in snapshot.active:
        typer.echo(f"Maintenance: {maintenance.name} ({_label(maintenance.status)})")


def _label(value: str) -> str:
    return value.replace("_", " ")
