"""The tracking family: critical pages that load trackers synchronously, code that waits for a tracker
before it navigates, and HAR journeys that stop where a tracker failed."""

from __future__ import annotations

from pathlib import Path

import pytest

from trustops.audit.families.tracking import critical_level, find_tracker, tracker_list, waits_for_tracker
from trustops.audit.findings import Report, Severity
from trustops.audit.scanner import audit

FIXTURES = Path(__file__).parent / "fixtures" / "tracking"
BLOCKING = "tracking/blocking-tracker-script"
WAITS = "tracking/navigation-waits-for-tracker"
STALLED = "tracking/journey-stalled-after-tracker-failure"


@pytest.fixture(scope="module")
def positive() -> Report:
    return audit([str(FIXTURES / "positive")], selected=["tracking"])


@pytest.fixture(scope="module")
def negative() -> Report:
    return audit([str(FIXTURES / "negative")], selected=["tracking"])


def found(report: Report, where: str) -> list[tuple[str, int, str]]:
    return sorted(
        (f.rule, f.location.line, f.severity.value)
        for f in report.findings
        if (f.location.url or f.location.path) == where
    )


POSITIVES = {
    "checkout/index.html": [(BLOCKING, 4, "high")],
    "payment.html": [(BLOCKING, 6, "high")],
    "login.html": [(BLOCKING, 3, "medium")],
    "cart.html": [(BLOCKING, 5, "medium")],
    "account/settings.html": [(BLOCKING, 4, "medium")],
    "basket.jinja": [(BLOCKING, 4, "medium")],
    "shop/templates/base.html": [(BLOCKING, 4, "high")],
    "site/partials/tags.html": [(BLOCKING, 1, "medium")],
    "wizard/step3.html": [(BLOCKING, 3, "high")],
    "rails/app/views/layouts/application.html.erb": [(BLOCKING, 5, "high")],
    "js/checkout.js": [(WAITS, 4, "high")],
    "js/cart.js": [(WAITS, 3, "high")],
    "src/CheckoutButton.tsx": [(WAITS, 6, "high")],
    "js/login.ts": [(WAITS, 2, "high")],
    "js/outbound.js": [(WAITS, 2, "high")],
    "js/payment-step.js": [(WAITS, 3, "high")],
    "js/signup.js": [(WAITS, 3, "high")],
    "js/add-to-cart.ts": [(WAITS, 2, "high")],
    "https://shop.example/checkout": [(BLOCKING, 0, "high")],
    "https://shop.example/checkout/payment": [(STALLED, 0, "medium")],
    "https://shop.example/account/login": [(BLOCKING, 0, "medium")],
}


@pytest.mark.parametrize("where", sorted(POSITIVES))
def test_each_positive_fixture_is_reported_with_its_rule_line_and_severity(positive: Report, where: str) -> None:
    assert found(positive, where) == POSITIVES[where]


def test_nothing_else_is_reported_among_the_positives(positive: Report) -> None:
    reported = {f.location.url or f.location.path for f in positive.findings}
    assert reported == set(POSITIVES)
    assert positive.warnings == []


NEGATIVES = sorted(
    p.relative_to(FIXTURES / "negative").as_posix() for p in (FIXTURES / "negative").rglob("*") if p.is_file()
)


def test_no_near_miss_is_reported(negative: Report) -> None:
    assert [(f.rule, str(f.location)) for f in negative.findings] == []
    assert negative.warnings == []


@pytest.mark.parametrize("name", NEGATIVES)
def test_each_near_miss_is_left_alone_on_its_own(name: str, tmp_path: Path) -> None:
    # Audited on its own, under its path, so that a negative is not hidden by the others.
    source = FIXTURES / "negative" / name
    copy = tmp_path / name
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_bytes(source.read_bytes())
    report = audit([str(tmp_path)], selected=["tracking"])
    assert report.findings == []


def test_a_tag_in_a_layout_is_reported_once_naming_the_checkout_page_that_extends_it(positive: Report) -> None:
    (finding,) = [f for f in positive.findings if f.location.path == "shop/templates/base.html"]
    assert "checkout page shop/templates/checkout/review.html" in finding.message
    assert finding.evidence == '<script src="https://tags.tiqcdn.com/utag/acme/main/prod/utag.js"></script>'


def test_a_layout_extended_only_by_marketing_pages_is_not_reported(tmp_path: Path) -> None:
    (tmp_path / "base.html").write_text('<head><script src="https://www.googletagmanager.com/gtm.js"></script></head>')
    (tmp_path / "landing.html").write_text('{% extends "base.html" %}{% block content %}Sale{% endblock %}')
    assert audit([str(tmp_path)], selected=["tracking"]).findings == []
    (tmp_path / "checkout.html").write_text('{% extends "base.html" %}{% block content %}Pay{% endblock %}')
    (finding,) = audit([str(tmp_path)], selected=["tracking"]).findings
    assert (finding.location.path, finding.location.line, finding.severity) == ("base.html", 1, Severity.HIGH)


