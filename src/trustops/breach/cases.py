"""One data-breach case from awareness to closure: facts, tasks, the risk decision, notifications, the log.

Every change is written to the case's append-only log (GDPR Art. 33(5): "the facts relating to the personal
data breach, its effects and the remedial action taken"), including decisions *not* to notify and why, which
the UK ICO asks controllers to keep. The functions take a Session and ``now`` and never commit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from trustops import clock
from trustops.breach.models import BreachCase, BreachLogEntry, BreachNotification, BreachTask
from trustops.breach.playbook import plan
from trustops.catalog.schema import OrganisationSpec
from trustops.enums import BreachLogKind, BreachRisk, BreachRole, BreachStatus
from trustops.errors import Conflict, InvalidInput, NotFound
from trustops.listen.redact import redact

if TYPE_CHECKING:
    from trustops.breach.clocks import Clock

# Fields update_case may change, and the log kind each change is recorded as (Art. 33(5): facts, effects,
# remedial action).
TEXT_FIELDS = {
    "title": BreachLogKind.FACT,
    "nature": BreachLogKind.FACT,
    "consequences": BreachLogKind.EFFECT,
    "measures_taken": BreachLogKind.MEASURE,
    "measures_proposed": BreachLogKind.MEASURE,
}
# Kinds of personal value the case's free text keeps: the log records an attacker's IP address as a fact.
KEPT_IN_TEXT = ("ip",)
TIME_FIELDS = ("aware_at", "discovered_at", "material_at", "occurred_from", "occurred_until", "contained_at")
COUNT_FIELDS = ("people", "records")
UPDATABLE = (*TEXT_FIELDS, *TIME_FIELDS, *COUNT_FIELDS, "data_categories", "people_by_jurisdiction", "incident_id")
# GDPR regimes whose Art. 33/34 duties the risk assessment decides (EU GDPR and the UK GDPR, which is the same).
GDPR_ARTICLE_33 = "art33"
GDPR_ARTICLE_34 = "art34"


@dataclass(frozen=True)
class Assessment:
    """What the risk decision means under GDPR Art. 33 and 34 (and its Art. 34(3) exception, if any)."""

    risk: BreachRisk
    notify_authority: bool
    notify_people: bool
    public_communication: bool
    exception: str | None
    explanation: str
    reasons: tuple[str, ...]
    not_owed: tuple[str, ...] = field(default=())


def decide(
    risk: BreachRisk,
    *,
    encrypted: bool = False,
    key_compromised: bool = False,
    risk_removed: bool = False,
    disproportionate_effort: bool = False,
    reasons: Sequence[str] = (),
) -> Assessment:
    """GDPR Art. 33(1) and 34(1)-(3) applied to one risk level.

    - unlikely to result in a risk: no notification owed, the breach is still documented (Art. 33(5));
    - a risk: the supervisory authority is notified (Art. 33(1)); people only when the risk is high;
    - a high risk: people are told (Art. 34(1)) unless (a) the data were unintelligible to others, e.g.
      encrypted with a key that was not compromised, (b) later measures make the high risk no longer likely,
      or (c) telling each person would take disproportionate effort: then a public communication instead.
    """
    why = tuple(reasons)
    if risk is BreachRisk.UNLIKELY:
        text = "Unlikely to result in a risk: no notification owed; the breach is documented (GDPR Art. 33(5))."
        return Assessment(risk, False, False, False, None, text, why)
    if risk is BreachRisk.RISK:
        text = "A risk but not a high risk: notify the supervisory authority (Art. 33(1)); people need not be told."
        return Assessment(risk, True, False, False, None, text, why)
    if encrypted and not key_compromised:
        text = (
            "High risk, but the data are unintelligible (encrypted, key safe): people need not be told (Art. 34(3)(a))."
        )
        return Assessment(risk, True, False, False, "34(3)(a)", text, why)
    if risk_removed:
        text = "High risk no longer likely after the measures taken: people need not be told (Art. 34(3)(b))."
        return Assessment(risk, True, False, False, "34(3)(b)", text, why)
    if disproportionate_effort:
        text = "High risk; telling each person would take disproportionate effort: a public communication instead (Art. 34(3)(c))."
        return Assessment(risk, True, False, True, "34(3)(c)", text, why)
    text = "High risk: notify the supervisory authority (Art. 33) and tell the people affected (Art. 34(1))."
    return Assessment(risk, True, True, False, None, text, why)


# --- opening and reading ---------------------------------------------------------------------------------------


def open_case(
    session: Session,
    *,
    title: str,
    aware_at: datetime,
    actor: str,
    now: datetime,
    discovered_at: datetime | None = None,
    material_at: datetime | None = None,
    nature: str = "",
    data_categories: Iterable[str] = (),
    people: int | None = None,
    records: int | None = None,
    people_by_jurisdiction: Mapping[str, int] | None = None,
    incident_id: int | None = None,
    drill: bool = False,
    organisation: OrganisationSpec | None = None,
) -> BreachCase:
    """Open a case, plan its playbook tasks (due when their clocks are) and log the first facts."""
    now = clock.as_utc(now)
    case = BreachCase(
        title=_title(title),
        aware_at=_past(aware_at, "aware_at", now),
        discovered_at=_past(discovered_at, "discovered_at", now),
        material_at=_past(material_at, "material_at", now),
        nature=_free_text(nature),
        data_categories=_categories(data_categories),
        people=_count(people, "people"),
        records=_count(records, "records"),
        people_by_jurisdiction=_jurisdictions(people_by_jurisdiction or {}),
        incident_id=_incident(session, incident_id),
        drill=drill,
        created_by=actor,
        created_at=now,
        updated_at=now,
        counts_source="entered",
        risk_reasons=[],
    )
    session.add(case)
    session.flush()
    for planned in plan(clocks_of(case, organisation, now=now)):
        case.tasks.append(
            BreachTask(
                role=planned.role,
                title=planned.title,
                detail=planned.detail,
                deadline=planned.deadline,
                due_at=planned.due_at,
                created_at=now,
            )
        )
    facts = {k: _jsonable(getattr(case, k)) for k in ("aware_at", "people", "records", "people_by_jurisdiction")}
    add_log(session, case, kind=BreachLogKind.FACT, text=_opening_text(case), actor=actor, now=now, data=facts)
    session.flush()
    return case


def get_case(session: Session, case_id: int) -> BreachCase:
    case = session.get(
        BreachCase,
        case_id,
        options=[selectinload(BreachCase.tasks), selectinload(BreachCase.log), selectinload(BreachCase.notifications)],
    )
    if case is None:
        raise NotFound(f"breach case {case_id} does not exist", field="case_id")
    return case


def list_cases(session: Session, *, open_only: bool = False, limit: int = 200) -> list[BreachCase]:
    """Cases, newest awareness first; drills included (they are marked)."""
    query = select(BreachCase).options(selectinload(BreachCase.notifications)).order_by(BreachCase.aware_at.desc())
    if open_only:
        query = query.where(BreachCase.status != BreachStatus.CLOSED)
    return list(session.scalars(query.limit(limit)))


def clocks_of(case: BreachCase, organisation: OrganisationSpec | None, *, now: datetime) -> list[Clock]:
    """The case's clocks for this organisation (the defaults when none is configured)."""
    from trustops.breach.clocks import case_clocks

    return case_clocks(case, organisation or OrganisationSpec(), now=now)


