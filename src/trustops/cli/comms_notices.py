"""``trustops comms accounts|notify|tasks|task-done``: targeted notices to key accounts and their tasks."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer

from trustops.cli.comms import app
from trustops.cli.state import CliState

if TYPE_CHECKING:
    from trustops.comms.models import AccountTask


@app.command("accounts")
def accounts(
    ctx: typer.Context,
    incident_id: int = typer.Argument(...),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Show the key accounts (and individual customers, per tier) an incident hurt, most valuable first."""
    from dataclasses import asdict

    from trustops import clock
    from trustops.comms.notices import affected_accounts
    from trustops.monitor.incidents import get_incident

    state: CliState = ctx.obj
    policy = state.catalog.policy
    with state.database.session() as session:
        found = affected_accounts(session, get_incident(session, incident_id), policy=policy, now=clock.now())
    if as_json:
        typer.echo(json.dumps([asdict(i) for i in found], indent=2))
        return
    if not found:
        typer.echo(f"Nobody is known to have hit errors during incident {incident_id}.")
        return
    for impact in found:
        who = impact.account or "individual customers"
        flag = "  high value" if impact.high_value else ""
        manager = f"  manager {impact.manager}" if impact.manager else ""
        users = "user " if impact.affected == 1 else "users"
        line = f"{who:<28} {impact.tier:<10} {impact.affected:>6} {users} {impact.value:>12,.0f} a year"
        typer.echo(f"{line}{manager}{flag}")


@app.command("notify")
def notify(
    ctx: typer.Context,
    incident_id: int = typer.Argument(...),
    message: str = typer.Option(..., "--message", "-m", help="The update, as the accounts will read it."),
    subject: str | None = typer.Option(None, "--subject", help="The e-mail subject; a default if omitted."),
) -> None:
    """Send a targeted update to each contact of the affected accounts and create their managers' tasks."""
    from trustops import clock
    from trustops.comms.notices import post_notice

    state: CliState = ctx.obj
    policy = state.catalog.policy
    with state.database.session() as session:
        notice = post_notice(
            session, incident_id, message=message, subject=subject, actor="cli", policy=policy, now=clock.now()
        )
        still_open = [t for t in notice.tasks if t.done_at is None]
        typer.echo(f"Targeted update queued for {notice.deliveries} contact(s); {len(still_open)} task(s) open.")
        for task in still_open:
            typer.echo(f"  task {task.id}: {task.note}")


@app.command("tasks")
def tasks(
    ctx: typer.Context,
    all_: bool = typer.Option(False, "--all", help="Include tasks already done."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of lines."),
) -> None:
    """List account-manager tasks: calls to make about incidents that hurt key accounts."""
    from trustops.comms.notices import all_tasks, open_tasks

    state: CliState = ctx.obj
    with state.database.session() as session:
        found = all_tasks(session) if all_ else open_tasks(session)
        rows = [_task_dict(t) for t in found]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        typer.echo("No open tasks." if not all_ else "No tasks.")
    for row in rows:
        done = f"  done by {row['done_by']}" if row["done_at"] else ""
        manager = row["manager"] or "no manager"
        typer.echo(f"{row['id']:>5}  {manager:<20} {row['note']}{done}")


@app.command("task-done")
def task_done(ctx: typer.Context, task_id: int = typer.Argument(...)) -> None:
    """Mark an account-manager task as done."""
    from trustops import clock
    from trustops.comms.notices import complete_task

    state: CliState = ctx.obj
    with state.database.session() as session:
        task = complete_task(session, task_id, actor="cli", now=clock.now())
        typer.echo(f"Task {task.id} ({task.account}) done.")


def _task_dict(task: AccountTask) -> dict[str, object]:
    return {
        "id": task.id,
        "incident_id": task.incident_id,
        "account": task.account,
        "manager": task.manager,
        "tier": task.tier,
        "affected": task.affected,
        "value": task.value,
        "note": task.note,
        "created_at": task.created_at.isoformat(),
        "done_at": task.done_at.isoformat() if task.done_at else None,
        "done_by": task.done_by,
    }
