"""``trustops breach open|list|show|…``: one breach case from awareness to closure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from trustops.cli.breach import app
from trustops.cli.state import CliState

if TYPE_CHECKING:
    from datetime import datetime

    from trustops.breach.models import BreachCase

ACTOR = "cli"
TIME_HELP = "ISO 8601 with an offset, e.g. 2026-03-27T10:00+01:00."
JURISDICTION_HELP = "CODE=PEOPLE, e.g. EU-GDPR=1200 or US-CA=800; repeatable."
DRAFTS = ("regulator", "individuals", "us", "public", "transparency")


@app.command("open")
def open_(
    ctx: typer.Context,
    title: str = typer.Argument(..., help="A short name for the case."),
    aware_at: str = typer.Option(..., "--aware-at", help=f"When the organisation became aware. {TIME_HELP}"),
    discovered_at: str | None = typer.Option(None, "--discovered-at", help=f"HIPAA and US states. {TIME_HELP}"),
    material_at: str | None = typer.Option(None, "--material-at", help=f"SEC Form 8-K. {TIME_HELP}"),
    nature: str = typer.Option("", "--nature", help="What happened, in the regulator draft's words."),
    category: list[str] = typer.Option([], "--category", "-c", help="A data category, e.g. email; repeatable."),
    people: int | None = typer.Option(None, "--people", help="Approximate number of people affected."),
    records: int | None = typer.Option(None, "--records", help="Approximate number of records."),
    jurisdiction: list[str] = typer.Option([], "--jurisdiction", "-j", help=JURISDICTION_HELP),
    incident: int | None = typer.Option(None, "--incident", help="The incident this breach came from."),
    drill: bool = typer.Option(False, "--drill", help="An exercise, not a real breach."),
    as_json: bool = typer.Option(False, "--json", help="Print the case as JSON."),
) -> None:
    """Open a breach case: its playbook tasks are planned at once, due when their clocks are."""
    from trustops import clock
    from trustops.breach.cases import open_case

    state: CliState = ctx.obj
    with state.database.session() as session:
        case = open_case(
            session,
            title=title,
            aware_at=_required_time(aware_at, "--aware-at"),
            discovered_at=_time(discovered_at, "--discovered-at"),
            material_at=_time(material_at, "--material-at"),
            nature=nature,
            data_categories=category,
            people=people,
            records=records,
            people_by_jurisdiction=_counts(jurisdiction),
            incident_id=incident,
            drill=drill,
            actor=ACTOR,
            now=clock.now(),
            organisation=state.catalog.organisation,
        )
        if as_json:
            _echo_json(_case_dict(case))
        else:
            typer.echo(f"Breach case {case.id} opened with {len(case.tasks)} tasks.")


@app.command("list")
def list_(
    ctx: typer.Context,
    open_only: bool = typer.Option(False, "--open", help="Leave out closed cases."),
    as_json: bool = typer.Option(False, "--json", help="Print the cases as JSON."),
) -> None:
    """List breach cases, the most recent awareness first."""
    from trustops.breach.cases import list_cases

    state: CliState = ctx.obj
    with state.database.session() as session:
        found = list_cases(session, open_only=open_only)
        if as_json:
            _echo_json([_summary(c) for c in found])
            return
        for c in found:
            risk = c.risk.value if c.risk else "not assessed"
            people = f"{c.people:,}" if c.people is not None else "?"
            typer.echo(
                f"{c.id:>4}  {c.status.value:<9} {risk:<12} aware {c.aware_at:%Y-%m-%d %H:%M} UTC  "
                f"{people:>10} people  {c.title}{'  [drill]' if c.drill else ''}"
            )


@app.command("show")
def show(
    ctx: typer.Context,
    case_id: int = typer.Argument(...),
    as_json: bool = typer.Option(False, "--json", help="Print the case, its clocks, tasks and log as JSON."),
) -> None:
    """Show a case: facts, clocks, tasks per role and the Art. 33(5) log."""
    from trustops import clock
    from trustops.breach.cases import clocks_of, get_case

    state: CliState = ctx.obj
    organisation = state.catalog.organisation
    now = clock.now()
    with state.database.session() as session:
        case = get_case(session, case_id)
        found = clocks_of(case, organisation, now=now)
        if as_json:
            _echo_json({**_case_dict(case), "clocks": [_clock_dict(c, now) for c in found]})
            return
        typer.echo(f"#{case.id} {case.title} · {case.status.value} · risk {case.risk.value if case.risk else '-'}")
        typer.echo(f"aware {case.aware_at:%Y-%m-%d %H:%M} UTC · people {case.people} · {case.people_by_jurisdiction}")
        typer.echo("clocks:")
        for c in found:
            due = (
                f"{c.due_at:%Y-%m-%d %H:%M} UTC / {c.due_local:%Y-%m-%d %H:%M %Z}" if c.due_at and c.due_local else "-"
            )
            typer.echo(f"  {c.deadline.key:<22} {c.state.value:<11} due {due}  {c.deadline.recipient}")
        typer.echo("tasks:")
        for t in case.tasks:
            mark = "x" if t.done_at else " "
            due = f" (due {t.due_at:%Y-%m-%d %H:%M} UTC)" if t.due_at else ""
            typer.echo(f"  [{mark}] {t.id:>4} {t.role.value:<9} {t.title}{due}")
        typer.echo("log:")
        for e in case.log:
            typer.echo(f"  {e.at:%Y-%m-%d %H:%M} {e.kind.value:<12} {e.actor:<12} {e.text}")


@app.command("assess")
def assess(
    ctx: typer.Context,
    case_id: int = typer.Argument(...),
    risk: str = typer.Option(..., "--risk", help="unlikely, risk or high (GDPR Art. 33(1), 34(1))."),
    reason: list[str] = typer.Option(..., "--reason", help="Why; repeatable; kept in the log."),
    encrypted: bool | None = typer.Option(None, "--encrypted/--not-encrypted", help="Art. 34(3)(a)."),
    key_compromised: bool | None = typer.Option(None, "--key-compromised/--key-safe", help="Art. 34(3)(a)."),
    risk_removed: bool | None = typer.Option(None, "--risk-removed/--risk-not-removed", help="Art. 34(3)(b)."),
    disproportionate: bool | None = typer.Option(
        None, "--disproportionate-effort/--proportionate-effort", help="Art. 34(3)(c): a public notice instead."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON."),
) -> None:
    """Record the risk assessment and what it means: who must be told, or why not."""
    from dataclasses import asdict

    from trustops import clock
    from trustops.breach.cases import assess as assess_case
    from trustops.breach.cases import get_case
    from trustops.enums import BreachRisk

    state: CliState = ctx.obj
    with state.database.session() as session:
        outcome = assess_case(
            session,
            get_case(session, case_id),
            risk=_choice(BreachRisk, risk, "--risk"),
            reasons=reason,
            actor=ACTOR,
            now=clock.now(),
            encrypted=encrypted,
            key_compromised=key_compromised,
            risk_removed=risk_removed,
            disproportionate_effort=disproportionate,
        )
    if as_json:
        _echo_json(asdict(outcome))
    else:
        typer.echo(outcome.explanation)
        if outcome.not_owed:
            typer.echo(f"Recorded as not owed: {', '.join(outcome.not_owed)}.")


@app.command("update")
def update(
    ctx: typer.Context,
    case_id: int = typer.Argument(...),
    title: str | None = typer.Option(None, "--title"),
    nature: str | None = typer.Option(None, "--nature", help="Art. 33(3)(a): what happened."),
    consequences: str | None = typer.Option(None, "--consequences", help="Art. 33(3)(c): likely consequences."),
    measures_taken: str | None = typer.Option(None, "--measures-taken", help="Art. 33(3)(d)."),
    measures_proposed: str | None = typer.Option(None, "--measures-proposed", help="Art. 33(3)(d)."),
    category: list[str] = typer.Option([], "--category", "-c", help="Replaces the data categories; repeatable."),
    people: int | None = typer.Option(None, "--people"),
    records: int | None = typer.Option(None, "--records"),
    jurisdiction: list[str] = typer.Option([], "--jurisdiction", "-j", help=f"Replaces them all. {JURISDICTION_HELP}"),
    discovered_at: str | None = typer.Option(None, "--discovered-at", help=TIME_HELP),
    material_at: str | None = typer.Option(None, "--material-at", help=TIME_HELP),
    contained_at: str | None = typer.Option(None, "--contained-at", help=TIME_HELP),
    occurred_from: str | None = typer.Option(None, "--occurred-from", help=TIME_HELP),
    occurred_until: str | None = typer.Option(None, "--occurred-until", help=TIME_HELP),
) -> None:
    """Change facts of a case; each change is logged with its old and new value."""
    from trustops import clock
    from trustops.breach.cases import get_case, update_case

    changes: dict[str, Any] = {
        "title": title,
        "nature": nature,
        "consequences": consequences,
        "measures_taken": measures_taken,
        "measures_proposed": measures_proposed,
        "people": people,
        "records": records,
        "data_categories": category or None,
        "people_by_jurisdiction": _counts(jurisdiction) if jurisdiction else None,
    }
    times = {"discovered_at": discovered_at, "material_at": material_at, "contained_at": contained_at,
             "occurred_from": occurred_from, "occurred_until": occurred_until}  # fmt: skip
    changes.update({k: _time(v, "--" + k.replace("_", "-")) for k, v in times.items()})
    changes = {k: v for k, v in changes.items() if v is not None}
    if not changes:
        raise typer.BadParameter("give at least one option to change", param_hint="options")
    state: CliState = ctx.obj
    with state.database.session() as session:
        case = get_case(session, case_id)
        changed = update_case(
            session, case, changes, actor=ACTOR, now=clock.now(), organisation=state.catalog.organisation
        )
    typer.echo(f"Case {case_id}: {', '.join(changed) or 'nothing'} changed.")


@app.command("import-counts")
def import_counts(
    ctx: typer.Context,
    case_id: int = typer.Argument(...),
    file: Path = typer.Argument(..., help="CSV with a header and a `jurisdiction` column, one row per person."),
) -> None:
    """Count the people affected per jurisdiction from a CSV; only the counts are stored."""
    import csv

    from trustops import clock
    from trustops.breach.cases import get_case
    from trustops.breach.cases import import_counts as count_rows

    if not file.is_file():
        raise typer.BadParameter(f"{file} is not a readable file", param_hint="FILE")
    state: CliState = ctx.obj
    with file.open(newline="", encoding="utf-8-sig") as handle, state.database.session() as session:
        counts = count_rows(
            session,
            get_case(session, case_id),
            csv.DictReader(handle),
            actor=ACTOR,
            now=clock.now(),
            organisation=state.catalog.organisation,
        )
    typer.echo(
        f"Case {case_id}: {sum(counts.values()):,} people — " + ", ".join(f"{k} {v:,}" for k, v in counts.items())
    )


@app.command("task-done")
def task_done(ctx: typer.Context, case_id: int = typer.Argument(...), task_id: int = typer.Argument(...)) -> None:
    """Mark a task done."""
    from trustops import clock
    from trustops.breach.cases import complete_task, get_case

    state: CliState = ctx.obj
    with state.database.session() as session:
        task = complete_task(session, get_case(session, case_id), task_id, actor=ACTOR, now=clock.now())
        typer.echo(f"Done: {task.title}")


@app.command("log")
def log(
    ctx: typer.Context,
    case_id: int = typer.Argument(...),
    text: str | None = typer.Option(None, "--text", "-m", help="Append this entry; without it, print the log."),
    kind: str = typer.Option("note", "--kind", help="fact, effect, measure, decision, delay or note."),
    deadline: str | None = typer.Option(None, "--deadline", help="The deadline a delay or decision is about."),
    as_json: bool = typer.Option(False, "--json", help="Print the log as JSON."),
) -> None:
    """Print the Art. 33(5) documentation log, or append an entry to it."""
    from trustops import clock
    from trustops.breach.cases import add_log, get_case
    from trustops.enums import BreachLogKind

    state: CliState = ctx.obj
    with state.database.session() as session:
        case = get_case(session, case_id)
        if text is not None:
            entry_kind = _choice(BreachLogKind, kind, "--kind")
            add_log(session, case, kind=entry_kind, text=text, actor=ACTOR, now=clock.now(), deadline=deadline)
            typer.echo(f"Logged ({entry_kind.value}).")
            return
        if as_json:
            _echo_json([_log_dict(e) for e in case.log])
            return
        for e in case.log:
            typer.echo(f"{e.at:%Y-%m-%d %H:%M} {e.kind.value:<12} {e.actor:<12} {e.text}")


@app.command("notify")
def notify(
    ctx: typer.Context,
    case_id: int = typer.Argument(...),
    deadline: str = typer.Option(..., "--deadline", help="The deadline it meets, e.g. gdpr-art33."),
    recipient: str = typer.Option(..., "--recipient", help="Who was notified, e.g. ICO."),
    sent_at: str = typer.Option(..., "--sent-at", help=TIME_HELP),
    reference: str = typer.Option("", "--reference", help="The authority's case number."),
    phased: bool = typer.Option(False, "--phased", help="A first report, more to follow (GDPR Art. 33(4))."),
) -> None:
    """Record a notification made; it stops its deadline's clock."""
    from trustops import clock
    from trustops.breach.cases import get_case, record_notification

    state: CliState = ctx.obj
    with state.database.session() as session:
        note = record_notification(
            session,
            get_case(session, case_id),
            deadline=deadline,
            recipient=recipient,
            sent_at=_required_time(sent_at, "--sent-at"),
            reference=reference,
            phased=phased,
            actor=ACTOR,
            now=clock.now(),
        )
        typer.echo(f"Recorded: {note.recipient} notified for {note.deadline} at {note.sent_at:%Y-%m-%d %H:%M} UTC.")