# --- changing facts --------------------------------------------------------------------------------------------


def update_case(
    session: Session,
    case: BreachCase,
    changes: Mapping[str, Any],
    *,
    actor: str,
    now: datetime,
    organisation: OrganisationSpec | None = None,
) -> list[str]:
    """Change facts of an open case; each change is logged with its old and new value. Returns the fields
    changed. Task due times follow changed clocks, and a clock the change starts gets its "notify" task."""
    _must_be_open(case)
    now = clock.as_utc(now)
    changed = []
    for name, value in changes.items():
        if name not in UPDATABLE:
            raise InvalidInput(f"{name}: not a field that can be changed (allowed: {', '.join(UPDATABLE)})", field=name)
        new = _clean(session, name, value, now)
        old = getattr(case, name)
        if new == old:
            continue
        setattr(case, name, new)
        changed.append(name)
        kind = TEXT_FIELDS.get(name, BreachLogKind.FACT)
        data = {"field": name, "old": _jsonable(old), "new": _jsonable(new)}
        add_log(session, case, kind=kind, text=_change_text(name, old, new), actor=actor, now=now, data=data)
    if changed:
        if set(changed) & {*COUNT_FIELDS, "people_by_jurisdiction"}:
            case.counts_source = "entered"
        if "contained_at" in changed and case.contained_at is not None and case.status is BreachStatus.OPEN:
            case.status = BreachStatus.CONTAINED
        case.updated_at = now
        replan(case, organisation, now=now)
    session.flush()
    return changed


