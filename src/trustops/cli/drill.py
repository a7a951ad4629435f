"""``trustops drill``: tabletop exercises for breaches and outages, played in the terminal."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING

import typer

from trustops.cli.state import CliState

if TYPE_CHECKING:
    from datetime import datetime, timedelta

    from rich.console import Console

    from trustops.breach.drills import Answer, Answers, Inject, Milestone, Scenario

app = typer.Typer(help="Drills: play a breach or outage exercise and score it.", no_args_is_help=True)

DIR_HELP = "A folder of your own scenario files (*.yaml); repeatable."
NOT_REACHED = {"no", "n", "never", "-", "null", "none"}


@app.command("list")
def list_(dirs: list[Path] = typer.Option([], "--dir", help=DIR_HELP)) -> None:
    """List the scenarios that ship with trustops, and those in the folders given."""
    from rich.console import Console
    from rich.table import Table

    from trustops.breach import drills

    found = [(s, "shipped") for s in drills.shipped_scenarios()]
    found += [(s, str(folder)) for folder in dirs for s in drills.scenarios_in(folder)]
    table = Table()
    table.add_column("id", no_wrap=True)
    table.add_column("kind")
    table.add_column("title")
    if dirs:
        table.add_column("from", overflow="fold")
    for scenario, origin in found:
        table.add_row(scenario.id, scenario.kind, scenario.title, *([origin] if dirs else []))
    Console().print(table)


@app.command("run")
def run(
    ctx: typer.Context,
    scenario: str = typer.Argument(..., help="A scenario id (see `trustops drill list`) or a scenario file."),
    answers: Path | None = typer.Option(
        None, "--answers", dir_okay=False, help="Scripted answers (YAML or JSON); without it you are asked."
    ),
    out: Path | None = typer.Option(None, "--out", dir_okay=False, help="Also write the after-action report here."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON instead of the report."),
    dirs: list[Path] = typer.Option([], "--dir", help=DIR_HELP),
    actor: str = typer.Option("cli", help="Who ran the drill, kept with the run."),
) -> None:
    """Play a drill: injects in scenario time, then when each milestone was reached; store and print the report.

    With ``--answers`` the drill plays from the file; otherwise the facilitator is asked at the terminal.
    """
    import json

    from rich.console import Console

    from trustops import clock
    from trustops.breach import drills
    from trustops.errors import InvalidInput

    found = drills.find_scenario(scenario, dirs)
    source: Answers
    if answers is not None:
        source = drills.load_answers(answers, found)
    elif _terminal():
        source = InteractiveAnswers(Console(), found)
    else:
        raise InvalidInput(
            "--answers: no answers file and no terminal to ask in; pass --answers FILE (see docs/drills.md)",
            field="answers",
        )
    started = clock.now()
    result = drills.run_drill(found, source)
    state: CliState = ctx.obj
    with state.database.session() as session:
        row = drills.record_run(session, result, actor=actor, started_at=started, finished_at=clock.now())
        run_id, report = row.id, row.report
    if out is not None:
        out.write_text(report, encoding="utf-8")
    if as_json:
        typer.echo(json.dumps({"run_id": run_id, **result.as_dict(), "report": report}, indent=2))
    else:
        typer.echo(report, nl=False)
        typer.echo(f"Stored as drill run {run_id}; score {result.score:g} / 100.", err=True)


@app.command("report")
def report(ctx: typer.Context, run_id: int = typer.Argument(..., help="The run's id, printed by `drill run`.")) -> None:
    """Print the after-action report of a stored drill run."""
    from trustops.breach import drills

    state: CliState = ctx.obj
    with state.database.session() as session:
        text = drills.get_run(session, run_id).report
    typer.echo(text, nl=False)


def _terminal() -> bool:
    return sys.stdin.isatty()


class InteractiveAnswers:
    """The facilitator at a terminal: each inject is shown with its questions, each milestone asked for.

    ``stream`` replaces the keyboard (tests); at its end the drill stops as an interrupted one would.
    """

    def __init__(self, console: Console, scenario: Scenario, stream: IO[str] | None = None) -> None:
        self.console = console
        self.scenario = scenario
        self.stream = stream

    def play(self, inject: Inject, *, at: datetime) -> None:
        from zoneinfo import ZoneInfo

        from rich.panel import Panel
        from rich.text import Text

        from trustops.breach.drills import format_offset

        local = at.astimezone(ZoneInfo(self.scenario.time_zone)).strftime("%a %d %b %H:%M %Z")
        body = inject.text.strip() + "".join(f"\n  • {q}" for q in inject.questions)
        title = Text(f"{format_offset(inject.at)} · {local} · {inject.role}")
        self.console.print(Panel(Text(body), title=title))
        self._read("Discuss, then press Enter to go on ")

    def ask(self, milestone: Milestone, *, due: timedelta) -> Answer:
        from trustops.breach.drills import Answer, format_offset, parse_offset

        question = f"{milestone.title} ({milestone.role}, due {format_offset(due)}): reached at? (+2h30m, or no) "
        while True:
            text = self._read(question)
            if text.lower() in NOT_REACHED:
                at = None
                break
            try:
                at = parse_offset(text)
                break
            except ValueError as exc:
                self.console.print(str(exc), style="red", markup=False)
        return Answer(at, self._read("Note for the report (optional): "))

    def _read(self, prompt: str) -> str:
        if self.stream is None:
            return self.console.input(prompt, markup=False).strip()
        self.console.print(prompt, end="", markup=False)
        line = self.stream.readline()
        if not line:
            raise EOFError
        return line.strip()
