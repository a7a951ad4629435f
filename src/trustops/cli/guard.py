"""``trustops guard``: who may get which campaign after an incident, one user or a whole audience."""

from __future__ import annotations

import gc
import io
import json
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import IO, TYPE_CHECKING

import typer

from trustops.cli.state import CliState

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from trustops.guard.bulk import AudienceReader, Judge, LineError, Summary

app = typer.Typer(help="The marketing guard: who may get which campaign after an incident.", no_args_is_help=True)

TYPE_HELP = "promotional, automated, thank_you, help_content, loyalty_reward, transactional or apology."
FORMAT_HELP = "neutral, braze, iterable, customerio or klaviyo (see docs/guard-bulk.md)."
MAX_SHOWN_ERRORS = 50
READ_BUFFER = 1 << 20


@app.command("evaluate")
def evaluate(
    ctx: typer.Context,
    audience: Path = typer.Option(..., exists=True, dir_okay=False, help="CSV (with a header) or NDJSON."),
    campaign_type: str = typer.Option(..., help=TYPE_HELP),
    out: Path = typer.Option(..., dir_okay=False, help="Where the suppressed users go."),
    format_: str = typer.Option("neutral", "--format", "-f", help=FORMAT_HELP),
    allowed_out: Path | None = typer.Option(None, dir_okay=False, help="Where the allowed users go (optional)."),
    id_column: str | None = typer.Option(
        None, help="The column (or NDJSON key) holding the user id; default: user_id, external_id, userId or id."
    ),
    audience_format: str | None = typer.Option(
        None, help="csv or ndjson; default: ndjson for .ndjson/.jsonl files, else csv."
    ),
    campaign_id: str | None = typer.Option(None, help="Kept with the run's counts."),
    workers: int | None = typer.Option(
        None, min=1, help="Processes judging parts of a large file at once; default: one per CPU core."
    ),
) -> None:
    """Split an audience into the users a campaign may reach and those it must not, in a platform's format.

    The file is streamed, never held in memory; a large file is judged by one worker per core, each on
    its own part. Bad lines are reported and skipped; the command then exits 1 after writing everything
    else. Only the run's counts are stored, never its users.
    """
    from rich.console import Console

    from trustops import clock
    from trustops.guard import bulk
    from trustops.guard.exports import export_format_of
    from trustops.guard.facts import FactBook

    kind = bulk.campaign_type_of(campaign_type, field="--campaign-type")
    export_format_of(format_, field="--format")
    shape = bulk.audience_format_of(audience_format or _guess_format(audience), field="--audience-format")
    state: CliState = ctx.obj
    secret, policy, now = state.settings.secret(), state.catalog.policy, clock.now()
    console = Console(stderr=True)
    bad_lines = 0

    def report(error: bulk.LineError) -> None:
        nonlocal bad_lines
        bad_lines += 1
        if bad_lines <= MAX_SHOWN_ERRORS:
            console.print(f"{audience}:{error.line}: {error.message}", style="red", markup=False, soft_wrap=True)

    with audience.open("rb") as raw:
        counted = _Reporting(raw)
        stream = io.TextIOWrapper(io.BufferedReader(counted, READ_BUFFER), encoding="utf-8-sig", newline="")
        # On a header without an id column this fails before any output file is touched.
        reader = bulk.AudienceReader(stream, shape, id_column=id_column, on_error=report)
        with console.status("Loading what the guard knows"), state.database.session() as session:
            book = FactBook.load(session, secret=secret, policy=policy, now=now)
        judge = bulk.Judge(kind, book=book, secret=secret, policy=policy, now=now)
        with (
            _frozen_gc(),
            out.open("w", encoding="utf-8", newline="") as suppressed,
            _maybe_open(allowed_out) as allowed,
        ):
            summary = _split(
                audience, shape, reader, counted, judge, format_, out, suppressed, allowed, workers, report
            )
    summary.errors = bad_lines
    if bad_lines > MAX_SHOWN_ERRORS:
        typer.echo(f"... and {bad_lines - MAX_SHOWN_ERRORS:,} more bad lines", err=True)
    with state.database.session() as session:
        bulk.record_run(
            session, summary, kind, export_format=format_, campaign_id=campaign_id, actor="cli", now=clock.now()
        )
    _print_summary(summary, kind.value, out, allowed_out)
    if summary.errors:
        raise typer.Exit(1)


