"""The live tracker check: run a critical journey in Chromium twice, normally and with every request to a
tracker domain aborted, and report ``tracking/journey-needs-trackers`` (high) when it completes only with
the trackers allowed (rules.md §8: the same test as Playwright's ``page.route(...).abort()`` or Lighthouse's
``--blocked-url-patterns``).

A journey file (YAML or JSON, ``trustops audit --journey FILE``; the option ``tracking.journey`` holds its
path or its parsed content)::

    timeout: 10                      # seconds per step (optional, default 10)
    trackers: [stats.example.com]    # extra tracker domains (optional)
    journeys:
      - name: checkout
        start: https://shop.example/cart
        steps:
          - click: "a[href='/checkout']"          # click an element
          - fill: {"#email": "test@example.com"}  # type into fields (CSS selector: value)
          - submit: "form#payment"                # submit a form as a visitor would (its submit handlers run)
          - goto: https://shop.example/account    # open a URL
          - expect: "#order-confirmed"            # wait until an element is visible: the journey's proof

A file with one journey may put ``start`` and ``steps`` at the top level. A journey that fails even with
trackers allowed is a warning (the journey or the site needs fixing first), not a finding. Without Playwright
or a Chromium the check is a warning too: install ``playwright`` and Debian's ``chromium`` (Playwright's own
``playwright install`` needs the internet).
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from trustops.audit.families.tracking import (
    NEEDS,
    SOURCE_RULES,
    Tracker,
    find_tracker,
    short_url,
    tracker_list,
    trackers_from,
)
from trustops.audit.findings import AuditWarning, Finding, Location, Severity

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
ACTIONS = ("goto", "click", "fill", "submit", "expect")
DEFAULT_TIMEOUT = 10.0
log = logging.getLogger(__name__)

SUBMIT = """element => {
  const form = element.tagName === 'FORM' ? element : (element.form || element.closest('form'));
  if (!form) { element.click(); return; }
  if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
}"""


class JourneyError(ValueError):
    """A journey file or step list that cannot be used."""


@dataclass(frozen=True)
class Step:
    action: str  # one of ACTIONS
    target: str  # a CSS selector, or the URL of a goto
    values: tuple[tuple[str, str], ...] = ()  # fill: (selector, value) pairs

    def __str__(self) -> str:
        if self.action == "fill":
            return "fill " + ", ".join(selector for selector, _ in self.values)  # never the values typed
        return f"{self.action} {self.target}"


@dataclass(frozen=True)
class Journey:
    name: str
    start: str
    steps: tuple[Step, ...]


@dataclass
class Run:
    """One pass of a journey: whether it completed, the step it stopped at and why, the trackers it met."""

    completed: bool = True
    failed_step: int = 0  # 1-based; 0 = none (or the start page)
    reason: str = ""
    trackers: list[str] = field(default_factory=list)  # tracker URLs requested (or aborted)


def parse_steps(steps: object) -> tuple[Step, ...]:
    """Steps from their YAML form: ``{click: css}``, ``{fill: {css: value}}``, ``{submit: css}``…"""
    if not isinstance(steps, list):
        raise JourneyError("steps: expected a list of {click|fill|submit|goto|expect: …}")
    parsed = []
    for index, item in enumerate(steps, 1):
        if not isinstance(item, dict) or len(item) != 1:
            raise JourneyError(f"steps[{index}]: expected one of {', '.join(ACTIONS)} with its selector")
        ((action, target),) = item.items()
        if action not in ACTIONS:
            raise JourneyError(f"steps[{index}]: {action!r} is not a step; use one of {', '.join(ACTIONS)}")
        if action == "fill":
            if not isinstance(target, dict) or not target:
                raise JourneyError(f"steps[{index}]: fill expects {{css selector: value}}")
            values = tuple((str(k), str(v)) for k, v in target.items())
            parsed.append(Step("fill", values[0][0], values))
        elif not isinstance(target, str) or not target.strip():
            raise JourneyError(f"steps[{index}]: {action} expects a non-empty string")
        else:
            parsed.append(Step(action, target))
    return tuple(parsed)


def load_journeys(source: object) -> tuple[list[Journey], float, tuple[str, ...]]:
    """Journeys, the step timeout and extra tracker domains from a journey file's path or parsed content."""
    data = source
    if isinstance(source, str | Path):
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
            data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
        except (OSError, ValueError, yaml.YAMLError) as exc:
            raise JourneyError(f"cannot be read as YAML or JSON: {str(exc).splitlines()[0][:200]}") from None
    if isinstance(data, Mapping) and "journeys" not in data:
        data = {**data, "journeys": [data]}
    if not isinstance(data, Mapping) or not isinstance(data.get("journeys"), list):
        raise JourneyError("expected a mapping with journeys: [{name, start, steps}]")
    journeys = []
    for index, item in enumerate(data["journeys"], 1):
        if not isinstance(item, Mapping) or not isinstance(item.get("start"), str):
            raise JourneyError(f"journeys[{index}]: expected start: URL and steps: [...]")
        try:
            steps = parse_steps(item.get("steps", []))
        except JourneyError as exc:
            raise JourneyError(f"journeys[{index}].{exc}") from None
        journeys.append(Journey(str(item.get("name") or item["start"]), item["start"], steps))
    timeout = data.get("timeout", DEFAULT_TIMEOUT)
    trackers = data.get("trackers") or []
    if not isinstance(timeout, int | float) or timeout <= 0:
        raise JourneyError("timeout: expected a positive number of seconds")
    if not isinstance(trackers, list) or not all(isinstance(d, str) for d in trackers):
        raise JourneyError("trackers: expected a list of domain names")
    return journeys, float(timeout), tuple(trackers)