def import_counts(
    session: Session,
    case: BreachCase,
    rows: Iterable[Mapping[str, Any]],
    *,
    actor: str,
    now: datetime,
    organisation: OrganisationSpec | None = None,
) -> dict[str, int]:
    """Count the people affected per jurisdiction from one row per person (a ``jurisdiction`` column).

    Only the counts are kept: the rows themselves (who was affected) never reach trustops' database.
    """
    _must_be_open(case)
    now = clock.as_utc(now)
    counts: Counter[str] = Counter()
    for number, row in enumerate(rows, start=1):
        if "jurisdiction" not in row:
            raise InvalidInput(f"row {number}: no 'jurisdiction' column", field="jurisdiction")
        code = str(row["jurisdiction"] or "").strip()
        if not code:
            raise InvalidInput(f"row {number}: jurisdiction is empty", field="jurisdiction")
        counts[code] += 1
    if not counts:
        raise InvalidInput("rows: no row to count", field="rows")
    by_jurisdiction = _jurisdictions(dict(counts), field_name="jurisdiction")
    old = {"people": case.people, "people_by_jurisdiction": dict(case.people_by_jurisdiction)}
    case.people_by_jurisdiction = by_jurisdiction
    case.people = sum(by_jurisdiction.values())
    case.counts_source = "imported"
    case.updated_at = now
    text = f"Counts imported: {case.people:,} people in {len(by_jurisdiction)} jurisdiction(s)."
    data = {"field": "people_by_jurisdiction", "old": old, "new": by_jurisdiction, "source": "imported"}
    add_log(session, case, kind=BreachLogKind.FACT, text=text, actor=actor, now=now, data=data)
    replan(case, organisation, now=now)
    session.flush()
    return by_jurisdiction


def replan(case: BreachCase, organisation: OrganisationSpec | None, *, now: datetime) -> None:
    """Move open tasks' due times to their clocks' and add a "notify" task for a clock that has none."""
    planned = plan(clocks_of(case, organisation, now=now))
    due = {(p.role, p.title): p for p in planned}
    existing = {(t.role, t.title) for t in case.tasks}
    for task in case.tasks:
        match = due.get((task.role, task.title))
        if match is not None and task.done_at is None:
            task.deadline, task.due_at = match.deadline, match.due_at
    for p in planned:
        if (p.role, p.title) not in existing:
            case.tasks.append(
                BreachTask(
                    role=p.role, title=p.title, detail=p.detail, deadline=p.deadline, due_at=p.due_at, created_at=now
                )
            )


# --- the risk decision ------------------------------------------------------------------------------------------


