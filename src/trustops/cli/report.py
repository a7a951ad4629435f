"""``trustops report``: reports for people who were not in the incident room."""

from __future__ import annotations

from pathlib import Path

import typer

from trustops.cli.state import CliState

app = typer.Typer(help="Reports for executives: one page per incident, as HTML, PDF or JSON.", no_args_is_help=True)

FORMATS = ("html", "pdf", "json")


@app.command("incident")
def incident(
    ctx: typer.Context,
    incident_id: int = typer.Argument(..., help="The incident's id."),
    out: Path | None = typer.Option(
        None,
        "--out",
        "-o",
        dir_okay=False,
        help="Write to FILE.html, FILE.pdf or FILE.json (default: standard output).",
    ),
    format_: str | None = typer.Option(
        None, "--format", "-f", help="html, pdf or json (default: from the suffix of --out, else html)."
    ),
) -> None:
    """The executive post-incident report of one incident, on one page.

    What happened, who was hit, what customers said, what we told them and when, what the marketing
    guard held back, silent churn and reputational debt. A PDF needs --out and WeasyPrint, which the
    `reports` extra installs.
    """
    import json

    from trustops import clock
    from trustops.reports.incident_report import incident_report
    from trustops.reports.render import render_html, render_pdf

    fmt = _format(format_, out)
    state: CliState = ctx.obj
    with state.database.session() as session:
        report = incident_report(
            session, incident_id, policy=state.catalog.policy, secret=state.settings.secret(), now=clock.now()
        )
    if fmt == "pdf":
        assert out is not None
        out.write_bytes(render_pdf(report))
    else:
        text = json.dumps(report.to_dict(), indent=2) if fmt == "json" else render_html(report)
        if out is None:
            typer.echo(text)
            return
        out.write_text(text, encoding="utf-8")
    typer.echo(f"Wrote the report of incident {incident_id} to {out}", err=True)


def _format(given: str | None, out: Path | None) -> str:
    from trustops.errors import InvalidInput

    suffix = out.suffix.lower().lstrip(".") if out is not None else ""
    fmt = (given or (suffix if suffix in FORMATS else "html")).lower()
    if fmt not in FORMATS:
        raise InvalidInput(f"--format: {given!r} is not one of {', '.join(FORMATS)}", field="format")
    if given and suffix in FORMATS and suffix != fmt:
        raise InvalidInput(f"--format: {fmt} does not match --out {out} (a .{suffix} file)", field="format")
    if fmt == "pdf" and out is None:
        raise InvalidInput("--out: a PDF goes to a file: give --out FILE.pdf", field="out")
    return fmt