@app.command("draft")
def draft(
    ctx: typer.Context,
    kind: str = typer.Argument(..., help="regulator, individuals, us, public or transparency."),
    case_id: int = typer.Argument(...),
    as_json: bool = typer.Option(False, "--json", help="Print the draft, its missing items and lint as JSON."),
) -> None:
    """Print a draft: the regulator report, the notice to people, the US notice, the public notice or the
    transparency report; what is missing goes to stderr."""
    from trustops import clock
    from trustops.breach.cases import get_case
    from trustops.breach.drafts import (
        individuals_notice,
        public_notice,
        regulator_draft,
        transparency_report,
        us_notice,
    )

    if kind not in DRAFTS:
        raise typer.BadParameter(f"{kind!r} is not one of {', '.join(DRAFTS)}", param_hint="KIND")
    state: CliState = ctx.obj
    organisation = state.catalog.organisation
    now = clock.now()
    with state.database.session() as session:
        case = get_case(session, case_id)
        made = {
            "regulator": lambda: regulator_draft(case, organisation, now=now),
            "individuals": lambda: individuals_notice(case, organisation),
            "us": lambda: us_notice(case, organisation, now=now),
            "public": lambda: public_notice(case, organisation),
            "transparency": lambda: transparency_report(case, organisation, now=now),
        }[kind]()
    if as_json:
        _echo_json({**_plain(made), "complete": made.complete})
        return
    typer.echo(made.text)
    for m in made.missing:
        typer.echo(f"missing: {m.item} (fill {m.field}: {m.hint})", err=True)


