"""``trustops analytics``: what incidents cost afterwards: customer lifetime value and the trust index."""

from __future__ import annotations

import io
import json
from dataclasses import asdict
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from collections.abc import Iterator

    from rich.console import Console

    from trustops.analytics.clv import ClvReport, CsvColumns, RfmSummary, Transaction
    from trustops.analytics.trust import SegmentTrust
    from trustops.cli.state import CliState
    from trustops.errors import InvalidInput

app = typer.Typer(
    help="Aftermath analytics: customer lifetime value, what an incident costs in it, and the trust index.",
    no_args_is_help=True,
)

MAX_SHOWN_ERRORS = 50
PROGRESS_EVERY = 4_096  # lines between progress-bar updates
OPTIONS = {
    "transactions": "--transactions",
    "format": "--format",
    "columns": "--map",
    "calibration_weeks": "--calibration-weeks",
    "horizon_weeks": "--horizon-weeks",
    "discount_rate": "--discount-rate",
}
MAP_FIELDS = {"user_id": "user", "timestamp": "time", "amount": "amount"}


@app.command("clv")
def clv(
    transactions: Path = typer.Option(
        ..., "--transactions", exists=True, dir_okay=False, help="Purchase file: cdnow (whitespace) or csv."
    ),
    format_: str | None = typer.Option(
        None, "--format", "-f", help="cdnow or csv (default: csv for a .csv file, else cdnow)."
    ),
    map_: list[str] = typer.Option(
        [], "--map", "-m", help="FIELD=COLUMN for --format csv; fields user_id, timestamp, amount; repeatable."
    ),
    calibration_weeks: int | None = typer.Option(
        None, "--calibration-weeks", min=1, help="Fit on the first N weeks (default: all); later ones are the holdout."
    ),
    horizon_weeks: int = typer.Option(52, "--horizon-weeks", min=1, max=520, help="Weeks of future value."),
    discount_rate: float = typer.Option(
        0.10, "--discount-rate", min=0.0, max=0.99, help="Annual discount rate, e.g. 0.10 for 10 %."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print parameters, counts and CLV deciles as JSON."),
) -> None:
    """Fit BG/NBD and Gamma-Gamma to purchase histories and value every customer over a horizon.

    Several purchases by one customer on one day count as one. Bad lines are reported on stderr with
    their number and left out; the command then exits 1, after printing the figures from the good ones.
    """
    from trustops.analytics.clv import analyse
    from trustops.errors import InvalidInput

    fmt = format_ or ("csv" if transactions.suffix.lower() == ".csv" else "cdnow")
    try:
        columns = _columns(map_) if map_ else None
        summary, bad = _summarise(transactions, fmt, columns, calibration_weeks)
        report = analyse(summary, horizon_weeks=horizon_weeks, discount_rate=discount_rate)
    except InvalidInput as exc:
        raise _for_option(exc) from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"--transactions: {transactions} is not UTF-8 text (byte {exc.start:,})") from None
    if as_json:
        typer.echo(json.dumps(_as_dict(report, fmt, calibration_weeks, bad), indent=2))
    else:
        _print_tables(report)
    if bad:
        raise typer.Exit(1)


def _columns(items: list[str]) -> CsvColumns:
    from trustops.analytics.clv import CsvColumns
    from trustops.errors import InvalidInput

    mapping: dict[str, str] = {}
    for pair in (pair for item in items for pair in item.split(",") if pair.strip()):
        field, equals, column = (part.strip() for part in pair.partition("="))
        if not (equals and column) or field not in MAP_FIELDS:
            raise InvalidInput(f"--map: {pair!r} is not FIELD=COLUMN with FIELD one of {', '.join(MAP_FIELDS)}")
        mapping[MAP_FIELDS[field]] = column
    return CsvColumns(**mapping)


