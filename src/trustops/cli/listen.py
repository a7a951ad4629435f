"""``trustops listen``: import mentions, train and evaluate the classifiers, check for spikes."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import IO, TYPE_CHECKING

import typer

from trustops.cli.state import CliState

if TYPE_CHECKING:
    from collections.abc import Iterator

    from trustops.listen.classify import Evaluation
    from trustops.listen.schema import MentionIn

app = typer.Typer(help="Brand listening: mentions, classifiers, spikes, the impact matrix.", no_args_is_help=True)

FORMAT_HELP = "csv, ndjson, meltwater, talkwalker or brandwatch."
TASK_HELP = "sentiment or component."
MAX_SHOWN_ERRORS = 50


class _Counting(io.RawIOBase):
    """A byte stream that counts what was read, for the progress bar."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.read_bytes = raw, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = self.raw.readinto(buffer)  # type: ignore[attr-defined]
        self.read_bytes += n or 0
        return int(n or 0)


def _encoding(path: Path) -> str:
    """Meltwater exports UTF-16 with a BOM; everything else here is UTF-8 (a BOM is dropped)."""
    with path.open("rb") as f:
        head = f.read(4)
    return "utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="The export to import."),
    format_: str = typer.Option("ndjson", "--format", "-f", help=FORMAT_HELP),
    map_: list[str] = typer.Option(
        [], "--map", "-m", help="FIELD=COLUMN for --format csv, e.g. text=tweet; repeatable."
    ),
    source: str | None = typer.Option(None, help="Source name stored with each mention (default: the format)."),
    batch: int = typer.Option(500, min=1, max=5_000, help="Mentions classified and stored per transaction."),
) -> None:
    """Import mentions: redact, classify and store them; bad lines are reported, good ones kept.

    Re-importing the same file adds nothing: mentions dedupe on (source, external id). Exits 1 when
    any line was bad (after storing the good ones).
    """
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from trustops import clock
    from trustops.errors import InvalidInput
    from trustops.listen.formats import FORMATS, ColumnMap, read_mentions
    from trustops.listen.pipeline import ingest_batches
    from trustops.listen.schema import MentionIn
    from trustops.listen.service import classifier_for

    if format_ not in FORMATS:
        raise InvalidInput(f"--format: {format_!r} is not one of {', '.join(FORMATS)}", field="format")
    try:
        columns = ColumnMap.parse(map_) if map_ else None
    except ValueError as exc:
        raise InvalidInput(f"--map: {exc}", field="map") from None
    state: CliState = ctx.obj
    secret = state.settings.secret()
    errors = 0
    with state.database.session() as session:
        classifier = classifier_for(session)
    with file.open("rb") as raw:
        counted = _Counting(raw)
        stream = io.TextIOWrapper(io.BufferedReader(counted), encoding=_encoding(file), newline="")
        columns_ = [TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn()]
        with Progress(*columns_, console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task(f"Importing {file.name}", total=file.stat().st_size)

            def batches() -> Iterator[list[MentionIn]]:
                nonlocal errors
                good: list[MentionIn] = []
                for line, item in read_mentions(stream, format_, source=source, columns=columns):
                    if isinstance(item, MentionIn):
                        good.append(item)
                    else:
                        errors += 1
                        if errors <= MAX_SHOWN_ERRORS:
                            message = f"{file}:{line}: {item.message}"
                            progress.console.print(message, style="red", markup=False, soft_wrap=True)
                    if len(good) >= batch:
                        yield good
                        good = []
                    progress.update(task, completed=counted.read_bytes)
                if good:
                    yield good

            total = ingest_batches(state.database, batches(), classifier=classifier, secret=secret, clock=clock.now)
    if errors > MAX_SHOWN_ERRORS:
        typer.echo(f"... and {errors - MAX_SHOWN_ERRORS} more bad lines", err=True)
    typer.echo(
        f"Imported {total.accepted:,} mentions ({total.duplicates:,} already stored, {errors:,} bad lines, "
        f"{total.redactions:,} personal values redacted)."
    )
    if errors:
        raise typer.Exit(1)


def _evaluation_table(evaluation: Evaluation, title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in ("class", "precision", "recall", "F1", "support"):
        table.add_column(column, justify="left" if column == "class" else "right")
    for label, (precision, recall, f1, support) in sorted(evaluation.per_class.items()):
        table.add_row(label, f"{precision:.3f}", f"{recall:.3f}", f"{f1:.3f}", str(support))
    console = Console()
    console.print(table)
    console.print(
        f"accuracy {evaluation.accuracy:.3f}  macro-F1 {evaluation.macro_f1:.3f}  "
        f"n {evaluation.n}  {evaluation.texts_per_second:,.0f} texts/s"
    )


def _evaluation_json(evaluation: Evaluation, task: str, model: str) -> str:
    per_class = {
        label: {"precision": p, "recall": r, "f1": f, "support": n}
        for label, (p, r, f, n) in sorted(evaluation.per_class.items())
    }
    return json.dumps(
        {
            "task": task,
            "model": model,
            "n": evaluation.n,
            "accuracy": evaluation.accuracy,
            "macro_f1": evaluation.macro_f1,
            "per_class": per_class,
            "seconds": evaluation.seconds,
            "texts_per_second": evaluation.texts_per_second,
        },
        indent=2,
    )


def _task(task: str) -> str:
    from trustops.errors import InvalidInput
    from trustops.listen.service import TASKS

    if task not in TASKS:
        raise InvalidInput(f"--task: {task!r} is not one of {', '.join(TASKS)}", field="task")
    return task


@app.command("train")
def train(
    ctx: typer.Context,
    examples: Path = typer.Option(..., exists=True, dir_okay=False, help="CSV (with a header) or NDJSON."),
    text_col: str = typer.Option(..., help="Column holding the text."),
    label_col: str = typer.Option(..., help="Column holding the label."),
    task: str = typer.Option(..., help=TASK_HELP),
) -> None:
    """Train a classifier on your labelled examples and make the pipeline use it from now on."""
    from rich.console import Console

    from trustops import clock
    from trustops.listen.classify import train_component, train_sentiment
    from trustops.listen.examples import read_examples
    from trustops.listen.service import component_hints, store_model

    _task(task)
    data = read_examples(examples, text_col, label_col)
    state: CliState = ctx.obj
    with state.database.session() as session:
        hints = component_hints(session)
        with Console(stderr=True).status(f"Training the {task} model on {len(data.texts):,} examples"):
            model = (
                train_sentiment(data.texts, data.labels)
                if task == "sentiment"
                else train_component(data.texts, data.labels, hints)
            )
        row = store_model(
            session,
            task,
            model,
            examples=len(data.texts),
            classes=data.classes,
            evaluation=None,
            actor="cli",
            now=clock.now(),
        )
        typer.echo(
            f"Stored {task} model {row.id}: {len(data.texts):,} examples, classes {', '.join(data.classes)}"
            + (f" ({data.skipped} rows without text or label skipped)." if data.skipped else ".")
        )


@app.command("evaluate")
def evaluate(
    ctx: typer.Context,
    test: Path = typer.Option(..., exists=True, dir_okay=False, help="Labelled examples to score against."),
    train_file: Path | None = typer.Option(
        None, "--train", exists=True, dir_okay=False, help="Fit on this file first; the stored model is untouched."
    ),
    text_col: str = typer.Option(..., help="Column holding the text."),
    label_col: str = typer.Option(..., help="Column holding the label."),
    task: str = typer.Option(..., help=TASK_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
) -> None:
    """Score a classifier on labelled data: accuracy, macro-F1, a per-class table and throughput.

    Without --train it scores what the pipeline uses: the stored model if one was trained, else the
    built-in one (sentiment) or the catalog's example phrases (component).
    """
    from trustops.listen import classify
    from trustops.listen.examples import read_examples
    from trustops.listen.service import active_model, component_hints

    _task(task)
    data = read_examples(test, text_col, label_col)
    state: CliState = ctx.obj
    hints: list[classify.ComponentHint] = []
    model: classify.SentimentModel | classify.ComponentModel | None = None
    name = "built-in" if task == "sentiment" else "catalog phrases"
    if train_file is not None or task == "component":
        with state.database.session() as session:
            hints = component_hints(session)
    if train_file is not None:
        fit = read_examples(train_file, text_col, label_col)
        if task == "sentiment":
            model = classify.train_sentiment(fit.texts, fit.labels)
        else:
            model = classify.train_component(fit.texts, fit.labels, hints)
        name = f"trained on {train_file.name} ({len(fit.texts):,} examples)"
    else:
        with state.database.session() as session:
            stored = active_model(session, task)
            if stored is not None:
                loader = classify.SentimentModel if task == "sentiment" else classify.ComponentModel
                model = loader.from_bytes(stored.blob)
                name = f"stored model {stored.id}"
    evaluation = classify.evaluate(task, data.texts, data.labels, model=model, components=hints)  # type: ignore[arg-type]
    if as_json:
        typer.echo(_evaluation_json(evaluation, task, name))
    else:
        _evaluation_table(evaluation, f"{task} — {name} — on {test.name}")


@app.command("check")
def check(ctx: typer.Context) -> None:
    """Run the spike detector now (the worker runs it every few minutes) and print what it raised."""
    from trustops import clock
    from trustops.listen.watch import check as check_spikes

    state: CliState = ctx.obj
    policy = state.catalog.policy
    with state.database.session() as session:
        raised = check_spikes(session, policy=policy, now=clock.now())
        for alert in raised:
            joined = f"  → incident {alert.incident_id}" if alert.incident_id else ""
            typer.echo(f"severity {alert.severity:>2}  {alert.sentence}{joined}")
        if not raised:
            typer.echo("No new spikes.")


@app.command("matrix")
def matrix(ctx: typer.Context) -> None:
    """Print the functional impact matrix: what to fix first, from the customer's side."""
    from rich.console import Console
    from rich.table import Table

    from trustops import clock
    from trustops.listen.matrix import impact_matrix

    state: CliState = ctx.obj
    with state.database.session() as session:
        rows = impact_matrix(session, now=clock.now())
    table = Table(title="Functional impact matrix (last 24 h)")
    for column in ("score", "component", "health", "complaints", "usual/day", "negative", "affected", "why"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            f"{row.score:.0f}",
            row.name,
            row.health.value,
            str(row.complaints),
            f"{row.usual_complaints:.1f}",
            f"{row.negative_share:.0%}",
            str(row.affected_users),
            "; ".join(row.reasons) or "quiet",
        )
    Console().print(table)
