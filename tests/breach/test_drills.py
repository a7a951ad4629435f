from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import yaml
from sqlalchemy.orm import Session

from trustops.breach import drills
from trustops.breach.drills import Answer, Inject, Milestone, Outcome, ScriptedAnswers
from trustops.breach.models import DrillRun
from trustops.errors import InvalidInput, NotFound

SCENARIO = """
id: test-breach
title: Test breach
kind: breach
summary: A stolen database, found on a Friday evening.
starts_at: "2026-03-13T18:00:00+01:00"
time_zone: Europe/Berlin
roles: [it, legal, pr]
facts:
  people: {EU-GDPR: 1000}
  risk: risk
injects:
  - {at: "+3h", role: pr, text: "A journalist calls."}
  - {at: "+0h", role: it, text: "A ransom e-mail arrives.", questions: ["Who is on call?"]}
milestones:
  - {id: aware, title: Declare the breach, role: it, weight: 20, due: "+2h", why: "Name who may declare."}
  - {id: first-internal-update, title: Tell the team, role: it, weight: 10, due: "+1h"}
  - {id: first-external-update, title: Holding statement, role: pr, weight: 20, due: "+4h"}
  - {id: sa-notified, title: Notify the authority, role: legal, weight: 50, clock: gdpr-art33}
"""
START = datetime(2026, 3, 13, 17, 0, tzinfo=UTC)


def scenario(**changes: object) -> drills.Scenario:
    data = yaml.safe_load(SCENARIO)
    data.update(changes)
    return drills.parse_scenario(yaml.safe_dump(data), "test.yaml")


def scripted(**reached: str | None) -> ScriptedAnswers:
    return ScriptedAnswers(
        {key.replace("_", "-"): None if v is None else drills.parse_offset(v) for key, v in reached.items()}
    )


def perfect() -> ScriptedAnswers:
    return scripted(aware="+1h30m", first_internal_update="+30m", first_external_update="+4h", sa_notified="+70h")


def late_and_missed() -> ScriptedAnswers:
    return scripted(aware="+3h", first_internal_update="+30m", first_external_update="+4h", sa_notified=None)


def outcome(result: drills.DrillResult, milestone_id: str) -> drills.MilestoneResult:
    return next(r for r in result.milestones if r.milestone.id == milestone_id)


@pytest.mark.parametrize(
    ("text", "delta", "written"),
    [
        ("+0h", timedelta(0), "+0h"),
        ("+45m", timedelta(minutes=45), "+45m"),
        ("+2h30m", timedelta(hours=2, minutes=30), "+2h30m"),
        ("+1d", timedelta(days=1), "+1d"),
        ("+1d4h", timedelta(days=1, hours=4), "+1d4h"),
        ("+90m", timedelta(minutes=90), "+1h30m"),
    ],
)
def test_scenario_times_read_and_write_as_offsets_from_the_start(text: str, delta: timedelta, written: str) -> None:
    assert drills.parse_offset(text) == delta
    assert drills.format_offset(delta) == written


@pytest.mark.parametrize("text", ["2h", "+", "+2x", "-1h", "+1h2d", "soon"])
def test_a_malformed_scenario_time_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not a scenario time"):
        drills.parse_offset(text)


def test_a_perfect_run_scores_100_and_reports_no_improvement_to_make() -> None:
    result = drills.run_drill(scenario(), perfect())

    assert result.score == 100.0
    assert {r.outcome for r in result.milestones} == {Outcome.MET}
    report = drills.after_action_report(result, played_at=START, actor="facilitator")
    assert "Score: **100 / 100**" in report
    assert "| None | Keep the playbook and rehearse it again in a year | all | - |" in report
    assert "- None: every milestone was reached in time." in report