def _summarise(
    path: Path, fmt: str, columns: CsvColumns | None, calibration_weeks: int | None
) -> tuple[RfmSummary, int]:
    """Read the file under a progress bar into the RFM summary; bad lines go to stderr as they come."""
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from trustops.analytics.clv import LineError, read_transactions, summarise

    bad = 0
    bar = [TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn()]
    console = Console(stderr=True)
    # Off a terminal the bar has nothing to draw but would still end with an empty line on stderr.
    with (
        io.TextIOWrapper(raw := path.open("rb"), encoding="utf-8-sig", newline="") as text,
        Progress(*bar, console=console, transient=True, disable=not console.is_terminal) as progress,
    ):
        task = progress.add_task(f"Reading {path.name}", total=path.stat().st_size)
        parsed = read_transactions(text, fmt, columns=columns)

        def purchases() -> Iterator[Transaction]:
            nonlocal bad
            for count, (number, item) in enumerate(parsed, start=1):
                if isinstance(item, LineError):
                    bad += 1
                    if bad <= MAX_SHOWN_ERRORS:
                        message = f"{path}:{number}: {item.message}"
                        progress.console.print(message, style="red", markup=False, soft_wrap=True)
                else:
                    yield item
                if count % PROGRESS_EVERY == 0:
                    progress.update(task, completed=raw.tell())

        summary = summarise(purchases(), calibration_weeks)
    if bad > MAX_SHOWN_ERRORS:
        typer.echo(f"... and {bad - MAX_SHOWN_ERRORS:,} more bad lines", err=True)
    return summary, bad


def _for_option(exc: InvalidInput) -> InvalidInput:
    """The domain's ``field: reason`` as ``--option: reason``, so the message names what to change."""
    from trustops.errors import InvalidInput

    field = exc.field or ""
    if field in OPTIONS and exc.message.startswith(f"{field}:"):
        return InvalidInput(OPTIONS[field] + exc.message[len(field) :], field=field)
    return exc


def _as_dict(report: ClvReport, fmt: str, calibration_weeks: int | None, bad: int) -> dict[str, Any]:
    summary, bgnbd, spend = report.summary, report.bgnbd, report.spend
    holdout = None
    if report.expected_holdout is not None:
        holdout = {
            "weeks": summary.holdout_weeks,
            "actual_repeat_purchases": report.actual_holdout,
            "expected_repeat_purchases": report.expected_holdout,
        }
    return {
        "format": fmt,
        "bad_lines": bad,
        "period": {
            "start": summary.start.isoformat(),
            "calibration_end": summary.calibration_end.isoformat(),
            "end": summary.end.isoformat(),
            "calibration_weeks": calibration_weeks,
        },
        "customers": summary.n_customers,
        "repeat_buyers": summary.n_repeat_buyers,
        "customers_after_calibration": summary.later_customers,
        "bgnbd": {
            "r": bgnbd.r,
            "alpha": bgnbd.alpha,
            "a": bgnbd.a,
            "b": bgnbd.b,
            "log_likelihood": bgnbd.log_likelihood,
            "n_customers": bgnbd.n_customers,
            "n_repeat_buyers": bgnbd.n_repeat_buyers,
            "converged": bgnbd.convergence.converged,
        },
        "gamma_gamma": {
            "p": spend.p,
            "q": spend.q,
            "v": spend.v,
            "log_likelihood": spend.log_likelihood,
            "n_repeat_buyers": spend.n_customers,
            "frequency_spend_correlation": spend.correlation,
            "spend_independent_of_frequency": spend.spend_independent_of_frequency,
            "converged": spend.convergence.converged,
        },
        "holdout": holdout,
        "clv": {
            "horizon_weeks": report.horizon_weeks,
            "discount_rate": report.discount_rate,
            "total": float(report.clv.sum()),
            "mean": float(report.clv.mean()),
            "deciles": [asdict(segment) for segment in report.segments],
        },
    }


def _print_tables(report: ClvReport) -> None:
    from rich.console import Console
    from rich.table import Table

    summary, bgnbd, spend = report.summary, report.bgnbd, report.spend
    console = Console()
    models = Table("model", "parameter", "value", title="Fitted models")
    for name, value in (("r", bgnbd.r), ("alpha", bgnbd.alpha), ("a", bgnbd.a), ("b", bgnbd.b)):
        models.add_row("BG/NBD", name, f"{value:.4f}")
    models.add_row("BG/NBD", "log-likelihood", f"{bgnbd.log_likelihood:,.1f}")
    for name, value in (("p", spend.p), ("q", spend.q), ("v", spend.v)):
        models.add_row("Gamma-Gamma", name, f"{value:.4f}")
    models.add_row("Gamma-Gamma", "log-likelihood", f"{spend.log_likelihood:,.1f}")
    console.print(models)
    console.print(
        f"{summary.n_customers:,} customers, {summary.n_repeat_buyers:,} repeat buyers; "
        f"calibration {summary.start} to {summary.calibration_end}."
    )
    if report.expected_holdout is not None:
        console.print(
            f"Holdout ({summary.holdout_weeks:.1f} weeks to {summary.end}): {report.actual_holdout:,} repeat "
            f"purchases, {report.expected_holdout:,.0f} expected."
        )
    verdict = "weak, the spend model applies" if spend.spend_independent_of_frequency else "strong: treat CLV with care"
    console.print(f"Frequency-spend correlation {spend.correlation:.2f} ({verdict}).")
    _print_deciles(console, report)


