"""Drills: tabletop exercises for breaches and outages, played and scored against their deadlines.

A scenario (YAML, see ``docs/drills.md``) gives the facts of a fictitious breach or outage, the injects the
facilitator reads out in scenario time, and the milestones the team is expected to reach, each due either a
fixed time after the start or by a regulatory clock (``trustops.breach.clocks``). Regulatory clocks start when
the team reached the ``aware`` milestone, as in reality: GDPR Art. 33(1) counts 72 hours from awareness.

Running a drill asks an :class:`Answers` source (a scripted file or the facilitator at a terminal) whether and
when each milestone was reached, scores the run and writes an after-action report with an improvement plan in
the shape of the HSEEP After-Action Report / Improvement Plan (AAR/IP).

Sources: NIST SP 800-61 Rev. 3 (https://csrc.nist.gov/pubs/sp/800/61/r3/final): improvement feeds back into
preparation; NIST SP 800-84 (https://csrc.nist.gov/pubs/sp/800/84/final): tabletop exercises; CISA Tabletop
Exercise Packages (https://www.cisa.gov/resources-tools/services/cisa-tabletop-exercise-packages): situation
manual with modules, injects and questions; FEMA HSEEP (https://www.fema.gov/emergency-managers/
national-preparedness/exercises/hseep): the AAR/IP.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol
from zoneinfo import ZoneInfo

import yaml
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
)
from sqlalchemy import select

from trustops import clock
from trustops.breach.models import DrillRun
from trustops.catalog.schema import IanaZone
from trustops.enums import BreachRisk
from trustops.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from trustops.breach.clocks import Clock

# Conventional milestone ids: the clocks start at ``aware`` (GDPR Art. 33(1), EDPB Guidelines 9/2022 §2:
# awareness is reasonable certainty that personal data were compromised), the SEC 8-K clock at ``material``
# (Form 8-K Item 1.05: four business days after the materiality determination), and the report measures the
# time to the first internal and the first external update.
AWARE = "aware"
MATERIAL = "material"
FIRST_INTERNAL_UPDATE = "first-internal-update"
FIRST_EXTERNAL_UPDATE = "first-external-update"

# A late milestone earns half its weight. A late action still counts (GDPR Art. 33(1) accepts a late
# notification "accompanied by reasons for the delay"), but it is a finding of the after-action report.
LATE_CREDIT = 0.5

SLUG = r"^[a-z0-9][a-z0-9-]*$"
_OFFSET = re.compile(r"^\+(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?$")
_SCENARIOS = "scenarios"


def parse_offset(text: str) -> timedelta:
    """Scenario time such as ``+0h``, ``+45m``, ``+2h30m`` or ``+1d4h``: how long after the start."""
    match = _OFFSET.match(text.strip())
    if match is None or not any(match.groupdict().values()):
        raise ValueError(f"{text!r} is not a scenario time: write it like +0h, +45m, +2h30m or +1d")
    days, hours, minutes = (int(match[part] or 0) for part in "dhm")
    return timedelta(days=days, hours=hours, minutes=minutes)


def format_offset(delta: timedelta) -> str:
    """The inverse of :func:`parse_offset`, to the minute: ``+2h30m``, ``+3d``, ``+0h``."""
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    days, rest = divmod(abs(minutes), 24 * 60)
    hours, minutes = divmod(rest, 60)
    text = (f"{days}d" if days else "") + (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "")
    return sign + (text or "0h")


def _offset(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError(f'{value!r} is not a scenario time: write it as a string like "+2h30m"')
    return parse_offset(value)


Offset = Annotated[timedelta, BeforeValidator(_offset), PlainSerializer(format_offset, return_type=str)]
Slug = Annotated[str, Field(pattern=SLUG, max_length=60)]


def _unique(values: list[str]) -> list[str]:
    repeated = sorted({value for value in values if values.count(value) > 1})
    if repeated:
        raise ValueError(f"{repeated[0]!r} is listed twice")
    return values


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    title: str = Field(min_length=1, max_length=300)
    url: str = Field(pattern=r"^https?://\S+$")
    note: str = ""


class Facts(_Strict):
    """What happened. Breach scenarios fill the first group (they feed the clocks), outage ones the second."""

    data_categories: list[str] = Field(default_factory=list)
    people: dict[str, Annotated[int, Field(ge=0)]] = Field(
        default_factory=dict, description="Jurisdiction code (trustops.breach.jurisdictions) -> people affected."
    )
    records: int | None = Field(None, ge=0)
    encrypted: bool = False
    key_compromised: bool = False
    listed: bool = Field(False, description="Shares listed in the US: a material incident needs a Form 8-K.")
    hipaa: bool = Field(False, description="Unsecured protected health information (45 CFR 164.402).")
    risk: BreachRisk | None = None
    components: list[str] = Field(default_factory=list)
    affected_share: float | None = Field(None, gt=0, le=1, description="Share of customers affected, 0-1.")


class Inject(_Strict):
    """One message the facilitator reads out at a scenario time, to one role, with questions to discuss."""

    at: Offset
    role: Slug
    text: str = Field(min_length=1)
    questions: list[str] = Field(default_factory=list)


class Milestone(_Strict):
    """One expected action: due ``due`` after the start, or by the regulatory clock ``clock``."""

    id: Slug
    title: str = Field(min_length=1, max_length=200)
    role: Slug
    weight: int = Field(ge=1, le=100)
    due: Offset | None = None
    clock: str | None = None
    why: str = ""


class Scenario(_Strict):
    """A tabletop exercise: see ``docs/drills.md`` for the format."""

    id: Slug
    title: str = Field(min_length=1, max_length=200)
    kind: Literal["breach", "outage"]
    summary: str = Field(min_length=1)
    starts_at: AwareDatetime
    time_zone: IanaZone = "Etc/UTC"
    roles: Annotated[list[Slug], AfterValidator(_unique)] = Field(min_length=1)
    facts: Facts = Field(default_factory=Facts)
    injects: list[Inject] = Field(min_length=1)
    milestones: list[Milestone] = Field(min_length=1)
    sources: list[Source] = Field(default_factory=list)

    @property
    def start(self) -> datetime:
        return clock.as_utc(self.starts_at)

    def milestone(self, milestone_id: str) -> Milestone | None:
        return next((m for m in self.milestones if m.id == milestone_id), None)


# Loading and checking scenarios ---------------------------------------------------------------------------


def parse_scenario(text: str, name: str = "scenario") -> Scenario:
    """Validate a scenario; every error names the file and the field path (``milestones[2].role``)."""
    data = _read_yaml(text, name)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _invalid(name, *_problem(exc)) from None
    for path, message in _problems(scenario):
        raise _invalid(name, path, message)
    return scenario


def load_scenario(path: Path) -> Scenario:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read the scenario: {exc.strerror}", field="scenario") from None
    return parse_scenario(text, str(path))


def shipped_scenarios() -> list[Scenario]:
    """The scenarios that come with trustops, by id."""
    folder = resources.files("trustops.breach").joinpath(_SCENARIOS)
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)
    return sorted((parse_scenario(f.read_text(encoding="utf-8"), f.name) for f in files), key=lambda s: s.id)


def scenarios_in(folder: Path) -> list[Scenario]:
    if not folder.is_dir():
        raise InvalidInput(f"--dir: {str(folder)!r} is not a folder", field="dir")
    return [load_scenario(path) for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])]


def find_scenario(id_or_file: str, folders: Iterable[Path] = ()) -> Scenario:
    """A scenario file, or a scenario id among the shipped ones and those in ``folders``."""
    path = Path(id_or_file)
    if path.suffix in {".yaml", ".yml"} or path.is_file():
        return load_scenario(path)
    known = [*shipped_scenarios(), *(s for folder in folders for s in scenarios_in(folder))]
    found = next((s for s in reversed(known) if s.id == id_or_file), None)
    if found is None:
        ids = ", ".join(sorted({s.id for s in known}))
        raise NotFound(f"scenario: {id_or_file!r} is neither a file nor a known scenario ({ids})", field="scenario")
    return found


def _read_yaml(text: str, name: str) -> Any:
    try:
        return json.loads(text) if name.endswith(".json") else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{name}:{mark.line + 1}" if mark is not None else name
        problem = getattr(exc, "problem", None) or getattr(exc, "msg", None) or str(exc)
        raise InvalidInput(f"{where}: not valid YAML or JSON: {problem}", field="file") from None


def _invalid(name: str, path: str, message: str) -> InvalidInput:
    return InvalidInput(f"{name}: {path}: {message}" if path else f"{name}: {message}", field=path or None)


def _problem(exc: ValidationError) -> tuple[str, str]:
    error = exc.errors()[0]
    path = _path(error["loc"])
    if error["type"] == "extra_forbidden":
        return path, "unknown key"
    if error["type"] == "missing":
        return path, "required key is missing"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] in {"value_error", "assertion_error"}:
        return path, message
    return path, f"{error.get('input')!r}: {message[:1].lower()}{message[1:]}"


def _path(loc: Sequence[int | str]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _problems(scenario: Scenario) -> Iterable[tuple[str, str]]:
    """Cross-field rules pydantic cannot see field by field; the facts first, as the clocks depend on them."""
    yield from _facts_problems(scenario)
    roles = set(scenario.roles)
    allowed = ", ".join(scenario.roles)
    for i, inject in enumerate(scenario.injects):
        if inject.role not in roles:
            yield f"injects[{i}].role", f"{inject.role!r} is not one of the scenario's roles ({allowed})"
    seen: set[str] = set()
    for i, milestone in enumerate(scenario.milestones):
        where = f"milestones[{i}]"
        if milestone.id in seen:
            yield f"{where}.id", f"{milestone.id!r} is used by an earlier milestone"
        seen.add(milestone.id)
        if milestone.role not in roles:
            yield f"{where}.role", f"{milestone.role!r} is not one of the scenario's roles ({allowed})"
        yield from _due_problems(scenario, milestone, where)


def _due_problems(scenario: Scenario, milestone: Milestone, where: str) -> Iterable[tuple[str, str]]:
    if (milestone.due is None) == (milestone.clock is None):
        yield where, "give a milestone either `due` (like +1h) or `clock` (a deadline key), not both or neither"
    elif milestone.clock is not None:
        if scenario.kind != "breach":
            yield f"{where}.clock", "only breach scenarios have regulatory clocks; give `due` instead"
        elif milestone.id in {AWARE, MATERIAL}:
            yield f"{where}.clock", f"the {milestone.id!r} milestone starts the clocks, so it needs a `due` time"
        elif milestone.clock not in known_deadlines():
            keys = ", ".join(sorted(known_deadlines()))
            yield f"{where}.clock", f"{milestone.clock!r} is not a deadline key ({keys})"
        elif milestone.clock not in {c.deadline.key for c in scenario_clocks(scenario)}:
            yield f"{where}.clock", f"{milestone.clock!r} does not apply to this scenario's facts"


def _facts_problems(scenario: Scenario) -> Iterable[tuple[str, str]]:
    facts = scenario.facts
    if scenario.kind == "breach":
        if not facts.people:
            yield "facts.people", "a breach scenario needs the people affected per jurisdiction code"
        for code in facts.people:
            if code not in known_jurisdictions():
                yield (
                    f"facts.people.{code}",
                    f"{code!r} is not a jurisdiction code (see `trustops breach jurisdictions`)",
                )
        if facts.components or facts.affected_share is not None:
            yield "facts.components", "components and affected_share describe outages, not breaches"
    elif not facts.components:
        yield "facts.components", "an outage scenario names the components that fail"


SEC = "US-SEC"
HIPAA = "US-HIPAA"


# The clocks ------------------------------------------------------------------------------------------------


def known_deadlines() -> set[str]:
    from trustops.breach.jurisdictions import DEADLINES

    return set(DEADLINES)


def known_jurisdictions() -> set[str]:
    from trustops.breach.jurisdictions import REGIMES

    return set(REGIMES)


def scenario_clocks(
    scenario: Scenario, aware_at: datetime | None = None, material_at: datetime | None = None
) -> list[Clock]:
    """The clocks the scenario's facts start when the team became aware at ``aware_at`` (default: its start).

    Regimes that count from discovery (HIPAA, US states) count from awareness too: in a drill the team
    discovers the breach when it declares it. The SEC clock counts from ``material_at`` when given.
    """
    from trustops.breach.clocks import clocks_for

    aware = aware_at or scenario.start
    facts = scenario.facts
    return clocks_for(
        aware_at=aware,
        jurisdictions=scenario_jurisdictions(scenario),
        org_zone=ZoneInfo(scenario.time_zone),
        now=aware,
        discovered_at=aware,
        material_at=material_at or aware,
        risk=facts.risk,
        people_by_jurisdiction=dict(facts.people),
    )


def scenario_jurisdictions(scenario: Scenario) -> list[str]:
    """The jurisdictions of the people affected, plus the SEC's for a listed company and HIPAA's for PHI."""
    facts = scenario.facts
    extra = [code for code, on in ((SEC, facts.listed), (HIPAA, facts.hipaa)) if on and code not in facts.people]
    return [*facts.people, *extra]


# Answers ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """When (scenario time) a milestone was reached, ``None`` if it never was, and what the team noted."""

    at: timedelta | None
    note: str = ""


class Answers(Protocol):
    """Where a drill's answers come from: a scripted file, or the facilitator at a terminal."""

    def play(self, inject: Inject, *, at: datetime) -> None:
        """Present one inject to the players (``at``: its moment in the scenario's time)."""

    def ask(self, milestone: Milestone, *, due: timedelta) -> Answer:
        """Whether and when the team reached ``milestone``, due ``due`` after the start."""


class ScriptedAnswers:
    """Answers written down beforehand: ``reached: {milestone_id: "+3h" | null}`` and optional ``notes``."""

    def __init__(self, reached: Mapping[str, timedelta | None], notes: Mapping[str, str] | None = None) -> None:
        self.reached = dict(reached)
        self.notes = dict(notes or {})
        self.played: list[Inject] = []

    def play(self, inject: Inject, *, at: datetime) -> None:
        self.played.append(inject)

    def ask(self, milestone: Milestone, *, due: timedelta) -> Answer:
        return Answer(self.reached[milestone.id], self.notes.get(milestone.id, ""))


class _AnswersFile(_Strict):
    reached: dict[str, Offset | None]
    notes: dict[str, str] = Field(default_factory=dict)


def parse_answers(text: str, scenario: Scenario, name: str = "answers") -> ScriptedAnswers:
    """Scripted answers for ``scenario``: every milestone answered (``null`` when never reached), no others."""
    data = _read_yaml(text, name)
    try:
        answers = _AnswersFile.model_validate(data)
    except ValidationError as exc:
        raise _invalid(name, *_problem(exc)) from None
    ids = [m.id for m in scenario.milestones]
    for key in [*answers.reached, *answers.notes]:
        if key not in ids:
            section = "reached" if key in answers.reached else "notes"
            raise _invalid(name, f"{section}.{key}", f"{scenario.id!r} has no milestone {key!r} ({', '.join(ids)})")
    for milestone_id in ids:
        if milestone_id not in answers.reached:
            raise _invalid(name, f"reached.{milestone_id}", "no answer: give a time like +3h, or null if never reached")
    return ScriptedAnswers(answers.reached, answers.notes)


