"""The executive post-incident report: each section says what the stores hold about the incident, and
plainly when they hold nothing."""

from __future__ import annotations

import json
import logging
import sys
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from tests.analytics.test_churn_html import contrast
from tests.factories import make_incident
from tests.reports.world import (
    NOW,
    PERSONAL,
    POLICY,
    RESOLVED,
    SECRET,
    START,
    page_count,
    payment_outage,
    pdf_parts,
    pdf_texts,
)
from trustops.analytics import store
from trustops.enums import ComponentStatus, IncidentState
from trustops.errors import NotFound
from trustops.monitor.incidents import Change, update_incident
from trustops.reports.facts import IncidentReport
from trustops.reports.incident_report import incident_report
from trustops.reports.render import DETAIL, PALETTE, PdfUnavailable, render_html, render_pdf, trimmed

NO_CHURN = "No churn analysis recorded for this incident yet — run `trustops analytics churn --incident {} --record`."


def report_of(session: Session, incident_id: int) -> IncidentReport:
    return incident_report(session, incident_id, policy=POLICY, secret=SECRET, now=NOW)


@pytest.fixture
def outage(session: Session) -> IncidentReport:
    return report_of(session, payment_outage(session).id)


def test_the_overview_says_when_it_ran_and_what_it_touched(outage: IncidentReport) -> None:
    overview = outage.overview
    assert (overview.title, overview.state, overview.impact, overview.components) == (
        "Card payments declined",
        "resolved",
        "critical",
        ("Payment gateway",),
    )
    assert (overview.started_at, overview.resolved_at, overview.minutes) == (START, RESOLVED, 120.0)
    assert outage.summary[0] == (
        "Card payments declined (critical impact) lasted 2 h, from 2026-03-02 14:00 to 16:00 UTC, "
        "and affected Payment gateway."
    )


def test_who_was_hit_comes_from_the_exposure_ledger_by_tier_and_key_account(outage: IncidentReport) -> None:
    reach = outage.reach
    assert (reach.affected, reach.active, reach.share, reach.value) == (18, 60, 0.3, 127_000.0)
    assert [(t.tier, t.affected, t.value) for t in reach.tiers] == [
        ("enterprise", 3, 120_000.0),
        ("loyal", 5, 5_000.0),
        ("regular", 10, 2_000.0),
    ]
    assert [(a.account, a.affected, a.value) for a in reach.accounts] == [
        ("Acme Retail", 2, 80_000.0),
        ("Globex", 1, 40_000.0),
    ]
    assert outage.summary[1] == (
        "18 customers saw errors (30.0% of 60 active customers), worth 127,000 a year, "
        "among them 3 enterprise users at 2 key accounts."
    )


def test_what_customers_said_counts_only_mentions_of_its_components_in_its_window(outage: IncidentReport) -> None:
    voice = outage.voice
    assert (voice.mentions, voice.negative, voice.complaints) == (5, 5, 5)
    assert voice.intents[0] == ("Payment-failure reports", 4)
    assert len(voice.quotes) == 3 and all(q.channel == "x" for q in voice.quotes)
    assert sum(b.mentions for b in voice.bins) == 5  # the chart's span reaches back hours, not two days
    assert outage.summary[2].startswith("Customers posted 5 mentions about these components, 100.0% of them negative")


def test_quotes_are_the_redacted_texts(session: Session) -> None:
    incident = payment_outage(session)
    report = incident_report(session, incident.id, policy=POLICY, secret=SECRET, now=NOW)
    everything = json.dumps(report.to_dict()) + render_html(report)

    assert "jane.doe@example.com" not in everything and "4111" not in everything
    assert "enterprise-00000" not in everything  # users are counted, never named
    assert PERSONAL not in everything


def test_what_we_told_them_times_the_first_update_and_checks_the_cadence(outage: IncidentReport) -> None:
    comms = outage.comms
    assert (comms.channel, comms.rule) == ("status_page", "share-above-status-page")
    assert comms.reason is not None and comms.reason.startswith("30% of active users were affected (18 of 60)")
    assert [u.state for u in comms.updates] == ["investigating", "identified", "monitoring", "resolved"]
    assert (comms.first_update_minutes, comms.first_update_target, comms.first_update_on_time) == (0.0, 15, True)
    assert (comms.gaps, comms.late_gaps, comms.cadence_minutes) == (3, 1, 30)  # 80 minutes between two updates
    assert comms.apology == "Payments work again. We are sorry for the trouble this caused."
    assert comms.apology_at == RESOLVED
    assert outage.summary[3] == (
        "It was handled on the public status page; the first customer-facing update went out on detection "
        "(on time: the target is 15 min), 4 in all; 1 gap between updates broke the cadence (every 30 min)."
    )


