"""``trustops comms decide`` and ``trustops comms overdue``: the channel decision and the update cadence."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer

from trustops.cli.comms import app
from trustops.cli.state import CliState

if TYPE_CHECKING:
    from trustops.comms.channel import Decision
    from trustops.enums import Channel


@app.command("decide")
def decide(
    ctx: typer.Context,
    incident_id: int = typer.Argument(...),
    override: str | None = typer.Option(
        None, "--override", help="Fix the channel by hand: status_page, targeted, internal or retrospective."
    ),
    release: bool = typer.Option(False, "--release", help="Hand an overridden channel back to the rules."),
    reason: str | None = typer.Option(None, "--reason", help="Why (required with --override and --release)."),
    as_json: bool = typer.Option(False, "--json", help="Print the decision as JSON."),
) -> None:
    """Decide an incident's channel now and show why: the rule, its inputs and thresholds.

    The decision is recorded in the timeline when the channel changes. --override fixes the channel with a
    reason; the rules then leave it alone until --release.
    """
    from trustops import clock
    from trustops.comms import channel
    from trustops.errors import InvalidInput
    from trustops.monitor.incidents import get_incident

    if override is not None and release:
        raise InvalidInput("--override and --release: give one of them, not both", field="override")
    if (override is not None or release) and not (reason or "").strip():
        raise InvalidInput("--reason: say why the channel is set by hand", field="reason")
    wanted = _channel(override) if override is not None else None
    state: CliState = ctx.obj
    policy, now, actor = state.catalog.policy, clock.now(), "cli"
    with state.database.session() as session:
        if wanted is not None:
            channel.override(session, incident_id, wanted, reason=reason or "", actor=actor, now=now, policy=policy)
        elif release:
            channel.release_override(session, incident_id, reason=reason or "", actor=actor, policy=policy, now=now)
        incident = get_incident(session, incident_id)
        changed = channel.apply(session, incident, policy=policy, now=now) if wanted is None and not release else None
        says = changed or channel.decide(channel.gather(session, incident, policy=policy, now=now), policy)
        shown = {
            "incident_id": incident.id,
            "channel": None if incident.channel is None else incident.channel.value,
            "overridden": incident.channel_overridden,
            "changed": changed is not None,
            "rule_now": says.to_dict(),
        }
    if as_json:
        typer.echo(json.dumps(shown, indent=2))
        return
    _print_decision(shown, says)


def _channel(value: str) -> Channel:
    from trustops.enums import Channel
    from trustops.errors import InvalidInput

    try:
        return Channel(value)
    except ValueError:
        allowed = ", ".join(c.value for c in Channel)
        raise InvalidInput(f"--override: {value!r} is not one of {allowed}", field="override") from None


def _print_decision(shown: dict[str, Any], says: Decision) -> None:
    how = "set by hand" if shown["overridden"] else f"rule {says.rule}"
    typer.echo(f"Incident {shown['incident_id']}: channel {shown['channel'] or 'not decided'} ({how})")
    if shown["overridden"]:
        typer.echo(f"The rules would say {says.channel.value} ({says.rule}):")
    typer.echo(f"  {says.reason}")
    for title, values in (("Inputs", says.inputs), ("Thresholds", says.thresholds)):
        typer.echo(f"{title}:")
        for key, value in values.items():
            typer.echo(f"  {key:<30} {value}")


@app.command("overdue")
def overdue(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print the list as JSON.")) -> None:
    """List open incidents whose promised update is late."""
    from trustops import clock
    from trustops.comms import cadence

    state: CliState = ctx.obj
    policy = state.catalog.policy
    with state.database.session() as session:
        late = cadence.overdue(session, policy=policy, now=clock.now())
    if as_json:
        typer.echo(json.dumps([item.to_dict() for item in late], indent=2))
        return
    if not late:
        typer.echo("No update is overdue.")
    for item in late:
        owner = f", owner {item.owner}" if item.owner else ""
        typer.echo(
            f"#{item.incident_id} {item.title}: {item.channel.value} update due {item.due_at:%Y-%m-%d %H:%M} UTC, "
            f"{item.minutes_late} min late{owner}"
        )
