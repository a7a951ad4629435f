"""Lingering distrust: trust-doubt and reliability mentions by month after resolution, against before."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
import time_machine
from scipy.stats import poisson  # type: ignore[import-untyped]
from sqlalchemy.orm import Session

from tests.factories import make_component, make_incident
from trustops.analytics.distrust import lingering_distrust
from trustops.enums import ComponentStatus
from trustops.errors import InvalidInput
from trustops.listen.models import Mention, MentionIntent
from trustops.listen.schema import Channel, Intent, Sentiment
from trustops.monitor.incidents import resolve_incident
from trustops.monitor.models import Incident

STARTED = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
RESOLVED = STARTED + timedelta(hours=3)
MONTH = timedelta(days=30)
BEFORE = STARTED - timedelta(days=90)  # the default baseline
_serial = count(1)


def add_mentions(
    session: Session,
    n: int,
    start: datetime,
    end: datetime,
    *,
    intents: tuple[Intent, ...] = (Intent.OUTAGE,),
    component: str | None = None,
) -> None:
    """``n`` classified mentions spread evenly over ``[start, end)``, each with ``intents``."""
    for i in range(n):
        published = start + (end - start) * (i + 0.5) / n
        session.add(
            Mention(
                source="test",
                external_id=f"distrust-{next(_serial)}",
                channel=Channel.X,
                published_at=published,
                ingested_at=published,
                text="(classified in the test)",
                sentiment=Sentiment.NEGATIVE,
                sentiment_score=-0.6,
                complaint=True,
                complaint_score=0.9,
                component_id=component,
                component_confidence=0.9 if component else 0.0,
                intents=[MentionIntent(intent=intent, published_at=published) for intent in intents],
            )
        )
    session.flush()


def resolved_incident(session: Session, component: str = "checkout") -> Incident:
    incident = make_incident(session, {component: ComponentStatus.MAJOR_OUTAGE}, started_at=STARTED, now=STARTED)
    return resolve_incident(session, incident.id, actor="test", now=RESOLVED)


def month(k: int) -> tuple[datetime, datetime]:
    return RESOLVED + MONTH * (k - 1), RESOLVED + MONTH * k


def test_a_rise_in_the_first_two_months_lingers_and_month_three_is_back_to_normal(session: Session) -> None:
    incident = resolved_incident(session)
    add_mentions(session, 30, BEFORE, STARTED)  # 10 a month
    add_mentions(session, 30, *month(1), intents=(Intent.TRUST_DOUBT,))
    add_mentions(session, 12, *month(2))
    add_mentions(session, 12, *month(2), intents=(Intent.TRUST_DOUBT,))
    add_mentions(session, 10, *month(3))

    report = lingering_distrust(session, incident, months=3, now=RESOLVED + MONTH * 4)

    assert [(m.month, m.trust_doubt, m.reliability, m.lingering) for m in report.months] == [
        (1, 30, 0, True),
        (2, 12, 12, True),
        (3, 0, 10, False),
    ]
    second = report.months[1]
    assert second.expected_trust_doubt == pytest.approx(0.0)
    assert second.expected_reliability == pytest.approx(10.0)
    assert second.ratio == pytest.approx(2.4)
    assert second.p_value == pytest.approx(poisson.sf(23, 10.0))
    assert report.months_lingering == 2
    assert report.verdict == (
        "Trust-doubt and reliability mentions were still 2.4× their pre-incident rate in month 2 after "
        "resolution (p < 0.001); back to normal from month 3."
    )


def test_a_flat_rate_is_never_lingering(session: Session) -> None:
    incident = resolved_incident(session)
    add_mentions(session, 18, BEFORE, STARTED, intents=(Intent.TRUST_DOUBT,))  # 6 a month
    for k in range(1, 7):
        add_mentions(session, 6, *month(k), intents=(Intent.TRUST_DOUBT,))

    report = lingering_distrust(session, incident, now=RESOLVED + MONTH * 7)

    assert len(report.months) == 6
    assert all(m.trust_doubt == 6 and m.ratio == pytest.approx(1.0) for m in report.months)
    assert not any(m.lingering for m in report.months)
    assert report.months_lingering == 0
    assert report.verdict.startswith("No lingering distrust: ")
    assert "in the 6 months after resolution" in report.verdict


def test_an_empty_baseline_is_floored_at_half_a_mention(session: Session) -> None:
    incident = resolved_incident(session)
    add_mentions(session, 1, *month(1))
    add_mentions(session, 3, *month(2))

    report = lingering_distrust(session, incident, months=2, now=RESOLVED + MONTH * 2)

    one, three = report.months
    floor = 0.5 * 30 / 90
    assert one.expected_reliability + one.expected_trust_doubt == pytest.approx(floor)
    assert one.p_value == pytest.approx(poisson.sf(0, floor)) and one.p_value > 0.05
    assert not one.lingering
    assert three.lingering and three.ratio is None
    assert "3 against none in the 90 days before the incident in month 2" in report.verdict


def test_an_unresolved_incident_is_refused(session: Session) -> None:
    incident = make_incident(session, started_at=STARTED, now=STARTED)

    with pytest.raises(InvalidInput, match=f"incident: {incident.id} is not resolved yet") as raised:
        lingering_distrust(session, incident, now=RESOLVED)

    assert raised.value.field == "incident"


@pytest.mark.parametrize(("field", "value"), [("months", 0), ("baseline_days", 0), ("alpha", 1.0)])
def test_out_of_range_parameters_are_refused_by_name(session: Session, field: str, value: float) -> None:
    incident = resolved_incident(session)

    with pytest.raises(InvalidInput, match=f"^{field}: ") as raised:
        lingering_distrust(session, incident, now=RESOLVED + MONTH, **{field: value})  # type: ignore[arg-type]

    assert raised.value.field == field


def test_a_month_in_progress_is_compared_with_its_elapsed_days(session: Session) -> None:
    incident = resolved_incident(session)
    add_mentions(session, 90, BEFORE, STARTED)  # one a day
    add_mentions(session, 15, RESOLVED + MONTH, RESOLVED + MONTH + timedelta(days=15))
    now = RESOLVED + MONTH + timedelta(days=15)

    report = lingering_distrust(session, incident, now=now)

    assert len(report.months) == 2
    first, current = report.months
    assert first.complete and first.expected_reliability == pytest.approx(30.0)
    assert not current.complete and current.end == now
    assert current.expected_reliability == pytest.approx(15.0)
    assert current.ratio == pytest.approx(1.0) and not current.lingering


def test_the_clock_decides_which_months_have_begun(session: Session) -> None:
    incident = resolved_incident(session)

    with time_machine.travel(RESOLVED, tick=False):
        report = lingering_distrust(session, incident)

    assert report.months == ()
    assert report.verdict.startswith("Too early to tell")


def test_a_mention_counts_once_per_group_however_many_intents_of_it_it_has(session: Session) -> None:
    incident = resolved_incident(session)
    add_mentions(session, 3, BEFORE, STARTED, intents=(Intent.OUTAGE, Intent.SLOWNESS, Intent.LOGIN_FAILURE))
    add_mentions(session, 2, *month(1), intents=(Intent.OUTAGE, Intent.PAYMENT_FAILURE, Intent.TRUST_DOUBT))
    add_mentions(session, 4, *month(1), intents=(Intent.PRIVACY_WORRY,))

    report = lingering_distrust(session, incident, months=1, now=RESOLVED + MONTH)

    assert (report.baseline_trust_doubt, report.baseline_reliability) == (0, 3)
    assert (report.months[0].trust_doubt, report.months[0].reliability) == (2, 2)


def test_mentions_during_the_incident_count_in_neither_period(session: Session) -> None:
    incident = resolved_incident(session)
    add_mentions(session, 5, STARTED, RESOLVED, intents=(Intent.OUTAGE, Intent.TRUST_DOUBT))

    report = lingering_distrust(session, incident, months=1, now=RESOLVED + MONTH)

    assert (report.baseline_trust_doubt, report.baseline_reliability) == (0, 0)
    assert report.months[0].observed == 0


def test_component_only_counts_mentions_about_the_incidents_components(session: Session) -> None:
    make_component(session, "search")
    incident = resolved_incident(session, component="checkout")
    add_mentions(session, 10, BEFORE, STARTED, component="checkout")
    add_mentions(session, 10, BEFORE, STARTED, component="search")
    add_mentions(session, 4, *month(1), component="checkout")
    add_mentions(session, 20, *month(1), component="search")
    add_mentions(session, 7, *month(1))

    everything = lingering_distrust(session, incident, months=1, now=RESOLVED + MONTH)
    own = lingering_distrust(session, incident, months=1, component_only=True, now=RESOLVED + MONTH)

    assert (everything.baseline_reliability, everything.months[0].reliability) == (20, 31)
    assert (own.baseline_reliability, own.months[0].reliability) == (10, 4)
    assert everything.months[0].lingering and not own.months[0].lingering


def test_the_report_serialises_to_json_with_its_verdict(session: Session) -> None:
    incident = resolved_incident(session)
    add_mentions(session, 9, BEFORE, STARTED)
    add_mentions(session, 3, *month(1))

    data = json.loads(json.dumps(lingering_distrust(session, incident, now=RESOLVED + MONTH).to_dict()))

    assert data["incident_id"] == incident.id
    assert data["resolved_at"] == RESOLVED.isoformat()
    assert data["baseline_start"] == BEFORE.isoformat()
    assert data["months"][0]["reliability"] == 3
    assert data["months"][0]["complete"] is True
    assert data["months_lingering"] == 0
    assert data["verdict"].startswith("No lingering distrust")
