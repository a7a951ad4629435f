from __future__ import annotations

import typer

from trustops.cli.state import CliState

app = typer.Typer(help="Heartbeats: jobs that must ping on schedule.", no_args_is_help=True)


@app.command("create")
def create(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="What the job does, e.g. 'order e-mails'."),
    period: int | None = typer.Option(None, help="Seconds between expected pings."),
    cron: str | None = typer.Option(None, help="Cron schedule instead of --period, e.g. '0 * * * *'."),
    tz: str = typer.Option("UTC", help="Time zone the cron schedule is read in."),
    grace: int = typer.Option(3600, help="Seconds of lateness tolerated before it goes down."),
    component: str | None = typer.Option(None, help="Component whose incident opens when it goes down."),
) -> None:
    """Create a heartbeat and print its ping URL."""
    from trustops import clock
    from trustops.monitor.heartbeats import create_heartbeat
    from trustops.web.routes.heartbeats import ping_url

    state: CliState = ctx.obj
    with state.database.session() as session:
        heartbeat = create_heartbeat(
            session, name=name, period=period, cron=cron, tz=tz, grace=grace, component_id=component, now=clock.now()
        )
        url = ping_url(state.settings.base_url, heartbeat.uuid)
    typer.echo(url)
    typer.echo(f"Add to the job, e.g.: curl -fsS -m 10 --retry 5 {url}", err=True)


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """List heartbeats with their status and last ping."""
    from trustops import clock
    from trustops.monitor.heartbeats import list_heartbeats, shown_status

    state: CliState = ctx.obj
    now = clock.now()
    with state.database.session() as session:
        for hb in list_heartbeats(session):
            schedule = f"every {hb.period}s" if hb.period else f"cron '{hb.cron}' {hb.tz}"
            last = hb.last_ping_at.isoformat(timespec="seconds") if hb.last_ping_at else "never"
            typer.echo(f"{hb.uuid}  {hb.name:<24} {shown_status(hb, now):<8} {schedule:<24} last ping {last}")