@app.command("checklist")
def checklist(ctx: typer.Context, case_id: int = typer.Argument(...)) -> None:
    """Print the checklist for the dedicated support channel."""
    from trustops.breach.cases import get_case
    from trustops.breach.drafts import support_checklist

    state: CliState = ctx.obj
    with state.database.session() as session:
        for item in support_checklist(get_case(session, case_id)):
            typer.echo(f"[ ] {item}")


@app.command("advice")
def advice(
    ctx: typer.Context,
    case_id: int = typer.Argument(...),
    as_json: bool = typer.Option(False, "--json", help="Print the advice as JSON."),
) -> None:
    """Compensation advice: what to offer the people affected, ranked, and why."""
    from trustops.breach.advice import compensation_advice
    from trustops.breach.cases import get_case

    state: CliState = ctx.obj
    with state.database.session() as session:
        found = compensation_advice(get_case(session, case_id))
    if as_json:
        _echo_json(_plain(found))
        return
    typer.echo(found.summary)
    for o in found.options:
        cost = f" ({_range(o.cost_per_person)} per person)" if o.cost_per_person else ""
        typer.echo(f"  {o.rank}. {o.kind}{' — recommended' if o.recommended else ''}{cost}: {o.why}")
    for warning in found.warnings:
        typer.echo(f"  warning: {warning}")