def load_answers(path: Path, scenario: Scenario) -> ScriptedAnswers:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read the answers: {exc.strerror}", field="answers") from None
    return parse_answers(text, scenario, str(path))


# Running and scoring ---------------------------------------------------------------------------------------


class Outcome(StrEnum):
    MET = "met"
    LATE = "late"
    MISSED = "missed"


@dataclass(frozen=True)
class MilestoneResult:
    milestone: Milestone
    due: timedelta  # scenario time
    reached: timedelta | None
    note: str = ""

    @property
    def outcome(self) -> Outcome:
        if self.reached is None:
            return Outcome.MISSED
        return Outcome.MET if self.reached <= self.due else Outcome.LATE

    @property
    def points(self) -> float:
        credit = {Outcome.MET: 1.0, Outcome.LATE: LATE_CREDIT, Outcome.MISSED: 0.0}[self.outcome]
        return self.milestone.weight * credit


@dataclass(frozen=True)
class ClockResult:
    """One regulatory clock the scenario started; ``milestone`` is the one that exercised it, if any."""

    key: str
    label: str
    due_at: datetime
    milestone: MilestoneResult | None


@dataclass(frozen=True)
class DrillResult:
    scenario: Scenario
    milestones: list[MilestoneResult]
    injects: list[Inject]
    aware_at: datetime | None = None  # when the regulatory clocks started (breach scenarios)
    clocks: list[ClockResult] = field(default_factory=list)

    @property
    def score(self) -> float:
        """0-100: each milestone's weight when met, half of it when late (``LATE_CREDIT``), nothing when missed."""
        total = sum(r.milestone.weight for r in self.milestones)
        return round(100 * sum(r.points for r in self.milestones) / total, 1)

    def reached(self, milestone_id: str) -> timedelta | None:
        """Scenario time the milestone was reached: time to declare is ``reached("aware")``."""
        return next((r.reached for r in self.milestones if r.milestone.id == milestone_id), None)

    def at(self, offset: timedelta) -> datetime:
        return self.scenario.start + offset

    @property
    def timings(self) -> dict[str, timedelta | None]:
        """Time from the first signal (the scenario start) to the declaration and the first updates."""
        return {
            "time_to_declare": self.reached(AWARE),
            "time_to_first_internal_update": self.reached(FIRST_INTERNAL_UPDATE),
            "time_to_first_external_update": self.reached(FIRST_EXTERNAL_UPDATE),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.id,
            "title": self.scenario.title,
            "kind": self.scenario.kind,
            "starts_at": clock.iso(self.scenario.start),
            "aware_at": clock.iso(self.aware_at),
            "score": self.score,
            "timings": {name: _maybe_offset(value) for name, value in self.timings.items()},
            "milestones": [_milestone_dict(r, self.scenario.start) for r in self.milestones],
            "clocks": [
                {
                    "key": c.key,
                    "label": c.label,
                    "due_at": clock.iso(c.due_at),
                    "milestone": c.milestone.milestone.id if c.milestone else None,
                    "outcome": c.milestone.outcome.value if c.milestone else None,
                }
                for c in self.clocks
            ],
        }


