"""``trustops breach clocks`` and ``jurisdictions``: the notification deadlines a breach starts."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer

from trustops.cli.breach import app
from trustops.cli.state import CliState

if TYPE_CHECKING:
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from trustops.breach.clocks import Clock
    from trustops.breach.jurisdictions import Regime

TIME_HELP = "ISO 8601 with an offset, e.g. 2026-03-27T10:00+01:00."
START_OPTIONS = {"aware": "--aware-at", "discovered": "--discovered-at", "material": "--material-at"}


@app.command("clocks")
def clocks(
    ctx: typer.Context,
    aware_at: str = typer.Option(..., "--aware-at", help=f"When the organisation became aware. {TIME_HELP}"),
    jurisdiction: list[str] = typer.Option(
        ..., "--jurisdiction", "-j", help="A regime code, e.g. EU-GDPR or US-CA; repeatable. See `jurisdictions`."
    ),
    discovered_at: str | None = typer.Option(
        None, "--discovered-at", help=f"When the breach was discovered (HIPAA, US states). {TIME_HELP}"
    ),
    material_at: str | None = typer.Option(
        None, "--material-at", help=f"When it was determined material (SEC Form 8-K). {TIME_HELP}"
    ),
    risk: str | None = typer.Option(
        None, "--risk", help="unlikely, risk or high; without it every deadline that may be owed is shown."
    ),
    time_zone: str | None = typer.Option(
        None, "--time-zone", help="IANA zone for local times; default: the catalog organisation's."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the clocks as JSON."),
) -> None:
    """Print the notification deadlines a breach starts, in UTC and local time, the earliest first."""
    from trustops import clock
    from trustops.breach.clocks import clocks_for
    from trustops.breach.jurisdictions import regime
    from trustops.enums import BreachRisk
    from trustops.errors import InvalidInput

    state: CliState = ctx.obj
    zone = _zone(time_zone if time_zone is not None else state.catalog.organisation.time_zone)
    level = None
    if risk is not None:
        try:
            level = BreachRisk(risk.strip().lower())
        except ValueError:
            allowed = ", ".join(r.value for r in BreachRisk)
            raise InvalidInput(f"--risk: {risk!r} is not one of {allowed}", field="risk") from None
    codes = [regime(code, field="--jurisdiction").code for code in jurisdiction]
    now = clock.now()
    found = clocks_for(
        aware_at=_time(aware_at, "--aware-at"),
        jurisdictions=codes,
        org_zone=zone,
        now=now,
        discovered_at=None if discovered_at is None else _time(discovered_at, "--discovered-at"),
        material_at=None if material_at is None else _time(material_at, "--material-at"),
        risk=level,
    )
    if as_json:
        typer.echo(
            json.dumps(
                {"time_zone": zone.key, "now": now.isoformat(), "clocks": [_as_dict(c, now) for c in found]}, indent=2
            )
        )
        return
    _print_table(found, zone, now)


@app.command("jurisdictions")
def jurisdictions(as_json: bool = typer.Option(False, "--json", help="Print the rule sets as JSON.")) -> None:
    """List the breach-notification regimes trustops knows, their deadlines and sources."""
    from trustops.breach.jurisdictions import REGIMES

    if as_json:
        typer.echo(json.dumps([_regime_dict(r) for r in REGIMES.values()], indent=2))
        return
    for regime in REGIMES.values():
        typer.echo(f"{regime.code}  {regime.name}")
        for d in regime.deadlines:
            typer.echo(f"  {d.key:<22} {d.recipient}: {d.rule}. {d.when}")
        for source in regime.sources:
            typer.echo(f"  source: {source}")
        if regime.verify:
            typer.echo(f"  verify: {regime.verify}")


def _time(value: str, option: str) -> datetime:
    from datetime import datetime

    from trustops.clock import as_utc
    from trustops.errors import InvalidInput

    field = option.lstrip("-").replace("-", "_")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{option}: {value!r} is not an ISO 8601 time", field=field) from None
    if moment.tzinfo is None:
        raise InvalidInput(
            f"{option}: {value!r} has no UTC offset; add one, e.g. {value}+00:00 or {value}+01:00", field=field
        )
    return as_utc(moment)


def _zone(name: str) -> ZoneInfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from trustops.errors import InvalidInput

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"--time-zone: {name!r} is not a known IANA time zone", field="time_zone") from None


def _print_table(found: list[Clock], zone: ZoneInfo, now: datetime) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("deadline", "recipient", "due UTC", f"due local ({zone.key})", "time left", "rule")
    for c in found:
        utc = "not started" if c.due_at is None else f"{c.due_at:%a %Y-%m-%d %H:%M}"
        local = _start_hint(c) if c.due_local is None else f"{c.due_local:%a %Y-%m-%d %H:%M %Z}"
        rule = c.deadline.rule + ("" if c.owed else f"; owed only if {c.deadline.condition}")
        table.add_row(c.deadline.key, c.deadline.recipient, utc, local, _left(c.left(now)), rule)
    Console().print(table)


def _start_hint(c: Clock) -> str:
    return f"give {START_OPTIONS[c.deadline.starts.value]}"


def _left(left: timedelta | None) -> str:
    if left is None:
        return "-"
    seconds = int(abs(left.total_seconds()))
    days, rest = divmod(seconds, 86_400)
    text = f"{days}d {rest // 3600}h {rest % 3600 // 60}m" if days else f"{rest // 3600}h {rest % 3600 // 60}m"
    return f"overdue by {text}" if left.total_seconds() < 0 else text


def _as_dict(c: Clock, now: datetime) -> dict[str, Any]:
    left = c.left(now)
    return {
        "deadline": c.deadline.key,
        "regime": c.deadline.regime,
        "recipient": c.deadline.recipient,
        "starts": c.deadline.starts.value,
        "starts_at": None if c.starts_at is None else c.starts_at.isoformat(),
        "due_at": None if c.due_at is None else c.due_at.isoformat(),
        "due_local": None if c.due_local is None else c.due_local.isoformat(),
        "skipped": [d.isoformat() for d in c.skipped],
        "state": c.state.value,
        "owed": c.owed,
        "seconds_left": None if left is None else int(left.total_seconds()),
        "rule": c.deadline.rule,
        "when": c.deadline.when,
        "condition": c.deadline.condition,
    }


def _regime_dict(r: Regime) -> dict[str, Any]:
    return {
        "code": r.code,
        "name": r.name,
        "trigger": r.trigger,
        "deadlines": [
            {
                "key": d.key,
                "recipient": d.recipient,
                "starts": d.starts.value,
                "amount": d.amount,
                "unit": d.unit.value,
                "when": d.when,
                "min_people": d.min_people,
                "below_people": d.below_people,
                "needs_risk": None if d.needs_risk is None else d.needs_risk.value,
                "calendar": d.calendar,
                "zone": d.zone,
                "end_of_day": d.end_of_day.isoformat(),
            }
            for d in r.deadlines
        ],
        "content": list(r.content),
        "exceptions": list(r.exceptions),
        "phased_allowed": r.phased_allowed,
        "sources": list(r.sources),
        "verify": r.verify,
    }
