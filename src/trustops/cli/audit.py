"""``trustops audit``: the design anti-pattern audit of code, pages and HAR recordings, for people and for CI."""

from __future__ import annotations

from pathlib import Path

import typer

from trustops.cli.state import CliState

FORMATS_HELP = "text (default), json (also a baseline), sarif (code-scanning tools) or html (a report with a chart)."
FAIL_HELP = "Exit 1 when a finding at or above this severity remains: low, medium or high (default: high)."
EXIT_FINDINGS, EXIT_ERROR = 1, 2


def audit(
    ctx: typer.Context,
    targets: list[str] = typer.Argument(..., help="Directories, files, HAR files or URLs (http://, https://)."),
    format_: str = typer.Option("text", "--format", "-f", help=FORMATS_HELP),
    out: Path | None = typer.Option(None, "--out", "-o", dir_okay=False, help="Write the report here, not to stdout."),
    baseline: Path | None = typer.Option(
        None, exists=True, dir_okay=False, help="A JSON report of an earlier run: its findings are accepted."
    ),
    fail_on: str | None = typer.Option(None, help=FAIL_HELP),
    inventory: Path | None = typer.Option(
        None, exists=True, dir_okay=False, help="The data inventory (purpose, retention, deletion per field)."
    ),
    family: list[str] = typer.Option([], help="Only these rule families (repeat): errors, collection, silent, …"),
    exclude: list[str] = typer.Option([], help="Glob of paths not to audit (repeat), e.g. 'tests/fixtures/**'."),
    journey: Path | None = typer.Option(
        None, exists=True, dir_okay=False, help="A journey file: run it in Chromium with and without trackers."
    ),
    record: bool = typer.Option(False, "--record", help="Keep the run in the database for the dashboard's Audit page."),
    project: str = typer.Option("", help="Which codebase this is, when several report to one trustops."),
) -> None:
    """Audit code, pages, HAR files and URLs for design anti-patterns that corrode trust.

    Five rule families: generic and blaming error messages, excessive data collection, scheduled jobs that
    fail silently, core journeys tied to third-party trackers, and opaque retention. Each finding has a
    severity, its evidence and a concrete fix. A ``.trustops-audit.yaml`` in the first directory audited
    may set ``exclude``, ``inventory`` and ``fail_on``. Exit status: 0 clean, 1 findings at or above
    --fail-on, 2 bad input. Unreadable files and unreachable URLs are warnings, never a crash.
    """
    from trustops.errors import InvalidInput

    try:
        code = _run(ctx, targets, format_, out, baseline, fail_on, inventory, family, exclude, journey, record, project)
    except InvalidInput as exc:
        typer.echo(f"Error: {exc.message}", err=True)
        raise typer.Exit(EXIT_ERROR) from None
    raise typer.Exit(code)


def _run(
    ctx: typer.Context,
    targets: list[str],
    format_: str,
    out: Path | None,
    baseline: Path | None,
    fail_on: str | None,
    inventory: Path | None,
    family: list[str],
    exclude: list[str],
    journey: Path | None,
    record: bool,
    project: str,
) -> int:
    from rich.console import Console

    from trustops import clock
    from trustops.audit import report as reports
    from trustops.audit.findings import Severity
    from trustops.audit.inventory import load_inventory
    from trustops.audit.live import fetch
    from trustops.audit.scanner import audit, families, load_baseline, load_config
    from trustops.errors import InvalidInput

    if format_ not in reports.FORMATS:
        raise InvalidInput(f"--format: {format_!r}; use one of {', '.join(reports.FORMATS)}", field="format")
    first_dir = next((Path(t) for t in targets if not t.startswith(("http://", "https://")) and Path(t).is_dir()), None)
    config = load_config(first_dir) if first_dir is not None else None
    threshold = fail_on or (config.fail_on if config else None) or "high"
    try:
        gate = Severity(threshold)
    except ValueError:
        raise InvalidInput(f"--fail-on: {threshold!r}; use low, medium or high", field="fail_on") from None
    inventory_path = inventory or (config.inventory if config else None)
    chosen = families(family)
    options: dict[str, object] = {}
    if journey is not None:
        options["tracking.journey"] = journey
    console = Console(stderr=True)
    with console.status("Auditing"):
        found = audit(
            targets,
            inventory=load_inventory(inventory_path) if inventory_path is not None else None,
            baseline=load_baseline(baseline) if baseline is not None else None,
            selected=[f.id for f in chosen],
            fetch=fetch,
            options=options,
            exclude=[*exclude, *(config.exclude if config else ())],
        )
    text = reports.render(found, format_, chosen)
    if out is not None:
        out.write_text(text, encoding="utf-8")
    else:
        typer.echo(text, nl=False)
    if out is not None or format_ != "text":
        counts = found.counts()
        console.print(
            f"{len(found.findings)} findings ({counts['high']} high, {counts['medium']} medium, {counts['low']} low),"
            f" {len(found.warnings)} warnings" + (f"; report written to {out}" if out else "")
        )
    if record:
        state: CliState = ctx.obj
        from trustops.audit.store import record as keep

        with state.database.session() as session:
            run = keep(session, found, actor="cli", project=project, now=clock.now())
            console.print(f"Kept as audit run #{run.id}.")
    return EXIT_FINDINGS if found.fails(gate) else 0