@app.command("cost")
def cost(
    ctx: typer.Context,
    case_id: int = typer.Argument(...),
    as_json: bool = typer.Option(False, "--json", help="Print the estimate as JSON."),
) -> None:
    """Estimate what the breach costs, as ranges with their assumptions."""
    from trustops.breach.cases import get_case
    from trustops.breach.costs import estimate_cost

    state: CliState = ctx.obj
    with state.database.session() as session:
        estimate = estimate_cost(get_case(session, case_id))
    if as_json:
        _echo_json(_plain(estimate))
        return
    for name, value in estimate.lines:
        typer.echo(f"  {name}: {_range(value)}")
    typer.echo(f"total: {_range(estimate.total)}")
    for assumption in estimate.assumptions:
        typer.echo(f"  assumption: {assumption}")


@app.command("close")
def close(ctx: typer.Context, case_id: int = typer.Argument(...)) -> None:
    """Close a case; refused while an owed deadline is neither met nor documented."""
    from trustops import clock
    from trustops.breach.cases import close_case, get_case

    state: CliState = ctx.obj
    with state.database.session() as session:
        close_case(
            session, get_case(session, case_id), actor=ACTOR, now=clock.now(), organisation=state.catalog.organisation
        )
    typer.echo(f"Case {case_id} closed.")