def assess(
    session: Session,
    case: BreachCase,
    *,
    risk: BreachRisk,
    reasons: Sequence[str],
    actor: str,
    now: datetime,
    encrypted: bool | None = None,
    key_compromised: bool | None = None,
    risk_removed: bool | None = None,
    disproportionate_effort: bool | None = None,
) -> Assessment:
    """Record the risk assessment and what it means, as a DECISION entry with its reasons.

    A decision *not* to notify names the deadlines it releases (``data["deadlines"]``), so closing the case
    sees them documented (GDPR Art. 33(5); ICO: record decisions not to report, and why).
    """
    _must_be_open(case)
    why = [_free_text(r) for r in reasons if r and r.strip()]
    if not why:
        raise InvalidInput("reasons: give at least one reason for the assessment (GDPR Art. 33(5))", field="reasons")
    now = clock.as_utc(now)
    for name, value in (
        ("encrypted", encrypted),
        ("key_compromised", key_compromised),
        ("risk_removed", risk_removed),
        ("disproportionate_effort", disproportionate_effort),
    ):
        if value is not None:
            setattr(case, name, value)
    outcome = decide(
        risk,
        encrypted=case.encrypted,
        key_compromised=case.key_compromised,
        risk_removed=case.risk_removed,
        disproportionate_effort=case.disproportionate_effort,
        reasons=why,
    )
    released = _released_deadlines(case, outcome)
    outcome = replace(outcome, not_owed=tuple(released))
    case.risk, case.risk_reasons, case.updated_at = risk, why, now
    data = {
        "risk": risk.value,
        "exception": outcome.exception,
        "notify_authority": outcome.notify_authority,
        "notify_people": outcome.notify_people,
        "public_communication": outcome.public_communication,
        "reasons": why,
        "deadlines": released,
        "encrypted": case.encrypted,
        "key_compromised": case.key_compromised,
        "risk_removed": case.risk_removed,
        "disproportionate_effort": case.disproportionate_effort,
    }
    text = f"{outcome.explanation} Reasons: {'; '.join(why)}."
    add_log(session, case, kind=BreachLogKind.DECISION, text=text, actor=actor, now=now, data=data)
    session.flush()
    return outcome


def _released_deadlines(case: BreachCase, outcome: Assessment) -> list[str]:
    """The GDPR deadline keys (EU and UK) of the case's jurisdictions this decision says are not owed."""
    from trustops.breach.jurisdictions import regime

    released = []
    for code in case.people_by_jurisdiction:
        for deadline in regime(code).deadlines:
            if deadline.key.endswith(GDPR_ARTICLE_33) and not outcome.notify_authority:
                released.append(deadline.key)
            elif deadline.key.endswith(GDPR_ARTICLE_34) and not (outcome.notify_people or outcome.public_communication):
                released.append(deadline.key)
    return sorted(set(released))


# --- notifications, log, tasks, closing --------------------------------------------------------------------------


def record_notification(
    session: Session,
    case: BreachCase,
    *,
    deadline: str,
    recipient: str,
    sent_at: datetime,
    reference: str = "",
    phased: bool = False,
    actor: str,
    now: datetime | None = None,
) -> BreachNotification:
    """Record a notification made; it stops its deadline's clock and completes the tasks tied to it.

    ``phased``: a first report with the rest to follow, which GDPR Art. 33(4) allows and which meets the clock.
    """
    now = clock.as_utc(now or clock.now())
    key = _deadline_key(deadline)
    if not recipient.strip():
        raise InvalidInput("recipient: say who was notified, e.g. 'ICO' or 'individuals'", field="recipient")
    sent = _past(sent_at, "sent_at", now)
    assert sent is not None
    note = BreachNotification(
        deadline=key,
        recipient=recipient.strip(),
        sent_at=sent,
        reference=reference.strip(),
        phased=phased,
        recorded_by=actor,
    )
    case.notifications.append(note)
    for task in case.tasks:
        if (
            task.deadline == key
            and task.role is BreachRole.LEGAL
            and task.title.startswith("Notify")
            and not task.done_at
        ):
            task.done_at, task.done_by = sent, actor
    text = f"Notified {note.recipient} ({key}){' — first, phased report (Art. 33(4))' if phased else ''}" + (
        f", reference {note.reference}." if note.reference else "."
    )
    data = {"deadline": key, "recipient": note.recipient, "sent_at": _jsonable(sent), "reference": note.reference,
            "phased": phased}  # fmt: skip
    add_log(session, case, kind=BreachLogKind.NOTIFICATION, text=text, actor=actor, now=now, data=data)
    case.updated_at = now
    session.flush()
    return note


