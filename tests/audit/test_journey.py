"""The live tracker check: a checkout whose submit waits for a "tracker" script completes normally and not
with the tracker blocked; one with a first-party fallback completes both ways.

Two loopback servers: the shop, and the "tracker" that serves a tag which calls ``event_callback``s, mapped
to a tracker through an injected domain list. The browser tests skip without /usr/bin/chromium (they fail in
CI, as the other browser tests do)."""

from __future__ import annotations

import os
import shutil
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from trustops.audit.families.journey import Step, check_journey, load_journeys, parse_steps
from trustops.audit.findings import AuditWarning, Severity
from trustops.audit.scanner import audit

CHROMIUM = "/usr/bin/chromium"
needs_chromium = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None and os.environ.get("CI") != "true", reason=f"{CHROMIUM} not found"
)

TAG = """(function () {
  function handle(args) { var o = args && args[2]; if (o && o.event_callback) setTimeout(o.event_callback, 10); }
  window.dataLayer.forEach(handle);
  window.dataLayer.push = function (args) { handle(args); return 0; };
})();"""

CHECKOUT = """<!doctype html><html><head>
<script>window.dataLayer = []; function gtag() { dataLayer.push(arguments); }</script>
<script async src="TRACKER/tag.js"></script>
</head><body><main><form id="pay" action="/thanks" method="post">
<input id="card" name="card"><button type="submit">Pay</button></form></main>
<script>
document.getElementById('pay').addEventListener('submit', function (event) {
  event.preventDefault();
  var form = this, sent = false;
  var go = function () { if (!sent) { sent = true; form.submit(); } };
  gtag('event', 'purchase', { event_callback: go });
  FALLBACK
});
</script></body></html>"""

THANKS = '<!doctype html><html><body><h1 id="done">Thank you</h1></body></html>'


def serve(pages: dict[str, str]) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.answer()

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            self.answer()

        def answer(self) -> None:
            body = pages.get(self.path.split("?")[0])
            kind = "application/javascript" if self.path.endswith(".js") else "text/html"
            self.send_response(200 if body is not None else 404)
            self.send_header("content-type", kind)
            self.end_headers()
            self.wfile.write((body or "not found").encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="module")
def sites() -> Iterator[tuple[str, str]]:
    tracker, tracker_host = serve({"/tag.js": TAG})
    checkout = CHECKOUT.replace("TRACKER", f"http://{tracker_host}")
    shop, shop_host = serve(
        {
            "/checkout": checkout.replace("FALLBACK", ""),
            "/checkout-safe": checkout.replace("FALLBACK", "setTimeout(go, 300);"),
            "/thanks": THANKS,
        }
    )
    yield f"http://{shop_host}", tracker_host
    for server in (shop, tracker):
        server.shutdown()
        server.server_close()


STEPS = [{"fill": {"#card": "4242 4242 4242 4242"}}, {"submit": "#pay"}, {"expect": "#done"}]


@pytest.mark.browser
@needs_chromium
def test_a_checkout_that_waits_for_the_tracker_callback_needs_trackers(sites: tuple[str, str]) -> None:
    shop, tracker = sites
    warnings: list[AuditWarning] = []
    findings = check_journey(f"{shop}/checkout", STEPS, tracker_domains=[tracker], timeout=3, warn=warnings.append)
    assert warnings == []
    (finding,) = findings
    assert (finding.rule, finding.severity, finding.location.url) == (
        "tracking/journey-needs-trackers",
        Severity.HIGH,
        f"{shop}/checkout",
    )
    assert "step 3 (expect #done)" in finding.message
    assert "4242" not in finding.evidence + finding.message  # what was typed is never echoed


@pytest.mark.browser
@needs_chromium
def test_a_checkout_with_a_first_party_fallback_completes_with_trackers_blocked(sites: tuple[str, str]) -> None:
    shop, tracker = sites
    warnings: list[AuditWarning] = []
    findings = check_journey(f"{shop}/checkout-safe", STEPS, tracker_domains=[tracker], timeout=3, warn=warnings.append)
    assert (findings, warnings) == ([], [])


@pytest.mark.browser
@needs_chromium
def test_a_journey_that_fails_even_with_trackers_allowed_is_a_warning(sites: tuple[str, str]) -> None:
    shop, tracker = sites
    warnings: list[AuditWarning] = []
    steps = [{"expect": "#no-such-element"}]
    assert check_journey(f"{shop}/thanks", steps, tracker_domains=[tracker], timeout=1, warn=warnings.append) == []
    (warning,) = warnings
    assert "fails even with trackers allowed, at step 1 (expect #no-such-element)" in warning.message


@pytest.mark.browser
@needs_chromium
def test_the_family_runs_the_journeys_of_a_journey_file(sites: tuple[str, str], tmp_path: Path) -> None:
    shop, tracker = sites
    journey = tmp_path / "journeys.yaml"
    journey.write_text(
        f"timeout: 3\ntrackers: ['{tracker}']\njourneys:\n"
        f"  - name: checkout\n    start: {shop}/checkout\n    steps:\n"
        "      - submit: '#pay'\n      - expect: '#done'\n"
    )
    report = audit([str(tmp_path / "empty")], selected=["tracking"], options={"tracking.journey": str(journey)})
    assert [f.rule for f in report.findings] == ["tracking/journey-needs-trackers"]


def test_steps_are_read_from_their_yaml_form() -> None:
    steps = parse_steps([{"click": "a.next"}, {"fill": {"#email": "a@b.example"}}, {"submit": "form"}])
    assert steps == (
        Step("click", "a.next"),
        Step("fill", "#email", (("#email", "a@b.example"),)),
        Step("submit", "form"),
    )
    assert str(steps[1]) == "fill #email"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("journeys: 3", "expected a mapping with journeys"),
        ("start: http://x\nsteps: [{hover: a}]", "'hover' is not a step"),
        ("start: http://x\nsteps: [{fill: a}]", "fill expects"),
        ("start: http://x\ntimeout: -1", "timeout: expected a positive number"),
        ("start: [", "cannot be read as YAML or JSON"),
    ],
)
def test_a_malformed_journey_file_is_a_warning(tmp_path: Path, content: str, problem: str) -> None:
    journey = tmp_path / "journey.yaml"
    journey.write_text(content)
    report = audit([str(tmp_path)], selected=["tracking"], options={"tracking.journey": str(journey)})
    assert report.findings == []
    (warning,) = report.warnings
    assert warning.target == str(journey) and problem in warning.message


def test_a_single_journey_may_be_written_at_the_top_level() -> None:
    journeys, timeout, trackers = load_journeys({"start": "http://x/cart", "steps": [{"click": "#go"}]})
    assert [(j.name, j.start, len(j.steps)) for j in journeys] == [("http://x/cart", "http://x/cart", 1)]
    assert (timeout, trackers) == (10.0, ())


def test_without_playwright_the_check_is_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)
    warnings: list[AuditWarning] = []
    assert check_journey("http://127.0.0.1:9/checkout", [], warn=warnings.append) == []
    assert ["needs Playwright" in w.message for w in warnings] == [True]