def test_a_document_write_of_a_tracker_is_reported_once_as_written(positive: Report) -> None:
    (finding,) = [f for f in positive.findings if f.location.path == "account/settings.html"]
    assert "written with document.write" in finding.message


def test_the_evidence_of_a_har_finding_drops_the_query_string_that_may_carry_visitor_ids(positive: Report) -> None:
    (finding,) = [f for f in positive.findings if f.location.url == "https://shop.example/checkout"]
    assert "GTM-XYZ" not in finding.evidence and "gtm.js?…" in finding.evidence
    assert finding.location.path == "har/checkout-blocking.har"


def test_every_finding_has_a_message_evidence_fix_and_sources(positive: Report) -> None:
    for finding in positive.findings:
        assert finding.message.endswith(".") and finding.fix and finding.sources
        assert 0 < len(finding.evidence) <= 300


@pytest.mark.parametrize(
    ("url", "entity"),
    [
        ("https://www.googletagmanager.com/gtm.js?id=GTM-1", "Google Tag Manager"),
        ("//static.hotjar.com/c/hotjar-1.js", "Hotjar"),
        ("https://cdn.segment.com/analytics.js/v1/k/analytics.min.js", "Segment"),
        ("https://assets.adobedtm.com/launch.min.js", "Adobe Experience Platform Launch"),
        ("https://sgtm.shop.example/gtm.js?id=GTM-1", "Google tag served first-party"),
    ],
)
def test_tracker_domains_match_by_host_suffix(url: str, entity: str) -> None:
    tracker = find_tracker(url)
    assert tracker is not None and tracker.entity == entity


@pytest.mark.parametrize(
    "url",
    [
        "https://code.jquery.com/jquery-3.7.1.min.js",
        "https://cdn.jsdelivr.net/npm/alpinejs",
        "https://js.stripe.com/v3/",
        "https://notgoogletagmanager.com/x.js",
        "/static/js/analytics.js",
        "http://[broken",
    ],
)
def test_libraries_payment_sdks_and_look_alike_hosts_are_not_trackers(url: str) -> None:
    assert find_tracker(url) is None


def test_the_bundled_list_is_a_compact_list_of_well_known_trackers() -> None:
    domains = [t.domain for t in tracker_list()]
    assert 80 <= len(domains) <= 150 and len(domains) == len(set(domains))
    assert {"googletagmanager.com", "doubleclick.net", "connect.facebook.net", "clarity.ms"} <= set(domains)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("templates/checkout/review.html", (Severity.HIGH, "checkout")),
        ("app/views/payments/new.html.erb", (Severity.HIGH, "payment")),
        ("src/pages/SignIn.tsx", (Severity.MEDIUM, "signin")),
        ("https://shop.example/my-account/orders", (Severity.MEDIUM, "account")),
        ("https://shop.example/basket", (Severity.MEDIUM, "basket")),
        ("templates/checkout/thank-you.html", None),
        ("templates/blog/payroll-tips.html", None),
        ("templates/about.html", None),
    ],
)
def test_critical_paths_are_recognised_by_their_words(path: str, expected: object) -> None:
    assert critical_level(path) == expected


def test_a_gtag_call_without_a_callback_does_not_count_as_waiting() -> None:
    assert list(waits_for_tracker("gtag('event', 'purchase', { value: 1 }); form.submit();")) == []


def test_event_timeout_alone_does_not_excuse_a_callback_that_navigates() -> None:
    code = "dataLayer.push({event: 'x', eventTimeout: 500, eventCallback: () => { location.href = '/pay'; }});"
    assert [line for line, _, _ in waits_for_tracker(code)] == [1]


def test_unbalanced_code_and_odd_markup_are_read_without_raising(tmp_path: Path) -> None:
    (tmp_path / "checkout.js").write_text("gtag('event', 'x', { event_callback: function () { form.submit( ")
    (tmp_path / "checkout.html").write_text('<head><script src="http://[::1"></script><script src=></head>')
    (tmp_path / "payment.html").write_bytes(b"\xff\xfe<\x00h\x00")
    report = audit([str(tmp_path)], selected=["tracking"])
    assert report.findings == []


def test_a_malformed_har_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "checkout.har").write_text('{"log": {"entries": "nope"}}')
    report = audit([str(tmp_path)], selected=["tracking"])
    assert report.findings == [] and [w.target for w in report.warnings] == ["checkout.har"]


def test_extra_tracker_domains_come_from_the_options(tmp_path: Path) -> None:
    (tmp_path / "login.html").write_text('<head><script src="https://stats.acme.example/t.js"></script></head>')
    assert audit([str(tmp_path)], selected=["tracking"]).findings == []
    report = audit([str(tmp_path)], selected=["tracking"], options={"tracking.trackers": ["acme.example"]})
    assert [(f.rule, f.location.line) for f in report.findings] == [(BLOCKING, 1)]


def test_malformed_tracker_options_are_a_warning(tmp_path: Path) -> None:
    report = audit([str(tmp_path)], selected=["tracking"], options={"tracking.trackers": "acme.example"})
    assert [w.target for w in report.warnings] == ["tracking.trackers"]
