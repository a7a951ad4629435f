"""``trustops comms lint-email`` and ``trustops comms draft``: the EAR lint and drafts from the shell."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from trustops.cli.comms import app
from trustops.cli.state import CliState

if TYPE_CHECKING:
    from trustops.comms.ear import Finding, LintReport

UNREADABLE = 2  # exit status for input that cannot be read as a message; 1 means "read, and it fails"
BLOCK_TAGS = frozenset({"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol"})
HEADER_NAMES = (b"subject:", b"from:", b"to:", b"date:", b"mime-version:", b"content-type:", b"message-id:")


class Unreadable(Exception):
    pass


@app.command("lint-email")
def lint_email(
    file: Path = typer.Argument(..., help="A plain-text e-mail, or an RFC 822 message (.eml)."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    incident_open: bool = typer.Option(False, "--open", help="The incident is still open: flag guessed fix times."),
) -> None:
    """Score an apology e-mail for Empathy, Accountability and Resolution and list what to fix.

    Exits 0 when the e-mail passes, 1 when it fails, 2 when FILE cannot be read.
    """
    from trustops.comms.ear import lint

    try:
        subject, body = read_message(file)
    except Unreadable as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(UNREADABLE) from None
    report = lint(body, subject=subject, incident_open=incident_open)
    if as_json:
        typer.echo(json.dumps(_json_report(report, body, file=str(file), subject=subject), indent=2))
    else:
        _print_report(report, body, label=str(file))
    if not report.passed:
        raise typer.Exit(1)


@app.command("draft")
def draft(
    ctx: typer.Context,
    incident_id: int = typer.Argument(...),
    apology: bool = typer.Option(False, "--apology", help="Draft the apology e-mail instead of the updates."),
    cause: str | None = typer.Option(None, help="What went wrong, in the first person."),
    fix: str | None = typer.Option(None, help="What we fixed, and when."),
    prevention: str | None = typer.Option(None, help="What we are changing so it cannot happen again."),
    contact: str | None = typer.Option(None, help="An e-mail address, phone number, web address or sentence."),
    as_json: bool = typer.Option(False, "--json", help="Print the drafts as JSON."),
) -> None:
    """Print update drafts per state for an incident, or its apology draft with its EAR scores."""
    from sqlalchemy import select

    from trustops import clock
    from trustops.catalog.models import Component
    from trustops.comms.apology import draft_apology
    from trustops.comms.templates import drafts
    from trustops.monitor.exposure import blast_radius
    from trustops.monitor.incidents import get_incident

    state: CliState = ctx.obj
    policy = state.catalog.policy
    now = clock.now()
    with state.database.session() as session:
        incident = get_incident(session, incident_id)
        components = {c.id: c for c in session.scalars(select(Component))}
        if not apology:
            updates = drafts(incident, components, now=now, policy=policy)
            typer.echo(json.dumps(updates, indent=2) if as_json else _updates_text(updates))
            return
        radius = blast_radius(session, incident, policy=policy, now=now)
        letter = draft_apology(
            incident, components, radius, cause=cause, fix=fix, prevention=prevention, contact=contact
        )
    if as_json:
        typer.echo(json.dumps(letter.to_dict(), indent=2))
        return
    typer.echo(f"Subject: {letter.subject}\n\n{letter.body}\n")
    _print_report(letter.report, letter.body, label="draft")


def read_message(path: Path) -> tuple[str, str]:
    """The subject and the text of a plain-text file or an RFC 822 message (its text/plain part, else
    its text/html part with the tags stripped)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise Unreadable(f"cannot read {path}: {exc.strerror or exc}") from None
    if b"\x00" in raw:
        raise Unreadable(f"{path} is not a text file")
    subject, body = _from_email(path, raw) if _is_email(path, raw) else ("", _decode(path, raw))
    if not body.strip():
        raise Unreadable(f"{path} has no text to check")
    return subject, body


def _is_email(path: Path, raw: bytes) -> bool:
    if path.suffix.lower() == ".eml":
        return True
    first = raw.lstrip().split(b"\n", 1)[0].lower()
    return first.startswith(HEADER_NAMES)


def _decode(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unreadable(f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8 or as an .eml") from None


def _from_email(path: Path, raw: bytes) -> tuple[str, str]:
    from email import policy
    from email.message import EmailMessage
    from email.parser import BytesParser

    message = BytesParser(policy=policy.default).parsebytes(raw)
    part = message.get_body(preferencelist=("plain", "html"))
    if not isinstance(part, EmailMessage):
        raise Unreadable(f"{path} has no text/plain or text/html part")
    try:
        content = part.get_content()
    except (LookupError, UnicodeError) as exc:
        raise Unreadable(f"{path}: cannot decode its {part.get_content_type()} part ({exc})") from None
    text = html_to_text(content) if part.get_content_type() == "text/html" else str(content)
    return " ".join(str(message.get("subject", "")).split()), text


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style", "head"):
            self.skipping += 1
        elif tag in BLOCK_TAGS:
            self.chunks.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCK_TAGS:
            self.chunks.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.chunks.append(data)


def html_to_text(html: str) -> str:
    """The readable text of an HTML mail: scripts, styles and tags gone, paragraphs kept apart."""
    parser = _TextOf()
    parser.feed(html)
    parser.close()
    paragraphs = ("".join(parser.chunks)).split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset`` in ``text``."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _where(finding: Finding, body: str) -> str:
    if finding.part == "subject":
        return f"subject:{finding.start + 1}"
    line, column = position(body, finding.start)
    return f"{line}:{column}"


def _print_report(report: LintReport, body: str, *, label: str) -> None:
    from trustops.comms.ear import PASS_SCORE

    verdict = "PASSED" if report.passed else "FAILED"
    typer.echo(f"{verdict} {label}")
    typer.echo(
        f"Empathy {report.empathy}/100 · Accountability {report.accountability}/100 · "
        f"Resolution {report.resolution}/100 (each needs {PASS_SCORE}, and no high-severity finding)"
    )
    ease, grade = report.readability.reading_ease, report.readability.grade
    typer.echo(f"Readability: reading ease {ease}, grade {grade} (aim for 60 or more, grade 8 or less)")
    for finding in report.findings:
        quoted = f' "{" ".join(finding.excerpt.split())}"' if finding.excerpt else " (missing)"
        typer.echo(f"{label}:{_where(finding, body)}: {finding.severity} {finding.rule}{quoted}")
        typer.echo(f"    {finding.message}")
        typer.echo(f"    Suggestion: {finding.suggestion}")


def _json_report(report: LintReport, body: str, **extra: str) -> dict[str, Any]:
    data = {**extra, **report.to_dict()}
    for finding, item in zip(report.findings, data["findings"], strict=True):
        item["line"], item["column"] = (
            (None, finding.start + 1) if finding.part == "subject" else position(body, finding.start)
        )
    return data


def _updates_text(updates: dict[str, str]) -> str:
    return "\n\n".join(f"{state}:\n  {text}" for state, text in updates.items())