def test_the_timeline_keeps_what_an_executive_reads_and_leaves_out_component_noise(outage: IncidentReport) -> None:
    whats = [m.what for m in outage.timeline]
    assert whats == ["Opened", "Identified", "Monitoring", "Resolved", "Channel decision"]
    assert outage.timeline[1].by == "team" and outage.timeline[-1].by == "trustops"  # user:alice; the rules
    assert outage.timeline[1].audience == "public"


def test_the_guard_section_shows_the_windows_the_incident_opened_for_the_customers_it_hit(
    outage: IncidentReport,
) -> None:
    guard = outage.guard
    assert [(h.rule, h.users, h.until, h.active) for h in guard.holds] == [
        ("outage_cooldown", 18, RESOLVED + timedelta(days=POLICY.cooldown_max_days), True),
        ("help_not_offers", 18, RESOLVED + timedelta(days=POLICY.help_window_days), True),
    ]
    thank_you = guard.thank_you
    assert thank_you is not None
    assert thank_you.eligible + thank_you.held_out == 8  # the enterprise and loyal customers hit
    assert (thank_you.stable_since, thank_you.ready) == (RESOLVED, False)
    assert thank_you.ready_at == RESOLVED + timedelta(days=POLICY.thank_you_stable_days)
    assert (guard.runs, guard.held_back) == (1, 15)  # its two rules, not no_offers_after_error


def test_the_newest_churn_run_gives_the_debt_with_its_interval(outage: IncidentReport) -> None:
    churn = outage.churn
    assert churn is not None and churn.debt is not None
    assert (churn.debt.total.value, churn.debt.total.low, churn.debt.total.high) == (48_000.0, 24_000.0, 72_000.0)
    assert (churn.debt.currency, churn.debt.horizon_days, churn.treated, churn.controls) == ("EUR", 60, 80, 210)
    assert outage.summary[4] == (
        "Silent churn left a reputational debt of EUR 48,000 over 60 days (95% CI EUR 24,000 to EUR 72,000), "
        "measured on 80 affected customers."
    )
    assert outage.trust is not None and outage.trust.drop > 0 and outage.trust.remaining <= outage.trust.drop


def test_a_later_run_replaces_the_figures_of_an_earlier_one(session: Session) -> None:
    from tests.analytics.sample_churn import sample_report

    incident = payment_outage(session)
    store.record(session, sample_report(incident_id=incident.id, debt_total=60_000.0), actor="cli")
    churn = report_of(session, incident.id).churn
    assert churn is not None and churn.debt is not None and churn.debt.total.value == 60_000.0


def test_an_incident_without_data_says_so_in_every_section_and_invents_nothing(session: Session) -> None:
    incident = make_incident(session, {"search": ComponentStatus.DEGRADED_PERFORMANCE}, title="Slow search", now=START)
    report = report_of(session, incident.id)

    assert report.churn is None and report.trust is None
    assert report.summary[1] == "No customer is recorded as having seen an error on these components while it lasted."
    assert report.summary[2].startswith("No customer mentions about these components were recorded")
    assert report.summary[4] == NO_CHURN.format(incident.id)
    assert report.guard.holds == () and report.guard.thank_you is None
    assert (report.reach.affected, report.voice.mentions, report.comms.deliveries) == (0, 0, ())
    page = render_html(report)
    assert "No churn analysis recorded for this incident yet" in page
    assert f"trustops analytics churn --incident {incident.id} --record" in page
    assert "No customer was hit, so the guard held nothing back" in page


def test_an_open_incident_is_reported_as_running(session: Session) -> None:
    incident = make_incident(session, title="Checkout down", now=NOW - timedelta(minutes=45))
    update_incident(session, incident.id, Change(state=IncidentState.IDENTIFIED), actor="user:bob", now=NOW)
    report = report_of(session, incident.id)
    assert report.overview.resolved_at is None and report.overview.minutes == 45.0
    assert report.summary[0] == (
        "Checkout down (critical impact) has been running for 45 min since 2026-03-02 17:15 UTC and is still "
        "identified; it affects Checkout."
    )
    assert report.comms.apology is None