# --- helpers -----------------------------------------------------------------------------------------------------


def _time(value: str | None, option: str) -> datetime | None:
    return None if value is None else _required_time(value, option)


def _required_time(value: str, option: str) -> datetime:
    from datetime import datetime

    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO 8601 time", param_hint=option) from None
    if moment.tzinfo is None:
        raise typer.BadParameter(f"{value!r} has no UTC offset; add one, e.g. {value}+00:00", param_hint=option)
    return moment


def _counts(values: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        code, sep, number = value.partition("=")
        if not sep or not code.strip() or not number.strip().isdigit():
            raise typer.BadParameter(f"{value!r} is not CODE=PEOPLE, e.g. EU-GDPR=1200", param_hint="--jurisdiction")
        counts[code.strip()] = int(number)
    return counts


def _choice(kind: Any, value: str, option: str) -> Any:
    try:
        return kind(value.strip().lower())
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise typer.BadParameter(f"{value!r} is not one of {allowed}", param_hint=option) from None


def _range(value: Any) -> str:
    return f"{value.low:,.0f}–{value.high:,.0f} {value.currency}"


def _iso(moment: datetime | None) -> str | None:
    from trustops.clock import iso

    return iso(moment)


def _summary(case: BreachCase) -> dict[str, Any]:
    return {
        "id": case.id,
        "title": case.title,
        "status": case.status.value,
        "risk": case.risk.value if case.risk else None,
        "aware_at": _iso(case.aware_at),
        "people": case.people,
        "drill": case.drill,
        "closed_at": _iso(case.closed_at),
    }


def _case_dict(case: BreachCase) -> dict[str, Any]:
    return {
        **_summary(case),
        "discovered_at": _iso(case.discovered_at),
        "material_at": _iso(case.material_at),
        "contained_at": _iso(case.contained_at),
        "nature": case.nature,
        "consequences": case.consequences,
        "measures_taken": case.measures_taken,
        "measures_proposed": case.measures_proposed,
        "data_categories": case.data_categories,
        "records": case.records,
        "counts_source": case.counts_source,
        "people_by_jurisdiction": case.people_by_jurisdiction,
        "encrypted": case.encrypted,
        "key_compromised": case.key_compromised,
        "risk_removed": case.risk_removed,
        "disproportionate_effort": case.disproportionate_effort,
        "risk_reasons": case.risk_reasons,
        "tasks": [
            {
                "id": t.id,
                "role": t.role.value,
                "title": t.title,
                "deadline": t.deadline,
                "due_at": _iso(t.due_at),
                "done_at": _iso(t.done_at),
                "done_by": t.done_by,
            }  # fmt: skip
            for t in case.tasks
        ],
        "notifications": [
            {
                "deadline": n.deadline,
                "recipient": n.recipient,
                "sent_at": _iso(n.sent_at),
                "reference": n.reference,
                "phased": n.phased,
            }  # fmt: skip
            for n in case.notifications
        ],
        "log": [_log_dict(e) for e in case.log],
    }


def _log_dict(entry: Any) -> dict[str, Any]:
    return {
        "at": _iso(entry.at),
        "actor": entry.actor,
        "kind": entry.kind.value,
        "text": entry.text,
        "data": entry.data,
    }


def _clock_dict(c: Any, now: datetime) -> dict[str, Any]:
    left = c.left(now)
    return {
        "deadline": c.deadline.key,
        "recipient": c.deadline.recipient,
        "due_at": _iso(c.due_at),
        "due_local": c.due_local.isoformat() if c.due_local else None,
        "state": c.state.value,
        "owed": c.owed,
        "seconds_left": None if left is None else int(left.total_seconds()),
    }


def _plain(value: Any) -> Any:
    from dataclasses import fields, is_dataclass

    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))