def add_log(
    session: Session,
    case: BreachCase,
    *,
    kind: BreachLogKind,
    text: str,
    actor: str,
    now: datetime,
    data: Mapping[str, Any] | None = None,
    deadline: str | None = None,
) -> BreachLogEntry:
    """Append one entry to the case's Art. 33(5) log; ``deadline`` ties a DELAY or DECISION entry to a clock."""
    if not text.strip():
        raise InvalidInput("text: a log entry needs text", field="text")
    if deadline is None and kind is BreachLogKind.DELAY:
        raise InvalidInput("deadline: a delay entry names the deadline it explains (Art. 33(1))", field="deadline")
    payload = dict(data or {})
    if deadline is not None:
        payload["deadline"] = _deadline_key(deadline)
    entry = BreachLogEntry(at=clock.as_utc(now), actor=actor, kind=kind, text=_free_text(text), data=payload)
    case.log.append(entry)
    session.flush()
    return entry


def complete_task(session: Session, case: BreachCase, task_id: int, *, actor: str, now: datetime) -> BreachTask:
    """Mark one task done (IT's are remedial action, logged as a MEASURE)."""
    task = next((t for t in case.tasks if t.id == task_id), None)
    if task is None:
        raise NotFound(f"task {task_id} is not a task of breach case {case.id}", field="task_id")
    if task.done_at is not None:
        return task
    now = clock.as_utc(now)
    task.done_at, task.done_by = now, actor
    kind = BreachLogKind.MEASURE if task.role is BreachRole.IT else BreachLogKind.NOTE
    add_log(
        session, case, kind=kind, text=f"Done ({task.role.value}): {task.title}.", actor=actor, now=now,
        data={"task_id": task.id},
    )  # fmt: skip
    return task


def undocumented(case: BreachCase, clocks: Sequence[Clock]) -> list[Clock]:
    """Clocks that are owed and neither met nor explained by a DELAY or DECISION entry naming them."""
    documented = set()
    for entry in case.log:
        if entry.kind in (BreachLogKind.DELAY, BreachLogKind.DECISION):
            documented.add(entry.data.get("deadline"))
            documented.update(entry.data.get("deadlines") or ())
    return [c for c in clocks if c.met_at is None and c.due_at is not None and c.deadline.key not in documented]


def close_case(
    session: Session, case: BreachCase, *, actor: str, now: datetime, organisation: OrganisationSpec | None = None
) -> BreachCase:
    """Close the case; refused while an owed clock is neither met nor documented, naming each such deadline."""
    _must_be_open(case)
    now = clock.as_utc(now)
    if case.risk is None:
        raise Conflict(
            f"breach case {case.id} has no risk assessment: assess it before closing (GDPR Art. 33(5))", field="risk"
        )
    missing = undocumented(case, clocks_of(case, organisation, now=now))
    if missing:
        names = ", ".join(f"{c.deadline.key} ({c.deadline.recipient})" for c in missing)
        raise Conflict(
            f"deadline: {names} neither met nor documented; record the notification, or a decision or delay "
            "entry naming it, before closing",
            field="deadline",
        )
    case.status, case.closed_at, case.updated_at = BreachStatus.CLOSED, now, now
    add_log(session, case, kind=BreachLogKind.NOTE, text="Case closed.", actor=actor, now=now)
    return case


# --- validation --------------------------------------------------------------------------------------------------


def _must_be_open(case: BreachCase) -> None:
    if case.status is BreachStatus.CLOSED:
        raise Conflict(f"breach case {case.id} is closed", field="status")


def _free_text(value: str) -> str:
    """Text as stored: stripped, with e-mail addresses, phone, card and account numbers and national ids
    replaced by placeholders. A breach record counts the people affected; it must not copy their data."""
    return redact(value.strip(), keep=KEPT_IN_TEXT).text


def _title(value: str) -> str:
    title = _free_text(value)
    if not title or len(title) > 200:
        raise InvalidInput(f"title: must be 1 to 200 characters (got {len(title)})", field="title")
    return title


def _past(value: datetime | None, name: str, now: datetime) -> datetime | None:
    if value is None:
        return None
    moment = clock.as_utc(value)
    if moment > now:
        raise InvalidInput(f"{name}: {moment.isoformat()} is in the future", field=name)
    return moment


def _count(value: int | None, name: str) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise InvalidInput(f"{name}: must be a whole number of at least 0 (got {value!r})", field=name)
    return value


def _categories(values: Iterable[str]) -> list[str]:
    if isinstance(values, str):
        values = [values]
    found = []
    for value in values:
        text = str(value).strip()
        if not text or len(text) > 64:
            raise InvalidInput(f"data_categories: {value!r} must be 1 to 64 characters", field="data_categories")
        if text not in found:
            found.append(text)
    return found


def _jurisdictions(values: Mapping[str, int], *, field_name: str = "people_by_jurisdiction") -> dict[str, int]:
    from trustops.breach.jurisdictions import regime

    clean: dict[str, int] = {}
    for code, count in values.items():
        known = regime(str(code), field=field_name)
        clean[known.code] = clean.get(known.code, 0) + (_count(count, f"{field_name}.{code}") or 0)
    return clean


def _incident(session: Session, incident_id: int | None) -> int | None:
    from trustops.monitor.models import Incident

    if incident_id is not None and session.get(Incident, incident_id) is None:
        raise InvalidInput(f"incident_id: incident {incident_id} does not exist", field="incident_id")
    return incident_id


def _deadline_key(value: str) -> str:
    from trustops.breach.jurisdictions import deadline

    return deadline(value.strip()).key


def _clean(session: Session, name: str, value: Any, now: datetime) -> Any:
    if name == "title":
        return _title(str(value))
    if name in TEXT_FIELDS:
        return _free_text(str(value or ""))
    if name in TIME_FIELDS:
        if name == "aware_at" and value is None:
            raise InvalidInput("aware_at: required; it starts the GDPR clock", field="aware_at")
        return _past(_as_datetime(value, name), name, now)
    if name in COUNT_FIELDS:
        return _count(value, name)
    if name == "data_categories":
        return _categories(value or ())
    if name == "people_by_jurisdiction":
        return _jurisdictions(value or {})
    return _incident(session, value)


def _as_datetime(value: Any, name: str) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"{name}: {value!r} is not an ISO 8601 time", field=name) from None


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return clock.iso(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _opening_text(case: BreachCase) -> str:
    people = f"{case.people:,} people" if case.people is not None else "number of people not yet known"
    where = ", ".join(f"{k} {v:,}" for k, v in case.people_by_jurisdiction.items()) or "no jurisdiction yet"
    cats = ", ".join(case.data_categories) or "data categories not yet known"
    return f"Case opened. Aware {case.aware_at:%Y-%m-%d %H:%M} UTC; {people}; {cats}; {where}."


def _change_text(name: str, old: Any, new: Any) -> str:
    return f"{name.replace('_', ' ').capitalize()}: {_jsonable(old)!s} → {_jsonable(new)!s}."
