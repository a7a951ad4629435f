"""``trustops analytics churn``: the silent churn of one incident, on DuckDB or on Spark."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from trustops.cli.analytics import app
from trustops.cli.state import CliState

if TYPE_CHECKING:
    from rich.console import Console

    from trustops.analytics.churn import Cohort
    from trustops.analytics.churn_report import ChurnReport, HorizonResult
    from trustops.analytics.events import EventColumns, Events

EVENT_FIELDS = ("user_id", "timestamp", "event", "session_id", "amount")
STEPS = 7  # reading, analyse's five steps, and the last one finishing
TIME_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S%z"]


@app.command("churn")
def churn(
    ctx: typer.Context,
    events: str = typer.Option(
        ...,
        "--events",
        help="Product events: a .csv(.gz), .parquet or .ndjson file, or URL#TABLE on a backend Ibis reaches "
        "(postgres://…#events, duckdb:///file.db#events).",
    ),
    incident: int | None = typer.Option(
        None, "--incident", help="The incident: affected users from the exposure ledger."
    ),
    affected: Path | None = typer.Option(
        None,
        "--affected",
        exists=True,
        dir_okay=False,
        help="Or a file of affected user ids, one per line (with --at).",
    ),
    affected_events: str | None = typer.Option(
        None,
        "--affected-events",
        help="Or the users who had one of these events (comma-separated, e.g. payment_error) between --at and --until.",
    ),
    at: datetime | None = typer.Option(
        None, "--at", formats=TIME_FORMATS, help="With --affected(-events): when it started (UTC)."
    ),
    until: datetime | None = typer.Option(
        None, "--until", formats=TIME_FORMATS, help="With --affected: when it ended (default: a day after --at)."
    ),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb (default) or spark (install trustops[spark])."),
    map_: list[str] = typer.Option(
        [],
        "--map",
        "-m",
        help="FIELD=COLUMN; fields user_id, timestamp, event, session_id, amount; session_id=none derives sessions "
        "from 30-minute gaps; repeatable.",
    ),
    login_events: str | None = typer.Option(
        None, "--login-events", help="Comma-separated event names that are logins."
    ),
    order_events: str | None = typer.Option(
        None, "--order-events", help="Comma-separated event names that are orders."
    ),
    window_events: str | None = typer.Option(
        None,
        "--window-events",
        help="Controls must have done one of these (comma-separated) during the incident, e.g. the failing "
        "feature's events; default: any event.",
    ),
    all_controls: bool = typer.Option(
        False, "--all-controls", help="Draw controls from every unaffected user, not only those active in the window."
    ),
    horizon: list[int] = typer.Option([], "--horizon", help="Days; repeatable (default: Policy churn_horizons_days)."),
    pseudonymised: bool = typer.Option(
        False, "--pseudonymised", help="The user column already holds trustops pseudonyms (as exported)."
    ),
    currency: str = typer.Option("USD", "--currency", help="Currency of the amounts and the debt."),
    order_value: float | None = typer.Option(
        None, "--order-value", min=0.0, help="Value of one order when the events carry no amounts."
    ),
    recovery_cost: list[str] = typer.Option(
        [], "--recovery-cost", help="LABEL=AMOUNT spent on recovery (refunds, support overtime); repeatable."
    ),
    bootstrap: int = typer.Option(1_000, "--bootstrap", min=100, help="Bootstrap replicates."),
    seed: int = typer.Option(0, "--seed", help="Random seed of matching ties and the bootstrap."),
    as_json: bool = typer.Option(False, "--json", help="Print the whole report as JSON."),
    html: Path | None = typer.Option(None, "--html", dir_okay=False, help="Also write the HTML report with charts."),
    record: bool = typer.Option(False, "--record", help="Store the report for the dashboard's Analytics page."),
) -> None:
    """Silent churn after an incident: affected users against matched users who were active but not hit.

    Prints, per horizon, each metric's difference-in-differences with its bootstrap interval and a verdict,
    the change in lifetime value and the reputational debt. Exits 1 on bad input, naming the option.
    """
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from trustops.analytics.churn import ChurnOptions, analyse
    from trustops.analytics.churn_context import with_incident_context
    from trustops.analytics.events import EventKinds, connect, load_events
    from trustops.errors import InvalidInput

    state: CliState = ctx.obj
    if sum(given is not None for given in (incident, affected, affected_events)) != 1:
        raise InvalidInput(
            "--incident: name one of --incident ID, --affected FILE or --affected-events NAMES (with --at)",
            field="incident",
        )
    if incident is None and at is None:
        raise InvalidInput("--at: --affected and --affected-events need --at, the time the failure started", field="at")
    policy = state.catalog.policy
    options = ChurnOptions(
        horizons=tuple(horizon) or tuple(policy.churn_horizons_days),
        bootstrap=bootstrap,
        seed=seed,
        currency=currency.upper(),
        recovery_costs=_costs(recovery_cost),
        order_value=order_value,
    )
    columns = _columns(map_)
    kinds = EventKinds.parse(login_events, order_events)
    secret = None if pseudonymised else state.settings.secret()
    console = Console(stderr=True)
    bar = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn()]
    with Progress(*bar, console=console, transient=True) as progress:
        task = progress.add_task(f"Connecting to {engine}", total=STEPS)

        def step(description: str) -> None:
            progress.update(task, description=description.capitalize(), advance=1)

        backend = connect(engine, spark_master=state.settings.spark_master)
        step(f"reading {events}")
        loaded = load_events(backend, events, engine=engine, secret=secret, columns=columns, kinds=kinds)
        cohort = _cohort(
            state,
            loaded,
            (incident, affected, _names(affected_events)),
            at,
            until,
            _names(window_events),
            "all" if all_controls else "window",
        )
        report = analyse(loaded, cohort, options, progress=step)
        step("done")
    if incident is not None:
        with state.database.session() as session:
            report = with_incident_context(session, report)
    if html is not None:
        from trustops.analytics.churn_html import write_html

        write_html(report, html)
    if record:
        from trustops.analytics.store import record as store

        with state.database.writer() as session:
            run = store(session, report, actor="cli")
            session.commit()
            console.print(f"Recorded as churn run {run.id}.")
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
    else:
        _print(Console(), report)


def _cohort(
    state: CliState,
    loaded: Events,
    who: tuple[int | None, Path | None, frozenset[str] | None],
    at: datetime | None,
    until: datetime | None,
    window_events: frozenset[str] | None,
    controls: str,
) -> Cohort:
    """The cohort from whichever of --incident, --affected and --affected-events was given (``who``)."""
    from trustops.analytics.churn import Cohort
    from trustops.analytics.churn_context import affected_by_events, cohort_for_incident

    incident, affected, affected_events = who
    if incident is not None:
        with state.database.session() as session:
            return cohort_for_incident(session, incident, window_events=window_events, controls=controls)
    assert at is not None
    start, end = _window(at, until)
    if affected is not None:
        ids = [line.strip() for line in affected.read_text(encoding="utf-8-sig").splitlines() if line.strip()]
        keys, title = frozenset(loaded.keys(ids)), affected.stem
    else:
        names = affected_events or frozenset()
        keys, title = affected_by_events(loaded, names, start, end), f"Users with {', '.join(sorted(names))}"
    return Cohort(at=start, until=end, affected=keys, title=title, window_events=window_events, controls=controls)


def _window(at: datetime, until: datetime | None) -> tuple[datetime, datetime]:
    start = at.replace(tzinfo=UTC) if at.tzinfo is None else at
    end = start + timedelta(days=1) if until is None else (until.replace(tzinfo=UTC) if until.tzinfo is None else until)
    return start, end


def _columns(items: list[str]) -> EventColumns:
    from trustops.analytics.events import EventColumns
    from trustops.errors import InvalidInput

    names: dict[str, str | None] = {}
    for pair in (pair for item in items for pair in item.split(",") if pair.strip()):
        field, equals, column = (part.strip() for part in pair.partition("="))
        if not (equals and column) or field not in EVENT_FIELDS:
            raise InvalidInput(f"--map: {pair!r} is not FIELD=COLUMN with FIELD one of {', '.join(EVENT_FIELDS)}")
        role = {"user_id": "user", "timestamp": "time", "session_id": "session"}.get(field, field)
        names[role] = None if column.lower() == "none" and role in ("session", "amount") else column
    return EventColumns(**names)  # type: ignore[arg-type]


def _costs(items: list[str]) -> dict[str, float]:
    from trustops.errors import InvalidInput

    costs: dict[str, float] = {}
    for item in items:
        label, equals, amount = (part.strip() for part in item.rpartition("="))
        try:
            value = float(amount.replace(",", ""))
        except ValueError:
            value = -1.0
        if not (equals and label) or value < 0:
            raise InvalidInput(f"--recovery-cost: {item!r} is not LABEL=AMOUNT with an amount of at least 0")
        costs[label] = costs.get(label, 0.0) + value
    return costs


def _names(text: str | None) -> frozenset[str] | None:
    names = frozenset(name.strip().lower() for name in (text or "").split(",") if name.strip())
    return names or None


def _print(console: Console, report: ChurnReport) -> None:
    console.print(
        f"[bold]{report.title}[/] — anchor {report.at:%Y-%m-%d %H:%M} UTC, events {report.data_start:%Y-%m-%d} "
        f"to {report.data_end:%Y-%m-%d}, engine {report.engine}",
        highlight=False,
    )
    console.print(
        f"Affected: {report.affected_given:,} named, {report.affected_found:,} with history, {report.treated:,} "
        f"matched ({report.unmatched:,} without a close control); controls: {report.controls:,} of "
        f"{report.pool:,} candidates.",
        highlight=False,
    )
    for result in report.horizons:
        _print_horizon(console, result)
    if report.early_churn is not None:
        console.print(report.early_churn.sentence, highlight=False)
    if report.distrust is not None:
        console.print(f"Lingering distrust: {report.distrust['verdict']}", highlight=False)
    if report.trust_check is not None:
        console.print(f"Trust index against this cohort: {report.trust_check['verdict']}.", highlight=False)
    console.print(f"\n{report.verdict}", highlight=False)


def _print_horizon(console: Console, result: HorizonResult) -> None:
    from rich.table import Table

    if result.skipped:
        console.print(f"{result.days} days: not measured — {result.skipped}.", highlight=False)
        return
    table = Table("metric", "affected", "controls", "difference-in-differences", "95% CI", "verdict")
    table.title = f"{result.days} days after the incident"
    for m in result.metrics:
        table.add_row(
            m.label,
            f"{m.treated_pre:.3g} → {m.treated_post:.3g}",
            f"{m.control_pre:.3g} → {m.control_post:.3g}",
            f"{m.effect.value:+.3g}",
            f"{m.effect.low:+.3g} to {m.effect.high:+.3g}",
            m.verdict,
        )
    console.print(table)
    if result.ltv is not None:
        console.print(
            f"Lifetime value per affected customer ({result.ltv_customers:,} customers): {result.ltv.value:+,.2f} "
            f"net of controls ({result.ltv.low:+,.2f} to {result.ltv.high:+,.2f}).",
            highlight=False,
        )
    debt = result.debt
    if debt is not None:
        future = f"{debt.future.value:,.0f}" if debt.future else "not modelled"
        console.print(
            f"Reputational debt: {debt.currency} {debt.total.value:,.0f} ({debt.total.low:,.0f} to "
            f"{debt.total.high:,.0f}) = lost transactions {debt.immediate.value:,.0f} + lost future value {future} "
            f"+ recovery {debt.recovery:,.0f}.",
            highlight=False,
        )