def _maybe_offset(delta: timedelta | None) -> str | None:
    return None if delta is None else format_offset(delta)


def _milestone_dict(result: MilestoneResult, start: datetime) -> dict[str, Any]:
    m = result.milestone
    return {
        "id": m.id,
        "title": m.title,
        "role": m.role,
        "weight": m.weight,
        "clock": m.clock,
        "due": format_offset(result.due),
        "due_at": clock.iso(start + result.due),
        "reached": _maybe_offset(result.reached),
        "reached_at": None if result.reached is None else clock.iso(start + result.reached),
        "outcome": result.outcome.value,
        "points": result.points,
        "note": result.note,
    }


def run_drill(scenario: Scenario, answers: Answers) -> DrillResult:
    """Play a scenario: injects in scenario-time order, each milestone asked once its due time has come.

    1. Milestones due at or before an inject's time are asked before that inject is played.
    2. A clock milestone's due time is known once the milestones that start the clocks (``aware`` and, for the
       SEC clock, ``material``) are answered; a start milestone never reached starts the clocks at its due
       time, the latest moment the team should have reached it.
    3. What is left is asked after the last inject, in due order.
    """
    run = _Run(scenario, answers)
    for inject in sorted(scenario.injects, key=lambda i: i.at):
        run.ask_due_by(inject.at)
        answers.play(inject, at=scenario.start + inject.at)
    run.ask_due_by(None)
    return run.result()


class _Run:
    def __init__(self, scenario: Scenario, answers: Answers) -> None:
        self.scenario = scenario
        self.answers = answers
        self.asked: dict[str, MilestoneResult] = {}
        self.clocks: list[Clock] | None = None
        self.aware_at: datetime | None = None
        self.starters = [m for m in scenario.milestones if m.id in {AWARE, MATERIAL}]
        self.start_clocks_when_known()  # at once when no milestone starts them: at the scenario's start

    def due(self, milestone: Milestone) -> timedelta | None:
        if milestone.due is not None:
            return milestone.due
        if self.clocks is None:
            return None
        found = next(c for c in self.clocks if c.deadline.key == milestone.clock)
        assert found.due_at is not None  # every start event is given: aware, discovered and material
        return found.due_at - self.scenario.start

    def ask_due_by(self, limit: timedelta | None) -> None:
        """Ask every milestone due by ``limit`` (all of them when None), earliest first."""
        while (next_one := self.next_due(limit)) is not None:
            milestone, due = next_one
            answer = self.answers.ask(milestone, due=due)
            self.asked[milestone.id] = MilestoneResult(milestone, due, answer.at, answer.note)
            self.start_clocks_when_known()

    def next_due(self, limit: timedelta | None) -> tuple[Milestone, timedelta] | None:
        ready: list[tuple[timedelta, int, Milestone]] = []
        for i, milestone in enumerate(self.scenario.milestones):
            due = None if milestone.id in self.asked else self.due(milestone)
            if due is not None and (limit is None or due <= limit):
                ready.append((due, i, milestone))
        if not ready:
            return None
        due, _, milestone = min(ready, key=lambda item: (item[0], item[1]))
        return milestone, due

    def start_clocks_when_known(self) -> None:
        if self.clocks is not None or self.scenario.kind != "breach":
            return
        if any(m.id not in self.asked for m in self.starters):
            return
        aware_at, material_at = self.started(AWARE), self.started(MATERIAL)
        self.aware_at = aware_at or self.scenario.start
        self.clocks = scenario_clocks(self.scenario, self.aware_at, material_at)

    def started(self, milestone_id: str) -> datetime | None:
        result = self.asked.get(milestone_id)
        if result is None:
            return None
        return self.scenario.start + (result.reached if result.reached is not None else result.due)

    def result(self) -> DrillResult:
        self.start_clocks_when_known()
        ordered = [self.asked[m.id] for m in self.scenario.milestones]
        by_clock = {r.milestone.clock: r for r in ordered if r.milestone.clock}
        clocks = [
            ClockResult(c.deadline.key, _label(c), c.due_at, by_clock.get(c.deadline.key))
            for c in self.clocks or []
            if c.due_at is not None
        ]
        injects = sorted(self.scenario.injects, key=lambda i: i.at)
        return DrillResult(self.scenario, ordered, injects, self.aware_at, clocks)


def _label(found: Clock) -> str:
    return f"{found.deadline.recipient}, {found.deadline.rule}"


# The after-action report -----------------------------------------------------------------------------------


def after_action_report(result: DrillResult, *, played_at: datetime, actor: str) -> str:
    """The HSEEP-style After-Action Report / Improvement Plan of one run, in Markdown."""
    sections = [
        _overview(result, played_at, actor),
        _objectives(result),
        _timeline(result),
        _strengths(result),
        _improvements(result),
        _improvement_plan(result),
        _scoring(result),
        _sources(result),
    ]
    return "\n\n".join(section for section in sections if section) + "\n"


def _local(result: DrillResult, moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(result.scenario.time_zone)).strftime("%a %d %b %Y %H:%M %Z")


def _when(result: DrillResult, offset: timedelta | None) -> str:
    if offset is None:
        return "not reached"
    return f"{format_offset(offset)} ({_local(result, result.at(offset))})"


def _overview(result: DrillResult, played_at: datetime, actor: str) -> str:
    s = result.scenario
    lines = [
        f"# After-action report: {s.title}",
        "",
        "## Overview",
        "",
        f"- Exercise: `{s.id}`, a tabletop {s.kind} exercise",
        f"- Played: {clock.as_utc(played_at).strftime('%Y-%m-%d %H:%M UTC')}, recorded by {actor}",
        f"- Scenario start: {_local(result, s.start)} ({s.start.strftime('%Y-%m-%d %H:%M UTC')})",
        f"- Participating roles: {', '.join(s.roles)}",
        f"- Score: **{result.score:g} / 100**",
        "",
        s.summary.strip(),
    ]
    return "\n".join(lines)


def _objectives(result: DrillResult) -> str:
    lines = ["## Objectives", "", "| Milestone | Owner | Due | Weight |", "|---|---|---|---|"]
    for r in result.milestones:
        m = r.milestone
        due = f"{_when(result, r.due)}" + (f", clock `{m.clock}`" if m.clock else "")
        lines.append(f"| {_cell(m.title)} | {m.role} | {due} | {m.weight} |")
    return "\n".join(lines)


def _timeline(result: DrillResult) -> str:
    """Each inject with the actions reached from its time until the next inject's."""
    starts = [inject.at for inject in result.injects]
    actions: list[list[MilestoneResult]] = [[] for _ in starts]
    for r in sorted((r for r in result.milestones if r.reached is not None), key=lambda r: r.reached or timedelta()):
        index = max(bisect.bisect_right(starts, r.reached or timedelta()) - 1, 0)
        actions[index].append(r)
    lines = ["## Timeline", "", "| Scenario time | Local time | Inject | Actions |", "|---|---|---|---|"]
    for inject, done in zip(result.injects, actions, strict=True):
        what = "; ".join(f"{format_offset(r.reached or timedelta())} {r.milestone.title} ({r.outcome})" for r in done)
        text = f"**{inject.role}**: {inject.text.strip()}"
        row = [format_offset(inject.at), _local(result, result.at(inject.at)), _cell(text), _cell(what or "none")]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def _strengths(result: DrillResult) -> str:
    met = [r for r in result.milestones if r.outcome is Outcome.MET]
    lines = ["## Strengths", ""]
    lines += [
        f"- {r.milestone.title} ({r.milestone.role}): reached at {format_offset(r.reached or timedelta())}, "
        f"{_margin(r.due - (r.reached or timedelta()))} before it was due at {format_offset(r.due)}."
        for r in met
    ] or ["- No milestone was reached in time."]
    return "\n".join(lines)


def _improvements(result: DrillResult) -> str:
    lines = ["## Areas for improvement", ""]
    for r in result.milestones:
        m = r.milestone
        if r.outcome is Outcome.LATE:
            late = _margin((r.reached or timedelta()) - r.due)
            lines.append(f"- {m.title} ({m.role}): reached at {format_offset(r.reached or r.due)}, {late} late.")
        elif r.outcome is Outcome.MISSED:
            lines.append(f"- {m.title} ({m.role}): never reached; it was due at {format_offset(r.due)}.")
        if r.outcome is not Outcome.MET and r.note:
            lines.append(f"  Team note: {r.note.strip()}")
    if len(lines) == 2:
        lines.append("- None: every milestone was reached in time.")
    return "\n".join(lines)