def run_journeys(
    option: object, *, warn: Callable[[AuditWarning], None], tracker_domains: Sequence[Tracker] | None = None
) -> Iterator[Finding]:
    """Every journey of a journey file (the ``tracking.journey`` option), checked with trackers blocked."""
    target = str(option) if isinstance(option, str | Path) else "tracking.journey"
    try:
        journeys, timeout, extra = load_journeys(option)
    except JourneyError as exc:
        warn(AuditWarning(target, f"journey file: {exc}"))
        return
    trackers = tuple(tracker_domains or tracker_list()) + trackers_from(extra)
    for journey in journeys:
        yield from check_journey(
            journey.start, journey.steps, tracker_domains=trackers, timeout=timeout, name=journey.name, warn=warn
        )


def check_journey(
    start_url: str,
    steps: Sequence[Step] | Sequence[Mapping[str, Any]],
    *,
    tracker_domains: Iterable[str | Tracker] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    name: str | None = None,
    warn: Callable[[AuditWarning], None] | None = None,
    executable_path: str | None = CHROMIUM,
) -> list[Finding]:
    """Run the journey normally and with tracker requests aborted; a finding when only the first completes.

    ``steps`` are :class:`Step` s or their YAML form; ``tracker_domains`` default to the bundled list.
    Problems (no Playwright, no browser, a journey that fails anyway) go to ``warn`` (the log without it).
    """
    report = warn or (lambda warning: log.warning("%s: %s", warning.target, warning.message))
    name = name or start_url
    try:
        parsed = tuple(s if isinstance(s, Step) else parse_steps([dict(s)])[0] for s in steps)
    except JourneyError as exc:
        report(AuditWarning(name, f"journey: {exc}"))
        return []
    trackers = tracker_list() if tracker_domains is None else trackers_from(tracker_domains)
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        report(AuditWarning(name, "the live journey check needs Playwright: pip install playwright"))
        return []
    if executable_path and shutil.which(executable_path) is None:
        executable_path = None  # Playwright's own browser, if one was installed
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable_path, args=ARGS)
            try:
                normal = _run(browser, start_url, parsed, trackers, timeout, block=False)
                blocked = _run(browser, start_url, parsed, trackers, timeout, block=True)
            finally:
                browser.close()
    except Error as exc:
        report(AuditWarning(name, f"the browser could not run the journey: {_first_line(exc)}"))
        return []
    if not normal.completed:
        where = f"step {normal.failed_step} ({parsed[normal.failed_step - 1]})" if normal.failed_step else "start"
        report(AuditWarning(name, f"the journey fails even with trackers allowed, at {where}: {normal.reason}"))
        return []
    if blocked.completed:
        return []
    return [_finding(name, start_url, parsed, blocked, trackers)]


def _run(
    browser: Any, start: str, steps: Sequence[Step], trackers: Sequence[Tracker], timeout: float, *, block: bool
) -> Run:
    from playwright.sync_api import Error

    run = Run()
    context = browser.new_context()
    try:

        def route(route: Any) -> None:
            if find_tracker(route.request.url, trackers) is not None:
                run.trackers.append(route.request.url)
                route.abort("blockedbyclient")
            else:
                route.continue_()

        if block:
            context.route("**/*", route)
        page = context.new_page()
        if not block:
            page.on("request", lambda r: run.trackers.append(r.url) if find_tracker(r.url, trackers) else None)
        ms = timeout * 1000
        try:
            page.goto(start, timeout=ms, wait_until="domcontentloaded")
            for number, step in enumerate(steps, 1):
                run.failed_step = number
                _do(page, step, ms, SUBMIT)
            run.failed_step = 0
        except Error as exc:
            run.completed, run.reason = False, _first_line(exc)
    finally:
        context.close()
    return run


def _do(page: Any, step: Step, ms: float, submit: str) -> None:
    if step.action == "goto":
        page.goto(step.target, timeout=ms, wait_until="domcontentloaded")
    elif step.action == "click":
        page.click(step.target, timeout=ms)
    elif step.action == "fill":
        for selector, value in step.values:
            page.fill(selector, value, timeout=ms)
    elif step.action == "submit":
        page.locator(step.target).first.evaluate(submit, timeout=ms)
    else:
        page.wait_for_selector(step.target, state="visible", timeout=ms)


def _finding(name: str, start: str, steps: Sequence[Step], blocked: Run, trackers: Sequence[Tracker]) -> Finding:
    entities = sorted({t.entity for url in blocked.trackers if (t := find_tracker(url, trackers)) is not None})
    step = f"step {blocked.failed_step} ({steps[blocked.failed_step - 1]})" if blocked.failed_step else "the start"
    hosts = ", ".join(sorted({short_url(url).split("/")[2] for url in blocked.trackers if "//" in url})[:5])
    message = (
        f"The journey {name!r} completes with trackers allowed but not with them blocked: it stops at {step}, "
        f"so it depends on {', '.join(entities[:3]) or 'a tracker'}."
    )
    evidence = f"blocked {len(blocked.trackers)} tracker request(s) to {hosts}; {step} failed: {blocked.reason}"
    fix = (
        "Make the step work without the tracker: submit and navigate first-party (do not wait for the tag's "
        "callback or promise; send events with navigator.sendBeacon or `transport_type: 'beacon'`), load no "
        "tracker synchronously on this path, and keep this journey in CI with trackers blocked."
    )
    return Finding(NEEDS, Severity.HIGH, message, Location(url=start), evidence[:300], fix, (SOURCE_RULES,))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]