@contextmanager
def _frozen_gc() -> Iterator[None]:
    """The fact book is millions of long-lived objects: keep the cyclic GC from walking them again and again
    while ten million short-lived rows pass by (and from dirtying the memory pages forked workers share)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _split(
    audience: Path,
    shape: str,
    reader: AudienceReader,
    counted: _Reporting,
    judge: Judge,
    export_format: str,
    out: Path,
    suppressed: IO[str],
    allowed: IO[str] | None,
    workers: int | None,
    report: Callable[[LineError], None],
) -> Summary:
    """The audience judged in one process, or in parts by forked workers when the file allows it."""
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from trustops.guard import parallel
    from trustops.guard.exports import write_split

    start = parallel.body_start(audience, shape)
    parts = parallel.plan(audience, shape, body_start=start, workers=workers or parallel.default_workers())
    columns = [TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn()]
    # No refresh thread: workers are forked while the bar is shown, and a fork should find one thread.
    with Progress(*columns, console=Console(stderr=True), transient=True, auto_refresh=False) as progress:
        task = progress.add_task(f"Evaluating {audience.name}", total=audience.stat().st_size)

        def show(read: int) -> None:
            progress.update(task, completed=read)
            progress.refresh()

        if parts is None:
            counted.on_read = show
            now = judge.now
            return write_split(reader, judge, export_format, out=suppressed, allowed_out=allowed, generated_at=now)
        with parallel.scratch_dir(out) as tmp:
            job = parallel.Job(
                audience, shape, reader.columns, judge, export_format, allowed is not None, judge.now, Path(tmp)
            )
            return parallel.split_parallel(
                job, parts, out=suppressed, allowed_out=allowed, on_error=report, on_progress=lambda n: show(start + n)
            )


class _Reporting(io.RawIOBase):
    """A byte stream that reports how much was read so far, for the progress bar (once per buffer fill)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.read_bytes = raw, 0
        self.on_read: Callable[[int], object] = lambda read: None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = self.raw.readinto(buffer)  # type: ignore[attr-defined]
        self.read_bytes += n or 0
        self.on_read(self.read_bytes)
        return int(n or 0)


def _guess_format(path: Path) -> str:
    return "ndjson" if path.suffix.lower() in (".ndjson", ".jsonl") else "csv"


def _maybe_open(path: Path | None) -> io.TextIOWrapper | nullcontext[None]:
    return path.open("w", encoding="utf-8", newline="") if path is not None else nullcontext()


def _print_summary(summary: Summary, campaign_type: str, out: Path, allowed_out: Path | None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Guard: {campaign_type} campaign")
    table.add_column("")
    table.add_column("users", justify="right")
    table.add_row("audience", f"{summary.audience:,}")
    table.add_row("allowed", f"{summary.allowed:,}")
    for rule, users in sorted(summary.suppressed.items()):
        table.add_row(f"suppressed: {rule}", f"{users:,}")
    if summary.errors:
        table.add_row("bad lines (skipped)", f"{summary.errors:,}", style="red")
    console = Console()
    console.print(table)
    console.print(f"Suppressed users written to {out}" + (f", allowed users to {allowed_out}." if allowed_out else "."))


@app.command("decide")
def decide(
    ctx: typer.Context,
    user_id: str = typer.Argument(..., help="The user's id in your systems (pseudonymised before lookup)."),
    campaign_type: str = typer.Option(..., help=TYPE_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the decision as JSON."),
) -> None:
    """May this campaign reach this user now? The rule, the reason, until when, and what to send instead."""
    from trustops import clock
    from trustops.guard import bulk, rules
    from trustops.guard.facts import FactBook
    from trustops.privacy import pseudonymise

    kind = bulk.campaign_type_of(campaign_type, field="--campaign-type")
    state: CliState = ctx.obj
    secret, policy, now = state.settings.secret(), state.catalog.policy, clock.now()
    with state.database.session() as session:
        book = FactBook.load(session, secret=secret, policy=policy, now=now)
    verdict = rules.decide(book.get(pseudonymise(secret, user_id)), kind, policy=policy, now=now)
    until = verdict.until.isoformat() if verdict.until is not None else None
    alternative = verdict.alternative.value if verdict.alternative is not None else None
    if as_json:
        body = {"allowed": verdict.allowed, "rule": verdict.rule, "reason": verdict.reason}
        typer.echo(json.dumps({**body, "until": until, "alternative": alternative}))
        return
    typer.echo(f"{'allowed' if verdict.allowed else 'denied'} ({verdict.rule}): {verdict.reason}")
    if until is not None:
        typer.echo(f"until {until}")
    if alternative is not None:
        typer.echo(f"send {alternative} instead")