def _improvement_plan(result: DrillResult) -> str:
    lines = [
        "## Improvement plan",
        "",
        "| Issue | Corrective action | Owner | Deadline it protects |",
        "|---|---|---|---|",
    ]
    for r in result.milestones:
        m = r.milestone
        if r.outcome is Outcome.MET:
            continue
        issue = f"{m.title}: {'late' if r.outcome is Outcome.LATE else 'missed'}"
        action = m.why.strip() or f"Rehearse and document the step so it is done by {format_offset(r.due)}."
        deadline = f"`{m.clock}`" if m.clock else format_offset(r.due)
        lines.append(f"| {_cell(issue)} | {_cell(action)} | {m.role} | {deadline} |")
    if len(lines) == 4:
        lines.append("| None | Keep the playbook and rehearse it again in a year | all | - |")
    return "\n".join(lines)


def _scoring(result: DrillResult) -> str:
    lines = [
        "## Scoring",
        "",
        f"Score: **{result.score:g} / 100**. A milestone reached by its due time earns its weight, a late one "
        f"{LATE_CREDIT:.0%} of it, a missed one nothing.",
        "",
        "| Milestone | Due | Reached | Outcome | Points |",
        "|---|---|---|---|---|",
    ]
    for r in result.milestones:
        due = format_offset(r.due) + (f" (`{r.milestone.clock}`)" if r.milestone.clock else "")
        reached = "-" if r.reached is None else format_offset(r.reached)
        lines.append(
            f"| {_cell(r.milestone.title)} | {due} | {reached} | {r.outcome} | {r.points:g} / {r.milestone.weight} |"
        )
    lines += ["", "Timings from the first signal (scenario start):", ""]
    for name, value in result.timings.items():
        lines.append(f"- {name.replace('_', ' ').capitalize()}: {'-' if value is None else format_offset(value)}")
    if result.clocks:
        lines += _clock_lines(result)
    return "\n".join(lines)


def _clock_lines(result: DrillResult) -> list[str]:
    start = result.aware_at or result.scenario.start
    lines = [
        "",
        f"Regulatory clocks, started at awareness ({_local(result, start)}; the SEC's at the materiality "
        "determination when the scenario has a `material` milestone):",
        "",
        "| Clock | Due | Exercised by | Outcome |",
        "|---|---|---|---|",
    ]
    for c in result.clocks:
        by = c.milestone.milestone.id if c.milestone else "-"
        outcome = c.milestone.outcome.value if c.milestone else "not exercised"
        lines.append(f"| {_cell(c.label)} (`{c.key}`) | {_local(result, c.due_at)} | {by} | {outcome} |")
    return lines


def _sources(result: DrillResult) -> str:
    if not result.scenario.sources:
        return ""
    lines = ["## Sources", ""]
    lines += [f"- [{s.title}]({s.url})" + (f": {s.note.strip()}" if s.note else "") for s in result.scenario.sources]
    return "\n".join(lines)


def _margin(delta: timedelta) -> str:
    return format_offset(delta).removeprefix("+")


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


# Storing runs ----------------------------------------------------------------------------------------------


def record_run(
    session: Session, result: DrillResult, *, actor: str, started_at: datetime, finished_at: datetime | None = None
) -> DrillRun:
    """Store one played drill with its milestones, score and after-action report."""
    finished = clock.as_utc(finished_at or clock.now())
    run = DrillRun(
        scenario=result.scenario.id,
        title=result.scenario.title,
        kind=result.scenario.kind,
        started_at=clock.as_utc(started_at),
        finished_at=finished,
        actor=actor,
        milestones=[_milestone_dict(r, result.scenario.start) for r in result.milestones],
        score=result.score,
        report=after_action_report(result, played_at=started_at, actor=actor),
    )
    session.add(run)
    session.flush()
    return run


def get_run(session: Session, run_id: int) -> DrillRun:
    run = session.get(DrillRun, run_id)
    if run is None:
        raise NotFound(f"run_id: there is no drill run {run_id}", field="run_id")
    return run


def list_runs(session: Session, limit: int = 50) -> list[DrillRun]:
    return list(session.scalars(select(DrillRun).order_by(DrillRun.id.desc()).limit(limit)))