def test_a_late_and_a_missed_milestone_cost_half_and_all_of_their_weight() -> None:
    result = drills.run_drill(scenario(), late_and_missed())

    assert outcome(result, "aware").outcome is Outcome.LATE
    assert outcome(result, "aware").points == 10
    assert outcome(result, "sa-notified").outcome is Outcome.MISSED
    assert outcome(result, "sa-notified").points == 0
    # 10 (internal update) + 20 (statement) + 20 × 0.5 (late declaration) + 0 (authority) of 100
    assert result.score == 40.0


def test_the_improvement_plan_names_each_late_or_missed_milestone_with_its_owner() -> None:
    result = drills.run_drill(scenario(), late_and_missed())
    report = drills.after_action_report(result, played_at=START, actor="facilitator")

    plan = report.split("## Improvement plan")[1].split("##")[0]
    rows = [line for line in plan.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert rows == [
        "| Declare the breach: late | Name who may declare. | it | +2h |",
        "| Notify the authority: missed | Rehearse and document the step so it is done by +3d3h. | legal "
        "| `gdpr-art33` |",
    ]
    assert "- Declare the breach (it): reached at +3h, 1h late." in report
    assert "- Notify the authority (legal): never reached; it was due at +3d3h." in report


def test_the_report_has_every_hseep_section_in_order() -> None:
    report = drills.after_action_report(drills.run_drill(scenario(), perfect()), played_at=START, actor="ana")

    headings = [line for line in report.splitlines() if line.startswith("#")]
    assert headings == [
        "# After-action report: Test breach",
        "## Overview",
        "## Objectives",
        "## Timeline",
        "## Strengths",
        "## Areas for improvement",
        "## Improvement plan",
        "## Scoring",
    ]
    assert "- Scenario start: Fri 13 Mar 2026 18:00 CET (2026-03-13 17:00 UTC)" in report
    assert "recorded by ana" in report


def test_the_timeline_puts_each_action_under_the_inject_it_followed() -> None:
    report = drills.after_action_report(drills.run_drill(scenario(), perfect()), played_at=START, actor="ana")

    timeline = report.split("## Timeline")[1].split("##")[0].splitlines()
    first, journalist = (line for line in timeline if line.startswith("| +"))
    assert first == (
        "| +0h | Fri 13 Mar 2026 18:00 CET | **it**: A ransom e-mail arrives. | "
        "+30m Tell the team (met); +1h30m Declare the breach (met) |"
    )
    assert journalist.startswith("| +3h | Fri 13 Mar 2026 21:00 CET | **pr**: A journalist calls. | +4h Holding")
    assert journalist.endswith("+2d22h Notify the authority (met) |")


def test_timings_count_from_the_first_signal() -> None:
    result = drills.run_drill(scenario(), perfect())

    assert result.timings == {
        "time_to_declare": timedelta(hours=1, minutes=30),
        "time_to_first_internal_update": timedelta(minutes=30),
        "time_to_first_external_update": timedelta(hours=4),
    }
    report = drills.after_action_report(result, played_at=START, actor="ana")
    assert "- Time to declare: +1h30m" in report
    assert "- Time to first external update: +4h" in report


def test_the_regulatory_clock_starts_when_the_team_became_aware() -> None:
    result = drills.run_drill(scenario(), late_and_missed())

    assert result.aware_at == START + timedelta(hours=3)
    assert outcome(result, "sa-notified").due == timedelta(hours=3 + 72)
    [art33] = result.clocks
    assert (art33.key, art33.due_at) == ("gdpr-art33", START + timedelta(hours=75))
    assert art33.milestone is not None and art33.milestone.outcome is Outcome.MISSED


def test_a_declaration_never_made_starts_the_clocks_when_it_was_due() -> None:
    answers = scripted(aware=None, first_internal_update="+30m", first_external_update="+4h", sa_notified="+70h")

    result = drills.run_drill(scenario(), answers)

    assert outcome(result, "sa-notified").due == timedelta(hours=2 + 72)
    assert result.score == 80.0


def test_without_an_aware_milestone_the_clocks_start_with_the_scenario() -> None:
    data = yaml.safe_load(SCENARIO)
    data["milestones"] = [m for m in data["milestones"] if m["id"] != "aware"]
    plain = drills.parse_scenario(yaml.safe_dump(data))
    answers = scripted(first_internal_update="+30m", first_external_update="+4h", sa_notified="+73h")

    result = drills.run_drill(plain, answers)

    assert outcome(result, "sa-notified").due == timedelta(hours=72)
    assert outcome(result, "sa-notified").outcome is Outcome.LATE


def test_the_sec_clock_counts_four_business_days_from_the_materiality_milestone_across_a_holiday() -> None:
    listed = scenario(
        starts_at="2026-06-29T10:00:00-04:00",
        roles=["it", "legal", "exec"],
        facts={"people": {"EU-GDPR": 10}, "listed": True, "risk": "risk"},
        injects=[{"at": "+0h", "role": "it", "text": "A researcher reports a public bucket."}],
        milestones=[
            {"id": "aware", "title": "Declare", "role": "it", "weight": 1, "due": "+3h"},
            {"id": "material", "title": "Materiality", "role": "exec", "weight": 1, "due": "+2d"},
            {"id": "sec-8k", "title": "File the 8-K", "role": "legal", "weight": 1, "clock": "sec-8k"},
        ],
    )
    answers = scripted(aware="+1h", material="+2d", sec_8k="+9d")

    result = drills.run_drill(listed, answers)

    # Determined Wed 1 July 10:00 EDT; Fri 3 July is the observed Independence Day: due Wed 8 July 17:30 EDT.
    sec = next(c for c in result.clocks if c.key == "sec-8k")
    assert sec.due_at == datetime(2026, 7, 8, 21, 30, tzinfo=UTC)
    assert outcome(result, "sec-8k").outcome is Outcome.MET


def test_milestones_are_asked_when_due_between_the_injects_in_scenario_time_order() -> None:
    events: list[str] = []

    class Recording:
        def play(self, inject: Inject, *, at: datetime) -> None:
            events.append(f"inject {drills.format_offset(inject.at)} at {at:%H:%M}")

        def ask(self, milestone: Milestone, *, due: timedelta) -> Answer:
            events.append(f"ask {milestone.id} due {drills.format_offset(due)}")
            return Answer(due)

    drills.run_drill(scenario(), Recording())

    assert events == [
        "inject +0h at 17:00",
        "ask first-internal-update due +1h",
        "ask aware due +2h",
        "inject +3h at 20:00",
        "ask first-external-update due +4h",
        "ask sa-notified due +3d2h",
    ]


def test_every_shipped_scenario_loads_and_its_clock_milestones_resolve() -> None:
    shipped = drills.shipped_scenarios()

    assert [(s.id, s.kind) for s in shipped] == [
        ("exposed-cloud-bucket", "breach"),
        ("payment-gateway-outage", "outage"),
        ("stolen-customer-database", "breach"),
    ]
    for found in shipped:
        answers = ScriptedAnswers({m.id: timedelta(0) for m in found.milestones})
        result = drills.run_drill(found, answers)
        assert result.score == 100.0
        assert found.sources and all(s.url.startswith("https://") for s in found.sources)
        exercised = {c.key: c for c in result.clocks if c.milestone is not None}
        for r in result.milestones:
            if r.milestone.clock is not None:
                assert found.start + r.due == exercised[r.milestone.clock].due_at


def test_the_stolen_database_scenario_owes_the_gdpr_and_california_notices() -> None:
    found = drills.find_scenario("stolen-customer-database")
    answers = ScriptedAnswers({m.id: m.due or timedelta(hours=60) for m in found.milestones})

    result = drills.run_drill(found, answers)

    assert [c.key for c in result.clocks] == ["gdpr-art33", "gdpr-art34", "us-ca-residents", "us-ca-ag"]
    # Declared at +2h on Friday 13 March 20:40 CET: the 72 hours end on Monday at 20:40 CET.
    assert result.clocks[0].due_at == datetime(2026, 3, 16, 19, 40, tzinfo=UTC)


SCENARIO_ERRORS = [
    ({"summary": None}, "summary", "None: input should be a valid string"),
    ({"colour": "red"}, "colour", "unknown key"),
    ({"starts_at": "2026-03-13T18:00:00"}, "starts_at", "'2026-03-13T18:00:00': input should have timezone info"),
    ({"time_zone": "Mars/Olympus"}, "time_zone", None),
    ({"kind": "flood"}, "kind", "'flood': input should be 'breach' or 'outage'"),
    ({"roles": ["it", "it"]}, "roles", "'it' is listed twice"),
]


@pytest.mark.parametrize(("changes", "field", "message"), SCENARIO_ERRORS)
def test_an_invalid_scenario_names_the_field(changes: dict[str, object], field: str, message: str | None) -> None:
    with pytest.raises(InvalidInput) as caught:
        scenario(**changes)
    assert caught.value.field == field
    assert caught.value.message.startswith(f"test.yaml: {field}: ")
    if message is not None:
        assert caught.value.message == f"test.yaml: {field}: {message}"


def milestone_change(index: int, **changes: object) -> dict[str, object]:
    milestones = yaml.safe_load(SCENARIO)["milestones"]
    milestones[index] = {**milestones[index], **changes}
    return {"milestones": [{k: v for k, v in m.items() if v is not None} for m in milestones]}


NESTED_ERRORS = [
    (milestone_change(1, role="ceo"), "milestones[1].role", "'ceo' is not one of the scenario's roles (it, legal, pr)"),
    (milestone_change(3, clock="gdpr-art99"), "milestones[3].clock", "'gdpr-art99' is not a deadline key"),
    (milestone_change(3, clock="gdpr-art34"), "milestones[3].clock", "'gdpr-art34' does not apply to this scenario"),
    (milestone_change(3, due="+1h"), "milestones[3]", "give a milestone either `due`"),
    (milestone_change(2, due=None), "milestones[2]", "give a milestone either `due`"),
    (milestone_change(0, due=None, clock="gdpr-art33"), "milestones[0].clock", "the 'aware' milestone starts"),
    (milestone_change(2, id="aware"), "milestones[2].id", "'aware' is used by an earlier milestone"),
    (milestone_change(2, due="+4 hours"), "milestones[2].due", "'+4 hours' is not a scenario time"),
    (milestone_change(2, weight=0), "milestones[2].weight", "0: input should be greater than or equal to 1"),
    (milestone_change(2, id="Holding Statement"), "milestones[2].id", "'Holding Statement': string should match"),
    ({"injects": [{"at": 3, "role": "it", "text": "x"}]}, "injects[0].at", "3 is not a scenario time"),
    ({"injects": [{"at": "+0h", "role": "ceo", "text": "x"}]}, "injects[0].role", "'ceo' is not one of"),
    ({"facts": {"people": {"EU-GDPR": -1}}}, "facts.people.EU-GDPR", "-1: input should be greater than or equal"),
    ({"facts": {"people": {"XX-YY": 5}}}, "facts.people.XX-YY", "'XX-YY' is not a jurisdiction code"),
    ({"facts": {"people": {}}}, "facts.people", "a breach scenario needs the people affected"),
    ({"kind": "outage", "facts": {"components": ["checkout"]}}, "milestones[3].clock", "only breach scenarios"),
]


@pytest.mark.parametrize(("changes", "field", "message"), NESTED_ERRORS)
def test_an_invalid_scenario_names_the_nested_field(changes: dict[str, object], field: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        scenario(**changes)
    assert caught.value.field == field
    assert caught.value.message.startswith(f"test.yaml: {field}: {message}")


def test_a_scenario_that_is_not_yaml_says_where() -> None:
    with pytest.raises(
        InvalidInput, match=r"^broken.yaml:2: not valid YAML or JSON: mapping values are not allowed here"
    ):
        drills.parse_scenario("id: x\ntitle: a: b\n", "broken.yaml")


def test_an_unknown_scenario_id_lists_the_known_ones() -> None:
    with pytest.raises(NotFound) as caught:
        drills.find_scenario("zombie-apocalypse")
    assert caught.value.field == "scenario"
    assert "exposed-cloud-bucket, payment-gateway-outage, stolen-customer-database" in caught.value.message


def test_scripted_answers_are_read_from_yaml_with_notes() -> None:
    text = "reached: {aware: +1h, first-internal-update: +30m, first-external-update: null, sa-notified: +2d}\n"
    text += "notes: {first-external-update: PR was not reachable}\n"

    result = drills.run_drill(scenario(), drills.parse_answers(text, scenario()))

    external = outcome(result, "first-external-update")
    assert (external.reached, external.outcome, external.note) == (None, Outcome.MISSED, "PR was not reachable")
    report = drills.after_action_report(result, played_at=START, actor="ana")
    assert "  Team note: PR was not reachable" in report


def test_scripted_answers_are_read_from_json() -> None:
    text = '{"reached": {"aware": "+1h", "first-internal-update": "+30m", "first-external-update": "+4h",'
    text += ' "sa-notified": "+3d"}}'

    answers = drills.parse_answers(text, scenario(), "answers.json")

    assert answers.reached["sa-notified"] == timedelta(days=3)


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("reached: {aware: +1h}", "reached.first-internal-update", "no answer: give a time like +3h, or null"),
        ("reached: {aware: soon}", "reached.aware", "'soon' is not a scenario time"),
        ("reached: {wake-up: +1h}", "reached.wake-up", "'test-breach' has no milestone 'wake-up'"),
        ("reached: {}\nnotes: {lunch: x}", "notes.lunch", "'test-breach' has no milestone 'lunch'"),
        ("aware: +1h", "reached", "required key is missing"),
    ],
)
def test_scripted_answers_that_do_not_fit_the_scenario_name_the_field(text: str, field: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        drills.parse_answers(text, scenario(), "answers.yaml")
    assert caught.value.field == field
    assert caught.value.message.startswith(f"answers.yaml: {field}: {message}")


def test_a_played_drill_is_stored_with_its_milestones_score_and_report(session: Session) -> None:
    result = drills.run_drill(scenario(), late_and_missed())
    finished = START + timedelta(hours=2)

    row = drills.record_run(session, result, actor="ana", started_at=START, finished_at=finished)

    session.expire_all()
    stored = session.get(DrillRun, row.id)
    assert stored is not None
    assert (stored.scenario, stored.title, stored.kind, stored.actor) == ("test-breach", "Test breach", "breach", "ana")
    assert (stored.started_at, stored.finished_at, stored.score) == (START, finished, 40.0)
    assert [(m["id"], m["due"], m["reached"], m["outcome"], m["points"]) for m in stored.milestones] == [
        ("aware", "+2h", "+3h", "late", 10.0),
        ("first-internal-update", "+1h", "+30m", "met", 10.0),
        ("first-external-update", "+4h", "+4h", "met", 20.0),
        ("sa-notified", "+3d3h", None, "missed", 0.0),
    ]
    assert stored.milestones[3]["due_at"] == "2026-03-16T20:00:00.000+00:00"
    assert stored.report == drills.after_action_report(result, played_at=START, actor="ana")
    assert drills.get_run(session, row.id).id == row.id


def test_an_unknown_drill_run_is_not_found(session: Session) -> None:
    with pytest.raises(NotFound, match="run_id: there is no drill run 424242"):
        drills.get_run(session, 424242)