def _print_deciles(console: Console, report: ClvReport) -> None:
    from rich.table import Table

    title = f"CLV over {report.horizon_weeks} weeks at {report.discount_rate:.0%} a year, by decile"
    table = Table("decile", "n", "mean", "total", "min", "max", "P(alive)", "purchases", title=title)
    for segment in report.segments:
        table.add_row(
            str(segment.decile),
            f"{segment.customers:,}",
            f"{segment.clv_mean:,.2f}",
            f"{segment.clv_total:,.0f}",
            f"{segment.clv_min:,.2f}",
            f"{segment.clv_max:,.2f}",
            f"{segment.p_alive_mean:.2f}",
            f"{segment.expected_purchases_mean:.2f}",
        )
    console.print(table)
    console.print(f"Total CLV {report.clv.sum():,.0f}; mean {report.clv.mean():,.2f} per customer.")


TRUST_WINDOW_DAYS = 90  # the default window of ``analytics trust`` when --since is not given


@app.command("trust")
def trust(
    ctx: typer.Context,
    since: datetime | None = typer.Option(
        None,
        "--since",
        formats=["%Y-%m-%d"],
        help=f"First day (UTC; default: {TRUST_WINDOW_DAYS} days before --until).",
    ),
    until: datetime | None = typer.Option(None, "--until", formats=["%Y-%m-%d"], help="Last day (UTC; default: now)."),
    segment: list[str] = typer.Option(
        [], "--segment", "-s", help="A customer tier, or all; repeatable (default: all and every tier)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the daily series and the explained incidents as JSON."),
) -> None:
    """The trust index per segment, 0-100: what incidents took off, what communication cushioned, what healed.

    A table per segment shows its index now, its lowest day and each incident that moved it, with the
    drop it caused, the multipliers, the cushion and the points still missing.
    """
    from trustops import clock
    from trustops.analytics.trust import SEGMENTS, trust_index

    state: CliState = ctx.obj
    end = clock.now() if until is None else datetime.combine(until.date(), time.max, tzinfo=UTC)
    start = end - timedelta(days=TRUST_WINDOW_DAYS) if since is None else since.replace(tzinfo=UTC)
    segments = tuple(dict.fromkeys(s.strip().lower() for s in segment)) or SEGMENTS
    with state.database.session() as session:
        report = trust_index(session, since=start, until=end, segments=segments, policy=state.catalog.policy)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
        return
    from rich.console import Console

    console = Console()
    console.print(f"Trust index from {report.since:%Y-%m-%d} to {report.until:%Y-%m-%d %H:%M} UTC (baseline 100).")
    for one in report.segments:
        _print_segment(console, one)


def _print_segment(console: Console, segment: SegmentTrust) -> None:
    from rich.table import Table

    from trustops.analytics.trust import explain

    lowest = segment.lowest
    title = f"{segment.segment}: {segment.current:.1f} now, lowest {lowest.index:.1f} on {lowest.day}"
    table = Table(
        "incident",
        "started",
        "hit",
        "severity",
        "duration",
        "critical",
        "repeat",
        "drop",
        "cushion",
        "net",
        "missing now",
        title=title,
    )
    moved = explain(segment)
    for c in moved:
        table.add_row(
            f"#{c.incident_id} {c.title}",
            f"{c.started_at:%Y-%m-%d %H:%M}",
            f"{c.exposed:,}/{c.active:,} ({c.share:.0%})",
            f"{c.impact.value} {c.severity_points:g}",
            f"{c.duration_hours:.1f} h ×{c.duration_factor:.2f}",
            f"×{c.critical_multiplier:.2f}",
            f"×{c.repeat_multiplier:.2f}" + (f" (of #{', #'.join(map(str, c.repeat_of))})" if c.repeat_of else ""),
            f"{c.raw_drop:.2f}",
            f"−{c.cushion_points:.2f} ({c.communication.cushion:.0%})",
            f"{c.drop:.2f}",
            f"{c.remaining:.2f}",
        )
    if moved:
        console.print(table)
    else:
        console.print(f"{title}: no incident hit this segment.")


from trustops.cli import analytics_churn  # noqa: E402, F401  (registers `analytics churn` on this app)