def test_an_unknown_incident_is_not_found_naming_the_field(session: Session) -> None:
    with pytest.raises(NotFound) as raised:
        report_of(session, 404)
    assert raised.value.field == "incident_id"


def test_the_json_form_is_plain_json_with_the_figures(outage: IncidentReport) -> None:
    data = json.loads(json.dumps(outage.to_dict()))
    assert data["reach"]["affected"] == 18
    assert data["voice"]["negative_share"] == 1.0
    assert data["comms"]["first_update_on_time"] is True
    assert data["churn"]["debt"]["total"]["value"] == 48_000.0
    assert data["overview"]["started_at"] == START.isoformat()


def test_the_page_shows_the_stored_figures_and_describes_its_charts(outage: IncidentReport) -> None:
    page = render_html(outage)
    for figure in ("18", "30.0%", "127,000", "Acme Retail", "Globex", "EUR 48,000", "EUR 24,000", "EUR 72,000"):
        assert figure in page, figure
    assert page.count('role="img"') == 2
    assert '<title id="mentions-title">Mentions per hour about Payment gateway</title>' in page
    assert (
        '<desc id="debt-desc">Reputational debt over 60 days: EUR 48,000, 95% interval EUR 24,000 to EUR 72,000.'
        in page
    )
    assert '<table class="sr-only">' in page  # the plotted numbers, for screen readers
    assert "<script" not in page and "http" not in page.split("<body>")[1]  # nothing runs, nothing is fetched


def test_its_colours_meet_wcag_aa_contrast() -> None:
    for key in ("text", "muted"):
        assert contrast(PALETTE[key], PALETTE["background"]) >= 4.5, key
        assert contrast(PALETTE[key], PALETTE["panel"]) >= 4.5, key
    for key in ("line", "mentions", "negative", "span_edge", "debt"):
        assert contrast(PALETTE[key], PALETTE["background"]) >= 3.0, key
    assert contrast(PALETTE["good"], PALETTE["background"]) >= 4.5
    assert contrast(PALETTE["bad"], PALETTE["bad_background"]) >= 4.5
    assert contrast(PALETTE["text"], PALETTE["span"]) >= 4.5


def test_a_long_timeline_keeps_its_first_and_last_events() -> None:
    head, hidden, tail = trimmed(list(range(20)), 9)
    assert (list(head), hidden, list(tail)) == ([0, 1, 2, 3, 4, 5], 11, [17, 18, 19])
    assert trimmed([1, 2], 9) == ([1, 2], 0, ())


def test_the_pdf_is_one_a4_page_that_names_the_incident(outage: IncidentReport) -> None:
    pdf = render_pdf(outage)
    assert pdf.startswith(b"%PDF")
    assert page_count(pdf) == 1
    assert b"/MediaBox [0 0 595.2" in pdf_parts(pdf)  # A4: 210 mm = 595.3 pt
    texts = pdf_texts(pdf)
    assert any("Card payments declined" in text for text in texts)
    assert any("EUR 48,000" in text for text in texts)


def test_an_incident_with_much_to_say_still_prints_on_one_page(session: Session) -> None:
    incident = payment_outage(session)
    for n in range(40):
        update_incident(
            session,
            incident.id,
            Change(message=f"Follow-up {n}: we are still checking refunds for double charges with the provider."),
            actor="user:alice",
            now=RESOLVED + timedelta(minutes=5 + n),
        )
    report = report_of(session, incident.id)
    assert len(report.timeline) > DETAIL[0].timeline
    assert page_count(render_pdf(report)) == 1


def test_without_weasyprint_the_pdf_names_the_extra_to_install(
    outage: IncidentReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    with pytest.raises(PdfUnavailable) as raised:
        render_pdf(outage)
    assert raised.value.status_code == 501
    assert "pip install 'trustops[reports]'" in raised.value.message


def test_weasyprint_reads_the_whole_page_without_a_warning(
    outage: IncidentReport, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        render_pdf(outage)
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []
